"""A yes/no JSON-schema check compiled to Python closures: the fast path before jsonschema.

Most files are valid, and answering "valid?" for the schema subset the project
uses (draft-07: type, properties, patternProperties, additionalProperties,
items, oneOf/anyOf/allOf, enum, required, format, minimum/maximum,
uniqueItems, local $ref) is ~10x cheaper than jsonschema's full error
collection, which runs only when this says "invalid".
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]
_OBJECT = {"properties", "patternProperties", "additionalProperties"}
_IGNORED = {"description", "title", "$schema", "$id", "default", "definitions", "deprecated"}


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "integer": _is_int,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def _any_of(tests: list[Check]) -> Check:
    """True when one of `tests` is (one test alone is called directly: this runs per value)."""
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda value: first(value) or second(value)
    return lambda value: any(test(value) for test in tests)


def equal(a: Any, b: Any) -> bool:
    """JSON equality: `true` is not `1`, `1` is `1.0`."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b or (
        isinstance(a, (int, float)) and isinstance(b, (int, float)) and a == b)


class Compiler:
    """Compiles one root schema; `$ref`s are compiled once and shared."""

    def __init__(self, root: dict[str, Any], formats: Mapping[str, Check]) -> None:
        self.root = root
        self.formats = formats
        self.refs: dict[str, Check] = {}

    def compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return lambda value: True
        if schema is False:
            return lambda value: False
        checks = [self._keyword(key, value, schema) for key, value in schema.items()
                  if key not in _IGNORED and key not in _OBJECT and not key.startswith("x-")]
        if _OBJECT & schema.keys():
            checks.append(self._object(schema))
        kept = [c for c in checks if c is not None]
        if len(kept) == 1:
            return kept[0]

        def every(value: Any) -> bool:
            for check in kept:
                if not check(value):
                    return False
            return True
        return every

    def _object(self, schema: dict[str, Any]) -> Check:
        """properties, patternProperties and additionalProperties in one pass over the keys."""
        props = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
        pats = [(re.compile(p).search, self.compile(sub))
                for p, sub in schema.get("patternProperties", {}).items()]
        extra = schema.get("additionalProperties", True)
        rest = None if extra is True else self.compile(extra)

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for key, item in value.items():
                test = props.get(key)
                matched = test is not None
                if matched and not test(item):      # type: ignore[misc]
                    return False
                for search, sub in pats:
                    if search(key):
                        matched = True
                        if not sub(item):
                            return False
                if not matched and rest is not None and not rest(item):
                    return False
            return True
        return check

    def _ref(self, ref: str) -> Check:
        if ref not in self.refs:
            node: Any = self.root
            for step in ref.lstrip("#/").split("/"):
                node = node[step]
            self.refs[ref] = lambda value: True      # placeholder while compiling cycles
            compiled = self.compile(node)
            self.refs[ref] = compiled
        refs = self.refs
        return lambda value: refs[ref](value)

    def _keyword(self, key: str, arg: Any, schema: dict[str, Any]) -> Check | None:
        builder = getattr(self, "_k_" + key.replace("$", ""), None)
        if builder is None:
            raise ValueError(f"fastcheck does not support the keyword {key!r}")
        return builder(arg, schema)  # type: ignore[no-any-return]

    def _k_ref(self, arg: str, schema: dict[str, Any]) -> Check:
        return self._ref(arg)

    def _k_type(self, arg: Any, schema: dict[str, Any]) -> Check:
        tests = [_TYPES[t] for t in ([arg] if isinstance(arg, str) else arg)]
        return _any_of(tests)

    def _k_required(self, arg: list[str], schema: dict[str, Any]) -> Check:
        if len(arg) == 1:
            key = arg[0]
            return lambda value: not isinstance(value, dict) or key in value
        return lambda value: not isinstance(value, dict) or all(k in value for k in arg)

    def _k_items(self, arg: Any, schema: dict[str, Any]) -> Check:
        item = self.compile(arg)

        def check(value: Any) -> bool:
            if isinstance(value, list):
                for v in value:
                    if not item(v):
                        return False
            return True
        return check

    def _kinds(self, schema: Any) -> set[str] | None:
        """The JSON types a branch can accept, or None when it does not say."""
        while isinstance(schema, dict) and "$ref" in schema:
            node: Any = self.root
            for step in schema["$ref"].lstrip("#/").split("/"):
                node = node[step]
            schema = node
        kinds = schema.get("type") if isinstance(schema, dict) else None
        if kinds is None:
            return None
        return {kinds} if isinstance(kinds, str) else set(kinds)

    def _k_oneOf(self, arg: list[Any], schema: dict[str, Any]) -> Check:
        branches = [self.compile(b) for b in arg]
        kinds = [self._kinds(b) for b in arg]
        wide = [k | {"number"} if k and "integer" in k else k for k in kinds]
        known = [k for k in wide if k is not None]
        if len(known) == len(wide) and sum(len(k) for k in known) == len(set().union(*known)):
            # disjoint types (e.g. string | list): only the branch of the value's type can match
            tests = [(_any_of([_TYPES[t] for t in k]), b)                # type: ignore[union-attr]
                     for k, b in zip(kinds, branches)]

            def dispatch(value: Any) -> bool:
                for is_kind, branch in tests:
                    if is_kind(value):
                        return branch(value)
                return False
            return dispatch
        return lambda value: sum(1 for b in branches if b(value)) == 1

    def _k_anyOf(self, arg: list[Any], schema: dict[str, Any]) -> Check:
        branches = [self.compile(b) for b in arg]
        return lambda value: any(b(value) for b in branches)

    def _k_allOf(self, arg: list[Any], schema: dict[str, Any]) -> Check:
        branches = [self.compile(b) for b in arg]
        return lambda value: all(b(value) for b in branches)

    def _k_enum(self, arg: list[Any], schema: dict[str, Any]) -> Check:
        return lambda value: any(equal(value, option) for option in arg)

    def _k_format(self, arg: str, schema: dict[str, Any]) -> Check | None:
        return self.formats.get(arg)     # unknown formats pass, as in jsonschema

    def _k_minimum(self, arg: float, schema: dict[str, Any]) -> Check:
        return lambda value: not _TYPES["number"](value) or value >= arg

    def _k_maximum(self, arg: float, schema: dict[str, Any]) -> Check:
        return lambda value: not _TYPES["number"](value) or value <= arg

    def _k_pattern(self, arg: str, schema: dict[str, Any]) -> Check:
        pat = re.compile(arg)
        return lambda value: not isinstance(value, str) or pat.search(value) is not None

    def _k_uniqueItems(self, arg: bool, schema: dict[str, Any]) -> Check | None:
        if not arg:
            return None

        def check(value: Any) -> bool:
            if not isinstance(value, list):
                return True
            if all(isinstance(v, str) for v in value):
                return len(set(value)) == len(value)
            return not any(equal(a, b) for i, a in enumerate(value) for b in value[i + 1:])
        return check


def compile_schema(schema: dict[str, Any], formats: Mapping[str, Check]) -> Check:
    """A function `instance -> bool` equivalent to jsonschema's `is_valid` for `schema`."""
    return Compiler(schema, formats).compile(schema)

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


def _always(value: Any) -> bool:
    """A schema that accepts everything (`{}`, or only annotations): callers may skip it."""
    return True


def _key_test(pattern: str) -> Callable[[Any], object]:
    """A patternProperties pattern as a test of one key.  `^x-` and other patterns that
    are a literal prefix test a string key with `startswith` (a regex search per key of
    every mapping was a tenth of the check); any other key goes to the regex, as before."""
    search = re.compile(pattern).search
    prefix = pattern[1:]
    if not pattern.startswith("^") or re.escape(prefix) != prefix.replace("-", "\\-"):
        return search
    return lambda key: key.startswith(prefix) if key.__class__ is str else search(key)


# type checks that are one isinstance (not integer or number: those exclude bool)
_INLINE: dict[Check, Any] = {_TYPES["string"]: str, _TYPES["boolean"]: bool,
                             _TYPES["object"]: dict, _TYPES["array"]: list}


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

    @staticmethod
    def _pending(value: Any) -> bool:
        return True

    def compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return _always
        if schema is False:
            return lambda value: False
        # `type: object` with properties: the object check tests the type itself (one
        # call, one isinstance per mapping instead of two)
        mapping = _OBJECT & schema.keys() and schema.get("type") == "object"
        checks = [self._keyword(key, value, schema) for key, value in schema.items()
                  if key not in _IGNORED and key not in _OBJECT and not key.startswith("x-")
                  and not (mapping and key == "type")]
        if _OBJECT & schema.keys():
            checks.append(self._object(schema, bool(mapping)))
        kept = [c for c in checks if c is not None]
        if not kept:
            return _always
        if len(kept) == 1:
            return kept[0]
        if len(kept) == 2:
            first, second = kept
            return lambda value: first(value) and second(value)

        def every(value: Any) -> bool:
            for check in kept:
                if not check(value):
                    return False
            return True
        return every

    def _object(self, schema: dict[str, Any], mapping: bool = False) -> Check:
        """properties, patternProperties and additionalProperties in one pass over the keys;
        with `mapping`, also `type: object` (a value that is no mapping fails)."""
        # a property whose schema is only a type: its Python type, tested inline (no call)
        props = {name: _INLINE.get(test, test) for name, sub in
                 schema.get("properties", {}).items() for test in (self.compile(sub),)}
        pats = [(_key_test(p), self.compile(sub))
                for p, sub in schema.get("patternProperties", {}).items()]
        extra = schema.get("additionalProperties", True)
        rest = None if extra is True else self.compile(extra)
        if rest is _always:
            rest = None
        other = not mapping         # what a value that is no mapping gives

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return other
            for key, item in value.items():
                test = props.get(key)
                matched = test is not None
                if test.__class__ is type:
                    if not isinstance(item, test):
                        return False
                elif matched and test is not _always and not test(item):   # type: ignore[misc]
                    return False
                for search, sub in pats:
                    if search(key):
                        matched = True
                        if sub is not _always and not sub(item):
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
            self.refs[ref] = self._pending            # placeholder while compiling cycles
            compiled = self.compile(node)
            self.refs[ref] = compiled
        refs = self.refs
        if refs[ref] is not self._pending:
            return refs[ref]          # compiled: called directly, not looked up per value
        return lambda value: refs[ref](value)     # a cycle: resolved when it is called

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

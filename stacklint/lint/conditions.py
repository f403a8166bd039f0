"""The declarative condition language of rule files: paths, ~12 operators, combinators.

`compile_condition` reads a condition once into closures (no generated source), which the
engine calls per service; `evaluate` compiles and calls.  Each operator is one function.
"""
# No `from __future__ import annotations`: a NamedTuple below would compile its string
# annotations at import, start-up time of every command (see model.py).

import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from stacklint.gotypes import byte_size as parse_bytes
from stacklint.gotypes import duration_seconds as parse_duration
from stacklint.gotypes import number as parse_number
from stacklint.errors import RuleDefinitionError

Pointer = tuple[Any, ...]
# `a.b`, `a[*]`, `a[0]`, `a["key.with.dots"]`
_STEP = re.compile(r"""([^.\[\]"']+)|\[(\*|\d+)\]|\[(["'])(.*?)\3\]""")
CONVERTERS: dict[str, Callable[[object], Any]] = {
    "number": parse_number, "bytes": parse_bytes, "duration": parse_duration,
    "string": lambda v: None if v is None else str(v),
}
COMBINATORS = ("all", "any", "not")
_MISSING = object()


class Result(NamedTuple):
    """Whether a condition holds, and the values (pointers) that made it hold."""

    ok: bool
    witnesses: tuple[Pointer, ...] = ()


@lru_cache(maxsize=None)     # rule paths are constants, evaluated once per service
def parse_path(path: str) -> tuple[Any, ...]:
    """`ports[*].published` -> ('ports', '*', 'published'); `[0]` -> 0; `["a.b"]` -> 'a.b'."""
    steps: list[Any] = []
    pos = 0
    for match in _STEP.finditer(path):
        between = path[pos:match.start()]
        if between not in ("", "."):
            raise ValueError(path)
        name, index, _, quoted = match.groups()
        if quoted is not None:
            steps.append(quoted)
        else:
            steps.append(name if name is not None else ("*" if index == "*" else int(index)))
        pos = match.end()
    if not steps or path[pos:]:
        raise ValueError(path)
    return tuple(steps)


def resolve(node: Any, steps: tuple[Any, ...], base: Pointer = ()) -> Iterator[tuple[Pointer, Any]]:
    """Every (pointer, value) that `steps` reaches from `node`; `*` fans out."""
    if not steps:
        yield base, node
        return
    step, rest = steps[0], steps[1:]
    if step == "*":
        if isinstance(node, dict):
            for key, value in node.items():
                yield from resolve(value, rest, (*base, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from resolve(value, rest, (*base, i))
    elif isinstance(step, int):
        if isinstance(node, list) and -len(node) <= step < len(node):
            yield from resolve(node[step], rest, (*base, step))
    elif isinstance(node, dict) and step in node:
        yield from resolve(node[step], rest, (*base, step))


def first_value(node: Any, steps: tuple[Any, ...]) -> Any:
    """The first value `steps` reaches from `node`, or None."""
    if "*" in steps:
        return next((v for _, v in resolve(node, steps)), None)
    value = _value_at(node, steps)
    return None if value is _MISSING else value


def _value_at(node: Any, steps: tuple[Any, ...]) -> Any:
    """The value a path without `*` (most rule paths) reaches, or _MISSING; no recursion."""
    for step in steps:
        if isinstance(step, int):
            if not (isinstance(node, list) and -len(node) <= step < len(node)):
                return _MISSING
        elif not (isinstance(node, dict) and step in node):
            return _MISSING
        node = node[step]
    return node


def _num(value: Any, as_: str | None) -> Any:
    if as_ is None:
        return parse_number(value) if not isinstance(value, (int, float)) else value
    return CONVERTERS[as_](value)


def _ordering(test: Callable[[Any, Any], bool], value: Any, arg: Any, as_: str | None) -> bool:
    left, right = _num(value, as_), _num(arg, as_)
    return left is not None and right is not None and bool(test(left, right))


def _equals(value: Any, arg: Any, as_: str | None) -> bool:
    if as_ is not None:
        return bool(CONVERTERS[as_](value) == CONVERTERS[as_](arg))
    if isinstance(value, bool) or isinstance(arg, bool):   # 1 is not `true` in YAML 1.2
        return value is arg
    return bool(value == arg)


def _in(value: Any, arg: Any, as_: str | None) -> bool:
    return any(_equals(value, choice, as_) for choice in arg)


def _regex(value: Any, arg: Any, as_: str | None) -> bool:
    # `re` caches compiled patterns, so a rule's pattern is compiled once per run
    return (value is not None and not isinstance(value, (dict, list))
            and re.search(arg, str(value)) is not None)


def _contains(value: Any, arg: Any, as_: str | None) -> bool:
    if isinstance(value, (list, dict)):
        return arg in value
    return isinstance(value, str) and str(arg) in value


def _gt(value: Any, arg: Any, as_: str | None) -> bool:
    return _ordering(operator.gt, value, arg, as_)


def _ge(value: Any, arg: Any, as_: str | None) -> bool:
    return _ordering(operator.ge, value, arg, as_)


def _lt(value: Any, arg: Any, as_: str | None) -> bool:
    return _ordering(operator.lt, value, arg, as_)


def _le(value: Any, arg: Any, as_: str | None) -> bool:
    return _ordering(operator.le, value, arg, as_)


def _length(value: Any, arg: Any, as_: str | None) -> bool:
    if not isinstance(value, (list, dict, str)):
        return False
    spec = arg if isinstance(arg, dict) else {"equals": arg}
    return all(OPERATORS[name](len(value), want, None) for name, want in spec.items())


OPERATORS: dict[str, Callable[[Any, Any, str | None], bool]] = {
    "equals": _equals, "in": _in, "regex": _regex, "contains": _contains,
    "gt": _gt, "ge": _ge, "lt": _lt, "le": _le, "length": _length,
}
# `exists` is evaluated over the whole path (a path that reaches nothing does not exist)
OPERATOR_NAMES = ("exists", *OPERATORS)


def evaluate(cond: Mapping[str, Any], node: Any, options: Mapping[str, Any]) -> Result | None:
    """Whether `cond` holds for `node`, with its witnesses; None when `when_option` switched
    it (or every part of it) off.  Every part is evaluated, in order (no short cut), so a part
    that cannot run raises whatever the others answer."""
    return compile_condition(cond)(node, options)


# a `match`'s path steps, whether it fans out, the operator's name, its argument and `as`
_Read = tuple[tuple[Any, ...], bool, str, Any, str | None]
# id(spec) -> (spec, what `_read` took from it); the spec is kept, so the id stays its own
_READ: dict[int, tuple[Mapping[str, Any], _Read]] = {}


def _read(spec: Mapping[str, Any]) -> _Read:
    """The path's steps, whether it fans out, the operator's name, its argument and `as`:
    read once per `match` of a rule, not once per service."""
    entry = _READ.get(id(spec))
    if entry is None or entry[0] is not spec:
        steps = parse_path(spec["path"])
        name = "exists" if "exists" in spec else next(key for key in spec if key in OPERATORS)
        entry = (spec, (steps, "*" in steps, name, spec[name], spec.get("as")))
        _READ[id(spec)] = entry
    return entry[1]


TRUE, FALSE = Result(True), Result(False)
Compiled = Callable[[Any, Mapping[str, Any]], "Result | None"]


def compile_condition(cond: Mapping[str, Any]) -> Compiled:
    """The condition as one function of (node, options), what the engine calls once per
    service.  The condition is read once, here: each part becomes a closure over its
    parts (no generated source), so a service costs the operators' work only."""
    option = cond.get("when_option")
    if "all" in cond:
        inner = _all(cond["all"])
    elif "any" in cond:
        inner = _any(cond["any"])
    elif "not" in cond:
        inner = _not(cond["not"])
    else:
        inner = _match(cond["match"])
    if option is None:
        return inner

    def switched(node: Any, options: Mapping[str, Any]) -> Result | None:
        if options.get(option) in (None, False):
            return None
        return inner(node, options)
    return switched


def _results(parts: list[Compiled], node: Any, options: Mapping[str, Any]) -> list[Result]:
    """The results of the parts that are not switched off (each part runs: no short cut)."""
    return [r for r in [part(node, options) for part in parts] if r is not None]


def _all(conds: Iterable[Mapping[str, Any]]) -> Compiled:
    parts = [compile_condition(c) for c in conds]

    def all_(node: Any, options: Mapping[str, Any]) -> Result | None:
        results = _results(parts, node, options)
        if not results:
            return None
        if all(r.ok for r in results):
            return Result(True, tuple(w for r in results for w in r.witnesses))
        return FALSE
    return all_


def _any(conds: Iterable[Mapping[str, Any]]) -> Compiled:
    parts = [compile_condition(c) for c in conds]

    def any_(node: Any, options: Mapping[str, Any]) -> Result | None:
        results = _results(parts, node, options)
        if not results:
            return None
        hits = [r for r in results if r.ok]
        return Result(bool(hits), tuple(w for r in hits for w in r.witnesses))
    return any_


def _not(cond: Mapping[str, Any]) -> Compiled:
    inner = compile_condition(cond)

    def not_(node: Any, options: Mapping[str, Any]) -> Result | None:
        result = inner(node, options)
        return None if result is None else (FALSE if result.ok else TRUE)
    return not_


def _match(spec: Mapping[str, Any]) -> Compiled:
    """One operator over every value the path reaches; each value that holds is a witness
    (`exists`: each value that is present, and the condition holds when any is, or none)."""
    steps, fans, name, arg, as_ = _read(spec)
    if name == "exists":
        wanted = bool(arg)

        def exists(node: Any, options: Mapping[str, Any]) -> Result:
            if fans:
                present = tuple(p for p, v in resolve(node, steps) if v is not None)
            else:                                 # most rule paths: one direct look-up
                value = _value_at(node, steps)
                present = (steps,) if value is not _MISSING and value is not None else ()
            return Result(bool(present) == wanted, present)
        return exists
    from_option = isinstance(arg, dict) and set(arg) == {"option"}     # read per run
    test = OPERATORS[name]

    def match(node: Any, options: Mapping[str, Any]) -> Result:
        if fans:
            found: Iterable[tuple[Pointer, Any]] = resolve(node, steps)
        else:
            value = _value_at(node, steps)
            found = () if value is _MISSING else ((steps, value),)
        argument = options.get(arg["option"]) if from_option else arg
        hits = tuple(p for p, v in found if test(v, argument, as_))
        return Result(True, hits) if hits else FALSE
    return match


def check_condition(cond: Any, options: Mapping[str, Any], where: str) -> None:
    """Raise RuleDefinitionError for anything `evaluate` could not run."""
    def bad(why: str) -> RuleDefinitionError:
        return RuleDefinitionError(f"{why} in condition", where,
                                   hint=f"operators: {', '.join(OPERATOR_NAMES)}; "
                                        f"combinators: {', '.join(COMBINATORS)}")
    if not isinstance(cond, Mapping):
        raise bad(f"expected a mapping, got {cond!r}")
    option = cond.get("when_option")
    if option is not None and option not in options:
        raise bad(f"unknown option {option!r} in when_option")
    keys = [k for k in cond if k != "when_option"]
    if len(keys) != 1 or keys[0] not in (*COMBINATORS, "match"):
        raise bad(f"expected exactly one of all/any/not/match, got {keys}")
    key = keys[0]
    if key in ("all", "any"):
        if not isinstance(cond[key], list) or not cond[key]:
            raise bad(f"`{key}` needs a non-empty list")
        for part in cond[key]:
            check_condition(part, options, where)
    elif key == "not":
        check_condition(cond["not"], options, where)
    else:
        _check_match(cond["match"], options, bad)


def _check_match(spec: Any, options: Mapping[str, Any],
                 bad: Callable[[str], RuleDefinitionError]) -> None:
    if not isinstance(spec, Mapping) or "path" not in spec:
        raise bad("`match` needs a mapping with `path`")
    try:
        parse_path(str(spec["path"]))
    except ValueError:
        raise bad(f"bad path {spec['path']!r}") from None
    ops = [k for k in spec if k in OPERATOR_NAMES]
    unknown = [k for k in spec if k not in (*OPERATOR_NAMES, "path", "as")]
    if unknown or len(ops) != 1:
        raise bad(f"`match` needs exactly one operator, got {ops + unknown}")
    if spec.get("as") is not None and spec["as"] not in CONVERTERS:
        raise bad(f"unknown `as: {spec['as']}`")
    arg = spec[ops[0]]
    if isinstance(arg, Mapping) and set(arg) == {"option"} and arg["option"] not in options:
        raise bad(f"unknown option {arg['option']!r}")
    if ops[0] == "regex":
        try:
            re.compile(arg)
        except (re.error, TypeError) as exc:
            raise bad(f"bad regex {arg!r}: {exc}") from None
    if ops[0] == "in" and not isinstance(arg, list):
        raise bad("`in` needs a list")

"""The declarative condition language of rule files: paths, ~12 operators, combinators."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from stacklint.durations import parse_bytes, parse_duration, parse_number
from stacklint.errors import RuleDefinitionError

Pointer = tuple[Any, ...]
# `a.b`, `a[*]`, `a[0]`, `a["key.with.dots"]`
_STEP = re.compile(r"""([^.\[\]"']+)|\[(\*|\d+)\]|\[(["'])(.*?)\3\]""")
CONVERTERS: dict[str, Callable[[object], Any]] = {
    "number": parse_number, "bytes": parse_bytes, "duration": parse_duration,
    "string": lambda v: None if v is None else str(v),
}
COMBINATORS = ("all", "any", "not")


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


def _lookup(node: Any, steps: tuple[Any, ...]) -> list[tuple[Pointer, Any]]:
    """`resolve` for a path without `*` (most rule paths): at most one value, no recursion."""
    for step in steps:
        if isinstance(step, int):
            if not (isinstance(node, list) and -len(node) <= step < len(node)):
                return []
        elif not (isinstance(node, dict) and step in node):
            return []
        node = node[step]
    return [(steps, node)]


def _num(value: Any, as_: str | None) -> Any:
    if as_ is None:
        return parse_number(value) if not isinstance(value, (int, float)) else value
    return CONVERTERS[as_](value)


def _compare(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any, str | None], bool]:
    def op(value: Any, arg: Any, as_: str | None) -> bool:
        left, right = _num(value, as_), _num(arg, as_)
        return left is not None and right is not None and bool(test(left, right))
    return op


def _equals(value: Any, arg: Any, as_: str | None) -> bool:
    if as_ is not None:
        return CONVERTERS[as_](value) == CONVERTERS[as_](arg)
    if isinstance(value, bool) or isinstance(arg, bool):   # 1 is not `true` in YAML 1.2
        return value is arg
    return bool(value == arg)


def _length(value: Any, arg: Any, as_: str | None) -> bool:
    if not isinstance(value, (list, dict, str)):
        return False
    spec = arg if isinstance(arg, dict) else {"equals": arg}
    return all(OPERATORS[name](len(value), want, None) for name, want in spec.items())


def _contains(value: Any, arg: Any, as_: str | None) -> bool:
    if isinstance(value, (list, dict)):
        return arg in value
    return isinstance(value, str) and str(arg) in value


OPERATORS: dict[str, Callable[[Any, Any, str | None], bool]] = {
    "equals": _equals,
    "in": lambda v, arg, as_: any(_equals(v, a, as_) for a in arg),
    "regex": lambda v, arg, as_: v is not None and not isinstance(v, (dict, list))
    and re.search(arg, str(v)) is not None,
    "contains": _contains,
    "gt": _compare(lambda a, b: a > b),
    "ge": _compare(lambda a, b: a >= b),
    "lt": _compare(lambda a, b: a < b),
    "le": _compare(lambda a, b: a <= b),
    "length": _length,
}
# `exists` is evaluated over the whole path (a path that reaches nothing does not exist)
OPERATOR_NAMES = ("exists", *OPERATORS)


def evaluate(cond: Mapping[str, Any], node: Any, options: Mapping[str, Any]) -> Result | None:
    """Evaluate a condition against `node`; None when `when_option` switched it off."""
    option = cond.get("when_option")
    if option is not None and options.get(option) in (None, False):
        return None
    if "all" in cond:
        parts = [r for r in (evaluate(c, node, options) for c in cond["all"]) if r is not None]
        if not parts:
            return None
        ok = all(r.ok for r in parts)
        return Result(ok, tuple(w for r in parts for w in r.witnesses) if ok else ())
    if "any" in cond:
        parts = [r for r in (evaluate(c, node, options) for c in cond["any"]) if r is not None]
        if not parts:
            return None
        hits = [r for r in parts if r.ok]
        return Result(bool(hits), tuple(w for r in hits for w in r.witnesses))
    if "not" in cond:
        inner = evaluate(cond["not"], node, options)
        return None if inner is None else Result(not inner.ok)
    return _match(cond["match"], node, options)


def _match(spec: Mapping[str, Any], node: Any, options: Mapping[str, Any]) -> Result:
    _, steps, literal, name, as_, arg, option = _plan(spec)
    found = _lookup(node, steps) if literal else list(resolve(node, steps))
    if name == "exists":
        present = [p for p, v in found if v is not None]
        return Result(bool(present) == bool(arg), tuple(present))
    if option is not None:
        arg = options.get(option)
    test = OPERATORS[name]
    hits = tuple(p for p, v in found if test(v, arg, as_))
    return Result(bool(hits), hits)


# id(spec) -> what `_match` reads from it; the spec itself is kept, so the id stays its own
_PLANS: dict[int, tuple[Any, ...]] = {}


def _plan(spec: Mapping[str, Any]) -> tuple[Any, ...]:
    """A match's path, operator and argument, read once per spec instead of per service."""
    plan = _PLANS.get(id(spec))
    if plan is None or plan[0] is not spec:
        steps = parse_path(spec["path"])
        name = "exists" if "exists" in spec else next(k for k in spec if k in OPERATORS)
        arg = spec[name]
        option = arg["option"] if isinstance(arg, dict) and set(arg) == {"option"} else None
        plan = (spec, steps, "*" not in steps, name, spec.get("as"), arg, option)
        _PLANS[id(spec)] = plan
    return plan


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

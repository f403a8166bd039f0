"""The declarative condition language of rule files: paths, ~12 operators, combinators."""
from __future__ import annotations

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


def _getter(steps: tuple[Any, ...]) -> Callable[[Any], Any]:
    """`_value_at` for one path; a path of keys only (nearly all) is looked up with a
    plain `dict.get` per step."""
    if not all(isinstance(step, str) for step in steps):
        return lambda node: _value_at(node, steps)

    def value_at(node: Any) -> Any:
        for step in steps:
            if not isinstance(node, dict):
                return _MISSING
            node = node.get(step, _MISSING)
        return node
    return value_at


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


_ORDERINGS = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}
OPERATORS: dict[str, Callable[[Any, Any, str | None], bool]] = {
    "equals": _equals,
    "in": lambda v, arg, as_: any(_equals(v, a, as_) for a in arg),
    "regex": lambda v, arg, as_: v is not None and not isinstance(v, (dict, list))
    and re.search(arg, str(v)) is not None,
    "contains": _contains,
    **{name: _compare(order) for name, order in _ORDERINGS.items()},
    "length": _length,
}
# `exists` is evaluated over the whole path (a path that reaches nothing does not exist)
OPERATOR_NAMES = ("exists", *OPERATORS)


def evaluate(cond: Mapping[str, Any], node: Any, options: Mapping[str, Any]) -> Result | None:
    """Evaluate a condition against `node`; None when `when_option` switched it off."""
    return compile_condition(cond)(node, options)


Compiled = Callable[[Any, Mapping[str, Any]], "Result | None"]
TRUE, FALSE = Result(True), Result(False)
# id(cond) -> (cond, its function); the condition itself is kept, so the id stays its own
_COMPILED: dict[int, tuple[Any, Compiled]] = {}


def compile_condition(cond: Mapping[str, Any]) -> Compiled:
    """The condition as a function of (node, options), built once per condition: a rule's
    condition runs once per service, and walking its tree and reading its specs each
    time cost more than the tests themselves."""
    entry = _COMPILED.get(id(cond))
    if entry is None or entry[0] is not cond:
        entry = (cond, _build(cond))
        _COMPILED[id(cond)] = entry
    return entry[1]


def _build(cond: Mapping[str, Any]) -> Compiled:
    """One generated function for the whole condition (see `_Source`)."""
    source = _Source()
    ok, witnesses, off = source.condition(cond, 1)
    result = f"Result({ok}, {witnesses}) if {witnesses} else (TRUE if {ok} else FALSE)"
    source.line(1, f"return None if {off} else {result}" if off else f"return {result}")
    return source.function()


class _Source:
    """Python source for one condition: the commonest code of a run (every rule's
    condition, for every service), so written as one function instead of a call
    per part, per path step and per test.

    Each part `k` leaves locals `ok{k}` (it holds) and `w{k}` (its witnesses), and,
    when `when_option` can switch it off, `off{k}`.  Every part is evaluated, in
    order (no short cut), as the tree walk did, so a part that raises still raises.
    Paths with `*` and arguments read from options call the closures below.
    """

    def __init__(self) -> None:
        self.lines = ["def condition(node, options):"]
        self.scope: dict[str, Any] = {"_MISSING": _MISSING, "Result": Result, "TRUE": TRUE,
                                      "FALSE": FALSE}
        self.count = 0

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def constant(self, value: Any) -> str:
        name = f"c{len(self.scope)}"
        self.scope[name] = value
        return name

    def function(self) -> Compiled:
        exec("\n".join(self.lines), self.scope)       # noqa: S102 (keys written with repr)
        return self.scope["condition"]  # type: ignore[no-any-return]

    def condition(self, cond: Mapping[str, Any], depth: int) -> tuple[str, str, str | None]:
        """Write part `cond`; the names of its ok, witnesses and off (None: never off)."""
        self.count += 1
        k = self.count
        option = cond.get("when_option")
        if option is not None:
            self.line(depth, f"off{k} = options.get({option!r}) in (None, False)")
            self.line(depth, f"if not off{k}:")
            depth += 1
        if "all" in cond or "any" in cond:
            every = "all" in cond
            ok, witnesses, off = self.combined(k, cond["all" if every else "any"], every, depth)
        elif "not" in cond:
            ok, witnesses, off = self.negation(k, cond["not"], depth)
        else:
            ok, witnesses, off = self.match(k, cond["match"], depth)
        if option is None:
            return ok, witnesses, off
        if off:
            self.line(depth, f"off{k} = {off}")
        return ok, witnesses, f"off{k}"

    def combined(self, k: int, conds: list[Any], every: bool,
                 depth: int) -> tuple[str, str, str | None]:
        parts = [self.condition(c, depth) for c in conds]
        oks = [ok for ok, _, _ in parts]
        if parts and not any(off for _, _, off in parts):
            if every:
                self.line(depth, f"ok{k} = {' and '.join(oks)}")
                self.line(depth, f"w{k} = {' + '.join(w for _, w, _ in parts)} if ok{k} else ()")
            else:
                self.line(depth, f"ok{k} = {' or '.join(oks)}")
                self.line(depth, f"w{k} = " + " + ".join(f"({w} if {ok} else ())"
                                                          for ok, w, _ in parts))
            return f"ok{k}", f"w{k}", None
        # a part switched off does not count; with every part off, the whole is off
        self.line(depth, f"seen{k} = held{k} = failed{k} = False")
        self.line(depth, f"w{k} = ()")
        for ok, witnesses, off in parts:
            inner = depth
            if off:
                self.line(depth, f"if not {off}:")
                inner += 1
            self.line(inner, f"seen{k} = True")
            self.line(inner, f"if {ok}:")
            self.line(inner + 1, f"held{k} = True")
            self.line(inner + 1, f"w{k} += {witnesses}")
            self.line(inner, "else:")
            self.line(inner + 1, f"failed{k} = True")
        self.line(depth, f"ok{k} = {f'not failed{k}' if every else f'held{k}'}")
        self.line(depth, f"if not ok{k}:")
        self.line(depth + 1, f"w{k} = ()")
        return f"ok{k}", f"w{k}", f"not seen{k}"

    def negation(self, k: int, cond: Mapping[str, Any], depth: int) -> tuple[str, str, str | None]:
        ok, _, off = self.condition(cond, depth)
        if off:
            self.line(depth, f"if not {off}:")
            depth += 1
        self.line(depth, f"ok{k} = not {ok}")
        return f"ok{k}", "()", off

    def match(self, k: int, spec: Mapping[str, Any], depth: int) -> tuple[str, str, str | None]:
        steps = parse_path(spec["path"])
        name = "exists" if "exists" in spec else next(key for key in spec if key in OPERATORS)
        arg, as_ = spec[name], spec.get("as")
        option = arg["option"] if isinstance(arg, dict) and set(arg) == {"option"} else None
        if "*" in steps:
            match = self.constant(_wildcard_match(steps, name, arg, as_, option))
            self.line(depth, f"r = {match}(node, options)")
            self.line(depth, f"ok{k}, w{k} = r")
            return f"ok{k}", f"w{k}", None
        self.line(depth, "v = node")
        for step in steps:            # `_value_at`, one step at a time
            if isinstance(step, int):
                self.line(depth, f"v = v[{step}] if isinstance(v, list) and "
                                 f"-len(v) <= {step} < len(v) else _MISSING")
            else:
                self.line(depth, f"v = v.get({step!r}, _MISSING) if isinstance(v, dict) "
                                 "else _MISSING")
        at = self.constant((steps,))
        if name == "exists":          # present or not; the witness is the value if present
            self.line(depth, f"p{k} = v is not _MISSING and v is not None")
            self.line(depth, f"ok{k} = {'' if arg else 'not '}p{k}")
            self.line(depth, f"w{k} = {at} if p{k} else ()")
            return f"ok{k}", f"w{k}", None
        if option is not None:
            test = (f"{self.constant(OPERATORS[name])}(v, options.get({option!r}), "
                    f"{self.constant(as_)})")
        elif as_ is None and name == "equals" and isinstance(arg, str):
            test = f"v == {self.constant(arg)}"          # no bool equals a string
        else:
            test = f"{self.constant(_predicate(name, arg, as_))}(v)"
        self.line(depth, f"ok{k} = v is not _MISSING and {test}")
        self.line(depth, f"w{k} = {at} if ok{k} else ()")
        return f"ok{k}", f"w{k}", None


def _wildcard_match(steps: Pointer, name: str, arg: Any, as_: str | None,
                    option: str | None) -> Compiled:
    """A path with `*`: every value it reaches is tested, and each one that holds is a witness."""
    found = _fan_out(steps)
    if name == "exists":
        def exists(node: Any, options: Mapping[str, Any]) -> Result:
            present = tuple(found(node, _not_none))
            return Result(bool(present) == bool(arg), present)
        return exists
    apply = OPERATORS[name]
    fixed = None if option is not None else _predicate(name, arg, as_)

    def match(node: Any, options: Mapping[str, Any]) -> Result:
        if fixed is None:
            value_arg = options.get(option)   # type: ignore[arg-type]
            hits = tuple(found(node, lambda value: apply(value, value_arg, as_)))
        else:
            hits = tuple(found(node, fixed))
        return Result(True, hits) if hits else FALSE
    return match


def _not_none(value: Any) -> bool:
    return value is not None


def _fan_out(steps: Pointer) -> Callable[[Any, Callable[[Any], bool]], list[Pointer]]:
    """The pointers of the values `steps` (a path with `*`) reaches that `keep` accepts, in
    `resolve`'s order; the runs of steps between the `*`s are looked up directly, and a
    pointer is only built for a value that is kept."""
    star = steps.index("*")
    head, tail = steps[:star], steps[star + 1:]
    inner = _fan_out(tail) if "*" in tail else None
    head_at, tail_at = _getter(head), _getter(tail)

    def found(node: Any, keep: Callable[[Any], bool]) -> list[Pointer]:
        container = head_at(node)
        if isinstance(container, dict):
            items: Iterable[tuple[Any, Any]] = container.items()
        elif isinstance(container, list):
            items = enumerate(container)
        else:
            return []
        out = []
        for key, item in items:
            if inner is None:
                value = tail_at(item)
                if value is not _MISSING and keep(value):
                    out.append((*head, key, *tail))
            else:
                out.extend((*head, key, *rest) for rest in inner(item, keep))
        return out
    return found


def _predicate(name: str, arg: Any, as_: str | None) -> Callable[[Any], bool]:
    """`OPERATORS[name](value, arg, as_)` with the constant side prepared once.

    An argument that cannot be prepared (a bad regex, an unknown `as`) is left to
    the operator, so that it fails when a value is tested, as it always did.
    """
    if as_ is None and name == "equals" and isinstance(arg, str):
        return lambda value: value == arg       # a bool never equals a string
    if as_ is None and name == "in" and arg and all(isinstance(a, str) for a in arg):
        choices = frozenset(arg)
        return lambda value: isinstance(value, str) and value in choices
    if name == "regex" and isinstance(arg, str) and _compiles(arg):
        pattern = re.compile(arg)              # what `re.search(arg, …)` compiles
        return lambda value: (value is not None and not isinstance(value, (dict, list))
                              and pattern.search(str(value)) is not None)
    if name in _ORDERINGS and (as_ is None or as_ in CONVERTERS):
        order, right = _ORDERINGS[name], _num(arg, as_)
        if right is None:
            return lambda value: False
        return lambda value: (left := _num(value, as_)) is not None and bool(order(left, right))
    apply = OPERATORS[name]
    return lambda value: apply(value, arg, as_)


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


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

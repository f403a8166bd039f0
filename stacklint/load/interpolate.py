"""Variable interpolation exactly as `docker stack` does it (docker/cli template rules)."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from bisect import bisect_left
from functools import cache, lru_cache
from typing import Any

from stacklint.errors import InputError
from stacklint.model import Origin
from stacklint.tree import SList, SMap

# docker/cli cli/compose/template: the unbraced form accepts the modifiers too,
# so `$SET-x` yields SET's value and `$UNSET-x` yields `x` (a known quirk).
_SUBST = r"[_a-z][_a-z0-9]*(?::?[-?][^}]*)?"


@cache      # compiled on first use: a chain without a `$` never needs it (start-up time)
def _pattern() -> re.Pattern[str]:
    return re.compile(
        rf"\$(?i:(?P<escaped>\$)|(?P<named>{_SUBST})|{{(?P<braced>{_SUBST})}}|(?P<invalid>))")


_HINT = "escape a literal $ as $$, or set the variable"


class TemplateError(Exception):
    """Docker's InvalidTemplateError: the message is printed inside quotes."""


class CastError(Exception):
    """A substituted value that does not convert to the type Docker expects."""


class Result:
    """What interpolating one file found out (a plain class: see model.py)."""

    __slots__ = ("interpolated", "unset", "secrets")

    def __init__(self) -> None:
        self.interpolated: set[Origin] = set()
        # (variable, origin, Docker's dotted path, pointer with real keys and list indexes)
        self.unset: list[tuple[str, Origin | None, str, tuple[Any, ...]]] = []
        # value -> name of each secret-named variable substituted (never printed: redact.py)
        self.secrets: dict[str, str] = {}

    def __eq__(self, other: object) -> bool:       # the same findings, however they were made
        return isinstance(other, Result) and (self.interpolated, self.unset, self.secrets) == \
            (other.interpolated, other.unset, other.secrets)


def substitute(template: str, lookup: Callable[[str], str | None],
               unset: list[str] | None = None) -> str:
    """Replace variables in `template`; unset names without a default go to `unset`."""
    def replace(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        text = match.group("named") or match.group("braced")
        if not text:
            raise TemplateError(template)
        return _apply(text, lookup, unset)
    return _pattern().sub(replace, template)


def _apply(text: str, lookup: Callable[[str], str | None], unset: list[str] | None) -> str:
    """softDefault, hardDefault, requiredNonEmpty, required, then plain lookup (in Docker's order)."""
    if ":-" in text:
        name, default = text.split(":-", 1)
        value = lookup(name)
        return default if not value else value
    if "-" in text:
        name, default = text.split("-", 1)
        value = lookup(name)
        return default if value is None else value
    if ":?" in text:
        name, message = text.split(":?", 1)
        value = lookup(name)
        if not value:
            raise TemplateError(f"required variable {name} is missing a value: {message}")
        return value
    if "?" in text:
        name, message = text.split("?", 1)
        value = lookup(name)
        if value is None:
            raise TemplateError(f"required variable {name} is missing a value: {message}")
        return value
    value = lookup(text)
    if value is None:
        if unset is not None:
            unset.append(text)
        return ""
    return value


def _to_int(text: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise CastError(f'strconv.Atoi: parsing "{text}": invalid syntax')
    return int(text)


def _to_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise CastError(f'strconv.ParseFloat: parsing "{text}": invalid syntax') from None


_TRUE = {"y", "yes", "true", "on"}
_FALSE = {"n", "no", "false", "off"}


def _to_bool(text: str) -> bool:
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise CastError(f"invalid boolean: {text}")


# docker/cli cli/compose/loader/interpolate.go: '*' any key, '[]' any list item
_CASTS: list[tuple[tuple[str, ...], Callable[[str], Any]]] = [
    (("services", "*", "configs", "[]", "mode"), _to_int),
    (("services", "*", "secrets", "[]", "mode"), _to_int),
    (("services", "*", "healthcheck", "retries"), _to_int),
    (("services", "*", "healthcheck", "disable"), _to_bool),
    (("services", "*", "deploy", "replicas"), _to_int),
    (("services", "*", "deploy", "update_config", "parallelism"), _to_int),
    (("services", "*", "deploy", "update_config", "max_failure_ratio"), _to_float),
    (("services", "*", "deploy", "rollback_config", "parallelism"), _to_int),
    (("services", "*", "deploy", "rollback_config", "max_failure_ratio"), _to_float),
    (("services", "*", "deploy", "restart_policy", "max_attempts"), _to_int),
    (("services", "*", "deploy", "placement", "max_replicas_per_node"), _to_int),
    (("services", "*", "ports", "[]", "target"), _to_int),
    (("services", "*", "ports", "[]", "published"), _to_int),
    (("services", "*", "ulimits", "*"), _to_int),
    (("services", "*", "ulimits", "*", "hard"), _to_int),
    (("services", "*", "ulimits", "*", "soft"), _to_int),
    (("services", "*", "privileged"), _to_bool),
    (("services", "*", "read_only"), _to_bool),
    (("services", "*", "stdin_open"), _to_bool),
    (("services", "*", "tty"), _to_bool),
    (("services", "*", "oom_score_adj"), _to_int),
    (("services", "*", "volumes", "[]", "read_only"), _to_bool),
    (("services", "*", "volumes", "[]", "volume", "nocopy"), _to_bool),
    (("networks", "*", "external"), _to_bool),
    (("networks", "*", "internal"), _to_bool),
    (("networks", "*", "attachable"), _to_bool),
    (("volumes", "*", "external"), _to_bool),
    (("secrets", "*", "external"), _to_bool),
    (("configs", "*", "external"), _to_bool),
]


def _caster(path: tuple[str, ...]) -> Callable[[str], Any] | None:
    # every pattern's second step is `*` (a service or resource name): asked without the
    # name, the same few paths repeat in every service and are looked up once
    if len(path) > 1 and path[1] != "[]":
        path = (path[0], "*", *path[2:])
    return _named_caster(path)


@lru_cache(maxsize=1024)
def _named_caster(path: tuple[str, ...]) -> Callable[[str], Any] | None:
    for pattern, cast in _CASTS:
        if len(pattern) == len(path) and all(
                p == "*" and s != "[]" or p == s for p, s in zip(pattern, path)):
            return cast
    return None


class Interpolator:
    """Copies one file's tree with every string value interpolated."""

    def __init__(self, env: Mapping[str, str], path: str,
                 dollars: list[int] | None = None) -> None:
        self.env = env
        self.path = path
        self.result = Result()
        # where the source text has a `$` (sorted offsets), when every container's span
        # holds all of its values: a container whose span has none is left unwalked
        self.dollars = dollars

    def _may_hold_dollar(self, node: SMap | SList) -> bool:
        dollars, origin = self.dollars, node.origin
        if dollars is None or origin is None:
            return True
        first = bisect_left(dollars, origin.start)
        return first < len(dollars) and dollars[first] < origin.end

    def run(self, data: Any) -> Any:
        if isinstance(data, (SMap, SList)) and not self._may_hold_dollar(data):
            return data
        return self._walk(data, (), None, ())

    def _walk(self, value: Any, path: tuple[str, ...], origin: Origin | None,
              pointer: tuple[Any, ...]) -> Any:
        """The value with substitutions; an unchanged subtree is returned as is (shared)."""
        # Only containers and strings with a `$` are walked: the rest (most values of a
        # stack file) is returned as it is, and the walk would build a path for each.
        may_hold = self._may_hold_dollar
        if isinstance(value, SMap):
            origins = value.value_origins
            changed = {}
            for key, item in value.items():
                if isinstance(item, str):
                    if "$" not in item:
                        continue
                elif not isinstance(item, (SMap, SList)) or not may_hold(item):
                    continue
                if key == "version" and not path:
                    continue            # `version` is checked raw, never substituted
                new = self._walk(item, path + (str(key),), origins.get(key), pointer + (key,))
                if new is not item:
                    changed[key] = new
            if not changed:
                return value
            out = SMap(origin=value.origin)
            for key, item in value.items():
                out[key] = changed.get(key, item)
            out.key_origins = dict(value.key_origins)
            out.value_origins = dict(origins)
            return out
        if isinstance(value, SList):
            items = None
            for i, (item, o) in enumerate(zip(value, value.item_origins)):
                if isinstance(item, (SMap, SList)) and may_hold(item) \
                        or isinstance(item, str) and "$" in item:
                    new = self._walk(item, path + ("[]",), o, pointer + (i,))
                    if new is not item:
                        items = list(value) if items is None else items
                        items[i] = new
            return value if items is None else SList(items, value.origin, value.item_origins)
        if isinstance(value, str):
            return self._string(value, path, origin, pointer)
        return value

    def _string(self, value: str, path: tuple[str, ...], origin: Origin | None,
                pointer: tuple[Any, ...]) -> Any:
        if "$" not in value:      # nearly every value: nothing to substitute, nothing to cast
            return value
        dotted = ".".join(path)
        unset: list[str] = []
        try:
            new = substitute(value, self._lookup, unset)
        except TemplateError as exc:
            raise self._error(f"invalid interpolation format for {dotted}: "
                              f'"{exc}"; you may need to escape any $ with another $', origin,
                              _template_hint(value))
        if new == value:
            return value
        if origin is not None:
            self.result.interpolated.add(origin)
        for name in unset:
            self.result.unset.append((name, origin, dotted, pointer))
        cast = _caster(path)
        if cast is None:
            return new
        try:
            return cast(new)
        except CastError as exc:
            from stacklint.redact import mask
            raise self._error(f"error while interpolating {dotted}: failed to cast to "
                              f"expected type: {mask(str(exc), self.result.secrets)}",
                              origin) from None

    def _lookup(self, name: str) -> str | None:
        """The variable's value; a secret-named one is remembered, to be masked in output."""
        from stacklint.redact import secret_value
        value = self.env.get(name)
        if value and secret_value(name, value):
            self.result.secrets.setdefault(value, name)
        return value

    def _error(self, message: str, origin: Origin | None, hint: str = _HINT) -> InputError:
        if origin is None:
            return InputError(message, self.path, hint=hint)
        return InputError(message, origin.path, origin.line, origin.column, hint=hint)


# Compose's alternative value `${A:+x}` / `${A+x}`: docker/cli's template has no such form
_ALTERNATIVE = r"(?<!\$)\$\{([_A-Za-z][_A-Za-z0-9]*):?\+"


def _template_hint(value: str) -> str:
    """The fix for a template docker stack rejects: a named Compose-only form, or _HINT."""
    m = re.search(_ALTERNATIVE, value)       # only for an error: compiled then
    if m is None:
        return _HINT
    name = m.group(1)
    return (f"`{m.group(0)}…}}` is docker compose's alternative value (the text when {name} "
            "is set), which docker stack does not support and stops at: export the value itself "
            "in a variable and write `${VALUE}` (or `${VALUE:-}`), or put each variant in its "
            "own override file")


def _offsets(text: str, char: str) -> list[int]:
    found, at = [], text.find(char)
    while at != -1:
        found.append(at)
        at = text.find(char, at + 1)
    return found


def interpolate(data: SMap, env: Mapping[str, str], path: str,
                text: str | None = None) -> tuple[SMap, Result]:
    """`data` with variables substituted (new nodes only where something changed; never
    edit the result in place), plus what was substituted or left unset.

    `text`, the source `data` was read from, spares the walk where nothing can change:
    all of it when the text has no `$`, else each container whose text has none.  Not
    with a backslash in the text, whose escapes can spell a `$` in a quoted scalar."""
    dollars = None
    if text is not None and "\\" not in text:
        if "$" not in text:
            return data, Result()
        # an alias (`&` anchor) or a merge key puts values outside their container's span
        if "&" not in text and "<<" not in text:
            dollars = _offsets(text, "$")
    worker = Interpolator(env, path, dollars)
    out: SMap = worker.run(data)      # a mapping walked is a mapping
    return out, worker.result

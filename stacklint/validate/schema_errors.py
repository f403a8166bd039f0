"""Turn jsonschema errors into one plain-words problem per location.

jsonschema reports a failed `oneOf` as the union of every branch's complaints;
`explain` keeps the branch whose type fits the value, or else says which
types would do, so a person reads one clear message per place.
"""
# No `from __future__ import annotations`: a NamedTuple below would compile its string
# annotations at import, start-up time of every command (see model.py).

import math
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from stacklint import gotypes
from stacklint.validate import suggest
from stacklint.validate.schema import SchemaError

Pointer = tuple[Any, ...]

_TYPE_WORDS = {"string": "a string", "integer": "an integer", "number": "a number",
               "boolean": "a boolean (true or false)", "object": "a mapping",
               "array": "a list", "null": "empty (null)"}
_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n"}


class Problem(NamedTuple):
    """One schema finding before it gets a file location (no dataclass: see model.py)."""

    rule: str              # a validation rule name, e.g. 'unknown-key'
    pointer: Pointer
    prefer_key: bool
    message: str
    rename_to: str | None = None   # a key the typo most likely meant


def dotted(pointer: Pointer) -> str:
    """Docker's way of naming a place: `services.web.ports.0.published`, `(root)`."""
    return ".".join(str(p) for p in pointer) or "(root)"


def shown(value: Any) -> str:
    """A value as a person would write it in YAML."""
    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        import json        # only for a message: a valid file needs no `json`
        return f"the string {json.dumps(value, ensure_ascii=False)}"
    return "a mapping" if isinstance(value, dict) else "a list"


def types_of(schema: Any, root: dict[str, Any]) -> list[str]:
    """The JSON types a (sub)schema admits, following `$ref` and `oneOf`."""
    schema = resolve(schema, root)
    if "type" in schema:
        kinds = schema["type"]
        return [kinds] if isinstance(kinds, str) else list(kinds)
    out: list[str] = []
    for branch in schema.get("oneOf", schema.get("anyOf", [])):
        out += [t for t in types_of(branch, root) if t not in out]
    return out


def resolve(schema: Any, root: dict[str, Any]) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        node: Any = root
        for step in schema["$ref"].lstrip("#/").split("/"):
            node = node[step]
        schema = node
    return schema


def explain(error: SchemaError, root: dict[str, Any]) -> Iterator[Problem]:
    """The problems behind one top-level jsonschema error."""
    for leaf in _leaves(error):
        yield from _describe(leaf, root)


def _leaves(error: SchemaError) -> list[SchemaError]:
    """Collapse oneOf/anyOf: follow the one branch whose type fits, if there is one."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    depth = len(error.absolute_path)
    branches: dict[int, list[SchemaError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    for index in range(len(error.validator_value)):
        branches.setdefault(index, [])
    fitting = [errs for errs in branches.values()
               if not any(e.validator == "type" and len(e.absolute_path) == depth for e in errs)]
    if len(fitting) == 1 and fitting[0]:
        return [leaf for sub in fitting[0] for leaf in _leaves(sub)]
    return [error]


def _describe(error: SchemaError, root: dict[str, Any]) -> Iterator[Problem]:
    pointer = tuple(error.absolute_path)
    kind = error.validator
    if kind == "additionalProperties":
        yield from _unknown_keys(error, pointer)
        return
    where = dotted(pointer) + _what(error, root)
    if kind in ("oneOf", "anyOf") and isinstance(error.instance, dict) \
            and error.schema.get("x-later-form"):
        kind = "later-form"
    handler = _HANDLERS.get(kind)
    if handler is not None:
        yield from handler(error, root, pointer, where)
    else:
        yield Problem("schema-violation", pointer, False, f"{where}: {error.message}")


def _required(error: SchemaError, root: dict[str, Any], pointer: Pointer,
              where: str) -> Iterator[Problem]:
    names = [f"`{n}`" for n in error.validator_value
             if isinstance(error.instance, dict) and n not in error.instance]
    if names:
        verb, them = ("is", "it") if len(names) == 1 else ("are", "them")
        yield Problem("schema-violation", pointer, True,
                      f"{dotted(pointer)}: {' and '.join(names)} {verb} required here; "
                      f"add {them}")


def _later_form(error: SchemaError, root: dict[str, Any], pointer: Pointer,
                where: str) -> Iterator[Problem]:
    since = error.schema["x-later-form"]
    yield Problem("needs-newer-version", pointer, True,
                  f"{dotted(pointer)}: the long syntax (a mapping) needs version {since} or "
                  f'later: raise `version:` to "{since}" (or newer) in this file, or use the '
                  "short syntax")


def _wrong_type(error: SchemaError, root: dict[str, Any], pointer: Pointer,
                where: str) -> Iterator[Problem]:
    value = error.instance
    wanted = types_of(error.schema, root) if error.validator == "type" else \
        [t for b in error.validator_value for t in types_of(b, root) if t]
    hint = _type_hint(wanted, value)
    if resolve(error.schema, root).get("format") == "duration" and \
            isinstance(value, (int, float)) and not isinstance(value, bool):
        hint = f': a duration needs a unit, e.g. "{value}s"'
    yield Problem("schema-violation", pointer, False,
                  f"{where} must be {_or(wanted)}, not {shown(value)}{hint}")


def _enum(error: SchemaError, root: dict[str, Any], pointer: Pointer,
          where: str) -> Iterator[Problem]:
    options = [str(v) for v in error.validator_value]
    hint = suggest.did_you_mean(str(error.instance), options)
    rule = "invalid-update-order" if pointer[-1:] == ("order",) else "schema-violation"
    yield Problem(rule, pointer, False,
                  f"{where} must be one of: {', '.join(options)}, not {shown(error.instance)}"
                  f"{hint}")


def _bound(error: SchemaError, root: dict[str, Any], pointer: Pointer,
           where: str) -> Iterator[Problem]:
    word = "at least" if error.validator == "minimum" else "at most"
    yield Problem("schema-violation", pointer, False,
                  f"{where} must be {word} {error.validator_value}, not {error.instance}")


def _what(error: SchemaError, root: dict[str, Any]) -> str:
    """The description of the property at fault, as its parent schema words it."""
    text = None
    node: Any = root
    previous = None
    for step in list(getattr(error, "absolute_schema_path", ()))[:-1]:
        node = resolve(node, root)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if previous in ("properties", "patternProperties") and isinstance(node, dict):
            text = node.get("description") or resolve(node, root).get("description")
        elif previous in ("items", "oneOf", "anyOf") and isinstance(node, dict):
            text = node.get("description") or text      # e.g. "a port in short syntax"
        previous = step
    if text is None and isinstance(error.schema, dict):
        text = error.schema.get("description") or resolve(error.schema, root).get("description")
    return f" ({text})" if text else ""


def _or(types: list[str]) -> str:
    words = [_TYPE_WORDS.get(t, t) for t in dict.fromkeys(types)]
    if len(words) <= 1:
        return words[0] if words else "something else"
    return ", ".join(words[:-1]) + " or " + words[-1]


def _type_hint(wanted: list[str], value: Any) -> str:
    """How to write the value so it has the wanted type."""
    if isinstance(value, str) and {"integer", "number"} & set(wanted):
        from stacklint.load.document import resolve_plain
        plain = resolve_plain(value.strip()) if value.strip() else None
        if isinstance(plain, (int, float)) and not isinstance(plain, bool):
            return f": write it without quotes ({value.strip()})"
        try:
            if not math.isfinite(float(value)):   # `1e309`, `inf`: a string to YAML
                return ": write a number within float64's range (Docker reads this as a string)"
        except ValueError:
            pass
    if isinstance(value, str) and "boolean" in wanted and value.lower() in _YAML11_BOOLS:
        truth = "true" if value.lower() in ("yes", "on", "y") else "false"
        return f": write {truth} (YAML 1.2 reads `{value}` as a string)"
    if isinstance(value, (bool, int, float)) and "string" in wanted and \
            not {"integer", "number", "boolean"} & set(wanted):
        text = str(value).lower() if isinstance(value, bool) else str(value)
        return f': quote it ("{text}")'
    if isinstance(value, bool) and "string" in wanted:
        return f': quote it ("{str(value).lower()}")'
    if isinstance(value, dict) and "array" in wanted and "object" not in wanted:
        names = ", ".join(str(k) for k in list(value)[:5])
        return f": write it as a list of names ([{names}])" if value else ": write it as a list"
    if value is None and "object" in wanted:
        return ": give it at least one key, or remove it"
    return ""


def _unknown_keys(error: SchemaError, pointer: Pointer) -> Iterator[Problem]:
    schema, instance = error.schema, error.instance
    if not isinstance(instance, dict):
        return
    known = list(schema.get("properties", {}))
    patterns = list(schema.get("patternProperties", {}))
    later: dict[str, str] = dict(schema.get("x-later", {}))
    if schema.get("x-opens-in"):
        later["*"] = schema["x-opens-in"]
    for key in instance:
        if key in known or any(re.search(p, key) for p in patterns):
            continue
        yield _unknown(str(key), pointer, known, patterns, later)


def _unknown(key: str, pointer: Pointer, known: list[str], patterns: list[str],
             later: dict[str, str]) -> Problem:
    here = dotted(pointer)
    at = pointer + (key,)
    since = later.get(key) or (later.get("^x-") if key.startswith("x-") else None)
    if since:
        return Problem("needs-newer-version", at, True,
                       f"{here}: `{key}` needs version {since} or later: raise `version:` "
                       f'to "{since}" (or newer) in this file, or remove the key')
    if schema_opens := later.get("*"):
        return Problem("needs-newer-version", at, True,
                       f"{here}: `{key}` needs version {schema_opens} or later (from then on "
                       f"any key is accepted here): raise `version:` to \"{schema_opens}\", "
                       "or remove the key")
    if not known and patterns:
        return Problem("schema-violation", at, True,
                       f"{here}: the name `{key}` is not allowed: use only letters, digits, "
                       "'.', '_' and '-'")
    if key.startswith("x-"):
        return Problem("unknown-key", at, True,
                       f"{here}: extension `{key}` is not allowed here: `x-` keys belong at "
                       "the top level, in a service, or in a network/volume/secret/config")
    context = next((str(p) for p in reversed(pointer) if isinstance(p, str)), "")
    advice = suggest.instead(context if pointer else "", key)
    match = None if advice else suggest.closest(key, known + list(later))
    if advice:
        hint = f"; {advice}"        # the advice has colons of its own
    elif match:
        hint = f"; did you mean `{match}`?"
    else:
        hint = f"; allowed here: {', '.join(sorted(known))}" if known else ""
    return Problem("unknown-key", at, True,
                   f"{here}: unknown key `{key}`, docker stack deploy rejects it{hint}", match)


def _format_problem(error: SchemaError, root: dict[str, Any], pointer: Pointer,
                    where: str) -> Iterator[Problem]:
    value = error.instance
    if error.validator_value == "duration":
        yield Problem("invalid-duration", pointer, False,
                      f"{where}: {shown(value)} is not a duration: write a number with "
                      "a unit (ns, us, ms, s, m, h), e.g. 30s, 1m30s or 500ms")
        return
    reason = gotypes.port_spec_problem(str(value)) if isinstance(value, (str, int)) else None
    yield Problem("schema-violation", pointer, False,
                  f"{where}: {shown(value)} is not a port spec ({reason or 'unreadable'}): "
                  "write [HOST:]CONTAINER[/PROTOCOL], e.g. \"8080:80\" or \"53:53/udp\"")


def _duplicate(error: SchemaError, root: dict[str, Any], pointer: Pointer,
               where: str) -> Iterator[Problem]:
    where = dotted(pointer)
    seen: list[Any] = []
    for index, item in enumerate(error.instance):
        if item in seen:
            first = seen.index(item)
            import json
            text = json.dumps(item, ensure_ascii=False, default=str)
            yield Problem("schema-violation", pointer + (index,), False,
                          f"{where}: item {index} ({text}) repeats item {first}: "
                          "list items must be unique; remove one")
            return
        seen.append(item)
    yield Problem("schema-violation", pointer, False, f"{where}: list items must be unique")


_HANDLERS = {
    "required": _required, "later-form": _later_form, "type": _wrong_type,
    "oneOf": _wrong_type, "anyOf": _wrong_type, "enum": _enum, "format": _format_problem,
    "uniqueItems": _duplicate, "minimum": _bound, "maximum": _bound,
}

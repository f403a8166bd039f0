"""Compose-only features in a chain that `docker stack` reads otherwise, as notes.

The files of a chain often were written for `docker compose`: it reads the project
folder's `.env`, interpolates inside a default (`${A:-${B}}`) and reads env files with
dotenv rules. `docker stack deploy -c …` does none of that; each note says at the line
what the stack gets instead, and how to write it so both read it alike.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from stacklint.model import Note, Origin

# `${NAME:-default}` / `${NAME-…}` / `${NAME:?…}` whose default holds another `${`
# (both compiled on first use, by `re`: a chain without a `$` never needs them)
_NESTED = r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*):?[-?][^}$]*\$\{([A-Za-z_][A-Za-z0-9_]*)"
_REFERENCE = r"(?<!\$)\$(?:\{{{0}\b|{0}\b)"
# an unbraced `$NAME` followed by a modifier: docker/cli takes `$A-x` as `${A-x}`
_UNBRACED_MODIFIER = r"(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)(:?[-?])([^}\s\"'#]*)"


def _origin(path: str, text: str, start: int, end: int) -> Origin:
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return Origin(path, line, column, start, end)


def _comment(text: str, start: int) -> bool:
    line = text[text.rfind("\n", 0, start) + 1:start]
    return line.lstrip().startswith("#")


def chain_notes(documents: Sequence[Any], values: Mapping[str, str], workdir: Path,
                env_files: Sequence[str]) -> list[Any]:
    """Notes on `.env` and nested defaults, at every reference (each line a person may
    change; the two-core check sees each service's references in one half)."""

    notes: list[Note] = []
    for doc in documents:
        if "$" not in doc.text:     # both patterns need one (a 2 MiB text: ~30 ms each)
            continue
        for m in re.finditer(_NESTED, doc.text):
            if _comment(doc.text, m.start()):
                continue
            outer, inner = m.group(1), m.group(2)
            notes.append(Note(
                "nested-default",
                f"{outer}'s default refers to {inner}, and docker stack does not interpolate "
                f"inside a default: with {outer} unset the stack gets the reference to {inner} "
                f"as text, with {outer} set its value and a stray closing brace (Compose uses "
                f"{inner}'s value); write the default out, or set {outer} whenever you deploy",
                _origin(doc.path, doc.text, m.start(), m.end())))
        notes += _unbraced_modifier_notes(doc)
    dotenv = workdir / ".env"
    if not dotenv.is_file() or any(Path(f).resolve() == dotenv.resolve() for f in env_files):
        return notes
    try:
        from stacklint.load import envfile
        defined = envfile.parse(dotenv, lenient=True)
    except Exception:       # noqa: BLE001 - an unreadable .env is Compose's problem, not ours
        return notes
    for name, value in defined:
        if name in values or value is None:
            continue
        used = re.compile(_REFERENCE.format(re.escape(name)))
        for doc, m in ((d, m) for d in documents for m in used.finditer(d.text)):
            if _comment(doc.text, m.start()):
                continue
            notes.append(Note(
                "dotenv-not-read",
                f"`{name}` is set in {dotenv.name}, which Compose reads and "
                f"`docker stack deploy` does not: the stack gets {name}'s default or an empty "
                f"string; export it before deploying (`set -a; . ./.env; set +a`), or check "
                f"with `--env-file .env`", _origin(doc.path, doc.text, m.start(), m.end())))
    return notes


def _unbraced_modifier_notes(doc: Any) -> list[Note]:
    notes = []
    for m in re.finditer(_UNBRACED_MODIFIER, doc.text):
        if _comment(doc.text, m.start()):
            continue
        name, modifier, rest = m.groups()
        role = "the default" if "-" in modifier else "the error message when it is unset"
        # no braces in the message: findings' messages are templates
        notes.append(Note(
            "unbraced-variable-modifier",
            f"`{m.group(0)}`: docker stack reads an unbraced `${name}` followed by `{modifier}` "
            f"as the braced form: `{rest}` is {role}, and with {name} set the stack gets "
            f"{name}'s value alone; docker compose reads `${name}` followed by the text "
            f"`{modifier}{rest}`. Put braces around the name to keep the text, or around the "
            f"whole expression for {role}",
            _origin(doc.path, doc.text, m.start(), m.end())))
    return notes


def env_file_notes(pairs: Sequence[tuple[str, Any, Origin]], pointer: tuple[Any, ...]
                   ) -> list[Any]:
    """Env-file lines that dotenv (Compose) and `docker stack` (literal) read differently."""

    notes = []
    for key, value, origin in pairs:
        if not isinstance(value, str):
            continue
        why = _dotenv_difference(value)
        if why:
            notes.append(Note(
                "env-file-dotenv-syntax",
                f"{key}: docker stack reads env files literally: {why} "
                f"(Compose reads them with dotenv rules); write the value plainly "
                "(no quotes, ` #` comment, variables or trailing blanks) so both agree",
                origin, (*pointer, key)))
    return notes


def _dotenv_difference(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return "the quotes are part of the value"
    if " #" in value or "\t#" in value:
        return "the ` #…` is part of the value, not a comment"
    if re.search(r"\$\{?[A-Za-z_]", value):
        return "a variable in the value is not replaced"
    if value != value.rstrip(" \t"):
        return "the trailing blanks are part of the value"
    return ""

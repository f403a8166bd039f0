"""Env files: Docker's literal `KEY=VALUE` format (`env_file:`) and `--env-file` values."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from stacklint.errors import InputError
from stacklint.model import Origin

_SPACE = " \t\n\v\f\r\x85\xa0"


def parse(path: str | Path, lookup: Callable[[str], str | None] | None = None,
          lenient: bool = False) -> list[tuple[str, str | None]]:
    """Pairs in file order (see `entries`)."""
    return [(key, value) for key, value, _ in entries(path, lookup, lenient)]


def entries(path: str | Path, lookup: Callable[[str], str | None] | None = None,
            lenient: bool = False) -> list[tuple[str, str | None, Origin]]:
    """Pairs in file order, read like docker/cli `kvfile.Parse`.

    Values are literal (quotes kept, no `${}`); a bare `KEY` takes the value
    from `lookup` and is left out when unset.  `lenient` (for `--env-file`)
    also accepts `export KEY=...` and strips one pair of surrounding quotes.
    """
    name = str(path)
    if "\0" in name:         # open() would raise ValueError: a finding, not a crash
        raise InputError("env file path contains a NUL byte", name.replace("\0", "\\0"),
                         hint="write the env_file path without control characters")
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read env file: {exc.strerror}", name) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"env file {name} contains invalid utf8 bytes", name, bad, 1) from None
    text = text.removeprefix("\ufeff")
    pairs: list[tuple[str, str | None, Origin]] = []
    offset = 0
    for number, line in enumerate(text.split("\n"), 1):  # Go's ScanLines
        body = line.removesuffix("\r")
        pair = _line(body.lstrip(), name, number, lookup, lenient)
        if pair is not None:
            indent = len(body) - len(body.lstrip())
            origin = Origin(name, number, indent + 1, offset + indent, offset + len(body))
            pairs.append((pair[0], pair[1], origin))
        offset += len(line) + 1
    return pairs


def _line(line: str, path: str, number: int, lookup: Callable[[str], str | None] | None,
          lenient: bool) -> tuple[str, str | None] | None:
    if not line or line.startswith("#"):
        return None
    if lenient and line.startswith("export "):
        line = line[len("export "):].lstrip()
    variable, has_value, value = line.partition("=")
    variable = variable.lstrip(_SPACE)
    if any(c in _SPACE for c in variable):
        # the line is not quoted (Docker quotes it): an env file holds secrets
        raise InputError("invalid env file: the variable name on this line contains whitespace",
                         path, number, 1, hint="write KEY=VALUE, without `export` or spaces")
    if not variable:
        raise InputError("invalid env file: no variable name on this line", path, number, 1,
                         hint="write KEY=VALUE; a line starting with # is a comment")
    if has_value:
        if lenient and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        return variable, value
    found = lookup(variable) if lookup else None
    return None if found is None else (variable.strip(), found)


def load_values(paths: list[str]) -> dict[str, str]:
    """Variables from `--env-file` files, later files winning."""
    values: dict[str, str] = {}
    for path in paths:
        for key, value in parse(path, lenient=True):
            if value is not None:
                values[key] = value
    return values

"""Data built once and read back from `~/.cache/stacklint` (marshal): built-in rules, schemas.

Building the built-in rules (~4 ms) or pruning a version's schema (~4 ms, and importing
`json` for it) is start-up time of every run, a pre-commit hook's included.  A file's name
is a checksum of what its data was built from: stacklint's version, Python's (marshal's
format is Python's), the stat of each source file (the code that builds it among them) and
the caller's own parts.  A change to any of them names a new file; a file that cannot be
read is built again, and one that cannot be written only costs the next run that time.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any


def location(kind: str, sources: Sequence[str], *parts: object) -> str:
    """Where the data of `kind` built from `sources` (files) and `parts` is kept."""
    import zlib

    from stacklint import __version__
    stats = [(s, st.st_mtime_ns, st.st_size) for s in sources for st in [os.stat(s)]]
    key = repr((__version__, sys.hexversion, stats, parts))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "stacklint", f"{kind}-{zlib.crc32(key.encode()):08x}.marshal")
    _KEYS[path] = key
    return path


# the whole key of each path `location` gave: a file keeps it beside its data, and is read
# only under the same key (a checksum of 32 bits can name two keys' data with one file)
_KEYS: dict[str, str] = {}


def read(path: str) -> Any:
    """What `write` kept at `path` under the key `location` made it for, or None (absent,
    unreadable, not marshal data, another key's)."""
    import marshal
    try:
        with open(path, "rb") as handle:
            kept = marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(kept, tuple) and len(kept) == 2 and kept[0] == _KEYS.get(path)):
        return None
    return kept[1]


def write(path: str, data: Any) -> None:
    """Keep `data` (plain values only) at `path`, atomically, with its key."""
    import marshal
    try:
        raw = marshal.dumps((_KEYS[path], data))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as handle:
            handle.write(raw)
        os.replace(tmp, path)
    except (OSError, ValueError, KeyError):   # ValueError: a value marshal cannot write;
        pass                                  # KeyError: a path `location` did not give

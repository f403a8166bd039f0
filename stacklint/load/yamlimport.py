"""Import PyYAML without compiling the one regular expression the run never uses.

`yaml.reader.Reader.NON_PRINTABLE` is compiled when PyYAML is imported.  Its character
class spans most of Unicode, and `re` builds its table one code point at a time in
Python: about 12 ms here, an eighth of a small `check`.  Only PyYAML's pure-Python
reader uses it (stacklint reads through libyaml), so it is compiled on first use
instead: the pattern object is the same, it is only made later.

Import this module before `yaml` (`load.document` and `load.yamlevents` do); once PyYAML is
imported, this changes nothing.
"""
from __future__ import annotations

import re
import sys
import threading
from typing import Any

# the pattern exactly as yaml/reader.py (PyYAML 5.1 to 6.0) writes it; another text is
# compiled at once, as before
NON_PRINTABLE = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]"


class LazyPattern:
    """A compiled pattern made on first use: every attribute is the real pattern's."""

    __slots__ = ("_pattern", "_flags", "_compiled")

    def __init__(self, pattern: str, flags: int) -> None:
        self._pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self._pattern, self._flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled(), name)


def _import_yaml() -> None:
    if "yaml" in sys.modules:
        return
    real = re.compile

    def compile_lazily(pattern: Any, flags: int = 0) -> Any:
        if pattern == NON_PRINTABLE and threading.get_ident() == importer:
            return LazyPattern(pattern, flags)
        return real(pattern, flags)

    importer = threading.get_ident()
    re.compile = compile_lazily
    try:
        import yaml  # noqa: F401
    finally:
        re.compile = real


_import_yaml()

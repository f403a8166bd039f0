"""Import PyYAML without compiling the regular expressions a run rarely or never uses.

PyYAML compiles its patterns when it is imported: `yaml.reader.Reader.NON_PRINTABLE`
(a character class spanning most of Unicode, which `re` builds one code point at a time
in Python: about 12 ms here), the implicit resolvers of `yaml.resolver` (bool, int,
float, null, timestamp …) and `SafeConstructor.timestamp_regexp`: together about a
fifth of a small `check`.  stacklint reads through libyaml and resolves plain scalars
itself (`document.resolve_plain`, go-yaml's rules), so only a `yaml.load` (a rule file
when its cache is rebuilt, a deploy's history) ever matches with them.  Each is compiled
on its first use instead: the pattern object is the same, it is only made later.

Only patterns those three modules compile at import are deferred (PyYAML 5.1 to 6.0
uses each one only through its methods, `.match`/`.search`); any other `re.compile`,
in any thread, is the real one, and so is `re.compile` itself once PyYAML is imported.

Import this module before `yaml` (`load.document` and `load.yamlevents` do); once PyYAML is
imported, this changes nothing.
"""
from __future__ import annotations

import re
import sys
from _thread import get_ident     # not `threading`: its import is start-up time too
from typing import Any

# the pattern exactly as yaml/reader.py (PyYAML 5.1 to 6.0) writes it
NON_PRINTABLE = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]"
# the modules whose import-time patterns are deferred
DEFERRED = frozenset({"yaml.reader", "yaml.resolver", "yaml.constructor"})


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
        if (isinstance(pattern, str) and get_ident() == importer
                and sys._getframe(1).f_globals.get("__name__") in DEFERRED):
            return LazyPattern(pattern, flags)
        return real(pattern, flags)

    importer = get_ident()
    re.compile = compile_lazily
    try:
        import yaml  # noqa: F401
    finally:
        re.compile = real


_import_yaml()

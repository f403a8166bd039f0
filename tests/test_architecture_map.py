"""docs/ARCHITECTURE.md names every module of the package under its package heading."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "stacklint"


def _map() -> dict[str, set[str]]:
    """Package heading -> the module paths listed under it."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text[text.index("## Map"):text.index("## Stage contracts")]
    listed: dict[str, set[str]] = {}
    heading = None
    for line in section.splitlines():
        if found := re.match(r"### `stacklint/(.*)`$", line):
            heading = found.group(1).rstrip("/")
            listed[heading] = set()
        elif (found := re.match(r"- `([\w/]+\.py)`: \S", line)) and heading is not None:
            listed[heading].add(found.group(1))
    return listed


def test_every_module_is_on_the_map_under_its_package() -> None:
    listed = _map()
    modules = sorted(p.relative_to(PACKAGE) for p in PACKAGE.rglob("*.py"))
    missing = [str(m) for m in modules
               if str(m) not in listed.get("" if str(m.parent) == "." else str(m.parent), set())]
    assert not missing, f"add to docs/ARCHITECTURE.md's map: {missing}"
    gone = sorted(m for entries in listed.values() for m in entries if not (PACKAGE / m).is_file())
    assert not gone, f"the map names modules that do not exist: {gone}"

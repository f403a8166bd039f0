"""Run stacklint with proposed speed changes patched in, to measure them before they land.

    python bench/whatif.py validator -- check -f a.yml -f b.yml

Changes (comma-separated):
  validator  `is_valid` by jsonschema_rs when installed; errors still listed by the
             project's validator, so the messages do not change

The earlier proposals (gc, events, convert, endpos, rules, interp, anchors, guard,
versions) are in stacklint itself now, and cow was overtaken by interpolation that skips
containers without a `$`; bench/README.md's Profile section keeps their measurements.
`bench/run.py --whatif validator` times this wrapper like the real command.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent


def _replace(owner: Any, name: str, new: Any) -> None:
    """Set `owner.name`, and every `from ... import name` copy already made in stacklint."""
    old = getattr(owner, name)
    setattr(owner, name, new)
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("stacklint"):
            for attr, value in list(vars(module).items()):
                if value is old:
                    setattr(module, attr, new)


class _FastValid:
    """A compiled `is_valid` in front; jsonschema (~50-100 ms to import) only to list errors."""

    def __init__(self, slow: Any, fast: Any) -> None:
        self.slow, self.fast = slow, fast

    def is_valid(self, instance: Any) -> bool:
        return bool(self.fast(instance))

    def iter_errors(self, instance: Any) -> Any:
        return self.slow().iter_errors(instance)


def _patch_validator() -> None:
    from functools import lru_cache

    from stacklint.validate import schema

    try:
        import jsonschema_rs
    except ImportError:  # the project's own compiled check stays
        print("whatif: jsonschema_rs is not installed; validator unchanged", file=sys.stderr)
        return
    project_compiled = schema.compiled
    fmt = getattr(schema, "FORMATS", {})

    @lru_cache(maxsize=None)
    def compiled(target: str, version: str = schema.LATEST) -> Any:
        raw = schema.schema_for(target, version)
        fast = jsonschema_rs.validator_for(raw, formats=fmt, validate_formats=True).is_valid
        return _FastValid(lambda: project_compiled(target, version), fast)

    _replace(schema, "compiled", compiled)


PATCHES = {"validator": _patch_validator}


def main() -> int:
    names, args = sys.argv[1], sys.argv[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    for name in filter(None, names.split(",")):
        PATCHES[name]()
    from stacklint.cli import main as cli_main
    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())

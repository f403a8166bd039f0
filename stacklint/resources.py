"""Where the shipped data folders (`schemas/`, `rules/`) are.

In a wheel they are installed inside the package (`stacklint/schemas`,
`stacklint/rules`, mapped in pyproject.toml); in a source checkout or an
editable install they stand at the top of the repository.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """The folder `name` ('schemas' or 'rules') of this installation."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"stacklint data folder {name!r} is missing from the installation")


def schemas_dir() -> Path:
    return data_dir("schemas")


def rules_dir() -> Path:
    return data_dir("rules")

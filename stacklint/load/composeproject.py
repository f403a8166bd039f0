"""The Compose project name, found as Docker Compose v2 finds it.

Compose (compose-go) takes `-p`, else `COMPOSE_PROJECT_NAME`, else the top-level `name:`,
else the name of the first file's folder. The folder name (and a top-level `name:`) is
normalised: lower case, only `[a-z0-9_-]` kept, leading `_` and `-` dropped (`My.App` ->
`myapp`); `-p` and `COMPOSE_PROJECT_NAME` must already be valid. `docker compose config`
writes the name it found as the output's top-level `name:`, and `<project>_<key>` as the
`name:` of every network, volume, config and secret that is not external.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

_KEPT = re.compile(r"[a-z0-9_-]")
VALID = re.compile(r"[a-z0-9][a-z0-9_-]*")
ENV = "COMPOSE_PROJECT_NAME"


def normalise(name: str) -> str:
    """Compose's normalisation of a folder name or top-level `name:`."""
    return "".join(_KEPT.findall(name.lower())).lstrip("_-")


class Project(NamedTuple):      # no dataclass: see model.py
    name: str
    source: str        # where it came from, for messages: "the top-level `name:`", …


def from_name(value: object) -> Project | None:
    """The project a top-level `name:` sets (None for an interpolated or empty one)."""
    if not isinstance(value, str) or "$" in value:
        return None
    name = normalise(value)
    return Project(name, "the top-level `name:`") if name else None


def from_environment(first_file: str | os.PathLike[str],
                     env: Mapping[str, str] | None = None) -> Project | None:
    """The project Compose would name without a top-level `name:` (or `-p`)."""
    env = os.environ if env is None else env
    given = env.get(ENV, "")
    if VALID.fullmatch(given):
        return Project(given, f"${ENV}")
    folder = Path(first_file).resolve().parent.name
    name = normalise(folder)
    return Project(name, f"the folder name `{folder}`") if name else None

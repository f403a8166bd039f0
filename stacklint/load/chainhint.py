"""Notice override files checked apart (or skipped) and show the `stacks:` config that groups them.

`stacklint check *.yml` in a folder of overrides checks each file as its own stack, and
the pre-commit hook without config skips files not named like stack files: both are
silent mistakes, since only the merged chain is what gets deployed.  Only the files'
top-level `services` keys are read, and only on those paths, so a clean run pays nothing.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml

_SERVICES_RE = re.compile(r"^services\s*:", re.M)
_BASE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


def apart_note(specs: Sequence[tuple[str, tuple[str, ...]]], config_root: str = ".") -> str | None:
    """A note when one-file stacks of a folder look like one override chain, else None.

    They look like one when a service that one file names without an `image` (so it
    cannot run on its own: an override) is defined by another file of the folder.
    """
    by_folder: dict[str, list[str]] = {}
    for _, chain_files in specs:
        if len(chain_files) == 1:
            by_folder.setdefault(os.path.dirname(chain_files[0]), []).append(chain_files[0])
    for folder, files in by_folder.items():
        if len(files) < 2:
            continue
        services = {path: _services(path) for path in files}
        named = [s for found in services.values() for s in found]
        if any(not has_image and named.count(name) > 1
               for found in services.values() for name, has_image in found.items()):
            chain = _merge_order(f for f in files if services[f])
            where = f"{folder}/" if folder else "this folder"
            return (f"note: {len(chain)} files in {where} define the same services but "
                    "were checked as separate stacks; if they are one override chain, name it "
                    "in .stacklint.yml (base first, then each override in merge order):\n"
                    + stacks_config(chain, config_root))
    return None


def skipped_note(files: Sequence[str], checked: Sequence[tuple[str, tuple[str, ...]]],
                 config_root: str = ".") -> str | None:
    """A note when files with a top-level `services:` were left out (the hook's name filter)."""
    covered = {os.path.normpath(f) for _, chain in checked for f in chain}
    left = [f for f in files if os.path.normpath(f) not in covered and _has_services(f)]
    if not left:
        return None
    folders = {os.path.dirname(f) for f in left}
    chain = _merge_order([f for _, c in checked for f in c if os.path.dirname(f) in folders] + left)
    shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
    return (f"note: not checked: {shown}: named like no stack file and not in the config's "
            "`stacks`; if they are overrides, name the chain in .stacklint.yml (base first, then "
            "each override in merge order):\n" + stacks_config(chain, config_root))


def stacks_config(files: Sequence[str], config_root: str = ".") -> str:
    """The `stacks:` entry for one chain, paths relative to the config's folder."""
    folder = os.path.dirname(os.path.abspath(files[0]))
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", os.path.basename(folder)) or "stack"
    paths = [os.path.relpath(os.path.abspath(f), os.path.abspath(config_root)).replace(os.sep, "/")
             for f in files]
    return f"  stacks:\n    {name}: [{', '.join(paths)}]"


def _merge_order(files: Iterable[str]) -> list[str]:
    """The files once each, a Compose base name first, the rest in the order given."""
    unique = list(dict.fromkeys(files))
    return sorted(unique, key=lambda f: os.path.basename(f) not in _BASE_NAMES)


def _text(path: str) -> str | None:
    from stacklint.load.document import decode
    from stacklint.errors import InputError
    try:
        return decode(Path(path).read_bytes(), path)[0]
    except (OSError, InputError):
        return None


def _has_services(path: str) -> bool:
    text = _text(path)
    return text is not None and bool(_SERVICES_RE.search(text))


def _services(path: str) -> dict[str, bool]:
    """Each service name of a file and whether the file gives it an image (or a build)."""
    text = _text(path)
    if text is None or not _SERVICES_RE.search(text):
        return {}
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return {}
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return {}
    return {str(name): isinstance(body, dict) and ("image" in body or "build" in body)
            for name, body in services.items()}

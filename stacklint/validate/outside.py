"""Files a stack reads from outside its own folder (`env_file`, `secrets.*.file`).

A stack file in a repository that points at `../../.aws/credentials` or `/etc/shadow` makes
`docker stack deploy` ship that file to the swarm; stacklint says so (SL037) and never prints
what such a file holds (env-file errors quote no line, secret-named values are masked).
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from stacklint.validate.schema_errors import Problem, dotted

if TYPE_CHECKING:
    from typing import TypeGuard


def problems(data: Any, folder: str) -> Iterator[Problem]:
    """Each `env_file` and `secrets.*.file` of one file's data that resolves (symlinks
    included) outside `folder`, the stack's folder (the first file's, as Docker resolves)."""
    if not isinstance(data, dict):
        return
    top = os.path.realpath(folder)
    services = data.get("services")
    for name, service in (services.items() if isinstance(services, dict) else ()):
        if not isinstance(service, dict):
            continue
        files = service.get("env_file")
        entries = files if isinstance(files, list) else [files]
        for index, entry in enumerate(entries):
            path = entry.get("path") if isinstance(entry, dict) else entry
            pointer: tuple[Any, ...] = ("services", name, "env_file")
            if isinstance(files, list):
                pointer += (index, "path") if isinstance(entry, dict) else (index,)
            elif isinstance(entry, dict):
                pointer += ("path",)
            if _outside(path, folder, top):
                yield Problem("file-outside-stack", pointer, False,
                              f"{dotted(pointer)}: the env file {_shown(path)} is outside the "
                              "stack's folder: its variables are read from there")
    secrets = data.get("secrets")
    for name, secret in (secrets.items() if isinstance(secrets, dict) else ()):
        if isinstance(secret, dict) and _outside(secret.get("file"), folder, top):
            pointer = ("secrets", name, "file")
            yield Problem("file-outside-stack", pointer, False,
                          f"{dotted(pointer)}: the secret's file {_shown(secret['file'])} is "
                          "outside the stack's folder: `docker stack deploy` sends its content "
                          "to the swarm")


def _outside(path: Any, folder: str, top: str) -> TypeGuard[str]:   # only a string path is outside
    if not isinstance(path, str) or not path or "\0" in path:
        return False
    real = os.path.realpath(os.path.join(folder, os.path.expanduser(path)))
    return os.path.commonpath([real, top]) != top


def _shown(path: str) -> str:
    return f"`{path}`" if "`" not in path else repr(path)

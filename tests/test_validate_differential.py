"""validate against Docker's verdicts over the oracle cases and the corpus of real stacks."""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import SHARED, shared_params
from stacklint.errors import StacklintError
from stacklint.model import Severity
from stacklint.load.stack import load_stack
from stacklint.validate.validator import validate_stack

CASES = SHARED / "oracle" / "merge-cases"
CORPUS = SHARED / "corpus"

# Chains `docker stack config` accepts that stacklint refuses: each is a check Docker misses,
# justified by what `docker stack deploy` does with the same files.
JUSTIFIED = {
    "025-healthcheck-disable-conflicts-with-merged-test": (
        {"healthcheck-test-with-disable"}, "deploy: test and disable can't be set at the same time"),
    "056-secrets-same-target-different-source": (
        {"duplicate-secret-target"}, "deploy: duplicate secret target for cert_prod not allowed"),
    "068-undefined-network-deploy-error": ({"undefined-network"}, 'deploy: undefined network "missing"'),
    "069-undefined-secret-deploy-error": ({"undefined-secret"}, 'deploy: undefined secret "nope"'),
    "073-deploy-global-cannot-clear-replicas": (
        {"global-mode-with-replicas"}, "deploy: replicas can only be used with replicated mode"),
    "112-build-without-image-deploy-error": ({"missing-image"}, "deploy: no image specified"),
    "127-no-image-deploy-error": ({"missing-image"}, "deploy: no image specified"),
    "dockersamples__docker-swarm-visualizer__docker-compose": (
        {"missing-image"}, "service viz has only `build: .`; deploy: no image specified"),
    "thomseddon__traefik-forward-auth__traefik-v1.7-swarm": (
        {"missing-image"}, "service traefik-forward-auth has `build:` and no image"),
    "tiangolo__full-stack-fastapi-postgresql__deploy-overrides": (
        {"undefined-network"}, "services join ${TRAEFIK_PUBLIC_NETWORK} (empty, or `dummy` in "
                               "the +vars run) but the top-level network is `traefik-public`"),
}

_SCHEMA = [  # Docker's schema messages: where, and a word our message must contain
    re.compile(r"^(?P<path>\S+) Additional property (?P<key>\S+) is not allowed"),
    re.compile(r"^(?P<path>\S+) (?P<word>\S+) is required"),
    re.compile(r"^(?P<path>\S+) (must be|Does not match format|array items|Must be)"),
]


def _env(folder: Path) -> dict[str, str]:
    env = {"HOME": "/home/stacklint"}
    if (folder / "env").exists():
        for line in (folder / "env").read_text(encoding="utf-8").splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                env[key] = value
    return env


def chains() -> Iterator[Any]:
    if not CASES.is_dir():
        return
    for folder in sorted(CASES.glob("[0-9]*")):
        files = sorted(folder.glob("[0-9]*.yml"), key=lambda p: int(p.stem))
        err = folder / "expected.err"
        docker = err.read_text(encoding="utf-8") if err.exists() else None
        yield pytest.param(folder, files, docker, _env(folder), id=folder.name)
    for folder in sorted(CORPUS.glob("*")):
        source = (folder / "SOURCE.txt").read_text(encoding="utf-8")
        command = re.search(r"merge order.*?\n\s*docker stack config (.*)\n", source)
        assert command, folder
        files = [folder / name for name in re.findall(r"-c (\S+)", command.group(1))]
        ok = (folder / "stack-config.out").stat().st_size > 0
        docker = None if ok else (folder / "stack-config.err").read_text(encoding="utf-8")
        yield pytest.param(folder, files, docker, {"HOME": "/tmp/empty"}, id=folder.name)
        values = re.search(r"secondary run: .*?\((\w+=.*?)\); exit", source)
        if values:   # the same chain with dummy values for the variables without default
            env = dict(pair.split("=", 1) for pair in values.group(1).split())
            ok = (folder / "stack-config.vars.out").stat().st_size > 0
            docker = None if ok else (folder / "stack-config.vars.err").read_text(encoding="utf-8")
            yield pytest.param(folder, files, docker, {"HOME": "/tmp/empty", **env},
                               id=folder.name + "+vars")


def _run(folder: Path, files: list[Path], env: dict[str, str]) -> tuple[list[Any], str | None]:
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        stack = load_stack([str(f) for f in files], env=env)
        return [f for f in validate_stack(stack) if f.severity == Severity.ERROR], None
    except StacklintError as exc:
        return [], str(exc)
    finally:
        os.chdir(cwd)


def _docker_place(message: str) -> tuple[str, str] | None:
    """The dotted place a Docker schema error names (`services.web.ports.0.published`)."""
    for pattern in _SCHEMA:
        match = pattern.match(message)
        if match:
            path = "" if match["path"] == "(root)" else match["path"]
            key = match.groupdict().get("key")
            place = ".".join(p for p in (path, key) if p)
            return place, key or match.groupdict().get("word") or ""
    return None


@pytest.mark.parametrize("folder,files,docker,env",
                         shared_params(chains(), "oracle", "merge-cases", width=4))
def test_same_verdict_as_docker(folder: Path, files: list[Path], docker: str | None,
                                env: dict[str, str]) -> None:
    errors, input_error = _run(folder, files, env)
    if docker is None:
        rules = {f.rule_name for f in errors}
        allowed, _reason = JUSTIFIED.get(folder.name, (set(), ""))
        assert input_error is None
        assert rules <= allowed, [f"{f.location} {f.message}" for f in errors]
        assert rules == allowed           # the justification still holds
        return
    assert errors or input_error, "Docker refuses this chain; stacklint must too"
    first = docker.strip().splitlines()[0]
    named = _docker_place(first)
    if named is None:                     # not a schema error: version, YAML, interpolation...
        return
    place, word = named
    ours: dict[str, str] = {}
    for f in errors:
        place_of = ".".join(str(p) for p in f.location.pointer)
        ours[place_of] = ours.get(place_of, "") + f.message
    assert place in ours and word in ours[place], (first, ours)

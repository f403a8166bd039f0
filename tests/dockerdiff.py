"""Differential testing against `docker stack config`: cases, runners and comparison."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stacklint.emit import stackfile
from stacklint.load.document import parse
from stacklint.errors import InputError
from stacklint.load.stack import load_stack
from stacklint.tree import plain

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
FIXTURES = REPO / "tests" / "fixtures" / "merge"


def _find_docker() -> str | None:
    """A docker CLI that has `stack config` (the 20.10 CLI does not), or None."""
    found = shutil.which("docker")
    if found is None:
        return None
    try:
        probe = subprocess.run([found, "stack", "config", "--help"], capture_output=True,
                               timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return found if probe.returncode == 0 else None


DOCKER = _find_docker()
HOME = "/home/stacklint"

# what a schema (validation) rejection says; anything else is a reading/merging error
_SCHEMA = re.compile(r"must be a|Additional property|is required|forbidden properties|"
                     r"unsupported Compose file version|must be a mapping|does not match|"
                     r"must be one of|must be valid|should be|is not allowed|must be unique")


@dataclass
class Case:
    name: str
    folder: Path
    files: list[str]
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    case: Case
    docker_rc: int = 0
    docker_out: str = ""
    docker_err: str = ""
    ours_error: InputError | None = None
    ours_crash: str = ""
    ours_text: str = ""
    again_rc: int = 0
    again_out: str = ""
    again_err: str = ""

    @property
    def schema_rejection(self) -> bool:
        return bool(_SCHEMA.search(self.docker_err))


def read_env(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                values[key] = value
    return values


def numbered_cases(root: Path) -> list[Case]:
    """Folders of `1.yml 2.yml …` (+ optional `env`), merged in numeric order."""
    cases = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted((f.name for f in folder.glob("*.yml") if f.stem.isdigit()),
                       key=lambda n: int(n.split(".")[0]))
        if files:
            env = {"HOME": HOME, **read_env(folder / "env")}
            cases.append(Case(folder.name, folder, files, env))
    return cases


def corpus_cases(root: Path) -> list[Case]:
    """Each corpus set's chain from SOURCE.txt, plus its `.vars` run when it has one."""
    cases = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        text = (folder / "SOURCE.txt").read_text()
        m = re.search(r"^merge order.*\n\s+docker stack config (.+)$", text, re.M)
        if not m:
            continue
        files = re.findall(r"-c (\S+)", m.group(1))
        cases.append(Case(folder.name, folder, files, {"HOME": "/nonexistent-home"}))
        v = re.search(r"dummy values for the variables that have no default \((.*?)\)", text)
        if v:
            dummy = dict(pair.split("=", 1) for pair in v.group(1).split())
            cases.append(Case(folder.name + ".vars", folder, files,
                              {"HOME": "/nonexistent-home", **dummy}))
    return cases


def _docker(files: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    args = [DOCKER or "docker", "stack", "config"]
    for name in files:
        args += ["-c", name]
    full = {"PATH": "/usr/local/bin:/usr/bin:/bin", **env}
    proc = subprocess.run(args, cwd=cwd, env=full, capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def _ours(case: Case, folder: Path, outcome: Outcome) -> None:
    try:
        stack = load_stack([str(folder / f) for f in case.files], env=case.env)
        outcome.ours_text = stackfile.render(stack.model)
    except InputError as exc:
        outcome.ours_error = exc
    except Exception as exc:  # noqa: BLE001 - a crash is a test failure, reported with its type
        outcome.ours_crash = f"{type(exc).__name__}: {exc}"


def run_cases(cases: list[Case], workers: int = 4) -> dict[str, Outcome]:
    """Docker on the chain and on stacklint's output, each case in a private copy."""
    scratch = Path(tempfile.mkdtemp(prefix="stacklint-diff-"))
    outcomes: dict[str, Outcome] = {}
    copies: dict[str, Path] = {}
    for case in cases:
        copy = scratch / case.name
        shutil.copytree(case.folder, copy, symlinks=True)
        copies[case.name] = copy
        outcome = Outcome(case)
        _ours(case, copy, outcome)
        if outcome.ours_text:
            (copy / ".stacklint-out.yml").write_text(outcome.ours_text)
        outcomes[case.name] = outcome

    def work(name: str) -> None:
        outcome, copy = outcomes[name], copies[name]
        outcome.docker_rc, outcome.docker_out, outcome.docker_err = _docker(
            outcome.case.files, copy, outcome.case.env)
        if outcome.ours_text:
            outcome.again_rc, outcome.again_out, outcome.again_err = _docker(
                [".stacklint-out.yml"], copy, outcome.case.env)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(work, list(outcomes)))
        for name, outcome in outcomes.items():   # paths in the private copy -> the original
            outcome.docker_out = outcome.docker_out.replace(str(copies[name]), "/CASEDIR")
            outcome.again_out = outcome.again_out.replace(str(copies[name]), "/CASEDIR")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return outcomes


def _dedupe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _dedupe(v) for k, v in value.items()}
    if isinstance(value, list):
        out: list[Any] = []
        for item in (_dedupe(v) for v in value):
            if item not in out:
                out.append(item)
        return out
    return value


def _drop_empty_bind(value: Any) -> Any:
    """Docker prints `bind: {}` for `create_host_path`; stacklint drops the block (deliberate)."""
    if isinstance(value, dict):
        return {k: _drop_empty_bind(v) for k, v in value.items() if not (k == "bind" and v == {})}
    if isinstance(value, list):
        return [_drop_empty_bind(v) for v in value]
    return value


def comparable(text: str) -> Any:
    """Docker's printed YAML, up to `version` and repeated list entries."""
    data = plain(parse(text).data) or {}
    data.pop("version", None)
    return _drop_empty_bind(_dedupe(data))

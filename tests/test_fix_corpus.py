"""`stacklint fix` over real stacks: what docker accepted still merges to the same config."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SHARED, require_docker, shared_params

pytestmark = pytest.mark.slow   # docker stack config on every corpus chain

CORPUS = SHARED / "corpus"
SETS = sorted(p for p in CORPUS.iterdir() if (p / "SOURCE.txt").exists()) if CORPUS.exists() else []


def chain_of(folder: Path) -> list[str]:
    text = (folder / "SOURCE.txt").read_text()
    line = re.search(r"^\s*docker stack config (.+)$", text, re.M)
    assert line, folder
    args = shlex.split(line.group(1))
    return [args[i + 1] for i, a in enumerate(args) if a == "-c"]


def stack_config(folder: Path, files: list[str]) -> subprocess.CompletedProcess[str]:
    home = folder / ".home"
    home.mkdir(exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
    args = [a for f in files for a in ("-c", f)]
    return subprocess.run([require_docker(), "stack", "config", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=60)


def _without_version(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("version:"))


@pytest.mark.docker
@pytest.mark.parametrize("folder", shared_params(SETS, "corpus"), ids=lambda p: p.name)
def test_fix_keeps_what_docker_accepted(folder: Path, tmp_path: Path, run_cli) -> None:
    work = tmp_path / folder.name
    shutil.copytree(folder, work)
    for path in work.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    files = chain_of(folder)
    before = stack_config(work, files)
    code, out, err = run_cli("fix", *[a for f in files for a in ("-f", str(work / f))])
    assert code in (0, 1), err
    after = stack_config(work, files)
    if before.returncode == 0:
        assert after.returncode == 0, after.stderr
        assert _without_version(after.stdout) == _without_version(before.stdout)
    code2, out2, _ = run_cli("fix", *[a for f in files for a in ("-f", str(work / f))])
    assert "fixed [" not in out2                                 # idempotent

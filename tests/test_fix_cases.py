"""`stacklint fix` on the fixture cases: exact output, idempotence, docker accepts the result."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, require_docker, shared_path

CASES = sorted(p for p in (FIXTURES / "fix").iterdir() if (p / "1.yml").exists())
# cases where something is left for a person: (rule id, words in the message)
LEFT = {
    "anchor-shared": ("SL703", "anchor &limits, used in 2 places"),
    "port-range": ("SL702", "port range"),
    "extends": ("SL708", "extends"),
    "profiles": ("SL708", "Compose starts it only when one is enabled"),
    "host-ip": ("SL707", "the fixer will not widen it"),
    "restart-no": ("SL723", "services.migrate.restart"),
    "extra-hosts": ("SL724", "db is given 10.0.0.5 (line 6) and 10.0.0.6"),
    "ipam-gateway": ("SL725", "a stack cannot choose the gateway 10.20.0.254"),
}


def inputs(case: Path) -> list[Path]:
    return sorted(p for p in case.iterdir() if p.name[0].isdigit() and p.suffixes == [".yml"])


def copy_case(case: Path, tmp_path: Path) -> list[Path]:
    for src in case.iterdir():
        shutil.copy(src, tmp_path / src.name)
    return [tmp_path / p.name for p in inputs(case)]


def fix_args(files: list[Path]) -> list[str]:
    if len(files) == 1:
        return ["fix", str(files[0])]
    return ["fix", *[arg for f in files for arg in ("-f", str(f))]]


def docker_accepts(files: list[Path], env_file: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    if env_file.exists():
        env.update(line.split("=", 1) for line in env_file.read_text().splitlines() if line)
    args = [a for f in files for a in ("-c", f.name)]
    return subprocess.run([require_docker(), "stack", "config", *args], cwd=files[0].parent,
                          env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_fixed_exactly_once(case: Path, tmp_path: Path, run_cli) -> None:
    files = copy_case(case, tmp_path)
    code, out, _ = run_cli(*fix_args(files))
    for f in files:
        expected = case / f"{f.stem}.expected.yml"
        want = expected.read_bytes() if expected.exists() else (case / f.name).read_bytes()
        assert f.read_bytes() == want, f"{f.name} differs from {expected.name}"
    if case.name in LEFT:
        rule, words = LEFT[case.name]
        assert code == 1 and f"[{rule} " in out and words in out
    else:
        assert code == 0, out
    before = [f.read_bytes() for f in files]
    code2, out2, _ = run_cli(*fix_args(files))
    assert [f.read_bytes() for f in files] == before, "a second fix changed the files"
    assert "fixed [" not in out2 and code2 == code


@pytest.mark.docker
@pytest.mark.parametrize("case", [c for c in CASES if c.name not in LEFT],
                         ids=[c.name for c in CASES if c.name not in LEFT])
def test_docker_accepts_fixed_case(case: Path, tmp_path: Path, run_cli) -> None:
    files = copy_case(case, tmp_path)
    before = docker_accepts(files, tmp_path / "env")
    run_cli(*fix_args(files))
    result = docker_accepts(files, tmp_path / "env")
    assert result.returncode == 0, result.stderr
    if case.name != "bind":      # create_host_path passes the loader; the daemon rejects it
        assert before.returncode != 0, "the case should show a breakage docker reports"


@pytest.mark.docker
@pytest.mark.parametrize("number", ["099", "140", "141"])
def test_compose_v2_merge_cases(number: str, tmp_path: Path, run_cli) -> None:
    folder = next(shared_path("oracle", "merge-cases").glob(f"{number}-*"))
    target = tmp_path / "stack.yml"
    shutil.copyfile(folder / "1.yml", target)
    assert docker_accepts([target], tmp_path / "env").returncode != 0
    code, out, _ = run_cli("fix", str(target))
    assert code == 0, out
    result = docker_accepts([target], tmp_path / "env")
    assert result.returncode == 0, result.stderr
    fixed = target.read_bytes()
    assert run_cli("fix", str(target))[0] == 0 and target.read_bytes() == fixed
    assert b"name: numbers\n" not in fixed and b'published: 80\n' in fixed


def test_every_fix_rule_has_a_fixture_case(tmp_path: Path, run_cli) -> None:
    rules = Path(__file__).resolve().parents[1] / "rules"
    wanted = {p.name[:5] for p in rules.glob("SL7*.yaml")} - {"SL799"}   # SL799: test_fixer
    seen: set[str] = set()
    for case in CASES:
        folder = tmp_path / case.name
        folder.mkdir()
        files = copy_case(case, folder)
        _, out, _ = run_cli(*fix_args(files), "--check")
        seen |= {line.split("[", 1)[1][:5] for line in out.splitlines() if "[SL7" in line}
    assert wanted <= seen, f"no fixture case shows {sorted(wanted - seen)}"

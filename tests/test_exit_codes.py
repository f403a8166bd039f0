"""One exit contract for every command (README, "Exit codes"):
0 clean; 1 the stack has problems (anything in the stack files Docker or stacklint rejects);
2 stacklint could not run as asked (usage, a missing or unreadable file, a bad config);
3 internal error (an import that fails inside the package included)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CLEAN = 'version: "3.8"\nservices:\n  web:\n    image: nginx:1.27\n'
# what `docker stack config` rejects (its message, checked below when the CLI is here)
REJECTED = {
    "unparsable": ('services:\n  web: [\n', "did not find expected node content"),
    "duplicate-key": (CLEAN + "    image: nginx:1.28\n", 'mapping key "image" already defined'),
    "interpolation": ('version: "3.8"\nservices:\n  web:\n    image: "nginx:${TAG:?TAG must be set}"\n',
                      "required variable TAG is missing a value"),
    "volume-spec": (CLEAN + '    volumes:\n      - ":/data"\n', "empty section between colons"),
}
MISMATCH = ('version: "3.7"\nservices:\n  web:\n    image: nginx:1.27\n', CLEAN)


def _argv(command: str, files: list[Path]) -> list[str]:
    chain = [x for f in files for x in ("-f", str(f))]
    if command == "fix":
        return ["fix", "--check", *chain]
    if command in ("check", "deploy"):
        tail = ["st", "--dry-run"] if command == "deploy" else []
        return [command, *chain, "--fail-on", "error", *tail]
    return [command, *chain]


COMMANDS = ["merge", "validate", "check", "deploy"]


@pytest.mark.parametrize("command", COMMANDS + ["fix"])
def test_a_clean_stack_exits_0(command: str, run_cli, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yml").write_text(CLEAN)
    code, _, err = run_cli(*_argv(command, [tmp_path / "s.yml"]))
    assert code == 0, err


@pytest.mark.parametrize("case", sorted(REJECTED))
@pytest.mark.parametrize("command", COMMANDS)
def test_a_stack_docker_rejects_exits_1_located(command: str, case: str, run_cli,
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAG", raising=False)
    path = tmp_path / "s.yml"
    path.write_text(REJECTED[case][0])
    code, out, err = run_cli(*_argv(command, [path]))
    assert code == 1, err
    # the located error, tagged, printed through the reporter (stderr for merge and the gate
    # of a dry run, whose standard output is the stack)
    assert f"{path}:" in out + err and "[SL003 invalid-input]" in out + err
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("command", ["merge", "validate", "check"])
def test_a_version_mismatch_exits_1(command: str, run_cli, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    a, b = tmp_path / "a.yml", tmp_path / "b.yml"
    a.write_text(MISMATCH[0])
    b.write_text(MISMATCH[1])
    code, out, err = run_cli(*_argv(command, [a, b]))
    assert code == 1 and f"{b}:1:1: error [SL003 invalid-input] version mismatched" in out + err


def test_deploy_aligns_a_version_mismatch_in_memory(run_cli, tmp_path: Path) -> None:
    """deploy applies the safe fixes first (the files stay as they are), this one included."""
    a, b = tmp_path / "a.yml", tmp_path / "b.yml"
    a.write_text(MISMATCH[0])
    b.write_text(MISMATCH[1])
    code, _, err = run_cli(*_argv("deploy", [a, b]))
    assert code == 0 and "fixed [SL705" in err and "the file is unchanged" in err
    assert b.read_text() == MISMATCH[1]


@pytest.mark.parametrize("command", COMMANDS + ["fix"])
def test_an_unparsable_file_fix_would_not_touch(command: str, run_cli, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "s.yml"
    path.write_text(REJECTED["unparsable"][0])
    code, out, err = run_cli(*_argv(command, [path]))
    assert code == 1 and "[SL003 invalid-input] YAML syntax error" in out + err
    assert path.read_text() == REJECTED["unparsable"][0]


@pytest.mark.parametrize("command", COMMANDS + ["fix"])
def test_a_missing_file_exits_2(command: str, run_cli, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(*_argv(command, [tmp_path / "missing.yml"]))
    assert code == 2 and "missing.yml" in err and "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file: no unreadable file to test")
@pytest.mark.parametrize("command", COMMANDS + ["fix"])
def test_an_unreadable_file_exits_2(command: str, run_cli, tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    path.write_text(CLEAN)
    path.chmod(0)
    code, _, err = run_cli(*_argv(command, [path]))
    assert code == 2 and "cannot read" in err


@pytest.mark.parametrize("command", COMMANDS + ["fix", "rules", "explain"])
def test_usage_errors_exit_2(command: str, run_cli) -> None:
    code, _, err = run_cli(command, "--no-such-option")
    assert code == 2 and "usage:" in err


@pytest.mark.parametrize("command", ["check", "fix", "deploy", "rules"])
def test_a_bad_config_exits_2(command: str, run_cli, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yml").write_text(CLEAN)
    (tmp_path / ".stacklint.yml").write_text("fail-on: sometimes\n")
    argv = {"rules": ["rules"], "fix": ["fix", "--check", "s.yml"]}.get(
        command, _argv(command, [tmp_path / "s.yml"]))
    code, _, err = run_cli(*argv)
    assert code == 2 and ".stacklint.yml:1:1: error:" in err


@pytest.mark.parametrize("argv", [["check", "-f", "s.yml"], ["validate", "-f", "s.yml"],
                                  ["merge", "-f", "s.yml"]])
def test_an_import_error_inside_the_package_is_internal(argv: list[str], tmp_path: Path) -> None:
    """A module of stacklint that fails to import is exit 3, never a silently shorter check."""
    for part in ("stacklint", "rules", "schemas"):
        shutil.copytree(REPO / part, tmp_path / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "stacklint" / "validate" / "validator.py").write_text(
        "raise ImportError('a dependency of validate is missing')\n")
    (tmp_path / "s.yml").write_text(CLEAN)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("STACKLINT_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "stacklint", *argv], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "internal error: ImportError: a dependency of validate is missing" in proc.stderr


@pytest.mark.docker
@pytest.mark.parametrize("case", sorted(REJECTED))
def test_docker_rejects_the_same_stacks(case: str, tmp_path: Path) -> None:
    """The exit-1 cases above are what `docker stack config` refuses too."""
    if not shutil.which("docker"):
        pytest.skip("needs the docker CLI on PATH (docker stack config)")
    (tmp_path / "s.yml").write_text(REJECTED[case][0])
    env = {k: v for k, v in os.environ.items() if k != "TAG"}
    proc = subprocess.run(["docker", "stack", "config", "-c", "s.yml"], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode != 0 and REJECTED[case][1] in proc.stderr

"""docs/ci.md: the CI examples parse, and their commands behave as documented on a real chain."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "ci.md"
ROLLOUT = REPO / "tests" / "fixtures" / "precommit" / "rollout"
BREAK = "      update_config:\n        order: stop-first\n"


def yaml_blocks() -> list[object]:
    return [yaml.safe_load(block)
            for block in re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S)]


def github_workflow() -> dict:
    return next(b for b in yaml_blocks() if isinstance(b, dict) and "jobs" in b)


def gitlab_job() -> dict:
    return next(b["stacklint"] for b in yaml_blocks()
                if isinstance(b, dict) and "script" in (b.get("stacklint") or {}))


def test_github_workflow_gates_annotates_and_uploads_sarif() -> None:
    workflow = github_workflow()
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["stacklint"]["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    assert "stacklint check --format github" in runs
    sarif_run = next(r for r in runs if "--format sarif" in r)
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] in sarif_run


def test_gitlab_job_gates_and_keeps_sarif() -> None:
    job = gitlab_job()
    assert "stacklint check" in job["script"]
    assert any("--format sarif" in line for line in job["script"])
    assert job["artifacts"]["paths"] == ["stacklint.sarif"]


def test_pre_commit_example_names_both_hooks() -> None:
    config = next(b for b in yaml_blocks() if isinstance(b, dict) and "repos" in b)
    # the fix hook first, so the gate checks what the fixes left; no tag exists to pin yet
    assert [h["id"] for h in config["repos"][0]["hooks"]] == ["stacklint-fix", "stacklint"]
    assert re.fullmatch(r"[0-9a-f]{40}", config["repos"][0]["rev"])


# -- the documented commands, run as the CI shell runs them ----------------------------------

@pytest.fixture
def chain(tmp_path: Path) -> Path:
    """The rollout chain with an override that sets `order: stop-first` (a merged-only problem)."""
    for src in ROLLOUT.iterdir():
        shutil.copy(src, tmp_path / src.name)
    with open(tmp_path / "compose.override.yaml", "a") as handle:
        handle.write(BREAK)
    return tmp_path


def run_step(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A CI `run:` line under `bash -e`, with `stacklint` meaning this checkout."""
    shim = cwd / ".bin"
    shim.mkdir(exist_ok=True)
    (shim / "stacklint").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m stacklint "$@"\n')
    (shim / "stacklint").chmod(0o755)
    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(REPO)}
    env.pop("PRE_COMMIT", None)
    return subprocess.run(["bash", "-e", "-c", command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def override_line() -> int:
    text = (ROLLOUT / "compose.override.yaml").read_text() + BREAK
    return next(i for i, line in enumerate(text.splitlines(), 1) if "stop-first" in line)


def test_annotation_step_fails_the_job_with_an_annotation_at_the_override(chain: Path) -> None:
    done = run_step("stacklint check --format github", chain)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(rf"^::(error|warning|notice) file=compose\.override\.yaml,line={override_line()}\b",
                     done.stdout, re.M), done.stdout


def test_sarif_step_passes_on_findings_and_writes_the_report(chain: Path) -> None:
    done = run_step(sarif_step(), chain)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((chain / "stacklint.sarif").read_text())
    assert report["version"] == "2.1.0"
    results = report["runs"][0]["results"]
    places = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
               r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}
    assert ("compose.override.yaml", override_line()) in places


def sarif_step() -> str:
    steps = github_workflow()["jobs"]["stacklint"]["steps"]
    return next(s["run"] for s in steps if "--format sarif" in s.get("run", ""))


def test_unparsable_file_fails_the_gate_with_an_annotation(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web: [unclosed\n")
    done = run_step("stacklint check --format github", tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"^::error file=compose\.yaml,line=3,.*SL003", done.stdout, re.M), done.stdout
    assert re.search(r"^compose\.yaml:3:\d+: error: ", done.stderr, re.M), done.stderr
    # the SARIF step keeps going (exit 1) and the report carries the syntax error
    assert run_step(sarif_step(), tmp_path).returncode == 0
    assert "SL003" in (tmp_path / "stacklint.sarif").read_text()


def test_sarif_step_stops_on_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.27.0\n")
    (tmp_path / ".stacklint.yml").write_text("no-such-key: 1\n")
    assert run_step("stacklint check", tmp_path).returncode == 2
    assert run_step(sarif_step(), tmp_path).returncode != 0


def test_gitlab_script_passes_a_clean_chain_and_ends_with_a_summary(tmp_path: Path) -> None:
    for src in ROLLOUT.iterdir():
        shutil.copy(src, tmp_path / src.name)
    script = [line for line in gitlab_job()["script"] if not line.startswith("pip ")]
    done = run_step("\n".join(script), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "stacklint.sarif").is_file()
    last = (done.stdout + done.stderr).strip().splitlines()[-1]
    assert re.search(r"\b1 stack\b", last) and re.search(r"\b2 files\b", last), last

"""`preflight` and `plan` print their findings through `reporters/`, with the shared
`--format` choices: each format read back as a tool would read it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from swarmhelp import IMAGE, REPO

# a constraint no node matches (SL810 on any swarm), and a gate warning (parallelism 0)
STACK = f"""\
version: "3.8"
services:
  web:
    image: {IMAGE}:v1
    deploy:
      placement:
        constraints: [node.labels.stacklint-nowhere == here]
      update_config: {{parallelism: 0}}
"""


def _stacklint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stacklint", *args], cwd=REPO,
                          capture_output=True, text=True, env=os.environ.copy(), timeout=120)


@pytest.fixture
def stack_file(tmp_path: Path) -> Path:
    path = tmp_path / "stack.yml"
    path.write_text(STACK)
    return path


@pytest.mark.swarm
@pytest.mark.parametrize("form", ["json", "sarif", "github"])
def test_preflight_prints_findings_in_every_format(swarm_stack: str, stack_file: Path,
                                                   form: str) -> None:
    proc = _stacklint("preflight", "-f", str(stack_file), swarm_stack, "--fail-on", "error",
                      "--format", form)
    assert proc.returncode == 1, proc.stderr
    if form == "json":
        rules = [f["rule_id"] for f in json.loads(proc.stdout)["findings"]]
    elif form == "sarif":
        rules = [r["ruleId"] for r in json.loads(proc.stdout)["runs"][0]["results"]]
    else:
        rules = [line.split("title=")[1].split()[0] for line in proc.stdout.splitlines()
                 if line.startswith("::error ")]
    assert "SL810" in rules, proc.stdout


def test_plan_prints_the_gate_findings_through_a_reporter(stack_file: Path) -> None:
    # the gate refuses before Docker is asked: no swarm needed
    proc = _stacklint("plan", "-f", str(stack_file), "any-stack", "--fail-on", "warning",
                      "--report-format", "sarif")
    assert proc.returncode == 1, proc.stderr
    sarif = json.loads(proc.stderr[:proc.stderr.rindex("}") + 1])
    results = sarif["runs"][0]["results"]
    assert results and all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                           .endswith("stack.yml") for r in results)
    assert "deploy would be refused" in proc.stderr

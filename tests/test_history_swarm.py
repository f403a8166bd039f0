"""Deploy history, `stacklint history` and `stacklint rollback` on the real swarm."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from swarmhelp import (DEPLOY_FIXTURES, IMAGE, docker, require_swarm, running_images,
                       stack_services)

pytestmark = pytest.mark.swarm

STORY = Path(__file__).parent / "fixtures" / "plan" / "story"
NUMBERS = DEPLOY_FIXTURES / "numbers"
NO_REGISTRY = ["--resolve-image", "never", "--timeout", "90"]
WITH_FILES = f"""\
version: "3.8"
services:
  app:
    image: {IMAGE}:v1
    stop_grace_period: 1s
    deploy:
      replicas: 1
      update_config: {{order: start-first, failure_action: rollback, monitor: 4s}}
      rollback_config: {{order: start-first, monitor: 4s}}
      resources:
        limits: {{cpus: "0.5", memory: 32M}}
        reservations: {{memory: 4M}}
    healthcheck:
      test: [CMD, wget, -q, -O, -, http://localhost/]
      interval: 1s
      timeout: 5s
      retries: 3
    configs: [{{source: conf, target: /etc/conf.txt}}]
    secrets: [token]
configs:
  conf:
    file: ./conf.txt
secrets:
  token:
    file: ./token.txt
"""


@pytest.fixture
def stack(swarm_stack: str) -> str:        # conftest: a fresh name, removed afterwards
    return swarm_stack


@pytest.fixture
def swarm_host() -> str:
    return require_swarm()


def _history(run_cli, stack: str) -> list[dict]:
    code, out, err = run_cli("history", stack, "--format", "json")
    assert code == 0, out + err
    document = json.loads(out)
    assert document["version"] == 1 and document["stack"] == stack
    return document["revisions"]


def test_history_records_each_deploy_and_rollback_goes_to_the_last_completed(
        run_cli, stack: str, swarm_host: str) -> None:
    base = ["-f", str(STORY / "base.yml")]
    assert run_cli("deploy", *base, stack, *NO_REGISTRY)[0] == 0
    code, out, err = run_cli("deploy", *base, "-f", str(STORY / "v2.yml"), stack, *NO_REGISTRY)
    assert code == 0, out + err
    assert "plan for stack" in out and "image: stacklint-test/web:v1 -> stacklint-test/web:v2" in out
    code, out, err = run_cli("deploy", *base, "-f", str(STORY / "bad.yml"), stack, *NO_REGISTRY)
    assert code == 4, out + err
    revs = _history(run_cli, stack)
    assert [(r["revision"], r["result"]) for r in revs] == [
        (1, "completed"), (2, "completed"), (3, "rolled back")]
    assert revs[1]["files"][-1] == str(STORY / "v2.yml")
    assert revs[0]["images"] == {"app": f"{IMAGE}:v1"}
    assert revs[2]["images"] == {"app": f"{IMAGE}:bad"}     # what it was given, not what runs
    code, out, _ = run_cli("history", stack)
    assert "rolled back" in out and "bad.yml" in out

    # default: the newest completed revision before the newest one (2, what runs now)
    code, out, err = run_cli("rollback", stack, *NO_REGISTRY)
    assert code == 0, out + err
    assert "back to revision 2" in out and "no change" in out
    code, out, err = run_cli("rollback", stack, "--to", "1", *NO_REGISTRY)
    assert code == 0, out + err
    assert running_images(f"{stack}_app", swarm_host) == [f"{IMAGE}:v1"] * 2
    revs = _history(run_cli, stack)
    assert [(r["result"], r["rollback_of"]) for r in revs[3:]] == [("completed", 2),
                                                                    ("completed", 1)]


def test_rollback_needs_no_files_and_survives_stack_rm(run_cli, stack: str, swarm_host: str,
                                                       tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "conf.txt").write_text("one\n")
    (work / "token.txt").write_text("s3cret\n")
    (work / "stack.yml").write_text(WITH_FILES)
    code, out, err = run_cli("deploy", "-f", str(work / "stack.yml"), stack, *NO_REGISTRY)
    assert code == 0, out + err
    (work / "stack.yml").write_text(WITH_FILES.replace(":v1", ":v2"))
    code, out, err = run_cli("deploy", "-f", str(work / "stack.yml"), stack, *NO_REGISTRY)
    assert code == 0, out + err
    keep = tmp_path / "token.txt"
    shutil.copy(work / "token.txt", keep)
    shutil.rmtree(work)                                  # the files are gone

    code, out, err = run_cli("rollback", stack, *NO_REGISTRY)
    assert code == 0, out + err
    assert running_images(f"{stack}_app", swarm_host) == [f"{IMAGE}:v1"]

    docker("stack", "rm", stack)                        # also removes the config and secret
    deadline = time.monotonic() + 90                    # networks go after the services
    while (docker("network", "ls", "-q", "--filter", f"name={stack}_").stdout.strip()
           or stack_services(stack, swarm_host)):
        assert time.monotonic() < deadline, "the stack's network was not removed"
        time.sleep(0.5)
    assert not docker("config", "ls", "-q", "--filter", f"name={stack}_conf").stdout.strip()
    code, out, err = run_cli("rollback", stack, "--to", "1", *NO_REGISTRY)
    assert code == 2 and "secret" in err and "token.txt" in err, out + err
    assert not docker("service", "ls", "-q", "--filter", f"name={stack}_").stdout.strip()
    (work).mkdir()
    shutil.copy(keep, work / "token.txt")                # the same secret file is back
    code, out, err = run_cli("rollback", stack, "--to", "1", *NO_REGISTRY)
    assert code == 0, out + err
    assert "config" in err and "created again" in err
    assert running_images(f"{stack}_app", swarm_host) == [f"{IMAGE}:v1"]
    data = docker("config", "inspect", "--format", "{{json .Spec.Data}}", f"{stack}_conf").stdout
    assert json.loads(data) == "b25lCg=="               # "one\n" from the history


def test_deploy_refuses_what_docker_would_refuse_before_submitting(
        run_cli, stack: str, tmp_path: Path) -> None:
    (tmp_path / "conf.txt").write_text("one\n")
    (tmp_path / "token.txt").write_text("s3cret\n")
    path = tmp_path / "stack.yml"
    path.write_text(WITH_FILES)
    assert run_cli("deploy", "-f", str(path), stack, *NO_REGISTRY)[0] == 0
    (tmp_path / "conf.txt").write_text("two\n")
    before = docker("service", "inspect", "--format", "{{.Version.Index}}", f"{stack}_app").stdout
    # the preflight (SL821) refuses it first; the plan too, for what the preflight skips
    code, out, err = run_cli("deploy", "-f", str(path), stack, *NO_REGISTRY)
    assert code == 1 and "SL821" in out + err, out + err
    code, out, err = run_cli("plan", "-f", str(path), stack, *NO_REGISTRY[:2])
    assert code == 1 and "only updates to Labels are allowed" in out, out + err
    after = docker("service", "inspect", "--format", "{{.Version.Index}}", f"{stack}_app").stdout
    assert after == before
    (tmp_path / "conf.txt").write_text("one\n")
    # a secret cannot be read back; the history's SHA-256 of its file tells the change
    (tmp_path / "token.txt").write_text("changed\n")
    code, out, err = run_cli("plan", "-f", str(path), stack, *NO_REGISTRY[:2])
    assert code == 1 and "differs from the file revision 1 deployed" in out, out + err
    code, out, err = run_cli("deploy", "-f", str(path), stack, *NO_REGISTRY, "--skip-preflight")
    assert code == 2 and "only updates to Labels are allowed" in err, out + err
    (tmp_path / "token.txt").write_text("s3cret\n")
    code, out, err = run_cli("plan", "-f", str(path), stack, *NO_REGISTRY[:2])
    assert code == 0 and "same file as revision 1" in out, out + err
    path.write_text(WITH_FILES.replace("replicas: 1", "mode: global"))
    code, out, err = run_cli("deploy", "-f", str(path), stack, *NO_REGISTRY)
    assert code == 1 and "replicated -> global" in err, out + err
    assert "docker stack deploy would fail, so nothing was deployed" in err
    after = docker("service", "inspect", "--format", "{{.Version.Index}}", f"{stack}_app").stdout
    assert after == before
    assert [r["revision"] for r in _history(run_cli, stack)] == [1]


def test_bad_input_exits_2_and_submits_nothing(run_cli, stack: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run_cli("history", stack)
    assert code == 2 and "no deploy history" in err
    code, out, err = run_cli("rollback", stack)
    assert code == 2 and "no deploy history" in err
    assert run_cli("deploy", "-f", str(NUMBERS / "base.yml"), "-f", str(NUMBERS / "prod.yml"),
                   stack, *NO_REGISTRY, "--no-watch")[0] == 0
    code, out, err = run_cli("rollback", stack, "--to", "7")
    assert code == 2 and "no revision 7" in err and "revisions 1..1" in err
    code, out, err = run_cli("rollback", stack)
    assert code == 2 and "no completed revision before revision 1" in err
    assert [r["result"] for r in _history(run_cli, stack)] == ["not followed"]
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    for argv in (("history", stack), ("rollback", stack),
                 ("plan", "-f", str(STORY / "base.yml"), stack)):
        code, out, err = run_cli(*argv)
        assert code == 2 and "cannot reach the Docker engine" in err, (argv, out, err)


def test_on_a_terminal_deploy_asks_after_the_plan_and_no_deploys_nothing(
        stack: str, swarm_host: str) -> None:
    import os
    import pty
    import subprocess
    import sys

    primary, secondary = pty.openpty()
    env = {**os.environ, "DOCKER_HOST": swarm_host}
    proc = subprocess.Popen([sys.executable, "-m", "stacklint", "deploy", "-f",
                             str(STORY / "base.yml"), stack, "--resolve-image", "never"],
                            stdin=secondary, stdout=secondary, stderr=secondary, env=env,
                            cwd=Path(__file__).parents[1])
    os.close(secondary)
    seen = b""
    deadline = time.monotonic() + 60
    while b"[y/N]" not in seen and time.monotonic() < deadline:
        try:
            seen += os.read(primary, 4096)
        except OSError:
            break
    assert b"create: not running yet" in seen and b"[y/N]" in seen, seen.decode()
    os.write(primary, b"n\n")
    assert proc.wait(timeout=30) == 1
    os.close(primary)
    assert stack_services(stack, swarm_host) == []

"""`stacklint deploy` against the real local swarm: gate, deploy, follow the rollout."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import yaml
from swarmhelp import (DEPLOY_FIXTURES, IMAGE, docker, new_stack_name, remove_stack,
                       require_swarm, running_images, stack_services)

pytestmark = pytest.mark.swarm

NUMBERS = DEPLOY_FIXTURES / "numbers"
BASE = ["-f", str(NUMBERS / "base.yml"), "-f", str(NUMBERS / "prod.yml")]
NO_REGISTRY = ["--resolve-image", "never", "--timeout", "90"]


@pytest.fixture(scope="module")
def swarm_host() -> str:
    return require_swarm()


@pytest.fixture
def stack(swarm_host: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh stack name on the swarm, removed again after the test."""
    monkeypatch.setenv("DOCKER_HOST", swarm_host)
    name = new_stack_name()
    yield name
    remove_stack(name, swarm_host)


def _seconds(stamp: str) -> float:
    """An RFC 3339 time as Go prints it in JSON (UTC, nanoseconds) in epoch seconds."""
    from datetime import datetime
    head, _, frac = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(head + "+00:00").timestamp() + float("0." + (frac or "0"))


def _summary_line(out: str, service: str) -> str:
    """The summary row of one service (the last line that names it)."""
    rows = [line for line in out.splitlines() if line.strip().startswith(service + " ")]
    assert rows, f"no line for {service} in:\n{out}"
    return rows[-1]


def test_numbers_story_v1_v2_then_bad_v5_rolls_back(run_cli, stack: str, swarm_host: str) -> None:
    api, web = f"{stack}_api", f"{stack}_web"

    code, out, err = run_cli("deploy", *BASE, stack, *NO_REGISTRY)
    assert code == 0, out + err
    assert "created" in _summary_line(out, api) and "3/3 running" in _summary_line(out, api)
    assert running_images(api, swarm_host) == [f"{IMAGE}:v1"] * 3

    code, out, err = run_cli("deploy", *BASE, "-f", str(NUMBERS / "v2.yml"), stack, *NO_REGISTRY)
    assert code == 0, out + err
    for service in (api, web):
        assert "completed" in _summary_line(out, service)
    assert running_images(api, swarm_host) == [f"{IMAGE}:v2"] * 3
    assert running_images(web, swarm_host) == [f"{IMAGE}:v2"] * 2

    started = time.monotonic()
    code, out, err = run_cli("deploy", *BASE, "-f", str(NUMBERS / "v5-bad.yml"), stack,
                             *NO_REGISTRY)
    assert code == 4, out + err
    for service in (api, web):
        line = _summary_line(out, service)
        assert "rolled back" in line and f"{IMAGE}:v2" in line, line
    assert "unhealthy" in out                      # the task error that caused it
    assert "result: rolled back" in out and "(exit 4)" in out
    # it said so once Swarm had rolled back, not at its 90 s timeout (where a rolled-back
    # service is reported rolled back too): held to Swarm's own end of the rollback rather
    # than to a fixed time, as a loaded machine makes the rollback itself slow
    returned = time.time()
    assert time.monotonic() - started < 90
    ended = max(_seconds(json.loads(docker("service", "inspect", "--format",
                                           "{{json .UpdateStatus}}", service,
                                           host=swarm_host).stdout)["CompletedAt"])
                for service in (api, web))
    assert returned - ended < 30, (returned, ended)
    # Swarm put v2 back by itself; nothing of the bad release is left running
    assert running_images(api, swarm_host) == [f"{IMAGE}:v2"] * 3
    assert running_images(web, swarm_host) == [f"{IMAGE}:v2"] * 2


def test_failed_update_with_failure_action_pause_exits_5(run_cli, stack: str) -> None:
    code, out, err = run_cli("deploy", *BASE, stack, *NO_REGISTRY)
    assert code == 0, out + err
    # failure_action: pause breaks a rollout rule (a warning): accept it explicitly
    chain = [*BASE, "-f", str(NUMBERS / "v5-bad.yml"), "-f", str(NUMBERS / "pause.yml")]
    code, out, err = run_cli("deploy", *chain, stack, *NO_REGISTRY)
    assert code == 1 and "SL504" in out, out + err       # refused at the default level
    code, out, err = run_cli("deploy", *chain, stack, *NO_REGISTRY, "--fail-on", "error")
    assert code == 5, out + err
    assert "paused" in _summary_line(out, f"{stack}_api")


def test_new_service_that_never_gets_healthy_times_out(run_cli, stack: str) -> None:
    chain = [*BASE, "-f", str(NUMBERS / "v5-bad.yml")]
    started = time.monotonic()
    code, out, err = run_cli("deploy", *chain, stack, "--resolve-image", "never",
                             "--timeout", "4")
    assert code == 6, out + err
    assert "timed out" in _summary_line(out, f"{stack}_api")
    assert "(exit 6)" in out
    assert time.monotonic() - started < 20


def test_gate_refuses_a_rollout_rule_breach_and_nothing_reaches_the_swarm(
        run_cli, stack: str, swarm_host: str) -> None:
    code, out, err = run_cli("deploy", "-f", str(DEPLOY_FIXTURES / "refused" / "stack.yml"),
                             stack, *NO_REGISTRY)
    assert code == 1, out + err
    assert "SL401" in out and "stack.yml:" in out          # points at the source file
    assert "deploy refused" in err and "nothing was deployed" in err
    assert stack_services(stack, swarm_host) == []


def test_compose_v2_chain_deploys_after_in_memory_fixes(run_cli, stack: str,
                                                        swarm_host: str) -> None:
    folder = DEPLOY_FIXTURES / "compose-v2"
    files = [folder / "compose.yml", folder / "compose.prod.yml"]
    before = [f.read_bytes() for f in files]
    # what Docker itself says about these files: they cannot be deployed as they are
    plain = docker("stack", "config", "-c", str(files[0]), "-c", str(files[1]))
    assert plain.returncode != 0 and "published must be a integer" in plain.stderr

    code, out, err = run_cli("deploy", "-f", str(files[0]), "-f", str(files[1]), stack,
                             *NO_REGISTRY)
    assert code == 0, out + err
    assert "fixed [SL701" in out and "fixed [SL702" in out and "(in the deployed stack only; the file is unchanged)" in out
    assert [f.read_bytes() for f in files] == before       # the user's files are untouched
    assert running_images(f"{stack}_front", swarm_host) == [f"{IMAGE}:v1"] * 2
    ports = docker("service", "inspect", f"{stack}_front", "--format",
                   "{{range .Endpoint.Ports}}{{.PublishedPort}} {{end}}", host=swarm_host)
    assert ports.stdout.split() == ["18080"]


def test_dry_run_prints_stack_and_command_and_deploys_nothing(run_cli, stack: str,
                                                              swarm_host: str) -> None:
    code, out, err = run_cli("deploy", *BASE, stack, "--dry-run", "--prune",
                             "--resolve-image", "never")
    assert code == 0, out + err
    first, _, text = out.partition("# dry run: ")[2].partition("\n")
    assert first == ("stacklint would run: docker stack deploy -c - --prune "
                     f"--resolve-image never {stack}")
    assert "services:" in text and f"{IMAGE}:v1" in text
    # the printed stack is what Docker accepts
    assert docker("stack", "config", "-c", "-", stdin=text).returncode == 0
    assert stack_services(stack, swarm_host) == []


def test_no_watch_returns_once_docker_accepted(run_cli, stack: str, swarm_host: str) -> None:
    code, out, err = run_cli("deploy", *BASE, stack, "--resolve-image", "never", "--no-watch")
    assert code == 0, out + err
    assert "not following the rollout" in out and "rollout of stack" not in out
    assert len(stack_services(stack, swarm_host)) == 2


def test_dockers_own_warnings_reach_the_user(run_cli, stack: str, tmp_path) -> None:
    text = (NUMBERS / "base.yml").read_text().replace(
        "    stop_grace_period: 1s\n", "    stop_grace_period: 1s\n    container_name: fixed\n", 1)
    (tmp_path / "base.yml").write_text(text)
    code, out, err = run_cli("deploy", "-f", str(tmp_path / "base.yml"),
                             "-f", str(NUMBERS / "prod.yml"), stack, "--resolve-image", "never",
                             "--no-watch", "--fail-on", "error")
    assert code == 0, out + err
    assert "container_name: Setting the container name is not supported." in err
    assert "--detach=false" not in err


def test_docker_context_of_the_environment_is_used(run_cli, stack: str, swarm_host: str,
                                                   tmp_path, monkeypatch) -> None:
    """No DOCKER_HOST, only a context (in a private DOCKER_CONFIG) that names the engine."""
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    made = docker("context", "create", "sltest", "--docker", f"host={swarm_host}")
    assert made.returncode == 0, made.stderr
    monkeypatch.delenv("DOCKER_HOST")
    monkeypatch.setenv("DOCKER_CONTEXT", "sltest")
    code, out, err = run_cli("deploy", *BASE, stack, "--resolve-image", "never", "--no-watch")
    assert code == 0, out + err
    assert len(stack_services(stack, swarm_host)) == 2


def test_prune_removes_services_the_files_no_longer_name(run_cli, stack: str, swarm_host: str,
                                                         tmp_path) -> None:
    code, out, err = run_cli("deploy", *BASE, stack, *NO_REGISTRY)
    assert code == 0, out + err
    code, merged, err = run_cli("deploy", *BASE, stack, "--dry-run")
    stack_model = yaml.safe_load(merged)
    del stack_model["services"]["web"]
    only_api = tmp_path / "api-only.yml"
    only_api.write_text(yaml.safe_dump(stack_model))
    code, out, err = run_cli("deploy", "-f", str(only_api), stack, *NO_REGISTRY, "--prune")
    assert code == 0, out + err
    assert f"Removing service {stack}_web" in out
    assert "unchanged" in _summary_line(out, f"{stack}_api")
    names = docker("service", "ls", "--format", "{{.Name}}", "--filter",
                   f"label=com.docker.stack.namespace={stack}", host=swarm_host).stdout.split()
    assert names == [f"{stack}_api"]

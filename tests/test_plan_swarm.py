"""`stacklint plan` against the real swarm: each decision rule is checked by applying the
change with `docker stack deploy` and watching whether the service's tasks were replaced."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from swarmhelp import IMAGE, docker

pytestmark = pytest.mark.swarm

RICH = Path(__file__).parent / "fixtures" / "plan" / "rich.yml"
BASE = f"""\
version: "3.8"
services:
  app:
    image: {IMAGE}:v1
    stop_grace_period: 1s
    environment: {{COLOUR: blue}}
    deploy:
      replicas: 2
      labels: {{owner: a}}
      update_config: {{parallelism: 1, order: start-first, monitor: 1s}}
      placement:
        constraints: [node.role == manager]
  side:
    image: {IMAGE}:v1
    stop_grace_period: 1s
configs:
  conf:
    file: ./conf.txt
"""


@pytest.fixture
def stack(swarm_stack: str) -> str:        # conftest: a fresh name, removed afterwards
    return swarm_stack


def _deploy(path: Path, stack: str, ok: bool = True) -> str:
    """`docker stack deploy` itself (what the plan predicts), then wait until it settled."""
    proc = docker("stack", "deploy", "--resolve-image", "never", "-c", str(path), stack)
    assert (proc.returncode == 0) == ok, proc.stdout + proc.stderr
    if ok:
        _settle(stack)
    return proc.stderr


def _settle(stack: str, timeout: float = 60) -> None:
    """Until no service is updating and every replicated service runs its replicas."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = docker("service", "ls", "--format", "{{.Name}} {{.Replicas}}", "--filter",
                      f"label=com.docker.stack.namespace={stack}").stdout.split("\n")
        # a job's row reads "0/1 (1/1 completed)": its tasks end, they are not counted
        counts = [r.split()[1].split("/") for r in rows if r.strip() and "(" not in r]
        states = [docker("service", "inspect", "--format", "{{if .UpdateStatus}}"
                         "{{.UpdateStatus.State}}{{end}}", r.split()[0]).stdout.strip()
                  for r in rows if r.strip()]
        if (all(a == b for a, b in counts)
                and not any(s in ("updating", "rollback_started") for s in states)):
            return
        time.sleep(0.5)
    raise AssertionError(f"stack {stack} did not settle in {timeout} s")


def _until(check, stack: str, timeout: float = 90) -> bool:  # type: ignore[no-untyped-def]
    """`check` holds on a settled stack within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            _settle(stack, timeout=max(deadline - time.monotonic(), 1))
            if check():
                return True
        time.sleep(0.5)
    return False


def _stays(check, seconds: float = 3) -> bool:  # type: ignore[no-untyped-def]
    """`check` holds all through the next `seconds` (the orchestrator acts on a new spec
    within a second or so; a claim that it did nothing needs that window)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not check():
            return False
        time.sleep(0.5)
    return bool(check())


def _tasks(service: str) -> set[str]:
    proc = docker("service", "ps", "-q", "--no-trunc", "--filter", "desired-state=running",
                  service)
    return set(proc.stdout.split())


def _plan(run_cli, path: Path, stack: str) -> dict[str, dict]:
    code, out, err = run_cli("plan", "-f", str(path), stack, "--resolve-image", "never",
                             "--fail-on", "error", "--format", "json")
    assert code in (0, 1), out + err
    data = json.loads(out)
    assert data["version"] == 1
    return {s["name"].split("_", 1)[1]: s for s in data["services"]} | {
        f"{o['kind']}:{o['name'].split('_', 1)[1]}": o for o in data["objects"]}


def _write(tmp_path: Path, text: str, conf: str = "one\n") -> Path:
    (tmp_path / "conf.txt").write_text(conf)
    path = tmp_path / "stack.yml"
    path.write_text(text)
    return path


def test_rich_stack_plans_no_change_right_after_its_deploy(run_cli, stack: str) -> None:
    plan = _plan(run_cli, RICH, stack)
    assert {plan[s]["action"] for s in ("web", "worker", "once")} == {"create"}
    assert plan["network:front"]["action"] == "create"
    _deploy(RICH, stack)
    plan = _plan(run_cli, RICH, stack)
    assert plan["web"]["action"] == "no change", plan["web"]
    assert plan["worker"]["action"] == "no change", plan["worker"]
    assert plan["once"]["action"] == "job re-run"
    assert [plan[k] for k in plan if ":" in k and plan[k]["action"] != "unchanged"] == []
    before = {s: _tasks(f"{stack}_{s}") for s in ("web", "worker")}
    runs = _job_iteration(f"{stack}_once")
    _deploy(RICH, stack)
    assert _stays(lambda: {s: _tasks(f"{stack}_{s}") for s in ("web", "worker")} == before)
    # the job ran again although nothing changed: a new iteration, and a task of it. Read
    # from the job's iteration, not from its task list (the swarm may drop an earlier run's
    # tasks), and polled (its orchestrator starts the run a moment after the deploy)
    assert _until(lambda: _job_iteration(f"{stack}_once") > runs and any(
        (t.get("JobIteration") or {}).get("Index", 0) == _job_iteration(f"{stack}_once")
        for t in json.loads(docker("inspect", "--type", "task", *docker(
            "service", "ps", "-q", "--no-trunc", f"{stack}_once").stdout.split()).stdout
            or "[]")), stack)


def _job_iteration(service: str) -> int:
    """How many times a job was run again (Swarm's JobStatus.JobIteration)."""
    status = json.loads(docker("service", "inspect", "--format", "{{json .JobStatus}}",
                               service).stdout or "null") or {}
    return int((status.get("JobIteration") or {}).get("Index", 0))


@pytest.mark.parametrize("edit, action, field", [
    (("image: stacklint-test/web:v1\n    stop", "image: stacklint-test/web:v2\n    stop"),
     "rolling update", "image"),
    (("COLOUR: blue", "COLOUR: green"), "rolling update", "environment"),
    (("replicas: 2", "replicas: 3"), "scale only", "deploy.replicas"),
    (("owner: a", "owner: b"), "metadata only", "deploy.labels"),
    (("monitor: 1s", "monitor: 2s"), "metadata only", "deploy.update_config"),
    (("node.role == manager", "node.role != worker"), "metadata only",
     "deploy.placement.constraints"),
])
def test_each_rule_matches_what_the_swarm_does(run_cli, stack: str, tmp_path: Path,
                                               edit: tuple[str, str], action: str,
                                               field: str) -> None:
    path = _write(tmp_path, BASE)
    _deploy(path, stack)
    before = _tasks(f"{stack}_app")
    assert len(before) == 2
    path.write_text(BASE.replace(*edit, 1))
    plan = _plan(run_cli, path, stack)
    assert plan["app"]["action"] == action, plan["app"]
    assert [c["field"].split(" (")[0] for c in plan["app"]["changes"]] == [field], plan["app"]
    assert plan["side"]["action"] == "no change"
    side = _tasks(f"{stack}_side")
    _deploy(path, stack)
    # Right after `docker stack deploy` the updater may not have begun yet (the new spec
    # clears UpdateStatus, and the old tasks still run their replicas), so what must change
    # is polled for, and what must not is watched for a few seconds
    if action == "rolling update":
        assert _until(lambda: not before & _tasks(f"{stack}_app"), stack), \
            "every task was replaced"
        assert plan["app"]["rollout"]["batches"] == 2
    elif action == "scale only":
        assert _until(lambda: len(_tasks(f"{stack}_app")) == 3, stack)
        assert before < _tasks(f"{stack}_app")
    else:
        assert _stays(lambda: _tasks(f"{stack}_app") == before), _tasks(f"{stack}_app")
    assert _tasks(f"{stack}_side") == side


def test_constraint_no_node_matches_replaces_the_tasks(run_cli, stack: str,
                                                       tmp_path: Path) -> None:
    path = _write(tmp_path, BASE)
    _deploy(path, stack)
    before = _tasks(f"{stack}_app")
    path.write_text(BASE.replace("node.role == manager", "node.labels.sl-nowhere == yes"))
    plan = _plan(run_cli, path, stack)
    assert plan["app"]["action"] == "rolling update"
    assert "the 2 task(s) on" in plan["app"]["why"]
    assert "no longer match and are replaced; no task stays" in plan["app"]["why"]
    assert "no ready node matches: the replacements stay pending" in plan["app"]["why"]
    docker("stack", "deploy", "--resolve-image", "never", "-c", str(path), stack)
    # replacements are created (and stay pending: no node matches); start-first keeps
    # the old tasks running until a replacement starts, so they stay too
    deadline = time.monotonic() + 30
    new: set[str] = set()
    while time.monotonic() < deadline and not new:
        new = set(docker("service", "ps", "-q", "--no-trunc", f"{stack}_app").stdout.split())
        new -= before
        time.sleep(0.5)
    assert new, "no task was replaced"


def test_mode_change_and_changed_config_are_refused_as_docker_refuses(
        run_cli, stack: str, tmp_path: Path) -> None:
    path = _write(tmp_path, BASE)
    _deploy(path, stack)
    glob = BASE.replace("    stop_grace_period: 1s\nconfigs:",
                        "    stop_grace_period: 1s\n    deploy: {mode: global}\nconfigs:")
    path.write_text(glob)
    code, out, _ = run_cli("plan", "-f", str(path), stack, "--resolve-image", "never",
                           "--fail-on", "error")
    assert code == 1 and "refused" in out and "replicated -> global" in out, out
    err = _deploy(path, stack, ok=False)
    assert "mode change" in err.lower() or "not allowed" in err.lower(), err

    path = _write(tmp_path, BASE, conf="two\n")
    plan = _plan(run_cli, path, stack)
    assert plan["config:conf"]["action"] == "refused"
    err = _deploy(path, stack, ok=False)
    assert "only updates to labels are allowed" in err.lower(), err


def test_service_left_out_of_the_files_is_kept_unless_prune(run_cli, stack: str,
                                                            tmp_path: Path) -> None:
    path = _write(tmp_path, BASE)
    _deploy(path, stack)
    path.write_text(BASE.replace("  side:\n    image: stacklint-test/web:v1\n"
                                 "    stop_grace_period: 1s\n", ""))
    assert _plan(run_cli, path, stack)["side"]["action"] == "kept (not in the files)"
    code, out, _ = run_cli("plan", "-f", str(path), stack, "--resolve-image", "never",
                           "--fail-on", "error", "--prune", "--format", "json")
    assert [s["action"] for s in json.loads(out)["services"]
            if s["name"].endswith("_side")] == ["remove"]


def test_plan_of_an_unknown_stack_creates_everything(run_cli, stack: str,
                                                     tmp_path: Path) -> None:
    path = _write(tmp_path, BASE)
    plan = _plan(run_cli, path, stack)
    assert plan["app"]["action"] == plan["side"]["action"] == "create"
    assert plan["config:conf"]["action"] == "create"
    assert plan["network:default"]["action"] == "create"


def test_an_object_gone_between_listing_and_inspecting_is_left_out(swarm_stack: str) -> None:
    """A network removed with another stack while the plan reads the swarm is no error."""
    from stacklint.deploy import plan
    from stacklint.dockercli import DeployError

    found = plan._inspect_all("docker", "network", ["sl-no-such-network-0", "ingress"])
    assert [n["Name"] for n in found] == ["ingress"]
    with pytest.raises(DeployError):     # anything but "not found" is still an error
        plan._inspect_all("docker", "no-such-kind", ["ingress"])


TIMED = f"""\
version: "3.8"
services:
  app:
    image: {IMAGE}:v1
    stop_grace_period: 1s
    healthcheck:
      test: [CMD, wget, -q, -O, /dev/null, http://localhost/]
      interval: 2s
      timeout: 1s
      retries: 2
    deploy:
      replicas: 3
      update_config: {{parallelism: 1, order: start-first, monitor: 30s}}
"""


def _utc(text: str) -> float:
    """An RFC 3339 time as Go prints it (nanoseconds) in seconds."""
    from datetime import datetime

    head, _, frac = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(head + "+00:00").timestamp() + float("0." + (frac or "0"))


def test_rollout_estimate_bounds_the_real_update(run_cli, stack: str, tmp_path: Path) -> None:
    """The updater waits `monitor` once, after the last task is running, not after each one:
    three tasks with a 30 s monitor take about 30 s more than their starts, not 90 s."""
    path = _write(tmp_path, TIMED)
    _deploy(path, stack)
    path.write_text(TIMED.replace(":v1", ":v2"))
    code, out, err = run_cli("plan", "-f", str(path), stack, "--resolve-image", "never",
                             "--fail-on", "error")
    assert code == 0, out + err
    # 3 x 2s (first probe) + 30s at least; 3 x (start_period 0 + 2 x (2s + 1s)) + 30s at most
    assert "takes 36s to 48s without a failure, plus image pulls, container starts and " \
           "scheduling (not counted)" in out, out
    rollout = _plan(run_cli, path, stack)["app"]["rollout"]
    assert (rollout["least_s"], rollout["worst_case_s"], rollout["batches"]) == (36, 48, 3)
    proc = docker("stack", "deploy", "--resolve-image", "never", "-c", str(path), stack)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    def status() -> dict:  # type: ignore[type-arg]
        return json.loads(docker("service", "inspect", f"{stack}_app").stdout)[0].get(
            "UpdateStatus") or {}
    # until the update this deploy started has ended (a new spec clears UpdateStatus, so
    # one there is this update's; the stack looks settled before the updater began)
    deadline = time.monotonic() + 180
    while status().get("State") not in ("completed", "paused", "rollback_completed",
                                        "rollback_paused"):
        assert time.monotonic() < deadline, status()
        time.sleep(0.5)
    final = status()
    assert final["State"] == "completed", final
    took = _utc(final["CompletedAt"]) - _utc(final["StartedAt"])
    print(f"update took {took:.1f}s (plan: {rollout['least_s']}s to {rollout['worst_case_s']}s)")
    assert took >= rollout["least_s"], took
    # what the estimate leaves out (starting three containers) gets 10 s each on a busy
    # machine; a monitor after every task would need 3 x 30s + 3 x 2s = 96 s at least
    assert took <= rollout["worst_case_s"] + 3 * 10, took

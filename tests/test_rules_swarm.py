"""Every rollout rule (SL4xx, SL5xx) against a real swarm: the failure its message describes.

Each test deploys a small stack with `docker stack deploy`, makes the change the rule is
about, and reads what Swarm did from the tasks (`docker inspect` of every task, with the
time of its last state change) and the service's UpdateStatus. The same files go through
`stacklint check`, so a test also shows that the rule fires where the swarm misbehaves, and
not on the contrast service beside it. Intervals are short (1 s) and replicas few (1-2).
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from swarmhelp import IMAGE, REPO, docker, swarm_stack, update_status

pytestmark = pytest.mark.swarm
_ = swarm_stack                     # the fixture, used by name

# a check that passes once and fails from then on: a release that looks healthy at first
PASS_ONCE = '["CMD-SHELL", "[ ! -e /seen ] && : > /seen"]'
WGET = '["CMD", "wget", "-q", "-O", "-", "http://localhost/"]'
# a check that passes three times, then fails: a release that fails a few seconds after it
# was healthy (`$$`: a compose file interpolates `$n`)
PASS_THRICE = '["CMD-SHELL", "read n < /n || n=0; echo $$((n+1)) > /n; [ $$n -lt 3 ]"]'


def healthcheck(test: str = WGET, interval: str = "1s", retries: int = 2, extra: str = "") -> str:
    # timeout 5s: on a loaded machine a good task's check may take more than a second (a
    # failing one here fails at once: nothing listens, or the shell test is false)
    return (f"    healthcheck: {{test: {test}, interval: {interval}, timeout: 5s, "
            f"retries: {retries}{extra}}}\n")


def service(name: str, tag: str, deploy: str, hc: str | None = None, ports: str = "") -> str:
    """One service of a test stack; `deploy` is the flow mapping of its deploy block."""
    text = f"  {name}:\n    image: {IMAGE}:{tag}\n    stop_grace_period: 1s\n"
    text += healthcheck() if hc is None else hc
    if ports:
        text += f"    ports: {ports}\n"
    return text + f"    deploy: {deploy}\n"


def stack_text(*services: str) -> str:
    return 'version: "3.8"\nservices:\n' + "".join(services)


@dataclass(frozen=True)
class Task:
    id: str
    slot: int
    node: str
    image: str
    state: str          # Swarm's task state: running, starting, shutdown, failed, ...
    desired: str
    at: float           # when it entered `state` (engine clock, seconds)
    error: str
    created: float


def _seconds(stamp: str) -> float:
    from datetime import datetime
    day, _, rest = stamp.rstrip("Z").partition("T")
    whole, _, fraction = rest.partition(".")
    base = datetime.fromisoformat(f"{day}T{whole}+00:00").timestamp()
    return base + float(f"0.{fraction or '0'}")


def tasks(service_name: str) -> list[Task]:
    """Every task of the service Swarm still keeps (the history too)."""
    ids = docker("service", "ps", "-q", "--no-trunc", service_name).stdout.split()
    if not ids:
        return []
    found = json.loads(docker("inspect", "--type", "task", *ids).stdout or "[]")
    return [Task(t["ID"], t.get("Slot", 0), t.get("NodeID", ""),
                 t["Spec"]["ContainerSpec"]["Image"].split("@")[0], t["Status"]["State"],
                 t["DesiredState"], _seconds(t["Status"]["Timestamp"]), t["Status"].get("Err", ""),
                 _seconds(t["CreatedAt"]))
            for t in found]


def running(service_name: str) -> list[Task]:
    return [t for t in tasks(service_name) if t.state == "running"]


def wait_until(what: str, ready: Callable[[], object], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, f"not within {timeout:g} s: {what}"
        time.sleep(0.5)


def holds(what: str, check: Callable[[], object], seconds: float) -> None:
    """`check` stays true for `seconds`: a claim that something does not happen needs a
    window, and is read all through it rather than once at its end."""
    deadline = time.monotonic() + seconds
    while True:
        assert check(), f"no longer true within {seconds:g} s: {what}"
        if time.monotonic() >= deadline:
            return
        time.sleep(0.5)


def state(service_name: str) -> str:
    return str(update_status(service_name, os.environ["DOCKER_HOST"]).get("State", ""))


def deploy(stack: str, path: Path, text: str) -> None:
    path.write_text(text)
    proc = docker("stack", "deploy", "--resolve-image", "never", "-c", str(path), stack)
    assert proc.returncode == 0, proc.stderr


def all_running(stack: str, counts: dict[str, int], tag: str) -> Callable[[], bool]:
    def ready() -> bool:
        return all(sorted(t.image for t in running(f"{stack}_{name}")) == [f"{IMAGE}:{tag}"] * n
                   for name, n in counts.items())
    return ready


def rule_services(path: Path, rule: str) -> set[str]:
    """The services `stacklint check` reports `rule` for in this file."""
    proc = subprocess.run([sys.executable, "-m", "stacklint", "check", "--format", "json",
                           "--select", rule, "-f", str(path)], cwd=REPO, capture_output=True,
                          text=True, check=False)
    data = json.loads(proc.stdout)
    return {f["pointer"][1] for f in data["findings"] if f["rule_id"] == rule}


def stopped_before_replacement_ran(service_name: str, old: str, new: str) -> bool:
    """Every task of `old` stopped before any task of `new` was running: nothing ran between."""
    history = tasks(service_name)
    stops = [t.at for t in history if t.image == f"{IMAGE}:{old}" and t.state != "running"]
    starts = [t.at for t in history if t.image == f"{IMAGE}:{new}" and t.state == "running"]
    assert stops and starts, history
    return max(stops) < min(starts)


def slot_stopped_first(service_name: str, old: str, new: str) -> bool:
    """In some slot the old task stopped before its replacement was running."""
    history = tasks(service_name)
    for slot in {t.slot for t in history}:
        stops = [t.at for t in history if t.slot == slot and t.image == f"{IMAGE}:{old}"
                 and t.state != "running"]
        starts = [t.at for t in history if t.slot == slot and t.image == f"{IMAGE}:{new}"
                  and t.state == "running"]
        if stops and starts and max(stops) < min(starts):
            return True
    return False


# -- SL4xx: host-mode ports --------------------------------------------------------------

def test_host_mode_ports(swarm_stack: str, tmp_path: Path) -> None:
    """SL401: start-first cannot place the new task where the old one holds the port;
    SL402: two replicas of a host port cannot share the node;
    SL403: a global host-port service's only task on a node is stopped before the new one
    runs. (One node here, as many as most test swarms; every claim is about one node.)"""
    stack, path = swarm_stack, tmp_path / "stack.yml"
    p1, p2, p3 = random.sample(range(20000, 29000), 3)
    one = "{{target: 80, published: {}, mode: host}}"

    def text(tag: str) -> str:
        return stack_text(
            service("startfirst", tag, "{update_config: {order: start-first}}",
                    ports=f"[{one.format(p1)}]"),
            service("replicated", tag, "{replicas: 2}", ports=f"[{one.format(p2)}]"),
            service("everynode", tag, "{mode: global}", ports=f"[{one.format(p3)}]"),
            service("ingress", tag, "{update_config: {order: start-first}}",
                    ports=f"[{{target: 80, published: {p3 + 1}}}]"))
    deploy(stack, path, text("v1"))
    assert rule_services(path, "SL401") == {"startfirst"}
    assert rule_services(path, "SL402") == {"replicated", "startfirst"}
    assert rule_services(path, "SL403") == {"everynode"}
    wait_until("v1 runs", all_running(stack, {"startfirst": 1, "everynode": 1, "ingress": 1},
                                      "v1"))

    # SL402: the second replica waits for a node of its own (polled: the first replica
    # passes its healthcheck, and the scheduler gives its reason, some time after the deploy)
    def one_runs_one_waits_for_the_port() -> bool:
        now = tasks(f"{stack}_replicated")
        waiting = [t for t in now if t.state == "pending" and "host-mode port" in t.error]
        return len([t for t in now if t.state == "running"]) == 1 and len(waiting) == 1
    wait_until("one replicated task runs, the other waits for the port",
               one_runs_one_waits_for_the_port)

    deploy(stack, path, text("v2"))
    wait_until("the ingress and global services updated",
               all_running(stack, {"ingress": 1, "everynode": 1}, "v2"))
    # SL403: the node's task stopped before its replacement ran: the port was closed
    assert stopped_before_replacement_ran(f"{stack}_everynode", "v1", "v2")
    # contrast: start-first through the routing mesh had v2 running before v1 stopped
    assert not stopped_before_replacement_ran(f"{stack}_ingress", "v1", "v2")
    # SL401: the new task stays pending beside the old one; the update does not move

    def v2_waits_beside_v1() -> bool:
        new = [t for t in tasks(f"{stack}_startfirst") if t.image == f"{IMAGE}:v2"]
        return (bool(new) and all(t.state == "pending" for t in new)
                and [t.image for t in running(f"{stack}_startfirst")] == [f"{IMAGE}:v1"]
                and state(f"{stack}_startfirst") == "updating")
    wait_until("start-first's v2 task is pending beside v1", v2_waits_beside_v1)
    holds("start-first's v2 task stays pending beside v1", v2_waits_beside_v1, 3)


# -- SL501, SL504: what judges a release ----------------------------------------------------

def test_without_a_healthcheck_a_broken_release_rolls_out_and_pause_leaves_a_mix(
        swarm_stack: str, tmp_path: Path) -> None:
    """SL501: no healthcheck: the bad image (its process runs, nothing answers) replaces
    every task and the update completes. SL504: failure_action not set (Docker's default
    pause): the update stops at the first failed task and stays paused on the bad spec, old
    tasks serving beside failing new ones; `continue` replaces every task with the bad one."""
    stack, path = swarm_stack, tmp_path / "stack.yml"
    rollback = "{parallelism: 1, order: start-first, failure_action: rollback, monitor: 2s}"
    paused = "{parallelism: 1, order: start-first, monitor: 2s}"
    carry_on = "{parallelism: 1, failure_action: continue, monitor: 2s}"

    def text(tag: str) -> str:
        return stack_text(
            service("nocheck", tag, f"{{replicas: 2, update_config: {rollback}}}", hc=""),
            service("checked", tag, f"{{replicas: 2, update_config: {rollback}}}"),
            service("pausing", tag, f"{{replicas: 2, update_config: {paused}}}"),
            service("carryon", tag, f"{{replicas: 2, update_config: {carry_on}}}"))
    deploy(stack, path, text("v1"))
    assert rule_services(path, "SL501") == {"nocheck"}
    assert rule_services(path, "SL504") == {"pausing", "carryon"}
    counts = {"nocheck": 2, "checked": 2, "pausing": 2, "carryon": 2}
    wait_until("v1 runs", all_running(stack, counts, "v1"))

    deploy(stack, path, text("bad"))
    wait_until("every update ended", lambda: state(f"{stack}_nocheck") == "completed"
               and state(f"{stack}_checked") == "rollback_completed"
               and state(f"{stack}_pausing") == "paused"
               and state(f"{stack}_carryon") == "completed", timeout=120)
    assert [t.image for t in running(f"{stack}_nocheck")] == [f"{IMAGE}:bad"] * 2   # SL501
    assert [t.image for t in running(f"{stack}_checked")] == [f"{IMAGE}:v1"] * 2    # contrast
    # SL504: paused stays paused; no rollback comes
    holds("pausing stays paused", lambda: state(f"{stack}_pausing") == "paused", 2)
    history = tasks(f"{stack}_pausing")
    assert f"{IMAGE}:v1" in [t.image for t in history if t.state == "running"], history
    assert [t for t in history if t.state == "failed" and t.image == f"{IMAGE}:bad"], history
    # continue: every task was replaced by the failing version
    assert not [t for t in running(f"{stack}_carryon") if t.image == f"{IMAGE}:v1"]


# -- SL502, SL506, SL508: stop-first -----------------------------------------------------

def test_stop_first_stops_tasks_before_their_replacements_run(swarm_stack: str,
                                                              tmp_path: Path) -> None:
    """SL502 (2 replicas) and SL508 (1 replica): stop-first stops the old task before its
    replacement is running. SL506: with stop-first, parallelism = replicas stops every task
    at once; a start-first one replaces them all at once while the old ones serve."""
    stack, path = swarm_stack, tmp_path / "stack.yml"

    def text(tag: str) -> str:
        return stack_text(
            service("two", tag, "{replicas: 2, update_config: {parallelism: 1}}"),
            service("one", tag, "{replicas: 1}"),
            service("allstop", tag, "{replicas: 2, update_config: {parallelism: 2}}"),
            service("allstart", tag,
                    "{replicas: 2, update_config: {parallelism: 2, order: start-first}}"))
    deploy(stack, path, text("v1"))
    assert rule_services(path, "SL502") == {"two", "allstop"}
    assert rule_services(path, "SL508") == {"one"}
    assert rule_services(path, "SL506") == {"allstop"}
    counts = {"two": 2, "one": 1, "allstop": 2, "allstart": 2}
    wait_until("v1 runs", all_running(stack, counts, "v1"))
    deploy(stack, path, text("v2"))
    wait_until("v2 runs", all_running(stack, counts, "v2"), timeout=90)

    assert slot_stopped_first(f"{stack}_two", "v1", "v2")              # SL502
    assert stopped_before_replacement_ran(f"{stack}_one", "v1", "v2")  # SL508: down
    assert stopped_before_replacement_ran(f"{stack}_allstop", "v1", "v2")   # SL506: down
    assert not slot_stopped_first(f"{stack}_allstart", "v1", "v2")     # contrast


def test_start_first_rollback_of_all_tasks_keeps_the_old_ones_serving(
        swarm_stack: str, tmp_path: Path) -> None:
    """SL506 is not about a start-first rollback with parallelism = replicas: the tasks it
    goes back to are the known-good ones, and here they never stopped."""
    stack, path = swarm_stack, tmp_path / "stack.yml"
    deploy_block = ("{replicas: 2, update_config: {parallelism: 1, order: start-first, "
                    "failure_action: rollback, monitor: 2s}, "
                    "rollback_config: {parallelism: 2, order: start-first}}")
    deploy(stack, path, stack_text(service("web", "v1", deploy_block)))
    assert rule_services(path, "SL506") == set()
    wait_until("v1 runs", all_running(stack, {"web": 2}, "v1"))
    serving = {t.id for t in running(f"{stack}_web")}
    deploy(stack, path, stack_text(service("web", "bad", deploy_block)))
    wait_until("rolled back", lambda: state(f"{stack}_web") == "rollback_completed", 90)
    assert {t.id for t in running(f"{stack}_web")} == serving      # never replaced


# -- SL503, SL509: a rollback that fails too ---------------------------------------------

@pytest.mark.slow
def test_a_failing_rollback_pauses_by_default_and_continue_replaces_every_task(
        swarm_stack: str, tmp_path: Path) -> None:
    """The previous spec fails (a bad release), the current one runs (v1); a rollback goes
    back to the bad one. SL503: without rollback_config Docker's defaults apply: one task at
    a time, stop-first (a v1 task is stopped first), pause on failure. SL509:
    rollback_config.failure_action continue goes on through every task: none of v1 is left.
    SL506 (stop-first rollback, parallelism = replicas) stops both v1 tasks at once."""
    stack, path = swarm_stack, tmp_path / "stack.yml"
    update = "update_config: {order: start-first, failure_action: rollback, monitor: 2s}"

    def text(tag: str) -> str:
        return stack_text(
            service("defaults", tag, f"{{replicas: 2, {update}}}"),
            service("carryon", tag, f"{{replicas: 2, {update}, rollback_config: "
                                    "{failure_action: continue, monitor: 2s}}"),
            service("allatonce", tag, f"{{replicas: 2, {update}, rollback_config: "
                                      "{parallelism: 2, monitor: 2s}}"))
    deploy(stack, path, text("bad"))
    assert rule_services(path, "SL503") == {"defaults"}
    assert rule_services(path, "SL509") == {"carryon"}
    assert rule_services(path, "SL506") == {"allatonce"}
    deploy(stack, path, text("v1"))
    counts = {"defaults": 2, "carryon": 2, "allatonce": 2}
    wait_until("v1 runs", all_running(stack, counts, "v1"), timeout=90)
    for name in counts:
        wait_until(f"{name} completed", lambda n=name: state(f"{stack}_{n}") == "completed")
        assert docker("service", "rollback", "-d", f"{stack}_{name}").returncode == 0

    wait_until("the rollbacks ended", lambda: state(f"{stack}_defaults") == "rollback_paused"
               and state(f"{stack}_carryon") == "rollback_completed"
               and state(f"{stack}_allatonce") in ("rollback_completed", "rollback_paused"),
               timeout=90)
    first = {name: _first_rollback_tasks(f"{stack}_{name}") for name in counts}
    # SL503: one slot at a time, stop-first, pause once a rolled-back task failed. The
    # rollback normally pauses after the first slot; the updater may hand out the next slot
    # before it has counted the first one's failure, so the invariant asserted is swarm's:
    # each slot started only after the one before it had failed, each v1 task it took was
    # stopped although its replacement never ran, and every slot it left still runs v1
    _one_slot_at_a_time(first["defaults"], tasks(f"{stack}_defaults"))
    holds("the default rollback stays paused",
          lambda: state(f"{stack}_defaults") == "rollback_paused", 2)
    history = tasks(f"{stack}_defaults")
    for slot in {t.slot for t in history}:
        v1 = [t for t in history if t.slot == slot and t.image == f"{IMAGE}:v1"]
        if slot in first["defaults"]:
            assert v1 and all(t.state != "running" for t in v1), history      # stop-first
        else:
            assert [t.state for t in v1 if t.desired == "running"] == ["running"], history
    # SL509: continue went on through both slots, one after the other; no v1 task is left
    assert len(first["carryon"]) == 2, tasks(f"{stack}_carryon")
    _one_slot_at_a_time(first["carryon"], tasks(f"{stack}_carryon"))
    assert not [t for t in running(f"{stack}_carryon") if t.image == f"{IMAGE}:v1"]
    # SL506: both v1 tasks were stopped at once (the second slot's task was created before
    # the first one's had failed), and none of the rollback's ran
    both = sorted(first["allatonce"].values(), key=lambda t: t.created)
    assert len(both) == 2 and both[1].created < both[0].at, tasks(f"{stack}_allatonce")
    assert not running(f"{stack}_allatonce")


def _first_rollback_tasks(service_name: str) -> dict[int, Task]:
    """slot -> the first task the rollback (back to the bad spec) created there. Told by
    its creation time: an old task's last state change (the v1 update's start-first bad
    tasks stop after it completed) can come after the rollback began, and counting those
    made an untouched slot look rolled back."""
    began = _seconds(update_status(service_name, os.environ["DOCKER_HOST"])["StartedAt"])
    first: dict[int, Task] = {}
    for t in sorted(tasks(service_name), key=lambda t: t.created):
        if t.image == f"{IMAGE}:bad" and t.created > began:
            first.setdefault(t.slot, t)
    return first


def _one_slot_at_a_time(first: dict[int, Task], history: list[Task]) -> None:
    """Rollback parallelism 1: each slot's first task was created after the one of the slot
    before it had failed (a bad task never runs: its check never passes)."""
    assert first, history
    ordered = sorted(first.values(), key=lambda t: t.created)
    for before, after in zip(ordered, ordered[1:]):
        assert before.state == "failed" and before.at <= after.created, history


# -- SL505, SL507: the monitor window ----------------------------------------------------

def test_monitor_decides_only_for_a_task_that_passed_its_check(swarm_stack: str,
                                                                tmp_path: Path) -> None:
    """SL505. `monitor: 1s` with interval 1s x retries 3: a release that passes its check
    once and then fails completes, and keeps failing on the new version; the same release
    with `monitor: 10s` is rolled back. A release that never passes is rolled back even
    with `monitor: 1s` and a start_period (what the rule used to deny)."""
    stack, path = swarm_stack, tmp_path / "stack.yml"

    def text(tag: str, once: bool) -> str:
        hc = healthcheck(PASS_ONCE if once else WGET, retries=3)
        start = healthcheck(WGET, retries=3, extra=", start_period: 3s")
        up = "{order: start-first, failure_action: rollback, monitor: %s}"
        return stack_text(
            service("short", tag, f"{{update_config: {up % '1s'}}}", hc=hc),
            service("long", tag, f"{{update_config: {up % '10s'}}}", hc=hc),
            service("never", "bad" if once else tag, f"{{update_config: {up % '1s'}}}",
                    hc=start))
    deploy(stack, path, text("v1", once=False))
    # `never` breaks the rule too, and is rolled back: the rule speaks of a release that
    # passes its check first, and only `short` meets one
    assert rule_services(path, "SL505") == {"short", "never"}
    wait_until("v1 runs", all_running(stack, {"short": 1, "long": 1, "never": 1}, "v1"))
    deploy(stack, path, text("v2", once=True))
    wait_until("every update ended", lambda: state(f"{stack}_short") == "completed"
               and state(f"{stack}_long") == "rollback_completed"
               and state(f"{stack}_never") == "rollback_completed", timeout=90)
    # the completed release fails after its window and is restarted on v2, never rolled back
    wait_until("short's v2 task failed", lambda: any(
        t.state == "failed" and t.image == f"{IMAGE}:v2" for t in tasks(f"{stack}_short")))
    assert state(f"{stack}_short") == "completed"
    failed = [t for t in tasks(f"{stack}_short") if t.state == "failed"]
    assert all(t.image == f"{IMAGE}:v2" for t in failed) and "unhealthy" in failed[0].error
    # rolled back to v1: its task may still be starting when the rollback is reported done
    wait_until("long runs v1 again",
               lambda: [t.image for t in running(f"{stack}_long")] == [f"{IMAGE}:v1"])


@pytest.mark.slow
def test_a_delay_longer_than_monitor_lets_a_failed_batch_through(swarm_stack: str,
                                                                tmp_path: Path) -> None:
    """SL507: a release that fails a few seconds after its check first passed (3 passing
    checks, interval 1s, retries 1: SL505 is quiet with `monitor: 1s`). The first batch
    fails during the 20 s delay, after its window; Swarm does not stop: it starts the next
    batch after the delay. (How the update ends once that one fails too varied between runs
    on a loaded machine, so only the start of the next batch is asserted.)"""
    stack, path = swarm_stack, tmp_path / "stack.yml"

    def text(tag: str, thrice: bool) -> str:
        hc = healthcheck(PASS_THRICE if thrice else WGET, retries=1)
        up = "{parallelism: 1, delay: 20s, order: start-first, failure_action: rollback, monitor: 1s}"
        return stack_text(service("gap", tag, f"{{replicas: 2, update_config: {up}}}", hc=hc))
    deploy(stack, path, text("v1", thrice=False))
    assert rule_services(path, "SL507") == {"gap"}
    assert rule_services(path, "SL505") == set()
    wait_until("v1 runs", all_running(stack, {"gap": 2}, "v1"))
    deploy(stack, path, text("v2", thrice=True))

    def v2() -> list[Task]:
        return [t for t in tasks(f"{stack}_gap") if t.image == f"{IMAGE}:v2"]

    def next_batch_or_end() -> bool:
        return len({t.slot for t in v2()}) == 2 or state(f"{stack}_gap") != "updating"
    wait_until("the second batch began, or the update ended", next_batch_or_end, timeout=120)
    history = v2()
    first = min(history, key=lambda t: t.created)
    failed = [t.at for t in history if t.slot == first.slot and t.state == "failed"]
    later = [t.created for t in history if t.slot != first.slot]
    # the first batch had failed before the next one began, and the update went on
    assert failed and later and min(failed) < min(later), (state(f"{stack}_gap"), history)

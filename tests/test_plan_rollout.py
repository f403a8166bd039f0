"""The rollout estimate of `stacklint plan` (plan.rollout_of), worked by hand from swarmkit's
updater: per task stop (stop-first) + until healthy + delay, then one monitor window.  The
real update is timed against it in tests/test_plan_swarm.py."""
from __future__ import annotations

from stacklint.deploy import plan

S = 1_000_000_000


def _spec(update: dict, health: dict | None = None, replicas: int = 4,
          grace: int = 10 * S) -> dict:
    container = {"Image": "x", "StopGracePeriod": grace}
    if health is not None:
        container["Healthcheck"] = health
    return {"Mode": {"Replicated": {"Replicas": replicas}}, "UpdateConfig": update,
            "TaskTemplate": {"ContainerSpec": container}}


def test_start_first_counts_each_task_until_healthy_and_the_monitor_once() -> None:
    r = plan.rollout_of(_spec({"Parallelism": 2, "Order": "start-first", "Monitor": 20 * S},
                              {"Test": ["CMD", "true"], "Interval": 5 * S, "Timeout": 2 * S,
                               "Retries": 3, "StartPeriod": 10 * S}), 0)
    assert r["batches"] == 2
    assert r["least_s"] == 2 * 5 + 20                       # first probe per batch, one monitor
    assert r["worst_case_s"] == 2 * (10 + 3 * (5 + 2)) + 20
    assert r["not_counted"] == "image pulls, container starts and scheduling"


def test_stop_first_waits_for_the_old_task_and_a_long_delay_replaces_the_monitor() -> None:
    r = plan.rollout_of(_spec({"Parallelism": 1, "Order": "stop-first", "Monitor": 5 * S,
                               "Delay": 8 * S}, grace=3 * S, replicas=2), 0)
    # no healthcheck: running is enough; delay >= monitor: the updater watches delay + 1s
    assert r["least_s"] == 2 * 8 + 9
    assert r["worst_case_s"] == 2 * (3 + 8) + 9


def test_parallelism_zero_is_one_batch_and_replaced_counts_only_those_tasks() -> None:
    spec = _spec({"Parallelism": 0, "Order": "start-first", "Monitor": 5 * S},
                 {"Test": ["CMD", "true"], "Interval": 1 * S, "Timeout": 1 * S, "Retries": 1})
    assert plan.rollout_of(spec, 0)["batches"] == 1
    one = plan.rollout_of(_spec({"Parallelism": 1, "Order": "start-first", "Monitor": 5 * S}),
                          0, replaced=1)
    assert (one["tasks"], one["batches"], one["least_s"]) == (1, 1, 5)


def test_the_text_says_what_the_estimate_leaves_out() -> None:
    rollout = plan.rollout_of(_spec({"Parallelism": 1, "Order": "start-first",
                                     "Monitor": 5 * S}, replicas=2), 0)
    text = plan.render_text(plan.Plan("shop", "never", [
        plan.ServicePlan("shop_api", plan.ROLL, "task spec changed", rollout=rollout)], []))
    assert ("takes 5s without a failure, plus image pulls, container starts and "
            "scheduling (not counted)") in text

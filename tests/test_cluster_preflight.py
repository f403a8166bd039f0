"""`stacklint preflight` (and deploy's preflight) on the real five-node cluster.

Every verdict is held against what the swarm then does: the stack is deployed anyway
(--skip-preflight) and the tasks stacklint said cannot be placed are the ones Docker keeps
pending, with the very reason stacklint predicted.
"""
from __future__ import annotations

import json
from pathlib import Path

from clusterhelp import (Cluster, answers, cluster, docker, pending_errors, revive,  # noqa: F401
                         running, stacklint,
                         wait, write)

IMAGE = "stacklint-test/web:v1"


def _findings(proc) -> list[dict]:  # type: ignore[no-untyped-def]
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"]


def _preflight(files: list[str], stack: str, *extra: str, node: str = "manager1"):  # type: ignore[no-untyped-def]
    args = ["preflight", "--format", "json", *extra]
    for f in files:
        args += ["-f", f]
    return stacklint(*args, stack, node=node)


def _deploy(files: list[str], stack: str, *extra: str):  # type: ignore[no-untyped-def]
    args = ["deploy", "--resolve-image", "never", "--fail-on", "error", "--timeout", "90",
            *extra]
    for f in files:
        args += ["-f", f]
    return stacklint(*args, stack)


UNPLACEABLE = f"""\
version: "3.8"
services:
  zoned:
    image: {IMAGE}
    deploy:
      replicas: 2
      placement:
        constraints: [node.labels.zone==eu]
  huge:
    image: {IMAGE}
    deploy:
      resources:
        reservations: {{memory: 100G}}
  edge:
    image: {IMAGE}
    ports: [{{target: 80, published: 18081, mode: host}}]
    deploy:
      replicas: 3
      placement: {{constraints: [node.role==worker]}}
  spread:
    image: {IMAGE}
    deploy:
      replicas: 6
      placement: {{max_replicas_per_node: 1}}
  fine:
    image: {IMAGE}
    deploy:
      replicas: 2
"""


def test_verdicts_match_what_the_scheduler_does(cluster: Cluster, tmp_path: Path) -> None:
    stack = cluster.stack()
    path = write(tmp_path, "stack.yml", UNPLACEABLE)
    found = _findings(_preflight([path], stack))
    by_rule = {(f["rule_id"], f["pointer"][1]): f for f in found if f["pointer"][:1] == ["services"]}
    assert set(by_rule) == {("SL810", "zoned"), ("SL813", "huge"), ("SL815", "edge"),
                            ("SL812", "spread")}
    # each at the line that asks for what cannot be had
    assert by_rule[("SL810", "zoned")]["line"] == 8
    assert by_rule[("SL813", "huge")]["line"] == 13
    assert by_rule[("SL815", "edge")]["line"] == 16
    assert by_rule[("SL812", "spread")]["line"] == 24
    assert all(f["path"] == path for f in found)

    proc = _deploy([path], stack, "--skip-preflight")
    assert proc.returncode == 7, proc.stdout + proc.stderr     # ends early: no node can take them
    assert "unschedulable" in proc.stdout
    errors = pending_errors(stack, services=4)
    assert set(errors) == {f"{stack}_{s}" for s in ("zoned", "huge", "edge", "spread")}
    for (_rule, service), finding in by_rule.items():
        # stacklint quoted the scheduler's own words before the deploy
        assert f'"{errors[f"{stack}_{service}"]}"' in finding["message"], (service, errors)
        assert errors[f"{stack}_{service}"] in proc.stdout       # and the follower shows them
    # the placeable tasks start while the follower ended early (60 s: five nodes starting
    # containers on a loaded machine)
    assert wait(lambda: len(running(f"{stack}_fine")) == 2, 60)
    assert wait(lambda: sorted(running(f"{stack}_edge")) == ["worker1", "worker2"], 60)
    assert wait(lambda: len(running(f"{stack}_spread")) == 5, 60)


def test_a_label_makes_the_constraint_satisfiable(cluster: Cluster, tmp_path: Path) -> None:
    stack = cluster.stack()
    path = write(tmp_path, "stack.yml", UNPLACEABLE.split("  huge:")[0])
    assert [f["rule_id"] for f in _findings(_preflight([path], stack))] == ["SL810"]
    cluster.label("worker1", "zone", "eu")
    cluster.label("worker2", "zone", "EU")      # values compare case-insensitively
    proc = _preflight([path], stack)
    assert proc.returncode == 0 and _findings(proc) == []
    deployed = _deploy([path], stack)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert sorted(running(f"{stack}_zoned")) == ["worker1", "worker2"]


def test_deploy_refuses_what_preflight_finds_and_submits_nothing(cluster: Cluster,
                                                                 tmp_path: Path) -> None:
    stack = cluster.stack()
    path = write(tmp_path, "stack.yml", UNPLACEABLE)
    proc = _deploy([path], stack)
    assert proc.returncode == 1
    assert "SL810" in proc.stdout and "deploy refused by the preflight" in proc.stderr
    assert docker("service", "ls", "-q", "--filter",
                  f"label=com.docker.stack.namespace={stack}").stdout.strip() == ""


def test_reservations_count_what_other_tasks_reserve(cluster: Cluster, tmp_path: Path) -> None:
    # 20 GiB on each of the five nodes (each has ~23.5), then 5 GiB more fits nowhere
    first, second = cluster.stack(), cluster.stack()
    hog = write(tmp_path, "hog.yml", f"""\
services:
  hog:
    image: {IMAGE}
    deploy:
      mode: global
      resources: {{reservations: {{memory: 20G}}}}
""")
    assert _findings(_preflight([hog], first)) == []
    assert _deploy([hog], first).returncode == 0
    more = write(tmp_path, "more.yml", f"""\
services:
  more:
    image: {IMAGE}
    deploy:
      resources:
        reservations: {{memory: 5G}}
""")
    found = _findings(_preflight([more], second))
    assert [(f["rule_id"], f["line"]) for f in found] == [("SL813", 6)]
    assert "insufficient resources on 5 nodes" in found[0]["message"]
    _deploy([more], second, "--skip-preflight", "--no-watch")
    assert pending_errors(second) == {
        f"{second}_more": "no suitable node (insufficient resources on 5 nodes)"}


START_FIRST = f"""\
services:
  api:
    image: {IMAGE}
    deploy:
      replicas: 5
      resources:
        reservations: {{memory: 12G}}
      update_config: {{order: start-first, parallelism: 1}}
"""


def test_start_first_update_without_room_hangs_and_is_found(cluster: Cluster,
                                                             tmp_path: Path) -> None:
    stack = cluster.stack()
    v1 = write(tmp_path, "v1.yml", START_FIRST)
    assert _findings(_preflight([v1], stack)) == []            # one 12 GiB task per node fits
    assert _deploy([v1], stack).returncode == 0
    v2 = write(tmp_path, "v2.yml", START_FIRST.replace(":v1", ":v2"))
    found = _findings(_preflight([v2], stack))
    assert [(f["rule_id"], f["line"]) for f in found] == [("SL814", 8)]
    proc = _deploy([v2], stack, "--skip-preflight")
    assert proc.returncode == 7, proc.stdout + proc.stderr
    assert "insufficient resources on 5 nodes" in proc.stdout
    # the update now hangs in Swarm: the next preflight says so (SL822)
    again = _findings(_preflight([v2], stack))
    assert "SL822" in {f["rule_id"] for f in again}


def test_drained_nodes(cluster: Cluster, tmp_path: Path) -> None:
    stack = cluster.stack()
    cluster.drain("worker1")
    cluster.drain("worker2", "pause")
    path = write(tmp_path, "stack.yml", f"""\
services:
  work:
    image: {IMAGE}
    deploy:
      placement:
        constraints: [node.role==worker]
""")
    found = _findings(_preflight([path], stack))
    assert {f["rule_id"] for f in found} == {"SL805", "SL816"}
    sl816 = next(f for f in found if f["rule_id"] == "SL816")
    assert sl816["line"] == 6
    sl805 = next(f for f in found if f["rule_id"] == "SL805")
    assert "worker1 is drained" in sl805["message"] and "worker2 is paused" in sl805["message"]
    _deploy([path], stack, "--skip-preflight", "--no-watch")
    error = pending_errors(stack)[f"{stack}_work"]
    assert f'"{error}"' in sl816["message"]
    health = stacklint("cluster", "--format", "json")
    assert health.returncode == 0
    report = json.loads(health.stdout)
    assert {n["hostname"]: n["availability"] for n in report["nodes"]}["worker1"] == "drain"


def test_quorum(cluster: Cluster, tmp_path: Path) -> None:
    stack = cluster.stack()
    path = write(tmp_path, "stack.yml", f"services:\n  web:\n    image: {IMAGE}\n")
    cluster.stop("manager3")
    assert wait(lambda: stacklint("cluster").returncode == 4, 30)
    at_risk = _findings(_preflight([path], stack))
    assert [f["rule_id"] for f in at_risk] == ["SL802"]
    assert "manager3" in at_risk[0]["message"]

    cluster.stop("manager2")                      # two of three managers down: quorum lost
    # at once by the count (1 of 3 reachable), then in Docker's own words once the
    # leader stepped down (an election timeout later)
    assert wait(lambda: stacklint("cluster").returncode == 5, 20)
    assert wait(lambda: "leader" in docker("info", "--format", "{{.Swarm.Error}}").stdout, 40)
    assert "The swarm does not have a leader" in stacklint("cluster").stdout
    health = stacklint("cluster")
    assert health.returncode == 5 and "quorum lost" in health.stdout
    lost = _findings(_preflight([path], stack))
    assert [f["rule_id"] for f in lost] == ["SL801"]
    assert "does not have a leader" in lost[0]["message"]
    proc = _deploy([path], stack)
    assert proc.returncode == 1 and "SL801" in proc.stdout
    # what Docker would have done: refuse too, after the CLI started
    refused = docker("stack", "deploy", "--resolve-image", "never", "-c", path, stack)
    assert refused.returncode != 0 and "does not have a leader" in refused.stderr


def test_even_number_of_managers(cluster: Cluster, tmp_path: Path) -> None:
    stack = cluster.stack()
    path = write(tmp_path, "stack.yml", f"services:\n  web:\n    image: {IMAGE}\n")
    cluster.demote("manager3")

    def demoted() -> bool:
        # two managers, and every node ready again: the demoted node's agent reconnects as
        # a worker, and on a loaded machine it shows as down (SL805) for some seconds
        report = json.loads(stacklint("cluster", "--format", "json").stdout)
        return (len([n for n in report["nodes"] if n["role"] == "manager"]) == 2
                and report["unavailable"] == [])
    if not wait(demoted, 60) and not answers("manager3"):
        revive("manager3")          # the engine hung after its demotion (see `revive`)
    assert wait(demoted, 60)
    found = {f["rule_id"] for f in _findings(_preflight([path], stack))}
    assert found == {"SL802", "SL804"}            # 2 managers: no failure tolerated
    assert stacklint("cluster").returncode == 4


def test_external_objects_and_a_changed_config(cluster: Cluster, tmp_path: Path) -> None:
    stack = cluster.stack()
    (tmp_path / "app.conf").write_text("one\n")
    path = write(tmp_path, "stack.yml", f"""\
services:
  web:
    image: {IMAGE}
    configs: [app]
    secrets: [token]
    networks: [front]
configs:
  app: {{file: ./app.conf}}
secrets:
  token: {{external: true}}
networks:
  front: {{external: true, name: slc-missing-net}}
""")
    found = _findings(_preflight([path], stack))
    assert sorted((f["rule_id"], f["line"]) for f in found) == [("SL820", 10), ("SL820", 12)]
    # create what is missing, deploy, then change the config's content under its name
    docker("network", "create", "--driver", "overlay", "slc-missing-net")
    docker("secret", "create", "token", "-", stdin="s3cret")
    try:
        assert _findings(_preflight([path], stack)) == []
        assert _deploy([path], stack, "--no-watch").returncode == 0
        (tmp_path / "app.conf").write_text("two\n")
        found = _findings(_preflight([path], stack))
        assert [(f["rule_id"], f["line"]) for f in found] == [("SL821", 8)]
        real = docker("stack", "deploy", "--resolve-image", "never", "-c", path, stack)
        assert real.returncode != 0 and "only updates to Labels are allowed" in real.stderr
    finally:
        docker("stack", "rm", stack)
        wait(lambda: docker("network", "rm", "slc-missing-net").returncode == 0, 30)
        wait(lambda: docker("secret", "rm", "token").returncode == 0, 30)


def test_bad_engines_exit_2_and_submit_nothing(cluster: Cluster, tmp_path: Path) -> None:
    stack = cluster.stack()
    path = write(tmp_path, "stack.yml", f"services:\n  web:\n    image: {IMAGE}\n")
    cases = {
        "worker": ({}, "worker1", "a swarm worker, not a manager"),
        "unreachable": ({"DOCKER_HOST": "unix:///nonexistent/docker.sock"}, "manager1",
                        "cannot reach the Docker engine"),
        "context": ({"DOCKER_CONTEXT": "slc-no-such-context"}, "manager1",
                    "the Docker context 'slc-no-such-context' does not exist"),
    }
    for what, (env, node, words) in cases.items():
        if what == "context":
            env = {**env, "DOCKER_HOST": ""}
        for command in (["preflight"], ["deploy", "--resolve-image", "never", "--fail-on",
                                         "error"], ["cluster"]):
            args = command + (["-f", path, stack] if command[0] != "cluster" else [])
            proc = stacklint(*args, node=node, env=env)
            assert proc.returncode == 2, (what, command, proc.stdout, proc.stderr)
            assert words in proc.stderr and "hint:" in proc.stderr, (what, proc.stderr)
            assert "Traceback" not in proc.stderr
    cluster.freeze("manager3")                     # accepts connections, never answers
    proc = stacklint("preflight", "-f", path, stack, node="manager3",
                     env={"STACKLINT_DOCKER_TIMEOUT": "3"})
    assert proc.returncode == 2 and "did not answer within 3 s" in proc.stderr
    assert docker("service", "ls", "-q", "--filter",
                  f"label=com.docker.stack.namespace={stack}").stdout.strip() == ""

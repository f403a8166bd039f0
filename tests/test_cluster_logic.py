"""The parts of the cluster checks that need no engine: constraints, quorum arithmetic,
swarmkit's wording.  (Their behaviour against Docker is in tests/test_cluster_*.py.)"""
from __future__ import annotations

from collections import Counter

import pytest

from stacklint.cluster import constraints, health, pending, scheduling
from stacklint.cluster.state import node_from

NODE = node_from({
    "ID": "abc123", "Spec": {"Role": "worker", "Availability": "active",
                             "Labels": {"zone": "eu-west", "Disk": "ssd"}},
    "Description": {"Hostname": "worker1", "Platform": {"OS": "linux", "Architecture": "x86_64"},
                    "Resources": {"NanoCPUs": 2_000_000_000, "MemoryBytes": 1 << 30},
                    "Engine": {"Labels": {"tier": "edge"}}},
    "Status": {"State": "ready", "Addr": "192.168.78.14"}})


@pytest.mark.parametrize("text, matches", [
    ("node.role==worker", True), ("node.role!=worker", False), ("node.ROLE==Worker", True),
    ("node.hostname==WORKER1", True), ("node.id==abc123", True),
    ("node.labels.zone==EU-WEST", True), ("node.labels.Zone==eu-west", False),
    ("node.labels.missing!=x", True), ("node.labels.missing==x", False),
    ("engine.labels.tier==edge", True), ("node.platform.arch==x86_64", True),
    ("node.platform.os!=windows", True), ("node.ip==192.168.78.0/24", True),
    ("node.ip==10.0.0.1", False), ("node.label.zone==eu-west", False),
])
def test_constraints_match_as_swarmkit_does(text: str, matches: bool) -> None:
    assert constraints.parse(text).matches(NODE) is matches


@pytest.mark.parametrize("text", ["node.role=worker", "node.role==", "==worker",
                                  "node.labels.a==b&c"])
def test_malformed_constraints_are_rejected(text: str) -> None:
    with pytest.raises(constraints.ConstraintError):
        constraints.parse(text)


def test_unknown_keys_are_known_to_match_nothing() -> None:
    assert not constraints.known(constraints.parse("node.label.zone==eu"))
    assert constraints.known(constraints.parse("node.labels.zone==eu"))


@pytest.mark.parametrize("total, reachable, leader, state, tolerated", [
    (3, 3, "m1", "healthy", 1), (3, 2, "m1", "at risk", 1), (3, 1, "m1", "lost", 1),
    (5, 4, "m1", "healthy", 2), (5, 3, "m1", "at risk", 2), (1, 1, "m1", "at risk", 0),
    (2, 2, "m1", "at risk", 0), (4, 4, "m1", "healthy", 1), (3, 3, None, "lost", 1),
])
def test_quorum_arithmetic(total: int, reachable: int, leader: str | None, state: str,
                           tolerated: int) -> None:
    m = health.Managers(total, reachable, leader, ())
    assert (m.state, m.tolerated, m.quorum) == (state, tolerated, total // 2 + 1)


def test_explanation_orders_filters_as_the_scheduler_does() -> None:
    # most rejections first, ties in pipeline order (seen on Docker 20.10)
    assert scheduling.explain(Counter({"ready": 2, "constraints": 3})) == \
        "no suitable node (scheduling constraints not satisfied on 3 nodes; " \
        "2 nodes not available for new tasks)"
    assert scheduling.explain(Counter({"host-port": 2, "constraints": 3})) == \
        "no suitable node (scheduling constraints not satisfied on 3 nodes; " \
        "host-mode port already in use on 2 nodes)"
    assert scheduling.explain(Counter({"resources": 1})) == \
        "no suitable node (insufficient resources on 1 node)"


def test_plain_words_for_the_scheduler() -> None:
    words = pending.plain_words("no suitable node (scheduling constraints not satisfied on "
                                "3 nodes; host-mode port already in use on 2 nodes)")
    assert words == ("3 node(s) do not match its placement constraints (node labels, role, "
                     "hostname); 2 node(s) already have a task bound to its host-mode port")
    assert pending.plain_words("task: non-zero exit (1)") == "task: non-zero exit (1)"

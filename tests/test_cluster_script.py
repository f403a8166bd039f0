"""`scripts/cluster`: the five-node swarm on this machine (runs after the other cluster tests:
its down/up cycle gives the nodes new ids)."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from clusterhelp import NODES, folder, require_cluster, script, settled, wait


def test_usage_and_unknown_nodes() -> None:
    proc = script("bogus")
    assert proc.returncode == 2 and "usage: scripts/cluster up|down|status|env" in proc.stderr
    proc = script("host", "manager9")
    assert proc.returncode == 1 and "no node manager9" in proc.stderr


def _leftovers() -> list[str]:
    """What a cluster leaves on the machine: namespaces, links, rules, processes, mounts."""
    out = []
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    out += [f"netns {line.split()[0]}" for line in netns.splitlines() if line.startswith("slc-")]
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    out += [f"link {line.split(':')[1].strip()}" for line in links.splitlines()
            if line.split(":")[1].strip().startswith(("slcbr", "slcv"))]
    rules = subprocess.run(["iptables", "-S", "FORWARD"], capture_output=True, text=True).stdout
    out += [f"rule {line}" for line in rules.splitlines() if "slcbr0" in line]
    mark = str(folder()) + "/"
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if mark in cmd and "pytest" not in cmd:
            out.append(f"process {pid} {cmd[:80]}")
    mounts = Path("/proc/mounts").read_text().splitlines()
    out += [f"mount {m.split()[1]}" for m in mounts if m.split()[1].startswith(mark)]
    return out


@pytest.mark.swarm
def test_status_host_and_a_quick_second_up() -> None:
    require_cluster()
    status = script("status")
    assert status.returncode == 0, status.stdout
    assert [line.split()[0] for line in status.stdout.splitlines()] == list(NODES)
    assert script("host", "worker1").stdout.strip() == \
        f"unix://{folder() / 'worker1' / 'docker.sock'}"
    started = time.monotonic()
    again = script("up")
    assert again.returncode == 0 and "already up" in again.stderr
    assert time.monotonic() - started < 10
    env = script("env").stdout
    assert "STACKLINT_CLUSTER=1" in env and "DOCKER_HOST" not in env


@pytest.mark.swarm
def test_sloppy_down_then_up_again() -> None:
    """A node killed with SIGKILL (its containerd and containers left), then down and up."""
    require_cluster()
    pid = int((folder() / "worker2" / "pid").read_text())
    os.kill(pid, 9)
    started = time.monotonic()
    down = script("down")
    assert down.returncode == 0, down.stderr
    assert _leftovers() == []
    assert not folder().exists()
    assert script("status").returncode == 1
    up = script("up")
    assert up.returncode == 0, up.stderr
    assert wait(settled, 60)
    assert script("status").returncode == 0
    assert time.monotonic() - started < 120

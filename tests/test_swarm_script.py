"""`scripts/swarm`: the local single-node swarm the deploy tests run on."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from swarmhelp import IMAGE, SWARM_SCRIPT, docker, unavailable


def swarm(*args: str, folder: Path | None = None,
          timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("DOCKER_HOST", None)
    if folder is not None:
        env["STACKLINT_SWARM_DIR"] = str(folder)
    return subprocess.run([str(SWARM_SCRIPT), *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=timeout, check=False)


def _host_of(env_file: str) -> str:
    for line in Path(env_file).read_text().splitlines():
        if line.startswith("export DOCKER_HOST="):
            return line.split("=", 1)[1]
    raise AssertionError(f"no DOCKER_HOST in {env_file}")


def _require_running() -> str:
    proc = swarm("status")
    if proc.returncode != 0:
        unavailable("the local swarm is not running; start it with `scripts/swarm start`")
    return _host_of(swarm("env-file").stdout.strip())


def test_usage_on_unknown_command() -> None:
    proc = swarm("bogus")
    assert proc.returncode == 2
    assert "usage: scripts/swarm start|stop|status|env-file|build-images" in proc.stderr


def test_not_started_folder_has_no_engine_and_no_env_file(tmp_path: Path) -> None:
    status = swarm("status", folder=tmp_path)
    assert status.returncode == 1 and status.stdout.strip() == "not running"
    env_file = swarm("env-file", folder=tmp_path)
    assert env_file.returncode == 1 and "run: scripts/swarm start" in env_file.stderr
    assert swarm("stop", folder=tmp_path).returncode == 0          # stopping nothing is fine


# The engine these use is the shared one `scripts/swarm start` started: they only read it,
# and `start` on a running engine changes nothing. No test here stops or restarts it (other
# tests and people use it); a second private engine cannot run beside it on one host (the
# docker0 bridge, iptables and the swarm port 2377 are per host), so `stop` is tested on a
# folder that has no engine only.
@pytest.mark.swarm
def test_running_swarm_is_a_manager_with_the_test_images() -> None:
    host = _require_running()
    info = docker("info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}",
                  host=host)
    assert info.stdout.split() == ["active", "true"]
    for tag in ("v1", "v2", "bad"):
        assert docker("image", "inspect", f"{IMAGE}:{tag}", host=host).returncode == 0


@pytest.mark.swarm
def test_second_start_reuses_the_engine_and_is_quick() -> None:
    host = _require_running()
    pid = Path(host.removeprefix("unix://")).parent / "dockerd.pid"
    before = pid.read_text()
    started = time.monotonic()
    proc = swarm("start")
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - started < 10
    assert "starting dockerd" not in proc.stderr and "installing" not in proc.stderr
    assert pid.read_text() == before

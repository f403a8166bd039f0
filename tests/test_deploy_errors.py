"""`stacklint deploy` when Docker is missing, unreachable, not a manager, or refuses: exit 2."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from swarmhelp import (DEPLOY_FIXTURES, docker, new_stack_name, remove_stack, require_swarm,
                       stack_services)

NUMBERS = DEPLOY_FIXTURES / "numbers"
CHAIN = ["-f", str(NUMBERS / "base.yml"), "-f", str(NUMBERS / "prod.yml")]


def _clean_error(code: int, err: str) -> None:
    """Exit 2 with a message and a hint, and no traceback."""
    assert code == 2, err
    assert "error:" in err and "hint:" in err, err
    assert "Traceback" not in err and "internal error" not in err, err


def _require_docker_cli() -> None:
    if not shutil.which("docker"):
        pytest.skip("the docker CLI is not installed")


def test_no_docker_cli(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))          # a PATH without docker
    code, out, err = run_cli("deploy", *CHAIN, "numbers")
    _clean_error(code, err)
    assert "docker CLI is not on PATH" in err


def test_engine_unreachable_missing_socket(run_cli, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _require_docker_cli()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nothing.sock")
    code, out, err = run_cli("deploy", *CHAIN, "numbers")
    _clean_error(code, err)
    assert "cannot reach the Docker engine" in err and "nothing.sock" in err


def test_engine_stopped_socket_left_behind(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A socket file nobody listens on any more: an engine that stopped uncleanly."""
    _require_docker_cli()
    with tempfile.TemporaryDirectory(prefix="sl") as folder:   # short: socket paths are limited
        path = os.path.join(folder, "d.sock")
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(path)
        sock.close()
        monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
        code, out, err = run_cli("deploy", *CHAIN, "numbers")
    _clean_error(code, err)
    assert "cannot reach the Docker engine" in err


@pytest.mark.parametrize("name", ["bad/name", "x.y", "a b", "_x"])
def test_invalid_stack_name(run_cli, name: str) -> None:
    code, out, err = run_cli("deploy", *CHAIN, name)
    _clean_error(code, err)
    assert "invalid stack name" in err


def test_stack_name_too_long_for_service_names(run_cli) -> None:
    code, out, err = run_cli("deploy", *CHAIN, "n" * 60)
    _clean_error(code, err)
    assert "longer than 63 characters" in err


@pytest.fixture(scope="module")
def lone_engine() -> Iterator[str]:
    """A second, throwaway dockerd that is not part of any swarm."""
    _require_docker_cli()
    if not shutil.which("dockerd") or os.geteuid() != 0:
        pytest.skip("a second engine needs dockerd and root (scripts/swarm start installs it)")
    folder = tempfile.mkdtemp(prefix="sl-lone-")
    host = f"unix://{folder}/d.sock"
    args = ["dockerd", "--data-root", f"{folder}/data", "--exec-root", f"{folder}/exec",
            "--pidfile", f"{folder}/pid", "-H", host,
            "--bridge", "none", "--iptables=false", "--ip6tables=false"]
    with open(f"{folder}/log", "wb") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while docker("info", host=host, timeout=10).returncode != 0:
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.skip(f"the throwaway dockerd did not start (log: {folder}/log)")
            time.sleep(0.3)
        yield host
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.docker
def test_engine_not_in_a_swarm(run_cli, lone_engine: str,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", lone_engine)
    code, out, err = run_cli("deploy", *CHAIN, "numbers", "--resolve-image", "never")
    _clean_error(code, err)
    assert "not part of a swarm" in err and "docker swarm init" in err
    assert docker("service", "ls", host=lone_engine).returncode != 0   # still no swarm there


@pytest.mark.swarm
def test_docker_stack_deploy_failing(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    host = require_swarm()
    monkeypatch.setenv("DOCKER_HOST", host)
    stack = new_stack_name()
    try:
        # the preflight would refuse it first (SL820): this is Docker's own failure
        code, out, err = run_cli("deploy", "-f", str(DEPLOY_FIXTURES / "broken" / "stack.yml"),
                                 stack, "--resolve-image", "never", "--skip-preflight")
        _clean_error(code, err)
        assert "docker stack deploy failed" in err
        assert "stacklint-test-missing-network" in err          # Docker's own reason
        assert stack_services(stack, host) == []
    finally:
        remove_stack(stack, host)

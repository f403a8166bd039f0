"""Deploy stacklint's output with `docker stack deploy` against the oracle's fake swarm daemon."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

from tests import dockerdiff as dd

DAEMON = dd.SHARED / "oracle" / "tools" / "fake_swarm_daemon.py"
_KINDS = ("networks", "secrets", "configs", "services")


def _creates(log: Path, folder: Path) -> list[dict[str, Any]]:
    """The create requests, ordered and with paths written as the oracle writes them."""
    requests = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    creates = [r for r in requests if r["method"] == "POST"]

    def order(r: dict[str, Any]) -> tuple[Any, ...]:
        kind = r["path"].split("/")[1]
        body = r["body"]
        name = body.get("Name") if isinstance(body, dict) else body
        return (_KINDS.index(kind) if kind in _KINDS else 9, str(name),
                json.dumps(body, sort_keys=True))

    text = json.dumps([{"request": "POST " + r["path"], "body": r["body"]}
                       for r in sorted(creates, key=order)], sort_keys=True)
    text = text.replace(str(folder), "@CASEDIR@").replace(str(folder.parent) + "/", "@CASEDIR@/../")
    return json.loads(text)  # type: ignore[no-any-return]


def deploy(case: dd.Case, produce: Callable[[Path], str] | None
           ) -> tuple[int, str, list[dict[str, Any]]]:
    """Deploy `produce(folder)` as the stack file of a private copy of the case folder
    (or, without `produce`, the case's own chain).

    Returns the exit code, stderr and the create requests the fake daemon received."""
    scratch = Path(tempfile.mkdtemp(prefix="stacklint-deploy-"))
    folder = scratch / case.folder.name
    shutil.copytree(case.folder, folder, symlinks=True)
    files = case.files
    if produce is not None:
        (folder / ".stacklint-out.yml").write_text(produce(folder))
        files = [".stacklint-out.yml"]
    args = [a for name in files for a in ("-c", name)]
    sock, log = scratch / "d.sock", scratch / "req.jsonl"
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "DOCKER_CONFIG": str(scratch / "cfg"),
           **case.env}
    daemon = subprocess.Popen([sys.executable, str(DAEMON), str(sock), str(log)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.02)
        proc = subprocess.run([dd.DOCKER or "docker", "stack", "deploy", "--detach",
                               "--resolve-image", "never", *args, "stacklint"],
                              cwd=folder, env={**env, "DOCKER_HOST": f"unix://{sock}"},
                              capture_output=True, text=True, timeout=60)
        return proc.returncode, proc.stderr, _creates(log, folder)
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
        shutil.rmtree(scratch, ignore_errors=True)


def expected_ok(case: dd.Case) -> bool:
    """Docker's own deploy of the chain succeeded and recorded its requests."""
    report = case.folder / "expected.deploy"
    return (case.folder / "expected.deploy.json").exists() and report.exists() and \
        report.read_text().rstrip().endswith("exit code: 0")


def expected_creates(case: dd.Case) -> list[dict[str, Any]]:
    return json.loads((case.folder / "expected.deploy.json").read_text())  # type: ignore[no-any-return]


def available() -> bool:
    return missing() is None


def missing() -> str | None:
    """What these tests lack on this machine, or None."""
    if os.name != "posix":
        return "the fake swarm daemon needs a unix socket (posix only)"
    if dd.DOCKER is None:
        return "no docker CLI with `stack config` on PATH"
    if not DAEMON.exists():
        return (f"{DAEMON} is not present: the team's reference material (../shared) sits "
                "beside the project's own checkout, not in a clone")
    return None

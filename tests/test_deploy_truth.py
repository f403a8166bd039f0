"""`stacklint deploy` judges what the swarm runs, not what the spec says (real swarm)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from swarmhelp import (DEPLOY_FIXTURES, IMAGE, REPO, running_images, swarm_stack,
                       update_status)

pytestmark = pytest.mark.swarm
_ = swarm_stack                     # the fixture, used by name

TRUTH = DEPLOY_FIXTURES / "truth"
V1 = ["-f", str(TRUTH / "v1.yml")]
BAD = [*V1, "-f", str(TRUTH / "bad.yml")]
OPTS = ["--resolve-image", "never", "--timeout", "60", "--fail-on", "error"]


def test_a_redeploy_over_a_bad_update_is_refused_and_never_reported_unchanged(
        run_cli, swarm_stack: str) -> None:
    """The issue's story: v1, then a bad release with --no-watch, then the same bad deploy.

    Before, the last one returned at once with `unchanged 3/3 running stacklint-test/web:bad`
    and exit 0, while the three running tasks were v1 and a bad one crash-looped."""
    stack, host = swarm_stack, os.environ["DOCKER_HOST"]
    web = f"{stack}_web"
    code, out, err = run_cli("deploy", *V1, stack, *OPTS)
    assert code == 0, out + err
    code, out, err = run_cli("deploy", *BAD, stack, *OPTS, "--no-watch")
    assert code == 0, out + err

    code, out, err = run_cli("deploy", *BAD, stack, *OPTS)
    assert code == 1, out + err
    assert "deploy refused" in err and "nothing was deployed" in err and "--force" in err
    assert f"{web}: an update is under way (updating" in err
    assert f"3 of its 3 running tasks do not run the spec's {IMAGE}:bad" in err
    assert "rollout of stack" not in out and "result:" not in out     # nothing was followed
    assert update_status(web, host).get("State") == "updating"     # Swarm's update goes on

    # told to: the same spec again clears UpdateStatus and no update runs: not "unchanged"
    code, out, err = run_cli("deploy", *BAD, stack, *OPTS, "--force")
    assert code == 5, out + err
    row = [line for line in out.splitlines() if line.startswith(f"  {web} ")][-1]
    assert "stuck" in row and f"3 on {IMAGE}:v1 (spec: {IMAGE}:bad)" in row, row
    assert f"next for {web}: deploy a release that works" in out
    assert update_status(web, host) == {}
    assert running_images(web, host).count(f"{IMAGE}:v1") == 3

    # the way out the summary names: deploy a release that works
    code, out, err = run_cli("deploy", *V1, stack, *OPTS, "--force")
    assert code == 0, out + err
    assert running_images(web, host) == [f"{IMAGE}:v1"] * 3


def test_sigterm_while_following_says_where_the_rollout_stands(swarm_stack: str) -> None:
    """A cancelled CI job sends SIGTERM: stacklint stops following (143), the swarm goes on."""
    stack = swarm_stack
    proc = subprocess.Popen([sys.executable, "-m", "stacklint", "deploy", *V1, stack, *OPTS],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:                 # wait until it follows the rollout
        if "creating" in line:
            break
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, out + err
    assert "stopped following (SIGTERM)" in err
    assert f"{stack}_web" in err and "the rollout goes on in the swarm" in err
    assert "Traceback" not in err
    deadline = time.monotonic() + 60         # the swarm went on without stacklint
    while (running_images(f"{stack}_web", os.environ["DOCKER_HOST"]) != [f"{IMAGE}:v1"] * 3
           and time.monotonic() < deadline):
        time.sleep(1)
    assert running_images(f"{stack}_web", os.environ["DOCKER_HOST"]) == [f"{IMAGE}:v1"] * 3


def test_a_global_service_updated_stop_first_never_shows_0_of_0(run_cli, swarm_stack: str,
                                                                 tmp_path) -> None:
    """Between the stop of a node's task and the start of its replacement `docker service
    ls` counts 0/0 for a global service; the rows keep the node count from before."""
    stack = swarm_stack
    text = (TRUTH / "v1.yml").read_text().replace("      replicas: 3\n", "      mode: global\n")
    (tmp_path / "v1.yml").write_text(text)
    (tmp_path / "v2.yml").write_text(text.replace("web:v1", "web:v2").replace(
        "order: start-first}\n      rollback", "order: stop-first}\n      rollback", 1))
    code, out, err = run_cli("deploy", "-f", str(tmp_path / "v1.yml"), stack, *OPTS)
    assert code == 0, out + err
    code, out, err = run_cli("deploy", "-f", str(tmp_path / "v2.yml"), stack, *OPTS)
    assert code == 0, out + err
    assert "0/0" not in out and "completed" in out, out
    assert running_images(f"{stack}_web", os.environ["DOCKER_HOST"]) == [f"{IMAGE}:v2"]

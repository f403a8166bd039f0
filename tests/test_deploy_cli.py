"""`stacklint deploy` without a swarm: options, the gate, dry runs, outcomes and their display."""
from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from swarmhelp import DEPLOY_FIXTURES

from stacklint import dockercli
from stacklint.deploy import rollout, rollout_view
from stacklint.deploy.rollout import Progress

NUMBERS = DEPLOY_FIXTURES / "numbers"
CHAIN = ["-f", str(NUMBERS / "base.yml"), "-f", str(NUMBERS / "prod.yml")]


def test_help_documents_the_exit_codes(run_cli) -> None:
    code, out, _ = run_cli("deploy", "--help")
    assert code == 0
    for line in ("1  refused by the gate", "4  Swarm rolled back",
                 "5  the update (or its rollback)", "6  --timeout passed",
                 "2  stacklint could not run as asked, or Docker trouble"):
        assert line in out


def test_gate_refusal_needs_no_docker(run_cli, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))           # no docker anywhere
    code, out, err = run_cli("deploy", "-f", str(DEPLOY_FIXTURES / "refused" / "stack.yml"), "s")
    assert code == 1
    assert "refused/stack.yml:22:9: error [SL401 start-first-host-port]" in out
    assert "nothing was deployed" in err


def test_fail_on_error_lets_warnings_through(run_cli) -> None:
    chain = [*CHAIN, "-f", str(NUMBERS / "pause.yml")]
    code, out, err = run_cli("deploy", *chain, "s", "--dry-run")
    assert code == 1 and "[SL504 update-failure-action-rollback]" in err and out == ""
    code, out, err = run_cli("deploy", *chain, "s", "--dry-run", "--fail-on", "error")
    assert code == 0 and "[SL504 update-failure-action-rollback]" in err
    assert "failure_action: pause" in out


def test_dry_run_stdout_is_exactly_a_deployable_stack(run_cli) -> None:
    folder = DEPLOY_FIXTURES / "compose-v2"
    code, out, err = run_cli("deploy", "-f", str(folder / "compose.yml"),
                             "-f", str(folder / "compose.prod.yml"), "shop", "--dry-run",
                             "--with-registry-auth", "--resolve-image", "changed")
    assert code == 0, err
    first, _, text = out.partition("\n")
    assert first == ("# dry run: stacklint would run: docker stack deploy -c - "
                     "--with-registry-auth --resolve-image changed shop")
    assert "fixed [SL702 port-number-string]" in err
    assert "published: 18080" in text and "name: shop" not in text
    if shutil.which("docker"):                          # Docker's loader accepts it
        proc = subprocess.run(["docker", "stack", "config", "-c", "-"], input=out, text=True,
                              capture_output=True, check=False)
        assert proc.returncode == 0, proc.stderr


def test_env_file_feeds_interpolation_and_the_environment_wins(
        run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stack = tmp_path / "stack.yml"
    base = (NUMBERS / "base.yml").read_text().replace("web:v1", "web:${TAG}")
    stack.write_text(base)
    env = tmp_path / "release.env"
    env.write_text("TAG=v2\n")
    args = ["deploy", "-f", str(stack), "-f", str(NUMBERS / "prod.yml"), "s", "--dry-run",
            "--env-file", str(env)]
    monkeypatch.delenv("TAG", raising=False)
    code, out, err = run_cli(*args)
    assert code == 0, err
    assert out.count("image: stacklint-test/web:v2") == 2
    monkeypatch.setenv("TAG", "v1")
    code, out, err = run_cli(*args)
    assert out.count("image: stacklint-test/web:v1") == 2


def test_unreadable_file_and_bad_timeout_are_input_errors(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli("deploy", "-f", str(tmp_path / "missing.yml"), "s")
    assert code == 2 and "cannot read file" in err and "Traceback" not in err
    code, _, err = run_cli("deploy", *CHAIN, "s", "--timeout", "0")
    assert code == 2 and "must be more than 0 seconds" in err


def test_deploy_command_is_an_argument_list() -> None:
    assert dockercli.deploy_command("s") == ["stack", "deploy", "-c", "-", "s"]
    assert dockercli.deploy_command("s", prune=True, with_registry_auth=True,
                                 resolve_image="never") == [
        "stack", "deploy", "-c", "-", "--with-registry-auth", "--prune",
        "--resolve-image", "never", "s"]


def _p(name: str, outcome: str | None, state: str = "completed") -> Progress:
    return Progress(name, state, 3, 3, "img:v2", "", outcome)


@pytest.mark.parametrize(("outcomes", "code"), [
    (["completed", "created", "unchanged"], 0),
    (["completed", "rolled back"], rollout.EXIT_ROLLED_BACK),
    (["rolled back", "paused"], rollout.EXIT_PAUSED),
    (["rollback paused", "completed"], rollout.EXIT_PAUSED),
    (["paused", "timed out", "rolled back"], rollout.EXIT_TIMED_OUT),
])
def test_the_worst_outcome_decides_the_exit_code(outcomes: list[str], code: int) -> None:
    progress = [_p(f"s_{i}", o) for i, o in enumerate(outcomes)]
    assert rollout.exit_code(progress) == code
    assert f"(exit {code})" in rollout_view.summary("s", progress)


def test_summary_names_the_services_that_failed() -> None:
    text = rollout_view.summary("s", [_p("s_api", "rolled back"), _p("s_web", "completed")])
    assert text.splitlines()[-1] == "result: rolled back: s_api (exit 4)"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_live_view_redraws_in_place_on_a_terminal_and_plain_lines_elsewhere() -> None:
    tty = _Terminal()
    view = rollout_view.view_for(tty)
    view.update([_p("s_api", None, "updating"), _p("s_web", None, "updating")], 0.0)
    view.update([_p("s_api", "completed"), _p("s_web", None, "updating")], 1.0)
    assert tty.getvalue().count("\x1b[3F") == 1          # back up over the 3-line table
    plain = io.StringIO()
    view = rollout_view.view_for(plain)
    for _ in range(3):                                   # unchanged state prints once
        view.update([_p("s_api", None, "updating")], 0.5)
    view.update([_p("s_api", "completed")], 2.0)
    lines = plain.getvalue().splitlines()
    assert len(lines) == 2 and "\x1b" not in plain.getvalue()
    assert lines[1].startswith("[  2.0s] s_api  completed")


def test_findings_point_at_the_users_lines_after_in_memory_fixes(run_cli, tmp_path: Path) -> None:
    """A fix that shortens the file must not shift the lines findings report."""
    stack = tmp_path / "stack.yml"
    stack.write_text('version: "3.8"\nservices:\n  a:\n    image: nginx:1\n    depends_on:\n'
                     '      b:\n        condition: service_started\n        required: true\n'
                     '  b:\n    image: nginx:1\n')
    before = stack.read_bytes()
    code, out, err = run_cli("deploy", "-f", str(stack), "s", "--dry-run")
    assert code == 1
    assert f"{stack}:5:5: fixed [SL704" in err
    assert f"{stack}:9:3: warning [SL301 memory-limit-missing] Service 'b'" in err
    assert stack.read_bytes() == before


def test_line_map_follows_edits() -> None:
    from stacklint.deploy.gate import line_map

    old = "a\nb\nc\nd\ne\n"
    assert line_map(old, old) == [0, 1, 2, 3, 4, 5]
    assert line_map(old, "a\nd\ne\n") == [0, 1, 4, 5]              # b, c deleted
    assert line_map(old, "a\nB\nc\nd\ne\n") == [0, 1, 2, 3, 4, 5]  # b edited
    assert line_map(old, "x\na\nb\nc\nd\ne\n") == [0, 1, 1, 2, 3, 4, 5]  # inserted on top


def test_a_narrow_terminal_shortens_name_and_message_never_the_image(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("LINES", "20")
    tty = _Terminal()
    long = Progress("a_stack_with_a_long_name_api", "updating", 2, 3, "registry.example/api:v2",
                    "update in progress and a long message that does not fit", None, current=1)
    rollout_view.view_for(tty).update([long], 0.0)
    row = tty.getvalue().splitlines()[1].replace("\x1b[2K", "")
    assert len(row) <= 59 and "2/3 running, 1 on registry.example/api:v2" in row, row
    assert "..." in row


def test_the_row_names_the_image_the_tasks_run_not_only_the_spec() -> None:
    p = Progress("s_web", "converging", 3, 3, "web:bad", "", "timed out", current=0,
                 images=(("web:v1", 3),))
    text = rollout_view.summary("s", [p])
    assert "3/3 running  3 on web:v1 (spec: web:bad)" in text


def test_a_global_service_without_tasks_is_never_shown_as_0_of_0() -> None:
    p = Progress("s_agent", "creating", 0, 0, "agent:v1", mode="global")
    plain = io.StringIO()
    rollout_view.view_for(plain).update([p], 0.0)
    assert "0/0" not in plain.getvalue() and "0 running" in plain.getvalue()


@pytest.mark.parametrize(("outcome", "says"), [
    ("paused", "`docker service update --rollback s_api`"),
    ("rollback paused", "`docker service ps --no-trunc s_api`"),
    ("stuck", "deploy a release that works"),
])
def test_exit_5_says_what_to_do_next(outcome: str, says: str) -> None:
    text = rollout_view.summary("s", [_p("s_api", outcome)])
    assert "(exit 5)" in text and f"next for s_api: " in text and says in text


def test_unsettled_names_updates_and_tasks_of_another_image() -> None:
    before = {
        "s_web": rollout.Before("t1", "{}", "updating", "update in progress", "web:bad",
                                ("web:v1", "web:v1", "web:v1"), 3),
        "s_api": rollout.Before("t2", "{}", "completed", "", "api:v2", ("api:v2",), 1),
        "s_db": rollout.Before("t3", "{}", "paused", "update paused due to failure", "db:2",
                               ("db:2",), 1),
    }
    assert rollout.unsettled(before) == [
        "s_db: its last update is paused half-way (paused: update paused due to failure)",
        "s_web: an update is under way (updating: update in progress); 3 of its 3 running "
        "tasks do not run the spec's web:bad (3 run web:v1)",
    ]

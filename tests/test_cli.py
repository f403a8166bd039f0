"""The command line front door: version, help, dispatch, error exits."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from stacklint import __version__
from stacklint.cli import COMMANDS


def test_version_fast_path(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli("--version")
    assert code == 0 and out.strip() == f"stacklint {__version__}"


def test_python_dash_m() -> None:
    done = subprocess.run([sys.executable, "-m", "stacklint", "--version"],
                          capture_output=True, text=True)
    assert done.returncode == 0 and __version__ in done.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_help(run_cli, command: str) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(command, "--help")
    assert code == 0
    assert f"stacklint {command}" in out
    assert "not yet available" not in out


def test_no_command_is_a_usage_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli()
    assert code == 2 and "usage:" in err


def test_unknown_command_is_a_usage_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli("frobnicate")
    assert code == 2 and "invalid choice" in err


def test_every_option_of_every_command_says_what_it_does() -> None:
    import argparse

    from stacklint.cli import build_parser
    missing = []
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                missing += [f"{name} {a.option_strings or a.dest}" for a in sub._actions
                            if not a.help and not isinstance(a, argparse._HelpAction)]
    assert missing == []


def test_plain_words_for_a_newcomer(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli("explain", "monitor")
    assert code == 2 and "did you mean SL505 monitor-shorter-than-healthcheck" in err, err
    ok = tmp_path / "s.yml"
    ok.write_text('version: "3.8"\nservices:\n  web:\n    image: nginx:1.27\n')
    code, out, err = run_cli("validate", "-f", str(ok))
    assert code == 0 and out == "" and err.strip() == "valid: 0 errors, 0 warnings"
    code, out, _ = run_cli("rules")
    off = [line for line in out.splitlines() if "(disabled" in line]
    assert off and all(line.startswith("SL") for line in out.splitlines())
    code, out, _ = run_cli("rules", "--format", "json")
    listed = json.loads(out)
    assert code == 0 and listed["version"] == 1
    assert {"id": "SL502", "name": "update-order-start-first"}.items() <= next(
        r for r in listed["rules"] if r["id"] == "SL502").items()
    fix = tmp_path / "f.yml"
    fix.write_text('services:\n  web:\n    image: nginx:1.27\n    ports:\n      - target: 80\n'
                   '        published: "8080"\n')
    code, _, err = run_cli("merge", "--fix", "-f", str(fix))
    assert code == 0 and ": fixed [SL702 port-number-string] " in err
    assert "(in the merged output only; the file is unchanged)" in err

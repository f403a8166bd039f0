"""The command line front door: version, help, dispatch, error exits."""
from __future__ import annotations

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

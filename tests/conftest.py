"""Shared test helpers: paths, the optional ../shared folder, CLI runner."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SHARED = (REPO.parent / "shared").resolve()


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test when the folder is absent (a user's clone)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is only beside the project's own checkout)")
    return path


def require_docker() -> str:
    """The docker CLI, or skip: differential tests need `docker stack config`."""
    found = shutil.which("docker")
    if not found:
        pytest.skip("the docker CLI is not installed; differential tests need `docker stack config`")
    return found


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run `stacklint ARGS…` in-process: returns (exit code, stdout, stderr)."""
    from stacklint.cli import main

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse errors and --help
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run

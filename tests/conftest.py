"""Shared test helpers: paths, the optional ../shared folder, CLI runner."""
from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SHARED = (REPO.parent / "shared").resolve()
# the origin notes' numbers chain as they ship it (CRLF, prod-full.yml UTF-16LE+BOM)
NOTES_NUMBERS = FIXTURES / "notes" / "numbers"


def missing_shared(*parts: str) -> str:
    """Why a test skips without ../shared: what is missing and where it comes from."""
    return (f"{SHARED.joinpath(*parts)} is not present: the team's reference material "
            "(../shared) sits beside the project's own checkout, not in a clone")


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test when the folder is absent (a user's clone)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(missing_shared(*parts))
    return path


def shared_params(params: Iterable[Any], *parts: str, width: int = 1) -> list[Any]:
    """`params` for parametrize, or one skipped parameter saying that ../shared/PARTS is missing
    (an empty list would skip with pytest's bare "got empty parameter set")."""
    found = list(params)
    if found:
        return found
    return [pytest.param(*[None] * width, id="missing",
                         marks=pytest.mark.skip(reason=missing_shared(*parts)))]


def require_docker() -> str:
    """The docker CLI, or skip: differential tests need `docker stack config`."""
    found = shutil.which("docker")
    if not found:
        pytest.skip("the docker CLI is not installed; differential tests need `docker stack config`")
    return found


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test on a real swarm is slow as well (each rollout takes tens of seconds), so the
    inner loop `pytest -m "not slow"` never needs an engine."""
    for item in items:
        if "cluster" in getattr(item, "fixturenames", ()):     # the five-node cluster's fixture
            item.add_marker(pytest.mark.swarm)
        if item.get_closest_marker("swarm") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


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


@pytest.fixture
def swarm_stack(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A fresh stack name on the local swarm (DOCKER_HOST set), removed after the test with
    the deploy history stacklint recorded for it."""
    from swarmhelp import new_stack_name, remove_stack, require_swarm

    host = require_swarm()
    monkeypatch.setenv("DOCKER_HOST", host)
    name = new_stack_name()
    yield name
    remove_stack(name, host)


# -- the fuzz suite (tests/test_fuzz.py) -------------------------------------------------------

FUZZ_RUNS = 150         # the CI budget: one to three minutes with docker on the shared machine
FUZZ_SEED = 18


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fuzz", "tests/test_fuzz.py")
    group.addoption("--fuzz-runs", type=int, default=FUZZ_RUNS, dest="fuzz_runs",
                    help=f"mutated inputs to try (default {FUZZ_RUNS}; e.g. 2000 for a long run)")
    group.addoption("--fuzz-seed", type=int, default=FUZZ_SEED, dest="fuzz_seed",
                    help=f"seed of the mutations (default {FUZZ_SEED}: the same inputs every run)")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    import sys
    fuzz = sys.modules.get("fuzzgen")
    if fuzz is not None and fuzz.STATS:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(fuzz.STATS.items()))
        terminalreporter.write_line(f"fuzz: {counts}")

"""Differential test: `docker stack config` of stacklint's output equals Docker's own merge."""
from __future__ import annotations

import functools

import pytest

from conftest import shared_params
from tests import dockerdiff as dd

pytestmark = [pytest.mark.skipif(
    dd.DOCKER is None, reason="no docker CLI with `stack config` on PATH (differential tests need it)"),
              pytest.mark.docker, pytest.mark.slow]   # docker stack config on every case and chain

# Where stacklint's output deliberately differs from what Docker prints for the chain.
DELIBERATE = {
    # Docker prints `bind: {}` for `create_host_path: true` and the daemon rejects the empty
    # BindOptions; stacklint drops the key (compared without empty `bind` blocks).
    "116-bind-create-host-path-accepted-but-broken": "bind.create_host_path dropped",
}


def _sources() -> dict[str, list[dd.Case]]:
    groups = {"fixtures": dd.numbered_cases(dd.FIXTURES)}
    if (dd.SHARED / "oracle" / "merge-cases").is_dir():
        groups["oracle"] = dd.numbered_cases(dd.SHARED / "oracle" / "merge-cases")
    if (dd.SHARED / "corpus").is_dir():
        groups["corpus"] = dd.corpus_cases(dd.SHARED / "corpus")
    return groups


@functools.lru_cache(maxsize=None)
def outcomes(group: str) -> dict[str, dd.Outcome]:
    return dd.run_cases(_sources()[group])


def _ids(group: str) -> list[str]:
    try:
        return [case.name for case in _sources().get(group, [])]
    except OSError:
        return []


def check(outcome: dd.Outcome) -> None:
    """Docker accepts the chain -> it prints the same for stacklint's output; else both fail."""
    name = outcome.case.name
    assert not outcome.ours_crash, f"{name}: stacklint crashed: {outcome.ours_crash}"
    if outcome.docker_rc != 0:
        if outcome.schema_rejection:
            return   # validation's job; loading must merely not crash (checked above)
        assert outcome.ours_error is not None, \
            f"{name}: Docker rejects ({outcome.docker_err.strip()}) but stacklint merged it"
        assert outcome.ours_error.path and outcome.ours_error.line, \
            f"{name}: the error names no file:line: {outcome.ours_error}"
        return
    assert outcome.ours_error is None, f"{name}: Docker accepts, stacklint: {outcome.ours_error}"
    assert outcome.again_rc == 0, \
        f"{name}: Docker rejects stacklint's output: {outcome.again_err.strip()}"
    assert dd.comparable(outcome.again_out) == dd.comparable(outcome.docker_out), name


@pytest.mark.parametrize("name", _ids("fixtures"))
def test_fixture_matches_docker(name: str) -> None:
    check(outcomes("fixtures")[name])


@pytest.mark.parametrize("name", shared_params(_ids("oracle"), "oracle", "merge-cases"))
def test_oracle_case_matches_docker(name: str) -> None:
    check(outcomes("oracle")[name])


@pytest.mark.parametrize("name", shared_params(_ids("corpus"), "corpus"))
def test_corpus_chain_matches_docker(name: str) -> None:
    check(outcomes("corpus")[name])


def test_deliberate_differences_are_real_cases() -> None:
    names = {c.name for cases in _sources().values() for c in cases}
    if "oracle" in _sources():
        assert set(DELIBERATE) <= names

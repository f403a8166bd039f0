"""Random override chains: stacklint's output reads back in Docker as Docker's own merge."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests import dockerdiff as dd
from tests import mergegen
from tests.test_merge_docker import check

pytestmark = pytest.mark.skipif(dd.DOCKER is None, reason="the docker CLI is not installed")


def test_random_chains_match_docker(tmp_path: Path) -> None:
    folders = mergegen.write_chains(tmp_path, count=120, seed=20261126)
    cases = [dd.Case(f.name, f, sorted(p.name for p in f.glob("*.yml")),
                     {"HOME": "/home/stacklint", "B": "from-env"}) for f in folders]
    outcomes = dd.run_cases(cases)
    accepted = [o for o in outcomes.values() if o.docker_rc == 0]
    assert len(accepted) > 60          # the generator mostly writes chains Docker accepts
    failures = []
    for outcome in outcomes.values():
        try:
            check(outcome)
        except AssertionError as exc:
            failures.append(f"{outcome.case.name}: {exc}")
    assert not failures, "\n".join(failures[:5])

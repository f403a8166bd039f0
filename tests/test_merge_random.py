"""Random override chains: stacklint's output reads back in Docker as Docker's own merge."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from stacklint.emit import stackfile
from stacklint.load.stack import load_stack
from tests import deploydiff, mergegen
from tests import dockerdiff as dd
from tests.test_merge_deploy import _loose
from tests.test_merge_docker import check

pytestmark = [pytest.mark.skipif(
    dd.DOCKER is None, reason="no docker CLI with `stack config` on PATH (differential tests need it)"),
              pytest.mark.docker, pytest.mark.slow]   # random chains through docker stack config


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


def _unordered(value: Any) -> Any:
    """Requests up to the order of object lists (Docker orders two mounts of one secret
    source differently from run to run) and repeated entries."""
    value = _loose(value)
    if isinstance(value, dict):
        return {k: _unordered(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_unordered(v) for v in value]
        if all(isinstance(v, dict) for v in items):
            items.sort(key=lambda v: json.dumps(v, sort_keys=True))
        return items
    return value


def test_random_chains_deploy_the_same(tmp_path: Path) -> None:
    """What swarm receives from stacklint's output equals what the chain itself sends."""
    if not deploydiff.available():
        pytest.skip(deploydiff.missing() or "")
    folders = mergegen.write_chains(tmp_path, count=50, seed=7, deploy=True)
    cases = [dd.Case(f.name, f, sorted(p.name for p in f.glob("*.yml")),
                     {"HOME": "/home/stacklint", "B": "from-env"}) for f in folders]

    def both(case: dd.Case) -> tuple[Any, Any]:
        def render(folder: Path) -> str:
            return stackfile.render(load_stack([str(folder / f) for f in case.files],
                                          env=case.env).model)
        theirs = deploydiff.deploy(case, None)
        return theirs, deploydiff.deploy(case, render) if theirs[0] == 0 else None

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(both, cases))
    compared = 0
    for case, (theirs, ours) in zip(cases, results):
        if theirs[0] != 0:
            continue
        compared += 1
        assert ours[0] == 0, f"{case.name}: {ours[1]}"
        assert _unordered(ours[2]) == _unordered(theirs[2]), case.name
    assert compared > 20      # the rest fail schema checks in Docker as well

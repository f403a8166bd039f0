"""`docker stack deploy` of stacklint's output sends swarm what deploying the chain sends."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from stacklint.emit import stackfile
from stacklint.load.stack import load_stack
from conftest import missing_shared
from tests import deploydiff as dep
from tests import dockerdiff as dd

pytestmark = [pytest.mark.skipif(not dep.available(), reason=dep.missing() or ""),
              pytest.mark.docker, pytest.mark.slow]   # every oracle case deployed to the fake daemon

# Deliberate differences in what swarm receives, compared after the named normalisation.
DELIBERATE = {
    # the schema wants these lists unique, so Docker cannot read back its own repeated entries
    "033-extra-hosts-appended-with-duplicates": "repeated Hosts entries dropped",
    "039-dns-and-dns-search-appended": "repeated DNS entries dropped",
    # `create_host_path` becomes an empty BindOptions that a real daemon rejects
    "116-bind-create-host-path-accepted-but-broken": "empty BindOptions dropped",
}


def _cases() -> list[dd.Case]:
    root = dd.SHARED / "oracle" / "merge-cases"
    return [c for c in dd.numbered_cases(root) if dep.expected_ok(c)] if root.is_dir() else []


def _produce(case: dd.Case) -> Any:
    def render(folder: Path) -> str:
        return stackfile.render(load_stack([str(folder / f) for f in case.files], env=case.env).model)
    return render


def _loose(value: Any) -> Any:
    """Without repeated list entries and empty BindOptions."""
    if isinstance(value, dict):
        return {k: _loose(v) for k, v in value.items() if not (k == "BindOptions" and v == {})}
    if isinstance(value, list):
        out: list[Any] = []
        for item in map(_loose, value):
            if item not in out:
                out.append(item)
        return out
    return value


def test_deployed_requests_match_docker() -> None:
    cases = _cases()
    if not cases:
        pytest.skip(missing_shared("oracle", "merge-cases"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip((c.name for c in cases),
                           pool.map(lambda c: dep.deploy(c, _produce(c)), cases)))
    failures = []
    for case in cases:
        rc, err, creates = results[case.name]
        expected = dep.expected_creates(case)
        if rc != 0:
            failures.append(f"{case.name}: deploy failed: {err.strip()}")
        elif case.name in DELIBERATE:
            assert creates != expected, f"{case.name} no longer differs: drop it from DELIBERATE"
            if _loose(creates) != _loose(expected):
                failures.append(f"{case.name}: differs beyond {DELIBERATE[case.name]}")
        elif creates != expected:
            failures.append(f"{case.name}: swarm would receive something else")
    assert not failures, "\n".join(failures)
    assert len(cases) >= 80

"""Compiled conditions answer exactly as the tree-walking interpreter they replaced.

`reference` below is that interpreter, kept as the oracle: random conditions over
random service-like nodes must give the same Result (ok and witnesses) or None.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stacklint.conditions import (OPERATORS, Result, _compiles, evaluate, first_value,
                                  parse_path, resolve)

pytestmark = pytest.mark.slow   # hypothesis over every operator: minutes on two cores


def reference(cond: Mapping[str, Any], node: Any, options: Mapping[str, Any]) -> Result | None:
    option = cond.get("when_option")
    if option is not None and options.get(option) in (None, False):
        return None
    if "all" in cond:
        parts = [r for r in (reference(c, node, options) for c in cond["all"]) if r is not None]
        if not parts:
            return None
        ok = all(r.ok for r in parts)
        return Result(ok, tuple(w for r in parts for w in r.witnesses) if ok else ())
    if "any" in cond:
        parts = [r for r in (reference(c, node, options) for c in cond["any"]) if r is not None]
        if not parts:
            return None
        hits = [r for r in parts if r.ok]
        return Result(bool(hits), tuple(w for r in hits for w in r.witnesses))
    if "not" in cond:
        inner = reference(cond["not"], node, options)
        return None if inner is None else Result(not inner.ok)
    spec = cond["match"]
    found = list(resolve(node, parse_path(spec["path"])))
    name = "exists" if "exists" in spec else next(k for k in spec if k in OPERATORS)
    arg = spec[name]
    if name == "exists":
        present = [p for p, v in found if v is not None]
        return Result(bool(present) == bool(arg), tuple(present))
    if isinstance(arg, dict) and set(arg) == {"option"}:
        arg = options.get(arg["option"])
    hits = tuple(p for p, v in found if OPERATORS[name](v, arg, spec.get("as")))
    return Result(bool(hits), hits)


SCALARS = st.sampled_from([None, True, False, 0, 1, 2, 3, 1.5, "", "0", "1", "2", "host",
                           "global", "ingress", "start-first", "30s", "1m0s", "0s", "75M",
                           "nginx:latest", "nginx:1.27", "a@sha256:ab", "traefik.x"])
KEYS = st.sampled_from(["a", "b", "mode", "replicas", "order"])
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(KEYS, inner, max_size=3), max_leaves=12)
NODES = st.one_of(st.dictionaries(KEYS, VALUES, min_size=1, max_size=4), VALUES)
PATHS = st.sampled_from(["a", "b", "a.b", "a.mode", "a[*]", "a[*].mode", "b[0]", "b[1].a",
                         "a.*.order", "*", "*.*", "a[*].b[*]", "replicas"])


ARGS = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.just({"option": "limit"}))
MATCHES = st.builds(
    lambda path, op, arg, as_: {"match": {"path": path, op: arg, **({"as": as_} if as_ else {})}},
    PATHS,
    st.sampled_from(["exists", "equals", "in", "regex", "contains", "gt", "ge", "lt", "le",
                     "length"]),
    ARGS, st.sampled_from([None, None, "number", "duration", "bytes", "string"]))


def _valid(cond: Any) -> bool:
    """Only conditions the rule loader accepts (and the operators can run)."""
    if "match" in cond:
        spec = cond["match"]
        op = next(k for k in spec if k not in ("path", "as"))
        arg = spec[op]
        if op == "in":
            return isinstance(arg, list)
        if op == "regex":
            return isinstance(arg, str) and _compiles(arg)
        if op == "length":
            return isinstance(arg, (int, str)) and not isinstance(arg, bool)
        if op == "contains":
            return not isinstance(arg, (list, dict))
        return not isinstance(arg, list)
    parts = cond.get("all") or cond.get("any") or [cond.get("not")]
    return all(_valid(p) for p in parts)


def _switch(cond: dict[str, Any], on: bool) -> dict[str, Any]:
    return {**cond, "when_option": "flag"} if on else cond


SWITCHED = st.sampled_from([False, False, False, True])    # when_option on a part
CONDITIONS = st.recursive(
    st.builds(_switch, MATCHES, SWITCHED),
    lambda inner: st.one_of(
        st.builds(lambda parts, on: _switch({"all": parts}, on), st.lists(inner, min_size=1, max_size=3),
                  SWITCHED),
        st.builds(lambda parts, on: _switch({"any": parts}, on), st.lists(inner, min_size=1, max_size=3),
                  SWITCHED),
        st.builds(lambda part, on: _switch({"not": part}, on), inner, SWITCHED)),
    max_leaves=6).filter(_valid)
OPTIONS = st.fixed_dictionaries({"flag": st.sampled_from([None, False, True, 0, "x"]),
                                 "limit": SCALARS})


@settings(max_examples=1500, deadline=None)
@given(CONDITIONS, NODES, OPTIONS)
def test_compiled_conditions_answer_as_the_interpreter(  # type: ignore[no-untyped-def]
        cond, node, options) -> None:
    try:
        want: Any = reference(cond, node, options)
    except (TypeError, re.error) as exc:       # a condition that cannot run raises the same
        want = type(exc)
    try:
        got: Any = evaluate(cond, node, options)
    except (TypeError, re.error) as exc:
        got = type(exc)
    assert got == want


@settings(max_examples=300, deadline=None)
@given(NODES, PATHS)
def test_first_value_is_the_first_resolved(node, path) -> None:  # type: ignore[no-untyped-def]
    steps = parse_path(path)
    assert first_value(node, steps) == next((v for _, v in resolve(node, steps)), None)

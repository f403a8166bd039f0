"""The condition interpreter, case by case: every operator, combinator and path form, with
the witnesses each one names and the parts `when_option` switches off.

The rule files' own examples run in tests/test_rules_cases.py and tests/test_rules_files.py;
these cases pin the language those rules are written in, one behaviour per line.
"""
from __future__ import annotations

import re
from typing import Any

import pytest

from stacklint.lint.conditions import (Result, compile_condition, evaluate, first_value, parse_path,
                                  resolve)

NODE = {
    "image": "nginx:1.27",
    "replicas": 3,
    "enabled": True,
    "one": 1,
    "grace": "30s",
    "memory": "75M",
    "mode": None,
    "labels": {"traefik.enable": "true", "owner": "a"},
    "ports": [{"published": 80, "mode": "host"}, {"published": 443, "mode": "ingress"},
              {"target": 9000}],
    "networks": {"front": {"aliases": ["web", "www"]}, "back": {"aliases": []}},
}
OPTIONS = {"limit": 2, "on": True, "off": False, "unset": None}


def m(path: str, **spec: Any) -> dict[str, Any]:
    return {"match": {"path": path, **spec}}


HOLDS = Result(True)
FAILS = Result(False)

CASES: list[tuple[str, dict[str, Any], Result | None]] = [
    # exists: a present (non-null) value is the witness; `exists: false` holds without one
    ("exists", m("image", exists=True), Result(True, (("image",),))),
    ("exists: a null is absent", m("mode", exists=True), FAILS),
    ("exists false on a missing key", m("nope", exists=False), HOLDS),
    ("exists false on a present key", m("image", exists=False), Result(False, (("image",),))),
    ("exists over a fan-out", m("ports[*].target", exists=True), Result(True, (("ports", 2, "target"),))),
    # equals: YAML 1.2 keeps booleans apart from numbers
    ("equals", m("image", equals="nginx:1.27"), Result(True, (("image",),))),
    ("equals: true is not 1", m("one", equals=True), FAILS),
    ("equals: 1 is not true", m("enabled", equals=1), FAILS),
    ("equals: true", m("enabled", equals=True), Result(True, (("enabled",),))),
    ("equals as duration", m("grace", equals="30000ms", **{"as": "duration"}), Result(True, (("grace",),))),
    ("equals as string", m("replicas", equals="3", **{"as": "string"}), Result(True, (("replicas",),))),
    ("equals on a missing path", m("nope", equals=None), FAILS),
    # in
    ("in", m("ports[*].mode", **{"in": ["host", "x"]}), Result(True, (("ports", 0, "mode"),))),
    ("in: none", m("image", **{"in": ["a", "b"]}), FAILS),
    ("in: true is not 1", m("one", **{"in": [True]}), FAILS),
    # regex: searched in the value's text; never in a mapping or list
    ("regex", m("image", regex=r":\d"), Result(True, (("image",),))),
    ("regex on a number's text", m("replicas", regex="^3$"), Result(True, (("replicas",),))),
    ("regex not in a mapping", m("labels", regex="."), FAILS),
    ("regex on keys with dots", m('labels["traefik.enable"]', regex="^true$"),
     Result(True, (("labels", "traefik.enable"),))),
    # contains: a list's item, a mapping's key, a string's part
    ("contains in a list", m("networks.front.aliases", contains="www"),
     Result(True, (("networks", "front", "aliases"),))),
    ("contains a key", m("labels", contains="owner"), Result(True, (("labels",),))),
    ("contains in a string", m("image", contains="1.2"), Result(True, (("image",),))),
    ("contains: not in a number", m("replicas", contains=3), FAILS),
    # orderings: numbers, or converted with `as`; a value that does not convert never holds
    ("gt", m("replicas", gt=2), Result(True, (("replicas",),))),
    ("ge", m("replicas", ge=3), Result(True, (("replicas",),))),
    ("lt fails", m("replicas", lt=3), FAILS),
    ("le", m("ports[*].published", le=80), Result(True, (("ports", 0, "published"),))),
    ("gt over a fan-out names each hit", m("ports[*].published", gt=1),
     Result(True, (("ports", 0, "published"), ("ports", 1, "published")))),
    ("gt as bytes", m("memory", gt="64M", **{"as": "bytes"}), Result(True, (("memory",),))),
    ("lt as duration", m("grace", lt="1m", **{"as": "duration"}), Result(True, (("grace",),))),
    ("gt on text that is no number", m("image", gt=1), FAILS),
    ("gt against an option", m("replicas", gt={"option": "limit"}), Result(True, (("replicas",),))),
    ("gt against an unset option", m("replicas", gt={"option": "unset"}), FAILS),
    # length: of a list, mapping or string; a number or a mapping of orderings
    ("length", m("ports", length=3), Result(True, (("ports",),))),
    ("length ordering", m("networks[*].aliases", length={"ge": 1}),
     Result(True, (("networks", "front", "aliases"),))),
    ("length of a number", m("replicas", length=1), FAILS),
    # paths: an index, a negative look beyond the end, `*` over a mapping and a list
    ("index", m("ports[1].mode", equals="ingress"), Result(True, (("ports", 1, "mode"),))),
    ("index beyond the end", m("ports[5].mode", exists=True), FAILS),
    ("two fan-outs", m("networks.*.aliases[*]", equals="web"),
     Result(True, (("networks", "front", "aliases", 0),))),
    # combinators: `all` gathers every part's witnesses, `any` those of the parts that hold
    ("all", {"all": [m("image", exists=True), m("replicas", gt=1)]},
     Result(True, (("image",), ("replicas",)))),
    ("all fails without witnesses", {"all": [m("image", exists=True), m("replicas", gt=5)]}, FAILS),
    ("any", {"any": [m("replicas", gt=5), m("image", exists=True)]}, Result(True, (("image",),))),
    ("any fails", {"any": [m("replicas", gt=5), m("nope", exists=True)]}, FAILS),
    ("not has no witnesses", {"not": m("replicas", gt=5)}, HOLDS),
    ("not", {"not": m("image", exists=True)}, FAILS),
    # when_option: off (unset or false) is None; a part off does not count; all off is off
    ("when_option on", {"when_option": "on", **m("image", exists=True)}, Result(True, (("image",),))),
    ("when_option off", {"when_option": "off", **m("image", exists=True)}, None),
    ("when_option unset", {"when_option": "unset", **m("image", exists=True)}, None),
    ("a part off in all", {"all": [{"when_option": "off", **m("nope", exists=True)},
                                   m("image", exists=True)]}, Result(True, (("image",),))),
    ("a part off in any", {"any": [{"when_option": "off", **m("image", exists=True)},
                                   m("nope", exists=True)]}, FAILS),
    ("every part off", {"all": [{"when_option": "off", **m("image", exists=True)}]}, None),
    ("not of a part off", {"not": {"when_option": "off", **m("image", exists=True)}}, None),
]


@pytest.mark.parametrize("cond, want", [(c, w) for _, c, w in CASES],
                         ids=[name for name, _, _ in CASES])
def test_condition(cond: dict[str, Any], want: Result | None) -> None:
    assert evaluate(cond, NODE, OPTIONS) == want
    assert compile_condition(cond)(NODE, OPTIONS) == want     # what the engine calls


def test_every_part_runs_so_a_bad_one_raises_even_after_a_failed_one() -> None:
    cond = {"all": [m("replicas", gt=5), m("image", regex="(")]}
    with pytest.raises(re.error):
        evaluate(cond, NODE, OPTIONS)


@pytest.mark.parametrize("path", ["image", "ports[*].published", "networks.*.aliases[*]",
                                  "ports[2].mode", "labels", "nope[*]"])
def test_first_value_is_the_first_resolved(path: str) -> None:
    steps = parse_path(path)
    assert first_value(NODE, steps) == next((v for _, v in resolve(NODE, steps)), None)

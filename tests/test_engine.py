"""The condition language, rule loading errors, and how the engine turns hits into findings."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stacklint.lint.conditions import evaluate, parse_path, resolve
from stacklint.lint.config import default_config
from stacklint.load.document import parse
from stacklint.gotypes import byte_size as parse_bytes
from stacklint.gotypes import duration_seconds as parse_duration
from stacklint.gotypes import format_seconds as format_duration
from stacklint.lint.engine import run_rules
from stacklint.errors import RuleDefinitionError
from stacklint.model import Severity
from stacklint.lint.ruleset import build_rule, load_folder

SERVICE = {"image": "nginx:1.27", "ports": [{"mode": "host", "target": 80, "published": 80},
                                            {"mode": "ingress", "target": 443, "published": 443}],
           "deploy": {"replicas": 3, "resources": {"limits": {"memory": "78643200"}},
                      "update_config": {"monitor": "1m0s", "order": "start-first"}}}


def test_paths_and_wildcards() -> None:
    assert parse_path("ports[*].published") == ("ports", "*", "published")
    assert parse_path("a[2].b") == ("a", 2, "b")
    with pytest.raises(ValueError):
        parse_path("a..b[")
    assert [p for p, _ in resolve(SERVICE, parse_path("ports[*].mode"))] == [
        ("ports", 0, "mode"), ("ports", 1, "mode")]
    assert [v for _, v in resolve(SERVICE, parse_path("deploy.*.order"))] == ["start-first"]


@pytest.mark.parametrize(("cond", "ok"), [
    ({"match": {"path": "image", "exists": True}}, True),
    ({"match": {"path": "privileged", "exists": False}}, True),
    ({"match": {"path": "ports[*].mode", "equals": "host"}}, True),
    ({"match": {"path": "deploy.replicas", "in": [1, 2]}}, False),
    ({"match": {"path": "image", "regex": ":1\\.27$"}}, True),
    ({"match": {"path": "ports[*].published", "gt": 442}}, True),
    ({"match": {"path": "deploy.resources.limits.memory", "le": "75M", "as": "bytes"}}, True),
    ({"match": {"path": "deploy.update_config.monitor", "ge": "60s", "as": "duration"}}, True),
    ({"match": {"path": "deploy.update_config.monitor", "lt": "30s", "as": "duration"}}, False),
    ({"match": {"path": "ports", "length": {"ge": 2}}}, True),
    ({"match": {"path": "image", "contains": "nginx"}}, True),
    ({"not": {"match": {"path": "image", "exists": True}}}, False),
    ({"all": [{"match": {"path": "image", "exists": True}},
              {"match": {"path": "deploy.replicas", "equals": 3}}]}, True),
    ({"any": [{"match": {"path": "x", "exists": True}},
              {"match": {"path": "deploy.replicas", "equals": 4}}]}, False),
])
def test_operators(cond, ok) -> None:  # type: ignore[no-untyped-def]
    result = evaluate(cond, SERVICE, {})
    assert result is not None and result.ok is ok


def test_witnesses_point_at_the_matching_items() -> None:
    result = evaluate({"match": {"path": "ports[*].mode", "equals": "host"}}, SERVICE, {})
    assert result is not None and result.witnesses == (("ports", 0, "mode"),)


def test_yaml_true_is_not_one() -> None:
    assert not evaluate({"match": {"path": "a", "equals": True}}, {"a": 1}, {}).ok  # type: ignore[union-attr]
    assert evaluate({"match": {"path": "a", "equals": True}}, {"a": True}, {}).ok  # type: ignore[union-attr]


def test_when_option_switches_a_condition_off() -> None:
    cond = {"when_option": "max", "match": {"path": "a", "le": {"option": "max"}}}
    assert evaluate(cond, {"a": 5}, {"max": None}) is None
    assert evaluate(cond, {"a": 5}, {"max": 3}).ok is False  # type: ignore[union-attr]


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=10**6), st.sampled_from([1, 1000]))
def test_format_duration_round_trips(value: int, scale: int) -> None:
    seconds = value / scale
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds)


def test_durations_and_sizes() -> None:
    assert parse_duration("1m30s") == 90 and parse_duration("500ms") == 0.5
    assert parse_duration("1h2m") == 3720 and parse_duration("0") == 0
    assert parse_duration("5 seconds") is None and parse_duration(True) is None
    assert parse_bytes("75M") == 78643200 and parse_bytes("1.5g") == 1610612736
    assert parse_bytes("64KB") == 65536 and parse_bytes("78643200") == 78643200
    assert parse_bytes("lots") is None
    assert format_duration(90) == "1m30s" and format_duration(0) == "0s"
    assert format_duration(0.5) == "500ms" and format_duration(3720) == "1h2m0s"


BASE_RULE = {"id": "XX001", "name": "x-rule", "summary": "s", "severity": "warning",
             "message": "Service '{service}' {value}", "docs": {"what": "w", "why": "y"},
             "forbid": {"match": {"path": "image", "exists": True}}}


@pytest.mark.parametrize(("change", "error"), [
    ({"forbid": {"match": {"path": "image", "sameas": 1}}}, "exactly one operator"),
    ({"forbid": {"match": {"path": "image", "regex": "("}}}, "bad regex"),
    ({"forbid": {"when_option": "nope", "match": {"path": "a", "exists": True}}}, "unknown option"),
    ({"message": "{servce} is wrong"}, "unknown placeholder {servce}"),
    ({"python": "stacklint.lint.checks.does_not_exist", "forbid": None}, "cannot be imported"),
])
def test_bad_rules_fail_at_load(change, error) -> None:  # type: ignore[no-untyped-def]
    data = {**BASE_RULE, **change}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(RuleDefinitionError, match=error):
        build_rule(data, "XX001-x-rule.yaml", builtin=False)


def test_user_rule_folder_is_schema_checked(tmp_path: Path) -> None:
    (tmp_path / "XX001-x-rule.yaml").write_text("id: XX001\nname: x-rule\nseverity: loud\n")
    with pytest.raises(RuleDefinitionError) as info:
        load_folder(tmp_path, builtin=False, validate=True)
    assert "XX001-x-rule.yaml" in str(info.value) and "invalid rule file" in str(info.value)


class _Stack:
    """A hand-built stack: one parsed document, no merge (Docker's long form already)."""

    def __init__(self, text: str) -> None:
        doc = parse(text, "compose.yml")
        self.model = doc.data
        self.layers = [type("Layer", (), {"document": doc, "data": doc.data})()]
        self.notes: list[object] = []
        self.interpolated: set[object] = set()


def test_findings_carry_rule_identity_and_place() -> None:
    stack = _Stack("services:\n  web:\n    image: nginx:1.27\n    privileged: true\n")
    found = [f for f in run_rules(stack, default_config()) if f.rule_name == "privileged-service"]
    assert len(found) == 1
    f = found[0]
    assert (f.rule_id, f.severity, f.location.line, f.location.column) == ("SL201", Severity.WARNING, 4, 5)
    assert f.location.pointer == ("services", "web", "privileged")
    assert f.location.end_line == 4 and f.location.end_column == 15


def test_a_crashing_rule_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import stacklint.lint.checks.host_network as module

    def boom(ctx):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("x")
        yield
    monkeypatch.setattr(module, "check", boom)
    with pytest.raises(RuntimeError, match="SL203 host-network"):
        run_rules(_Stack("services:\n  web: {image: a:1}\n"), default_config())


USER_RULE = """\
id: TM900
name: too-few-replicas
summary: A user rule written in Python against the documented `stacklint.checks` API
severity: warning
scope: service
python: team_checks
args: [replicas]
message: "Service '{service}' runs {replicas} replica(s)"
docs:
  what: One replica.
  why: A single task goes away during every update.
  example: |
    services:
      web: {image: nginx:1.27}
  use_instead: |
    services:
      web: {image: nginx:1.27, deploy: {replicas: 2}}
"""
USER_CHECK = """\
from stacklint.checks import RuleContext, replicas


def check(ctx: RuleContext):
    if replicas(ctx.node) == 1:
        yield ctx.hit(replicas=1)
"""


def test_a_user_rule_imports_the_documented_checks_api(tmp_path: Path) -> None:
    """User rules import `stacklint.checks` (docs/rules.md), wherever its code lives."""
    import subprocess
    import sys
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "TM900.yaml").write_text(USER_RULE)
    (tmp_path / "team_checks.py").write_text(USER_CHECK)
    (tmp_path / ".stacklint.yml").write_text("rule-paths: [rules]\n")
    (tmp_path / "stack.yml").write_text('version: "3.8"\nservices:\n  web:\n    image: nginx:1.27\n')
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{Path(__file__).resolve().parents[1]}", "PATH": os.environ["PATH"]}
    done = subprocess.run([sys.executable, "-m", "stacklint", "check", "stack.yml", "--select", "TM900"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert "stack.yml:3:3: warning [TM900 too-few-replicas] Service 'web' runs 1 replica(s)" in done.stdout, done
    assert done.returncode == 1, done


def test_notes_become_findings_at_the_override_line() -> None:
    from stacklint.model import Origin
    from stacklint.load.stack import Note
    stack = _Stack("services:\n  web: {image: a:1}\n")
    stack.notes = [Note("ports-collapsed", "gone", Origin("prod.yml", 7, 9, 0, 1), ("services",)),
                   Note("some-new-kind", "odd", Origin("prod.yml", 2, 1, 0, 1), ())]
    found = {f.rule_name: f for f in run_rules(stack, default_config())}
    assert str(found["ports-collapsed"].location) == "prod.yml:7:9"
    assert found["ports-collapsed"].message == "gone"
    assert found["merge-surprise"].severity == Severity.INFO


def test_builtin_rule_cache_follows_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from stacklint.resources import rules_dir
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "rules"
    folder.mkdir()
    source = (rules_dir() / "SL204-host-pid.yaml").read_text("utf-8")
    target = folder / "SL204-host-pid.yaml"
    target.write_text(source, "utf-8")
    assert load_folder(folder, builtin=True, validate=False)[0].severity == Severity.WARNING
    assert list((tmp_path / "cache" / "stacklint").glob("rules-*.marshal"))
    assert load_folder(folder, builtin=True, validate=False) == \
        load_folder(folder, builtin=True, validate=True)       # read back: the same rules
    target.write_text(source.replace("severity: warning", "severity: error"), "utf-8")
    os.utime(target, ns=(1, 1))                  # a different mtime and size: a new cache key
    assert load_folder(folder, builtin=True, validate=False)[0].severity == Severity.ERROR


def test_a_broken_builtin_rule_is_caught_when_the_cache_is_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "SL204-host-pid.yaml").write_text("id: SL204\nname: host-pid\nseverity: loud\n")
    with pytest.raises(RuleDefinitionError, match="invalid rule file"):
        load_folder(folder, builtin=True, validate=False)

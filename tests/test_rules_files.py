"""Meta-test over rules/: every rule file is valid, documented, explained and tested."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from stacklint.commands.explain import render_markdown
from stacklint.lint.config import default_config
from stacklint.resources import rules_dir
from stacklint.lint.ruleset import builtin_rules, validate_rule_data

RULES = list(builtin_rules(validate=True))
CASES = Path(__file__).resolve().parent / "fixtures" / "rules"
# rules this engine runs or reports (others belong to validate.py and fixer.py)
OWN_KINDS = ("policy", "note")
# notes that `check` cannot raise: a version mismatch stops loading (SL003), and the
# fallback covers note kinds that have no rule of their own
NO_CASES = {"SL055", "SL099"}


def test_rule_files_are_named_after_id_and_name() -> None:
    for path in sorted(rules_dir().glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        assert path.name == f"{data['id']}-{data['name']}.yaml"


def test_every_builtin_python_check_says_what_it_reads() -> None:
    """The two-core check trusts `reads`; a built-in check never leaves it to the default."""
    undeclared = [r.id for r in RULES if r.python and not r.reads_declared]
    assert not undeclared, f"declare `reads:` in these rule files: {undeclared}"


def test_ids_and_names_are_unique() -> None:
    ids = [r.id for r in RULES]
    names = [r.name for r in RULES]
    assert len(set(ids)) == len(ids) and len(set(names)) == len(names)


def test_ids_are_in_their_range() -> None:
    ranges = {"internal": "SL00", "validation": ("SL01", "SL02", "SL03", "SL04"),
              "note": ("SL05", "SL06", "SL07", "SL08", "SL09"), "fix": "SL7",
              "preflight": "SL8"}
    for rule in RULES:
        if rule.kind == "policy":
            assert re.fullmatch(r"SL[1-6]\d\d", rule.id), rule.id
        else:
            assert rule.id.startswith(ranges[rule.kind]), rule.id


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_docs_are_complete_and_render(rule) -> None:  # type: ignore[no-untyped-def]
    keys = ("what", "why", "example", "use_instead") if rule.kind in OWN_KINDS else ("what", "why")
    for key in keys:
        assert str(rule.docs.get(key, "")).strip(), f"{rule.id}: docs.{key} is empty"
    text = render_markdown(rule)
    assert text.startswith(f"# {rule.id} {rule.name}")
    assert "## Why it matters" in text
    if rule.docs.get("example"):
        assert "```yaml" in text


@pytest.mark.parametrize("rule", [r for r in RULES if r.kind in OWN_KINDS and r.id not in NO_CASES],
                         ids=lambda r: r.id)
def test_every_rule_has_pass_and_fail_cases(rule) -> None:  # type: ignore[no-untyped-def]
    path = CASES / f"{rule.id}.yaml"
    assert path.is_file(), f"missing {path}"
    cases = yaml.safe_load(path.read_text("utf-8"))["cases"].values()
    fails = [c for c in cases if "fail" in c or c.get("findings")]
    passes = [c for c in cases if "pass" in c or c.get("findings") == []]
    assert fails and passes


@pytest.mark.parametrize("rule", [r for r in RULES if r.kind == "policy"], ids=lambda r: r.id)
def test_docs_example_fails_and_use_instead_passes(rule, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from stacklint.lint.pipeline import check_stack
    config = default_config()

    def findings(text: str) -> list[str]:
        path = tmp_path / "compose.yml"
        path.write_text(text, "utf-8")
        found = check_stack([str(path)], config, env={}).findings
        return [f.message for f in found if f.rule_id == rule.id and f.suppressed is None]

    assert findings(rule.docs["example"]), f"{rule.id}: the docs example does not trigger it"
    assert not findings(rule.docs["use_instead"]), f"{rule.id}: use_instead still triggers it"


def test_schema_rejects_a_rule_without_docs() -> None:
    from stacklint.errors import RuleDefinitionError
    with pytest.raises(RuleDefinitionError, match="docs"):
        validate_rule_data({"id": "SL999", "name": "x", "summary": "s", "severity": "info",
                            "message": "m", "forbid": {"match": {"path": "a", "exists": True}}},
                           "SL999-x.yaml")


ROLLOUT_RULES = sorted(path for path in rules_dir().glob("SL[45]*.yaml"))
SWARM_TESTS = (Path(__file__).resolve().parent / "test_rules_swarm.py").read_text("utf-8")


@pytest.mark.parametrize("path", ROLLOUT_RULES, ids=lambda p: p.name[:5])
def test_rollout_rules_say_how_to_fix_and_what_the_swarm_showed(path: Path) -> None:
    """Every SL4xx/SL5xx finding prints a `help:` line, and its docs report what the swarm
    test named after it observed."""
    data = yaml.safe_load(path.read_text("utf-8"))
    assert (data.get("fix") or {}).get("title"), f"{data['id']} has no fix.title (help:)"
    assert "Observed on a real swarm (`tests/test_rules_swarm.py`)" in data["docs"]["why"]
    assert data["id"] in SWARM_TESTS, f"no swarm test names {data['id']}"


POLICY_RULES = sorted(path for path in rules_dir().glob("SL[1-6]*.yaml"))


@pytest.mark.parametrize("path", POLICY_RULES, ids=lambda p: p.name[:5])
def test_every_policy_rule_says_how_to_fix(path: Path) -> None:
    """A policy finding (SL1xx-SL6xx) always ends in a `help:` line: what to write instead."""
    data = yaml.safe_load(path.read_text("utf-8"))
    assert (data.get("fix") or {}).get("title"), f"{data['id']} has no fix.title (help:)"

"""Config files: discovery, validation, selection, overrides, user rule folders."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from stacklint.lint.config import build_config, find_config, load_config
from stacklint.errors import ConfigError
from stacklint.model import Severity

USER_RULES = Path(__file__).resolve().parent / "fixtures" / "stacks" / "user-rules"


def _config(tmp_path: Path, text: str, name: str = ".stacklint.yml"):  # type: ignore[no-untyped-def]
    (tmp_path / name).write_text(text, "utf-8")
    return load_config(tmp_path / name)


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.path is None and config.fail_on == Severity.WARNING
    rules = config.ruleset()
    assert config.is_enabled(rules["SL501"])
    assert not config.is_enabled(rules["SL058"])          # `optional` group: opt-in


def test_found_upwards_yaml_before_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.stacklint]\nfail-on = 'error'\n")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    assert find_config(tmp_path / "deep" / "er") == tmp_path / "pyproject.toml"
    (tmp_path / ".stacklint.yml").write_text("fail-on: info\n")
    assert find_config(tmp_path / "deep") == tmp_path / ".stacklint.yml"


def test_a_pyproject_names_stacklint_only_in_a_table_header(tmp_path: Path) -> None:
    """Text that mentions `[tool.stacklint]` in a comment or string is not a config."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"  # settings go in [tool.stacklint]\n'
                         'description = "see [tool.stacklint.stacks]"\n')
    assert find_config(tmp_path) is None
    for header in ("[tool.stacklint]", "  [ tool . stacklint ]", "[tool.stacklint.stacks]"):
        pyproject.write_text(f'[project]\nname = "x"\n{header}\nfail-on = "error"\n')
        assert find_config(tmp_path) == pyproject, header


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is 3.11+")
def test_pyproject_table(tmp_path: Path) -> None:
    config = _config(tmp_path, "[tool.stacklint]\nfail-on = 'error'\nignore = ['rollout']\n"
                     "[tool.stacklint.stacks]\nprod = ['a.yml', 'b.yml']\n", "pyproject.toml")
    assert config.fail_on == Severity.ERROR and config.stacks == {"prod": ("a.yml", "b.yml")}
    assert not config.is_enabled(config.ruleset()["update-order-start-first"])


def test_select_ignore_specificity(tmp_path: Path) -> None:
    config = _config(tmp_path, "select: [rollout, SL1*]\nignore: [SL50*, healthcheck-present]\n"
                               "rules: {SL503: warning}\n")
    rules = config.ruleset()
    on = {r.id for r in rules if config.is_enabled(r)}
    assert "SL101" in on and "SL401" in on          # selected by glob / group
    assert "SL502" not in on                        # a glob ignore beats a group select
    assert "SL501" not in on                        # a name beats a group
    assert "SL503" in on                            # an explicit rules entry wins
    assert "SL201" not in on                        # not selected at all


def test_severity_and_option_overrides(tmp_path: Path) -> None:
    config = _config(tmp_path, "rules:\n  image-unpinned: {severity: error}\n"
                               "  SL301: {options: {max: 1g}}\n  SL303: disable\n")
    rules = config.ruleset()
    assert config.severity_for(rules["SL101"], Severity.WARNING) == Severity.ERROR
    assert config.options_for(rules["SL301"]) == {"max": "1g"}
    assert not config.is_enabled(rules["SL303"])


@pytest.mark.parametrize(("text", "message", "line"), [
    ("fail_on: error\n", "unknown config key `fail_on`", 1),
    ("fail-on: loud\n", "`fail-on` must be one of", 1),
    ("select: [SL9*]\n", "names no rule", 1),
    ("rules:\n  no-such-rule: error\n", "unknown rule 'no-such-rule'", 2),
    ("rules:\n  SL301: {options: {min: 1}}\n", "has no option 'min'", 2),
    ("stacks:\n  prod: []\n", "non-empty list", 2),
    ("rule-paths: [missing]\n", "rule folder does not exist", None),
    ("select: [\n", "YAML syntax error", None),
])
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str,
                                     line: int | None) -> None:
    with pytest.raises(ConfigError) as info:
        _config(tmp_path, text)
    assert message in str(info.value)
    if line is not None:
        assert f".stacklint.yml:{line}:" in str(info.value)


def test_bad_config_exits_2(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bad.yml").write_text("fail-on: sometimes\n")
    (tmp_path / "compose.yml").write_text("services: {web: {image: a:1}}\n")
    code, _, err = run_cli("check", "--config", str(tmp_path / "bad.yml"), "-f",
                           str(tmp_path / "compose.yml"))
    assert code == 2 and "bad.yml:1:1: error: `fail-on` must be one of" in err


def test_user_rule_is_loaded_runs_and_is_suppressed(run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(USER_RULES)
    code, out, _ = run_cli("rules")
    assert "ACME001  team-label-missing" in out
    code, out, _ = run_cli("check", "--format", "json")
    import json
    findings = json.loads(out)["findings"]
    acme = [(f["pointer"][1], f["suppressed"]) for f in findings if f["rule_id"] == "ACME001"]
    assert sorted(acme) == [("batch", "owned by the platform team, no rota"), ("worker", None)]
    assert {f["rule_id"] for f in findings} == {"ACME001", "SL101"} or \
        {f["rule_id"] for f in findings} == {"ACME001"}
    assert code == 1
    code, out, _ = run_cli("explain", "team-label-missing")
    assert code == 0 and out.startswith("# ACME001 team-label-missing")


def test_config_is_validated_once_and_picklable(tmp_path: Path) -> None:
    import pickle
    config = build_config({"select": ["rollout"], "stacks": {"p": ["a.yml"]}},
                          os.fspath(tmp_path / ".stacklint.yml"))
    again = pickle.loads(pickle.dumps(config))
    assert again.select == ("rollout",) and again.stacks == {"p": ("a.yml",)}


def test_fail_level_is_an_alias(tmp_path: Path) -> None:
    assert _config(tmp_path, "fail-level: error\n").fail_on == Severity.ERROR


def test_config_from_yaml_pickles_with_options(tmp_path: Path) -> None:
    import pickle
    config = _config(tmp_path, "rules:\n  SL602: {options: {prefixes: [traefik., caddy]}}\n")
    again = pickle.loads(pickle.dumps(config))
    assert again.options_for(again.ruleset()["SL602"]) == {"prefixes": ["traefik.", "caddy"]}


def test_pyproject_without_a_toml_reader_is_a_clear_error(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tomllib", None)     # as on Python 3.10 …
    monkeypatch.setitem(sys.modules, "tomli", None)       # … without tomli installed
    with pytest.raises(ConfigError, match="needs Python 3.11\\+ or the `tomli` package"):
        _config(tmp_path, "[tool.stacklint]\nfail-on = 'error'\n", "pyproject.toml")


def test_every_config_mistake_is_reported_at_once_each_at_its_line(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".stacklint.yml").write_text(
        "fail-on: loud\nselect: [SL999]\nrules:\n  nosuch: disable\n  SL501: {severity: huge}\n"
        "stacks:\n  prod: []\ncolour: yes\n")
    (tmp_path / "s.yml").write_text("services: {web: {image: nginx:1.27}}\n")
    code, _, err = run_cli("check", "--config", str(tmp_path / ".stacklint.yml"),
                           "-f", str(tmp_path / "s.yml"))
    assert code == 2
    located = re.findall(r"^\S*\.stacklint\.yml:(\d+):(\d+): error: (.*)$", err, re.M)
    assert [(int(line), message.split(" ")[0]) for line, _, message in located] == [
        (1, "`fail-on`"), (2, "`select`"), (4, "unknown"), (5, "bad"), (7, "stack"), (8, "unknown")], err


def test_pyproject_mistakes_are_located_too(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.stacklint]\nfail-on = "loud"\n\n'
        '[tool.stacklint.rules]\nnosuch = "disable"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "pyproject.toml")
    assert re.findall(r"pyproject\.toml:(\d+):1: error", str(caught.value)) == ["5", "8"]

"""Data-driven rule cases: tests/fixtures/rules/<ID>.yaml, each case `pass` or `fail`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from stacklint.lint.config import build_config, default_config
from stacklint.lint.pipeline import check_stack

CASES_DIR = Path(__file__).resolve().parent / "fixtures" / "rules"


def _all_cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        for name, case in data["cases"].items():
            params.append(pytest.param(data["rule"], case, id=f"{data['rule']}-{name}"))
    return params


def write_case(case: dict[str, Any], folder: Path, prefix: str = "") -> list[str]:
    """The case's files on disk, in merge order."""
    files = case.get("files") or {"compose.yml": case.get("fail", case.get("pass"))}
    paths = []
    for name, text in files.items():
        if not name.endswith((".yml", ".yaml")):        # an env file, `.env`: read, not merged
            (folder / name).write_text(text, encoding="utf-8")
            continue
        (folder / name).write_text(prefix + text, encoding="utf-8")
        paths.append(str(folder / name))
    return paths


def run_case(rule: str, case: dict[str, Any], folder: Path, prefix: str = "") -> list[Any]:
    paths = write_case(case, folder, prefix)
    config = build_config(case["config"], str(folder / ".stacklint.yml")) \
        if "config" in case else default_config()
    result = check_stack(paths, config, env=case.get("env", {}))
    return [f for f in result.findings if f.rule_id == rule]


def _expected(case: dict[str, Any], folder: Path) -> list[str]:
    if "pass" in case:
        return []
    default = "compose.yml" if "files" not in case else None
    out = []
    for spec in case["findings"]:
        out.append(spec if default is None else f"{default}:{spec}")
    return sorted(out)


@pytest.mark.parametrize(("rule", "case"), _all_cases())
def test_rule_case(rule: str, case: dict[str, Any], tmp_path: Path) -> None:
    findings = run_case(rule, case, tmp_path)
    live = [f for f in findings if f.suppressed is None]
    got = sorted(f"{Path(f.location.path).name}:{f.location.line}:{f.location.column}" for f in live)
    assert got == _expected(case, tmp_path), [f.message for f in live]
    if "fail" in case:
        assert live, "a fail case must produce findings"
    for f in live:
        if "severity" in case:
            assert str(f.severity) == case["severity"]
        if "message_contains" in case:
            assert case["message_contains"] in f.message
        assert "{" not in f.message.replace("{CMD", ""), f"unfilled placeholder: {f.message}"


@pytest.mark.parametrize(("rule", "case"), [p for p in _all_cases() if "fail" in p.values[1]])
def test_file_suppression_silences_every_fail_case(rule: str, case: dict[str, Any],
                                                   tmp_path: Path) -> None:
    findings = run_case(rule, case, tmp_path, prefix=f"# stacklint: disable={rule} -- case\n")
    assert findings and all(f.suppressed == "case" for f in findings)

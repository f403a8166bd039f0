"""Reporters: text (exact, colour only on a tty), json (stable), SARIF 2.1.0, GitHub annotations."""
from __future__ import annotations

import io
import json

from stacklint.model import Applicability, Edit, Finding, Fix, Location, Severity
from stacklint.reporters import RunSummary, get_reporter, summary_line
from stacklint.lint.ruleset import builtin_rules

FINDINGS = [
    Finding("SL502", "update-order-start-first", Severity.WARNING,
            "Service 'api' updates stop-first", Location("prod.yml", 5, 5, 5, 11,
                                                          ("services", "api", "deploy")),
            Fix("Set `deploy.update_config.order: start-first`", (), Applicability.DISPLAY_ONLY)),
    Finding("SL202", "docker-socket-mount", Severity.ERROR, "mounts the socket, 100%: bad,\nreally",
            Location("dir/base.yml", 9, 7), None, None),
    Finding("SL101", "image-unpinned", Severity.INFO, "no tag", Location("base.yml", 3, 12),
            Fix("Pin it", (Edit("base.yml", 40, 45, "nginx:1.27"),)), "pinned upstream"),
]
SUMMARY = RunSummary((("prod", ("base.yml", "prod.yml")),), 0.25, builtin_rules())


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _render(name: str, out: io.StringIO | None = None) -> str:
    out = out or io.StringIO()
    get_reporter(name).report(FINDINGS, SUMMARY, out)
    return out.getvalue()


def test_text_is_exact_and_plain_off_a_tty() -> None:
    assert _render("text") == (
        "prod.yml:5:5: warning [SL502 update-order-start-first] Service 'api' updates stop-first\n"
        "  help: Set `deploy.update_config.order: start-first`\n"
        "dir/base.yml:9:7: error [SL202 docker-socket-mount] mounts the socket, 100%: bad,\nreally\n")


def test_text_is_coloured_on_a_tty(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("NO_COLOR", raising=False)
    text = _render("text", _Tty())
    assert "\033[33mwarning\033[0m" in text and "\033[31merror\033[0m" in text
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" not in _render("text", _Tty())


def test_summary_line() -> None:
    assert summary_line(FINDINGS, SUMMARY) == \
        "1 stack, 2 files: 1 error, 1 warning, 0 info (1 suppressed) in 0.25s"


def test_json_is_versioned_and_stable() -> None:
    first, second = _render("json"), _render("json")
    assert first == second
    data = json.loads(first)
    assert data["version"] == 1 and data["counts"] == {"error": 1, "warning": 1, "info": 0,
                                                        "suppressed": 1}
    assert data["findings"][0] == {
        "rule_id": "SL502", "rule_name": "update-order-start-first", "severity": "warning",
        "message": "Service 'api' updates stop-first", "path": "prod.yml", "line": 5, "column": 5,
        "end_line": 5, "end_column": 11, "pointer": ["services", "api", "deploy"],
        "fix": {"title": "Set `deploy.update_config.order: start-first`",
                "applicability": "display-only", "edits": []},
        "suppressed": None}
    assert data["stacks"] == [{"name": "prod", "files": ["base.yml", "prod.yml"]}]


def test_sarif_has_what_code_scanning_reads() -> None:
    log = json.loads(_render("sarif"))
    assert log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "stacklint" and driver["informationUri"].startswith("https://")
    rules = {r["id"]: r for r in driver["rules"]}
    rule = rules["SL502"]
    assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
    assert rule["help"]["markdown"].startswith("# SL502 update-order-start-first")
    assert rule["defaultConfiguration"]["level"] == "warning"
    assert "rollout" in rule["properties"]["tags"]
    assert rules["SL202"]["properties"]["security-severity"] == "8.0"
    assert "security-severity" not in rule["properties"]
    results = run["results"]
    assert [r["level"] for r in results] == ["warning", "error", "note"]
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        loc = result["locations"][0]["physicalLocation"]
        assert not loc["artifactLocation"]["uri"].startswith("/")
        assert loc["region"]["startLine"] >= 1 and loc["region"]["startColumn"] >= 1
        assert result["partialFingerprints"]
    assert results[0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 5, "startColumn": 5, "endLine": 5, "endColumn": 11}
    assert results[2]["suppressions"] == [{"kind": "inSource", "justification": "pinned upstream"}]
    change = results[2]["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "base.yml"
    assert change["replacements"][0] == {"deletedRegion": {"charOffset": 40, "charLength": 5},
                                         "insertedContent": {"text": "nginx:1.27"}}
    assert "suppressions" not in results[0] and "fixes" not in results[0]


def test_github_annotations_are_escaped() -> None:
    lines = _render("github").splitlines()
    assert lines[0] == ("::warning file=prod.yml,line=5,col=5,endLine=5,endColumn=11,"
                        "title=SL502 update-order-start-first::Service 'api' updates stop-first"
                        "%0Ahelp: Set `deploy.update_config.order: start-first`")
    assert lines[1] == ("::error file=dir/base.yml,line=9,col=7,title=SL202 docker-socket-mount::"
                        "mounts the socket, 100%25: bad,%0Areally")
    assert len(lines) == 2                                   # the suppressed one is not annotated


def test_github_property_escaping() -> None:
    from stacklint.reporters.github import escape_property
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_absolute_paths_below_the_current_folder_become_relative(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from stacklint.reporters.github import annotation
    from stacklint.reporters.sarif import sarif_log
    monkeypatch.chdir(tmp_path)
    finding = Finding("SL201", "privileged-service", Severity.WARNING, "m",
                      Location(str(tmp_path / "deploy" / "prod.yml"), 3, 5))
    assert annotation(finding).startswith("::warning file=deploy/prod.yml,")
    log = sarif_log([finding], RunSummary((("p", (str(tmp_path / "deploy" / "prod.yml"),)),)))
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "deploy/prod.yml" and log["runs"][0]["artifacts"][0]["location"]["uri"] == uri

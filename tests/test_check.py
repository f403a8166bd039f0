"""`stacklint check` end to end: the seed chain, formats, stack selection, exit codes, corpus."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, NOTES_NUMBERS, shared_path

QUOTES = FIXTURES / "stacks" / "quotes"
BEFORE = ["docker-compose.yml", "prod.yml", "prod-healthcheck.yml", "v2.yml"]
AFTER = BEFORE + ["prod-update-config.yml", "prod-rollback-config.yml"]


def _json(run_cli, folder: Path, files: list[str], *extra: str):  # type: ignore[no-untyped-def]
    args = ["check", "--format", "json"] + [a for f in files for a in ("-f", str(folder / f))]
    code, out, err = run_cli(*args, *extra)
    return code, json.loads(out)["findings"], err


def _where(findings, name, service):  # type: ignore[no-untyped-def]
    return [(Path(f["path"]).name, f["line"]) for f in findings
            if f["rule_name"] == name and f["pointer"][:2] == ["services", service]]


@pytest.fixture(params=["quotes", "notes"])
def chain(request) -> tuple[Path, str, str]:  # type: ignore[no-untyped-def]
    """(folder, api service, web service): the quotes fixture, and the notes' own CRLF chain."""
    if request.param == "quotes":
        return QUOTES, "quotes-api", "quotes-web"
    return NOTES_NUMBERS, "numbers-api", "numbers-web"


def test_seed_chain_before_update_and_rollback_config(run_cli, chain) -> None:  # type: ignore[no-untyped-def]
    folder, api, _ = chain
    code, found, _ = _json(run_cli, folder, BEFORE)
    assert code == 1
    assert _where(found, "update-order-start-first", api) == [("prod.yml", 5)]
    assert _where(found, "rollback-config-defined", api) == [("prod.yml", 5)]


def test_seed_chain_after_update_and_rollback_config(run_cli, chain) -> None:  # type: ignore[no-untyped-def]
    folder, api, web = chain
    _, found, _ = _json(run_cli, folder, AFTER)
    assert not _where(found, "update-order-start-first", api)
    assert not _where(found, "rollback-config-defined", api)
    assert not _where(found, "update-failure-action-rollback", api)
    # what remains is real, at the file and line that set it
    hc = [f for f in found if f["rule_name"] == "healthcheck-present"]
    assert [(Path(f["path"]).name, f["line"], f["severity"]) for f in hc] == \
        [("prod-healthcheck.yml", 13, "info")]
    assert _where(found, "host-port-stop-first", web) == [("prod.yml", 14)]
    # a start-first rollback of every task at once keeps the old tasks serving (seen on a swarm)
    assert not _where(found, "parallelism-all-at-once", api)
    assert _where(found, "rollback-failure-continue", api) == [("prod-rollback-config.yml", 9)]
    # `monitor: 0s` (Docker's 5s) against interval × retries: quotes-api 3s × 3, numbers-api 2s × 2
    slow = api == "quotes-api"
    assert _where(found, "monitor-shorter-than-healthcheck", api) == (
        [("prod-rollback-config.yml", 8)] if slow else [])


def test_text_output_and_summary(run_cli) -> None:  # type: ignore[no-untyped-def]
    args = [a for f in AFTER for a in ("-f", str(QUOTES / f))]
    code, out, err = run_cli("check", *args)
    assert code == 1
    line = next(x for x in out.splitlines() if "[SL509 rollback-failure-continue]" in x)
    assert line.startswith(f"{QUOTES / 'prod-rollback-config.yml'}:9:9: warning [SL509")
    assert "\033[" not in out
    assert err.strip().startswith("1 stack, 6 files: 0 errors, ")


def test_fail_on_error_passes_a_warning_only_stack(run_cli) -> None:  # type: ignore[no-untyped-def]
    args = [a for f in AFTER for a in ("-f", str(QUOTES / f))]
    assert run_cli("check", *args, "--fail-on", "error")[0] == 0


def test_sarif_and_github_formats(run_cli) -> None:  # type: ignore[no-untyped-def]
    args = [a for f in AFTER for a in ("-f", str(QUOTES / f))]
    code, out, _ = run_cli("check", *args, "--format", "sarif")
    log = json.loads(out)
    assert log["version"] == "2.1.0" and log["runs"][0]["results"]
    code, out, _ = run_cli("check", *args, "--format", "github")
    assert all(x.startswith(("::warning ", "::error ", "::notice ")) for x in out.splitlines())


def test_config_stacks_without_arguments(run_cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(QUOTES, tmp_path / "deploy")
    (tmp_path / ".stacklint.yml").write_text(
        "stacks:\n  before: [deploy/docker-compose.yml, deploy/prod.yml, deploy/prod-healthcheck.yml,"
        " deploy/v2.yml]\n  after: [deploy/docker-compose.yml, deploy/prod.yml,"
        " deploy/prod-healthcheck.yml, deploy/v2.yml, deploy/prod-update-config.yml,"
        " deploy/prod-rollback-config.yml]\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    code, out, err = run_cli("check", "--format", "json")
    data = json.loads(out)
    assert code == 1 and [s["name"] for s in data["stacks"]] == ["before", "after"]
    assert "2 stacks" not in err                      # json has no summary line on stderr
    assert any(f["rule_name"] == "update-order-start-first" for f in data["findings"])


def test_positional_files_form_stacks(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.yml").write_text("services: {web: {image: nginx}}\n")
    (tmp_path / "b.yml").write_text("services: {web: {image: nginx:1.27, privileged: true}}\n")
    code, out, _ = run_cli("check", "--format", "json", str(tmp_path / "a.yml"), str(tmp_path / "b.yml"))
    names = {(Path(f["path"]).name, f["rule_name"]) for f in json.loads(out)["findings"]}
    assert ("a.yml", "image-unpinned") in names and ("b.yml", "privileged-service") in names


def test_many_stacks_run_in_parallel_and_agree(run_cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import stacklint.commands.check as check
    files = []
    for i in range(10):
        path = tmp_path / f"s{i}.yml"
        path.write_text(f"services:\n  web{i}:\n    image: nginx\n")
        files.append(str(path))
    _, parallel, _ = run_cli("check", "--format", "json", *files)
    monkeypatch.setattr(check, "PARALLEL_FROM", 1000)
    _, sequential, _ = run_cli("check", "--format", "json", *files)
    assert json.loads(parallel) == json.loads(sequential)
    assert len(json.loads(parallel)["stacks"]) == 10


def test_env_file_feeds_interpolation(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "compose.yml").write_text("services:\n  web:\n    image: nginx:${TAG}\n")
    (tmp_path / "vars.env").write_text("TAG=1.27\n")
    code, out, _ = run_cli("check", "--format", "json", "-f", str(tmp_path / "compose.yml"),
                           "--env-file", str(tmp_path / "vars.env"))
    rules = {f["rule_name"] for f in json.loads(out)["findings"]}
    assert "unset-variable" not in rules and "image-unpinned" not in rules


def test_missing_file_is_a_usage_error(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli("check", "-f", str(tmp_path / "nope.yml"))
    assert code == 2 and "nope.yml: error: file not found" in err


def test_unloadable_stack_is_a_finding_and_the_others_are_still_checked(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bad.yml").write_text("services:\n  web:\n    image: \"nginx\n")
    (tmp_path / "good.yml").write_text("services: {web: {image: nginx}}\n")
    files = (str(tmp_path / "bad.yml"), str(tmp_path / "good.yml"))
    code, out, err = run_cli("check", "--format", "json", *files)
    found = json.loads(out)["findings"]
    assert code == 1 and "bad.yml:" in err and ": error: YAML syntax error" in err
    bad = [f for f in found if f["rule_id"] == "SL003"]         # shown where CI looks, too
    assert len(bad) == 1 and bad[0]["path"].endswith("bad.yml") and bad[0]["line"] >= 3
    assert any(f["path"].endswith("good.yml") for f in found)
    code, out, err = run_cli("check", *files)
    assert code == 1 and "image-unpinned" in out
    assert re.search(r"bad\.yml:\d+:\d+: error \[SL003 invalid-input\] YAML syntax error", out), out
    assert "stacklint fix" not in out                   # fix cannot repair an unclosed quote
    assert re.search(r" 1 error, \d+ warnings?", err), err   # the summary counts the SL003


def test_unparsable_file_fix_can_repair_points_to_fix(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    slip = tmp_path / "slip.yml"          # `published` lost its indentation: SL711 repairs it
    slip.write_text("services:\n  web:\n    image: nginx:1.27\n    ports:\n      - target: 80\n"
                    "      published: 8080\n")
    for fmt in ("text", "json"):
        code, out, err = run_cli("check", "--format", fmt, str(slip))
        assert code == 1 and f"run `stacklint fix {slip}` to indent the item's keys" in out, out
    assert json.loads(out)["counts"]["error"] == 1
    code, _, _ = run_cli("fix", str(slip))
    assert code == 0 and "        published: 8080" in slip.read_text()


def test_rules_lists_every_rule_and_explain_renders(run_cli) -> None:  # type: ignore[no-untyped-def]
    from stacklint.lint.ruleset import builtin_rules
    code, out, _ = run_cli("rules")
    assert code == 0 and len(out.splitlines()) == len(builtin_rules())
    assert "SL501  healthcheck-present" in out
    code, out, _ = run_cli("explain", "rollback-config-defined")
    assert code == 0 and "## Why it matters" in out
    code, _, err = run_cli("explain", "no-such-rule")
    assert code == 2 and "stacklint rules" in err


def _corpus_sets() -> list[Path]:
    root = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def _merge_order(folder: Path) -> list[str]:
    for line in (folder / "SOURCE.txt").read_text().splitlines():
        if line.strip().startswith("docker stack config -c"):
            words = line.split("(")[0].split()
            return [words[i + 1] for i, w in enumerate(words) if w == "-c"]
    return []


@pytest.mark.parametrize("folder", _corpus_sets() or [None], ids=lambda p: p.name if p else "absent")
def test_corpus_never_crashes(run_cli, folder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Exit 0 or 1 on every set, never a crash; a set Docker cannot load is an SL003 finding."""
    if folder is None:
        shared_path("corpus")
    monkeypatch.chdir(folder)
    files = _merge_order(folder)
    assert files, "SOURCE.txt names the merge order"
    err_file = folder / "stack-config.err"
    docker_fails = err_file.exists() and not err_file.read_text().rstrip().endswith("exit code: 0")
    for fmt in ("text", "sarif"):
        code, out, err = run_cli("check", "--format", fmt, *[a for f in files for a in ("-f", f)])
        assert code in (0, 1), err
        assert "internal error" not in err
        if docker_fails and ": error: " in err:
            assert code == 1


def test_json_snapshot_of_the_quotes_chain(run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The policy findings of the full chain, byte for byte (STACKLINT_UPDATE_SNAPSHOTS=1 rewrites)."""
    monkeypatch.chdir(QUOTES)
    code, out, _ = run_cli("check", "--format", "json", *[a for f in AFTER for a in ("-f", f)])
    data = json.loads(out)
    data["findings"] = [f for f in data["findings"] if f["rule_id"][2] in "123456"]
    del data["counts"]                         # includes other stages' findings
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    snapshot = QUOTES / "expected.json"
    if os.environ.get("STACKLINT_UPDATE_SNAPSHOTS") == "1" or not snapshot.exists():
        snapshot.write_text(text, "utf-8")
    assert text == snapshot.read_text("utf-8")


def test_select_and_ignore_on_the_command_line(run_cli) -> None:  # type: ignore[no-untyped-def]
    args = [a for f in AFTER for a in ("-f", str(QUOTES / f))]
    _, out, _ = run_cli("check", "--format", "json", *args, "--select", "rollout", "--ignore", "SL509")
    rules = {f["rule_id"] for f in json.loads(out)["findings"]}
    assert rules and all(r.startswith(("SL4", "SL5")) for r in rules) and "SL509" not in rules
    code, _, err = run_cli("check", *args, "--select", "nothing-like-this")
    assert code == 2 and "names no rule" in err

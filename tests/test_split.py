"""A big stack checked on two cores gives exactly the findings of the one-process check."""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import FIXTURES, NOTES_NUMBERS, REPO, shared_path
from stacklint.parallel import split
from stacklint.commands.check import check_one
from stacklint.lint.config import build_config, default_config
from test_rules_cases import write_case

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="the split forks")

_spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
assert _spec and _spec.loader
generate = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("bench_generate", generate)
_spec.loader.exec_module(generate)


def serial(files: list[str], config: Any = None) -> list[Any]:
    findings, errors = check_one(tuple(files), config or default_config(), ())
    assert not errors
    return findings


def split_or_none(files: list[str], config: Any = None) -> list[Any] | None:
    return split.check(files, config or default_config(), ())


def assert_same(files: list[str], config: Any = None, must_split: bool = True) -> None:
    got = split_or_none(files, config)
    if got is None:
        assert not must_split, "the stack was expected to split"
        return
    assert got == serial(files, config)


# -- finding the service entries -------------------------------------------------------

def test_entries_of_a_plain_block() -> None:
    text = ("version: '3.8'\nservices:\n  # web first\n  web:\n    image: nginx\n\n"
            "  api:  # the backend\n    image: api\nnetworks:\n  default: {}\n")
    found = split.entries(text)
    # (name, first line, key line, last line): a comment above a service goes with it
    assert [(e.name, e.first, e.line, e.last) for e in found] == [("web", 3, 4, 5),
                                                                ("api", 6, 7, 8)]
    assert text[found[0].start:].startswith("  # web first")
    assert text[found[1].start:].startswith("\n  api:")
    assert text[found[1].end:].startswith("networks:")


def test_comments_after_the_last_entry_stay_outside() -> None:
    text = "services:\n  a:\n    image: x\n  b:\n    image: y\n# about networks\n\nnetworks: {}\n"
    found = split.entries(text)
    assert [(e.first, e.line, e.last) for e in found] == [(2, 2, 3), (4, 4, 5)]
    assert text[found[1].end:].startswith("# about networks")


def test_last_line_without_a_line_break() -> None:
    text = "services:\n  a:\n    image: x\n  b:\n    image: y"
    found = split.entries(text)
    assert [(e.first, e.line, e.last) for e in found] == [(2, 2, 3), (4, 4, 5)]
    assert found[1].end == len(text)


def test_entries_keep_crlf_lines() -> None:
    text = "services:\r\n  a:\r\n    image: x\r\n  b:\r\n    image: y\r\n"
    found = split.entries(text)
    assert [(e.name, e.line, e.last) for e in found] == [("a", 2, 3), ("b", 4, 5)]
    assert text[found[0].end:].startswith("  b:")


@pytest.mark.parametrize("text", [
    "services:\n  'web':\n    image: x\n  b:\n    image: y\n",          # quoted key
    "services:\n  web: {image: x}\n  b:\n    image: y\n",                # value on the key line
    "services:\n- web\n",                                                 # not a mapping
    "services: {web: {image: x}}\n",                                     # flow mapping
    "services:\n    web:\n      image: x\n  b:\n    image: y\n",         # a line left of the entries
    "services:\n  web:\n    image: x\n  web:\n    image: y\n",           # a duplicate key
    "services:\n  web:\n\timage: x\n",                                    # a tab
    "services:\n  1:\n    image: x\n  b:\n    image: y\n",               # a key that is not a string
    "x: 1\n",                                                            # no services
    "services:\n  a:\n    image: x\nservices:\n  b:\n    image: y\n",    # two services keys
])
def test_entries_refuse_what_is_not_plain(text: str) -> None:
    assert split.entries(text) is None


def test_blank_keeps_every_offset_and_line() -> None:
    text = "services:\n  a:\n    image: x\n  b:\n    image: y\n"
    (a, b) = split.entries(text)
    out = split.blank(text, [(a.start, a.end)])
    assert len(out) == len(text) and out.count("\n") == text.count("\n")
    assert out[b.start:] == text[b.start:]
    assert yaml.safe_load(out) == {"services": {"b": {"image": "y"}}}


# -- the same findings ------------------------------------------------------------------

@pytest.mark.slow   # a benchmark-sized chain on two cores
@needs_fork
def test_generated_chain(tmp_path: Path) -> None:
    files = [str(p) for p in generate.write_chain(tmp_path, 60)]
    findings = serial(files)
    assert len(findings) > 60
    assert split_or_none(files) == findings


@pytest.mark.slow   # a benchmark-sized chain on two cores
@needs_fork
def test_anchored_chain_splits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    """Top-level `x-` anchors stay in both halves, so every alias and `<<` still resolves."""
    monkeypatch.setenv("STACKLINT_DEBUG", "1")
    files = [str(p) for p in generate.write_anchored_chain(tmp_path, 60)]
    findings = serial(files)
    assert len(findings) > 60
    assert split_or_none(files) == findings
    assert "one process" not in capsys.readouterr().err


@needs_fork
def test_every_fallback_says_why_under_debug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text("services: {a: {image: x}, b: {image: y}}\n", encoding="utf-8")
    assert split_or_none([str(path)]) is None
    assert capsys.readouterr().err == ""                # silent unless asked
    monkeypatch.setenv("STACKLINT_DEBUG", "1")
    assert split_or_none([str(path)]) is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "check in one process" in err and "block mapping" in err


@needs_fork
def test_numbers_example() -> None:
    folder = REPO / "examples" / "numbers"
    files = [str(folder / f) for f in ("docker-compose.yml", "prod.yml", "prod-healthcheck.yml",
                                       "prod-update-config.yml", "prod-rollback-config.yml",
                                       "v3.yml")]
    assert_same(files)


def _twin(text: str) -> str:
    """`text` with a copy of its only service under another name (so the stack splits)."""
    found = split.entries(text)
    if not found or len(found) != 1:
        return text
    entry = text[found[0].start:found[0].end]
    name = found[0].name
    copy = entry.replace(f"{name}:", f"{name}-twin:", 1)
    if not copy.endswith("\n"):
        copy = "\n" + copy
    return text[:found[0].end] + ("" if text[:found[0].end].endswith("\n") else "\n") + copy + \
        text[found[0].end:]


def _rule_cases() -> list[Any]:
    params = []
    for path in sorted((FIXTURES / "rules").glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        for name, case in data["cases"].items():
            params.append(pytest.param(case, id=f"{data['rule']}-{name}"))
    return params


@needs_fork
@pytest.mark.parametrize("case", _rule_cases())
def test_rule_cases_with_a_twin_service(case: dict[str, Any], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in (case.get("env") or {}).items():
        monkeypatch.setenv(key, value)
    paths = write_case(case, tmp_path)
    for p in paths:
        Path(p).write_text(_twin(Path(p).read_text("utf-8")), encoding="utf-8")
    config = build_config(case["config"], str(tmp_path / ".stacklint.yml")) \
        if "config" in case else default_config()
    assert_same(paths, config, must_split=False)


SUPPRESSED = """\
# stacklint: disable=SL302 -- cpu limits are set by the platform
version: "3.8"
x-stacklint:
  ignore:
    SL303: reservations come from the scheduler
services:
  a:
    image: nginx  # stacklint: disable=SL101 -- pinned by the deploy job
    deploy:
      replicas: 1
  # stacklint: disable=SL501 -- a batch job
  b:
    image: busybox:1.36
    x-stacklint:
      ignore:
        SL502: runs once
        SL999: unknown rule
  c:
    image: redis  # stacklint: disable=SL101,SL201 -- one of them unused
    x-stacklint:
      ignore:
        SL503: nothing to roll back
  d:
    image: postgres:16
    # stacklint: disable=SL501 -- unused here: d has a healthcheck
    healthcheck:
      test: ["CMD", "true"]
    x-stacklint: {ignore: {SL503: "no"}, other: 1}
"""


@needs_fork
def test_suppressions_in_both_halves(tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text(SUPPRESSED, encoding="utf-8")
    findings = serial([str(path)])
    assert {f.rule_id for f in findings} >= {"SL001", "SL002"}
    assert any(f.suppressed for f in findings)
    layout = split.plan([SUPPRESSED])
    assert set(layout.owner.values()) == {split.PARENT, split.CHILD}
    assert split_or_none([str(path)]) == findings


@needs_fork
@pytest.mark.parametrize("second", [
    # a quoted scalar running over the next entry's key line
    "services:\n  a:\n    command: \"one\n  b:\n    two\"\n  c:\n    image: x\n",
    # a flow sequence running over it
    "services:\n  a:\n    command: [one,\n  b: two]\n  c:\n    image: x\n",
    # an alias to an anchor in the other half
    "services:\n  a:\n    image: &img x\n  b:\n    image: *img\n  c:\n    image: y\n",
    # a merge key
    "x-base: &base\n  image: x\nservices:\n  a:\n    <<: *base\n  b:\n    <<: *base\n",
    # a syntax error in one half
    "services:\n  a:\n    image: [x\n  b:\n    image: y\n",
])
def test_what_runs_across_entries_falls_back_or_agrees(second: str, tmp_path: Path) -> None:
    base = tmp_path / "docker-compose.yml"
    base.write_text("services:\n  a:\n    image: nginx\n  b:\n    image: redis\n"
                    "  c:\n    image: busybox\n", encoding="utf-8")
    override = tmp_path / "override.yml"
    override.write_text(second, encoding="utf-8")
    files = [str(base), str(override)]
    got = split_or_none(files)
    if got is not None:
        assert got == check_one(tuple(files), default_config(), ())[0]


@needs_fork
def test_a_half_that_reads_differently_falls_back(tmp_path: Path) -> None:
    # `b:` sits inside a quoted scalar: blanking `a` leaves `b` a service of its own
    path = tmp_path / "docker-compose.yml"
    path.write_text("services:\n  a:\n    command: \"one\n  b:\n    two\"\n  c:\n    image: x\n",
                    encoding="utf-8")
    assert split.entries(path.read_text()) is not None
    assert split_or_none([str(path)]) is None


@needs_fork
def test_a_failed_half_says_why_under_debug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("STACKLINT_DEBUG", "1")
    path = tmp_path / "docker-compose.yml"
    path.write_text("services:\n  a:\n    command: \"one\n  b:\n    two\"\n  c:\n    image: x\n",
                    encoding="utf-8")
    assert split_or_none([str(path)]) is None
    err = capfd.readouterr().err
    assert "half failed" in err and "a half could not be checked as planned" in err


STACK_RULE = """\
id: ACME900
name: too-many-services
summary: A stack-wide rule
severity: warning
scope: stack
forbid:
  match: {path: services.svc-00003, exists: true}
message: "svc-00003 is one service too many"
docs: {what: a rule over the whole stack, why: it reads every service}
"""


PY_RULE = """\
id: ACME910
name: replicas-odd
summary: A user rule written as a Python check
severity: warning
scope: service
python: acme_checks
{reads}message: "{{service}} runs an odd number of replicas"
docs: {{what: a python check, why: it could read anything}}
"""
PY_CHECK = """\
from stacklint.checks import RuleContext, replicas


def check(ctx: RuleContext):
    if (replicas(ctx.node) or 0) % 2:
        yield ctx.hit()
"""


def _python_rule_config(tmp_path: Path, reads: str) -> Any:
    folder = tmp_path / reads.replace(":", "").replace(" ", "") / "policies"
    folder.mkdir(parents=True)
    (folder / "ACME910-replicas-odd.yaml").write_text(PY_RULE.format(reads=reads and reads + "\n"))
    return build_config({"rule-paths": ["policies"], "select": ["ACME910", "SL501"]},
                        str(folder.parent / ".stacklint.yml"))


@needs_fork
def test_a_python_rule_splits_only_when_it_declares_it_reads_its_own_service(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "acme_checks.py").write_text(PY_CHECK)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("STACKLINT_DEBUG", "1")
    files = [str(p) for p in generate.write_chain(tmp_path / "chain", 6)]
    undeclared = _python_rule_config(tmp_path, "")
    assert split_or_none(files, undeclared) is None
    assert ("check in one process: rule ACME910 replicas-odd is a Python check that does not declare "
            "`reads: own-service`: it may read other services") in capsys.readouterr().err
    whole = _python_rule_config(tmp_path, "reads: whole-stack")
    assert split_or_none(files, whole) is None
    assert "rule ACME910 replicas-odd declares `reads: whole-stack`" in capsys.readouterr().err
    own = _python_rule_config(tmp_path, "reads: own-service")
    found = serial(files, own)
    assert any(f.rule_id == "ACME910" for f in found), "the rule ran"
    assert split_or_none(files, own) == found


def test_own_service_reads_need_a_service_scope(tmp_path: Path) -> None:
    from stacklint.lint.config import ConfigErrors
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "ACME900-too-many-services.yaml").write_text(STACK_RULE + "reads: own-service\n")
    with pytest.raises(ConfigErrors, match="`reads: own-service` needs `scope: service`"):
        build_config({"rule-paths": ["policies"]}, str(tmp_path / ".stacklint.yml"))


@needs_fork
def test_user_rule_of_stack_scope_is_not_split(tmp_path: Path) -> None:
    folder = FIXTURES / "stacks" / "user-rules"
    service_rules = build_config({"rule-paths": ["policies"]}, str(folder / ".stacklint.yml"))
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "ACME900-too-many-services.yaml").write_text(STACK_RULE)
    stack_rules = build_config({"rule-paths": ["policies"]}, str(tmp_path / ".stacklint.yml"))
    files = [str(p) for p in generate.write_chain(tmp_path / "chain", 6)]
    assert split.cross_service_rule(service_rules) is None
    assert split.cross_service_rule(stack_rules) is not None
    assert split_or_none(files, stack_rules) is None
    assert any(f.rule_id == "ACME900" for f in serial(files, stack_rules))
    assert_same(files, service_rules)


@pytest.mark.slow   # every oracle case, split and whole
@needs_fork
def test_oracle_merge_cases() -> None:
    cases = shared_path("oracle", "merge-cases")
    compared = 0
    for case in sorted(p for p in cases.iterdir() if p.is_dir()):
        files = sorted(str(p) for p in case.glob("[0-9]*.y*ml"))
        if not files:
            continue
        got = split_or_none(files)
        if got is None:
            continue
        findings, errors = check_one(tuple(files), default_config(), ())
        if errors:
            continue
        assert got == findings, case.name
        compared += 1
    assert compared >= 20


# -- `fix` on two cores ---------------------------------------------------------------------

def fix_serial(path: Path) -> Any:
    from stacklint.fix import fixer
    return fixer.fix_chain([fixer.read_for_fix(str(path))[0]])[0]


def assert_same_fix(path: Path, must_split: bool = True) -> None:
    from stacklint.parallel import fixsplit
    got = fixsplit.fix(str(path))
    if got is None:
        assert not must_split, "the file was expected to split"
        return
    want = fix_serial(path)
    assert got.text == want.text
    assert got.applied == want.applied
    assert got.left == want.left
    assert got.original_text == want.original_text
    # the post-fix check: what the halves checked, or the whole file, says what one process says
    from stacklint.fix.fixcheck import add_rejections
    add_rejections([got], whole=True)
    add_rejections([want], whole=True)
    assert got.left == want.left


@needs_fork
def test_fix_generated_compose_v2_file(tmp_path: Path) -> None:
    path = generate.write_merged(tmp_path, 40)
    assert_same_fix(path)


@needs_fork
@pytest.mark.parametrize("case", sorted(p.name for p in (FIXTURES / "fix").iterdir()
                                        if (p / "1.yml").exists() and not (p / "2.yml").exists()))
def test_fix_cases_with_a_twin_service(case: str, tmp_path: Path) -> None:
    source = FIXTURES / "fix" / case / "1.yml"
    raw = source.read_bytes()
    from stacklint.load.document import decode
    text, encoding = decode(raw, str(source))
    path = tmp_path / "1.yml"
    twinned = _twin(text)
    from stacklint.load.document import Document
    path.write_bytes(Document(str(path), twinned, encoding, "\n", None).encode(twinned))
    assert_same_fix(path, must_split=False)


SUPPRESSED_FIX = """\
version: "3.8"
name: demo
services:
  a:
    image: nginx
    ports:
      - target: 80
        published: "8080"
  # stacklint: disable=SL702 -- the port is templated later
  b:
    image: redis
    ports:
      - target: 6379
        published: "6379"
  c:
    image: busybox
    deploy:
      resources:
        limits:
          cpus: 0.5
"""


@needs_fork
def test_fix_keeps_a_suppression_above_a_service(tmp_path: Path) -> None:
    path = tmp_path / "stack.yml"
    path.write_text(SUPPRESSED_FIX, encoding="utf-8")
    layout = split.plan([SUPPRESSED_FIX])
    assert layout.owner["b"] != layout.owner["a"] or layout.owner["b"] != layout.owner["c"]
    want = fix_serial(path)
    assert '"6379"' in want.text and '"8080"' not in want.text
    assert_same_fix(path)


STILL_REJECTED = """\
name: demo
services:
  a:
    image: nginx
    ports:
      - target: 80
        published: "8080"
  b:
    image: nginx
  c:
    image: redis
    networks: [front]
    ports:
      - target: 6379
        published: "6379"
  d:
    image: redis
    deploy:
      replicas: -1
"""


@needs_fork
@pytest.mark.parametrize("text", [STILL_REJECTED,
                                  STILL_REJECTED.replace("replicas: -1", "replicas: 2"),
                                  STILL_REJECTED.replace("[front]", "[default]"),
                                  STILL_REJECTED.replace("    networks: [front]\n", "")
                                  .replace("replicas: -1", "replicas: 2")])
def test_fix_post_check_in_halves(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    # each half checks its fixed text; the parent never loads the fixed file again (it would
    # say so under STACKLINT_DEBUG), and reports what one process does from what they found
    from stacklint.parallel import fixsplit
    from stacklint.fix.fixcheck import add_rejections
    monkeypatch.setenv("STACKLINT_DEBUG", "1")
    path = tmp_path / "stack.yml"
    path.write_text(text, encoding="utf-8")
    layout = split.plan([text])
    assert {layout.owner["c"], layout.owner["d"]} == {split.CHILD}
    got = fixsplit.fix(str(path))
    assert got is not None
    clean = "front" not in text and "-1" not in text
    assert got.checked == clean
    assert (got.rejections is None) == clean
    assert "fix checks the whole fixed file" not in capsys.readouterr().err
    assert_same_fix(path)
    add_rejections([got], whole=True)
    messages = [f.message for f in got.left]
    assert any("replicas must be at least 0" in m for m in messages) == ("-1" in text)
    assert any("network `front` is not defined" in m for m in messages) == ("[front]" in text)


@needs_fork
def test_fix_with_anchors_stays_in_one_process(tmp_path: Path) -> None:
    from stacklint.parallel import fixsplit
    path = tmp_path / "stack.yml"
    path.write_text("x-limits: &limits\n  cpus: 0.5\nservices:\n  a:\n    image: x\n"
                    "    deploy: {resources: {limits: *limits}}\n  b:\n    image: y\n"
                    "    deploy: {resources: {limits: *limits}}\n", encoding="utf-8")
    assert fixsplit.fix(str(path)) is None


@needs_fork
def test_fix_seed_utf16_crlf_file(tmp_path: Path) -> None:
    path = tmp_path / "prod-full.yml"
    path.write_bytes((NOTES_NUMBERS / "prod-full.yml").read_bytes())
    assert_same_fix(path)
    from stacklint.parallel import fixsplit
    got = fixsplit.fix(str(path))
    assert got.original.encode(got.text).startswith(b"\xff\xfe")


@pytest.mark.slow   # every corpus file fixed, split and whole
@needs_fork
def test_fix_corpus_files(tmp_path: Path) -> None:
    corpus = shared_path("corpus")
    compared = 0
    for source in sorted(corpus.rglob("*.y*ml")):
        if "stack-config" in source.name:
            continue
        path = tmp_path / source.name
        path.write_bytes(source.read_bytes())
        try:
            fix_serial(path)
        except Exception:        # noqa: BLE001 - files the fixer refuses are not this test's
            continue
        assert_same_fix(path, must_split=False)
        compared += 1
    assert compared >= 20


MIXED_VERSIONS = """\
name: demo
services:
  a:
    image: nginx
    deploy:
      rollback_config:
        parallelism: 1
    ports:
      - target: 80
        published: "8080"
  b:
    image: nginx
    deploy:
      rollback_config:
        parallelism: 1
  c:
    image: redis
    healthcheck:
      test: ["CMD", "true"]
      start_period: 5s
    ports:
      - target: 6379
        published: "6379"
  d:
    image: redis
    healthcheck:
      test: ["CMD", "true"]
      start_period: 5s
"""


@needs_fork
@pytest.mark.parametrize("text", [MIXED_VERSIONS,
                                  MIXED_VERSIONS.replace("rollback_config", "update_config")])
def test_fix_halves_needing_different_versions(text: str, tmp_path: Path) -> None:
    # one process adds the highest version any key needs; so does the split
    path = tmp_path / "stack.yml"
    path.write_text(text, encoding="utf-8")
    from stacklint.parallel import fixsplit
    layout = split.plan([text])
    halves = [fixsplit._half(side, layout, str(path), text, "utf-8")
              for side in (split.PARENT, split.CHILD)]
    assert halves[0].version != halves[1].version
    assert_same_fix(path)


@pytest.mark.slow   # every corpus chain, split and whole
@needs_fork
def test_corpus_chains(monkeypatch: pytest.MonkeyPatch) -> None:
    from dockerdiff import corpus_cases
    compared = 0
    for case in corpus_cases(shared_path("corpus")):
        monkeypatch.chdir(case.folder)
        for key in [k for k in os.environ if k not in ("PATH",)]:
            monkeypatch.delenv(key, raising=False)
        for key, value in case.env.items():
            monkeypatch.setenv(key, value)
        files = [str(case.folder / f) for f in case.files]
        got = split_or_none(files)
        if got is None:
            continue
        findings, errors = check_one(tuple(files), default_config(), ())
        assert not errors and got == findings, case.name
        compared += 1
    assert compared >= 15


def test_findings_pickle_by_their_fields() -> None:
    # a half's findings go to the parent pickled: every field, the enums as themselves
    import copy
    import pickle
    from stacklint.model import Applicability, Edit, Finding, Fix, Location, Severity
    finding = Finding("SL703", "cpus-number", Severity.INFO, "written as a string",
                      Location("a.yml", 3, 5, 3, 9, ("services", "a", 0)),
                      Fix("Quote `cpus`", (Edit("a.yml", 10, 14, '"0.5"'),), Applicability.UNSAFE),
                      suppressed="kept")
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(finding, protocol))
        assert again == finding and again.severity is Severity.INFO
        assert again.fix is not None and again.fix.applicability is Applicability.UNSAFE
    assert copy.deepcopy(finding) == finding
    bare = Finding("SL001", "x", Severity.ERROR, "m", Location("b.yml", 1, 1))
    assert pickle.loads(pickle.dumps(bare)) == bare


def _undefined(text: str, key: str, name: str, service: str) -> str:
    """`text` with `service` also naming `name` under its `key:` list, defined nowhere."""
    at = text.index(f"  {service}:\n")
    at = text.index(f"    {key}:\n", at) + len(f"    {key}:\n")
    return text[:at] + f"    - {name}\n" + text[at:]


def _fix_both_ways(run_cli: Any, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`stacklint fix --check` on two cores says exactly what it says in one process."""
    monkeypatch.setenv("STACKLINT_DEBUG", "1")
    two = run_cli("fix", "--check", str(path))
    assert "in one process" not in two[2] and "checks the whole fixed file" not in two[2], two[2]
    monkeypatch.setattr(split, "_cores", lambda: 1)
    one = run_cli("fix", "--check", str(path))
    assert "fix in one process: no second core" in one[2]
    assert two[:2] == one[:2]


@needs_fork
@pytest.mark.parametrize("key,name,service", [("networks", "nowhere", "svc-00130"),
                                              ("networks", "nowhere", "svc-00002"),
                                              ("volumes", "gone:/data", "svc-00120"),
                                              ("secrets", "no_such_secret", "svc-00003"),
                                              ("configs", "no_such_config", "svc-00125")])
def test_fix_of_a_big_file_checks_the_whole_stack_on_two_cores(
        key: str, name: str, service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        run_cli: Any) -> None:
    merged = generate.write_merged(tmp_path, 140)
    text = _undefined(merged.read_text(encoding="utf-8"), key, name, service)
    path = merged.with_name("stack.yml")
    path.write_text(text, encoding="utf-8")
    assert split.big([str(path)])
    _fix_both_ways(run_cli, path, monkeypatch)
    monkeypatch.undo()
    code, out, _ = run_cli("fix", "--check", str(path))
    undefined = name.split(":")[0]
    said = [line for line in out.splitlines() if f"`{undefined}` is not defined" in line]
    assert code == 1 and len(said) == 1, out[-2000:]
    line = int(said[0].split(":")[1])
    fixed = fix_serial(path).text.splitlines()
    assert undefined in fixed[line - 1], (line, fixed[line - 1])   # the fixed file's line


@needs_fork
def test_fix_of_a_big_compose_file_names_the_project_on_two_cores(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Any) -> None:
    merged = generate.write_merged(tmp_path, 140)
    path = merged.with_name("compose.yml")
    path.write_bytes(merged.read_bytes())
    _fix_both_ways(run_cli, path, monkeypatch)
    monkeypatch.undo()
    code, out, _ = run_cli("fix", "--check", str(path))
    assert "SL701" in out and "`-p bench`" in out and "-p None" not in out

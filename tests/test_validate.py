"""validate: every error at its source line, the checks Docker misses, and the CLI."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import FIXTURES, require_docker
from stacklint.commands.validate import validate_files
from stacklint.load.document import parse
from stacklint.errors import InputError
from stacklint.model import Severity
from stacklint.validate.validator import RULES, validate_layer

HERE = FIXTURES / "validate"
CHECKS = yaml.safe_load((HERE / "checks.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, files: dict[str, str]) -> list[str]:
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / name))
    return paths


def _layer(text: str, version: str = "3.8") -> list[Any]:
    return validate_layer(parse(text, "t.yml").data, version, "t.yml")


@pytest.mark.parametrize("case", CHECKS, ids=[f"{c['rule']}-{i}" for i, c in enumerate(CHECKS)])
def test_docker_missed_check(case: dict[str, Any], tmp_path: Path) -> None:
    paths = _write(tmp_path, case["files"])
    found = validate_files(paths)
    mine = sorted(f"{Path(f.location.path).name}:{f.location.line}"
                  for f in found if f.rule_name == case["rule"])
    assert mine == sorted(case["expect"]), [str(f.location) + " " + f.message for f in found]
    severity = RULES[case["rule"]][1]
    assert all(f.severity == severity for f in found if f.rule_name == case["rule"])


@pytest.mark.docker
@pytest.mark.parametrize("case", CHECKS, ids=[f"{c['rule']}-{i}" for i, c in enumerate(CHECKS)])
def test_docker_agrees_about_missed_checks(case: dict[str, Any], tmp_path: Path) -> None:
    """What `docker stack config` says about each case is what the fixture claims."""
    docker = require_docker()
    paths = _write(tmp_path, case["files"])
    args = [docker, "stack", "config"] + [x for p in paths for x in ("-c", p)]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path)
    if case["docker"] == "ok":
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode != 0 and case["docker"] in result.stderr


def test_every_check_has_a_case() -> None:
    covered = {c["rule"] for c in CHECKS}
    docker_missed = [n for n, (rid, _) in RULES.items() if "SL020" <= rid <= "SL049"]
    assert set(docker_missed) <= covered


def test_five_mistakes_in_two_files_each_at_its_line() -> None:
    chain = [str(HERE / "five-mistakes" / "base.yml"), str(HERE / "five-mistakes" / "override.yml")]
    found = [f for f in validate_files(chain) if f.severity == Severity.ERROR]
    expected = (HERE / "five-mistakes" / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert len(found) == len(expected) == 5
    for finding, line in zip(found, expected):
        where, rule_id, words = line.split(" ", 2)
        assert f"{Path(finding.location.path).name}:{finding.location.line}:" \
               f"{finding.location.column}" == where
        assert finding.rule_id == rule_id
        assert words in finding.message          # the message says how to fix it


def test_unknown_key_suggestions() -> None:
    found = _layer("services:\n  web:\n    image: x\n    deploy:\n      rollback_config:\n"
                   "        rollback order: start-first\n    healthcheck:\n      interva: 5s\n")
    messages = {f.location.pointer[-1]: f.message for f in found}
    assert "did you mean `order`?" in messages["rollback order"]
    assert "did you mean `interval`?" in messages["interva"]
    assert all(f.rule_name == "unknown-key" for f in found)
    assert [f.location.line for f in found] == [6, 8]      # the key's own line


def test_compose_only_keys_say_what_to_use() -> None:
    found = _layer('name: shop\nservices:\n  web:\n    image: x\n    cpus: 0.5\n'
                   '    ports:\n      - {target: 80, published: 80, host_ip: 127.0.0.1}\n')
    text = "\n".join(f.message for f in found)
    assert "the stack's name is the one given to `docker stack deploy`" in text
    assert "deploy.resources.limits.cpus" in text
    assert "0.0.0.0" in text


def test_oneof_noise_collapses_to_one_message_per_place() -> None:
    found = _layer("services:\n  web:\n    image: x\n    command: 5\n    volumes:\n"
                   "      - {type: volume, target: /a, bogus: 1}\n    environment:\n"
                   "      DEBUG: true\n")
    by_place = {f.location.pointer: f for f in found}
    assert len(by_place) == len(found) == 3
    assert "must be a string or a list, not the number 5" in \
        by_place[("services", "web", "command")].message
    assert "unknown key `bogus`" in by_place[("services", "web", "volumes", 0, "bogus")].message
    assert 'quote it ("true")' in by_place[("services", "web", "environment", "DEBUG")].message


def test_forbidden_properties_carry_dockers_hint_and_no_schema_duplicate() -> None:
    found = _layer("services:\n  web:\n    image: x\n    extends: base\n    volumes_from: [db]\n")
    assert [f.rule_id for f in found] == ["SL011", "SL011"]
    assert "Support for `extends` is not implemented yet." in found[0].message
    assert "top-level `volumes` option" in found[1].message


def test_bad_value_points_at_the_value_and_unknown_key_at_the_key() -> None:
    found = _layer("services:\n  web:\n    image: x\n    read_only: yes\n    tty2: true\n")
    by_rule = {f.rule_name: f.location for f in found}
    assert (by_rule["schema-violation"].line, by_rule["schema-violation"].column) == (4, 16)
    assert (by_rule["unknown-key"].line, by_rule["unknown-key"].column) == (5, 5)
    assert "write true" in next(f.message for f in found if f.rule_name == "schema-violation")


def test_unsupported_version_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unsupported Compose file version: 3.14"):
        _layer("services: {}\n", "3.14")


def test_compose_target_accepts_compose_only_keys(tmp_path: Path) -> None:
    text = ("name: shop\nservices:\n  web:\n    image: x\n    profiles: [debug]\n"
            "    depends_on:\n      db: {condition: service_healthy}\n  db:\n    image: y\n")
    paths = _write(tmp_path, {"compose.yaml": text})
    assert [f for f in validate_files(paths, "compose") if f.severity == Severity.ERROR] == []
    assert any(f.rule_name == "unknown-key" for f in validate_files(paths, "stack"))


def test_cli_text_json_and_exit_codes(run_cli: Any, tmp_path: Path) -> None:
    good, bad = _write(tmp_path, {
        "good.yml": 'version: "3.8"\nservices:\n  web:\n    image: nginx:1.27\n',
        "bad.yml": 'version: "3.8"\nservices:\n  web:\n    image: nginx:1.27\n    restart: always\n'
                   "    deploy:\n      update_config:\n        failure_action: explode\n"})
    assert run_cli("validate", "-f", good)[0] == 0
    code, out, _ = run_cli("validate", "-f", bad)
    assert code == 1
    assert out.splitlines() == [
        f"{bad}:5:5: warning [SL035 swarm-ignored-key] services.web.restart: it is ignored by "
        "docker stack deploy: use deploy.restart_policy.condition",
        f"{bad}:8:25: error [SL020 invalid-failure-action] services.web.deploy.update_config."
        'failure_action must be one of: continue, rollback, pause, not the string "explode"; '
        "swarm would reject the service"]
    code, out, _ = run_cli("validate", "-f", bad, "--format", "json")
    rows = json.loads(out)["findings"]
    assert code == 1 and [r["rule_id"] for r in rows] == ["SL035", "SL020"]
    assert rows[1]["pointer"] == ["services", "web", "deploy", "update_config", "failure_action"]
    code, _, err = run_cli("validate", "-f", str(tmp_path / "missing.yml"))
    assert code == 2 and "cannot read file" in err and "Traceback" not in err


KEYS = ["services", "web", "image", "deploy", "mode", "replicas", "update_config", "order",
        "failure_action", "max_failure_ratio", "healthcheck", "test", "disable", "networks",
        "volumes", "secrets", "configs", "source", "target", "published", "ports", "build",
        "resources", "limits", "memory", "shm_size", "x-a", "interva", "version", "type"]


def _documents() -> Any:
    from hypothesis import strategies as st

    scalars = st.one_of(st.none(), st.booleans(), st.integers(-70000, 70000),
                        st.floats(allow_nan=True), st.sampled_from(KEYS + ["10s", "1d", "80:80"]))
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)),
        max_leaves=25)


@pytest.mark.slow   # hypothesis
def test_random_documents_never_crash() -> None:
    from hypothesis import given, settings

    from stacklint.validate.swarmchecks import check_model

    @settings(max_examples=300, deadline=None)
    @given(_documents())
    def run(data: Any) -> None:
        doc = {"services": {"web": data}} if not isinstance(data, dict) else data
        for version in ("3.0", "3.13"):
            for found in validate_layer(doc, version, "t.yml"):
                assert found.rule_id in {rid for rid, _ in RULES.values()}
        assert isinstance(validate_layer(doc, "3.13", "t.yml", "compose"), list)
        for target in ("stack", "compose"):
            for problem in check_model({"services": {"web": data}, "networks": data}, target):
                assert problem.rule in RULES

    run()


def test_every_validation_rule_has_its_rule_file() -> None:
    from conftest import REPO

    for name, (rule_id, severity) in RULES.items():
        path = REPO / "rules" / f"{rule_id}-{name}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert (data["id"], data["name"], data["kind"]) == (rule_id, name, "validation")
        assert Severity.parse(data["severity"]) == severity
        assert data["docs"]["example"] and data["docs"]["use_instead"]


@pytest.mark.parametrize("name", sorted(RULES))
def test_rule_docs_example_fails_and_use_instead_passes(name: str, tmp_path: Path) -> None:
    from conftest import REPO

    rule_id = RULES[name][0]
    docs = yaml.safe_load((REPO / "rules" / f"{rule_id}-{name}.yaml").read_text())["docs"]
    (tmp_path / "nginx.conf").write_text("events {}\n")
    for key, should_fire in (("example", True), ("use_instead", False)):
        paths = _write(tmp_path, {f"{key}.yml": docs[key]})
        fired = {f.rule_name for f in validate_files(paths)}
        assert (name in fired) is should_fire, (key, fired)


def test_typo_fix_renames_the_key_in_place() -> None:
    text = ("version: \"3.8\"\r\nservices:\r\n  web:\r\n    image: x\r\n    healthcheck:\r\n"
            "      test: [\"CMD\", \"true\"]\r\n      interva: 10s   # every ten seconds\r\n")
    doc = parse(text, "t.yml")
    found = validate_layer(doc.data, "3.8", "t.yml")
    assert len(found) == 1 and found[0].fix is not None
    assert found[0].fix.applicability.value == "unsafe"
    (edit,) = found[0].fix.edits
    fixed = text[:edit.start] + edit.content + text[edit.end:]
    assert fixed == text.replace("interva:", "interval:")
    assert validate_layer(parse(fixed, "t.yml").data, "3.8", "t.yml") == []


def test_no_rename_when_the_right_key_is_already_there() -> None:
    found = _layer("services:\n  web:\n    image: x\n    healthcheck:\n      interval: 5s\n"
                   "      Interval: 6s\n")
    assert [f.rule_name for f in found] == ["unknown-key"] and found[0].fix is None


def test_valid_stack_never_imports_jsonschema(tmp_path: Path) -> None:
    """The fast path (pre-commit hooks) stays off jsonschema's ~80 ms import."""
    import sys

    from conftest import REPO

    path = _write(tmp_path, {"ok.yml": 'version: "3.8"\nservices:\n  web:\n    image: x\n'})[0]
    code = ("import sys; from stacklint.commands.validate import validate_files; "
            f"assert validate_files([{path!r}]) == []; print('jsonschema' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO, check=True)
    assert result.stdout.strip() == "False"


def test_problems_at_one_origin_come_out_the_same_under_every_hash_seed(tmp_path: Path) -> None:
    """Five durations share one aliased "-5s": one problem per origin is kept, and which one
    must not depend on the process's string hash seed (it did while the paths were a set)."""
    import sys
    stack = tmp_path / "stack.yml"
    stack.write_text('version: "3.8"\nx-bad: &bad "-5s"\nservices:\n  web:\n'
                     "    image: nginx:1.25\n    stop_grace_period: *bad\n"
                     '    healthcheck:\n      test: ["CMD", "true"]\n      interval: *bad\n'
                     "      timeout: *bad\n    deploy:\n      update_config:\n"
                     "        delay: *bad\n        monitor: *bad\n", encoding="utf-8")
    outputs = set()
    for seed in range(8):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        done = subprocess.run([sys.executable, "-m", "stacklint", "check", "--format", "json",
                               str(stack)], capture_output=True, text=True, env=env)
        assert done.returncode == 1, done.stderr
        durations = [f for f in json.loads(done.stdout)["findings"]
                     if "positive duration" in f["message"]]
        assert len(durations) == 1
        outputs.add(durations[0]["message"])
    assert outputs == {'services.web.stop_grace_period: the string "-5s" is not a positive '
                       "duration: write a number with a unit (ns, us, ms, s, m, h), e.g. 30s "
                       "or 1m30s"}

"""The fix pipeline: edits, guard, convergence, encodings, atomic writes, CLI modes."""
from __future__ import annotations

import codecs
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import NOTES_NUMBERS, require_docker
from stacklint.fix import fixer
from stacklint.load import document
from stacklint.fix.fixes import FixContext, Proposal, Rule, load_fixes
from stacklint.fix.fixes.versions import minimum
from stacklint.model import Edit
from stacklint.fix.textedit import EditConflict, apply_edits

BROKEN = 'services:\n  web:\n    image: nginx:1.27\n    ports:\n      - {target: 80, published: "80"}\n'


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, newline="")
    return path


def test_apply_edits_splices_and_refuses_overlaps() -> None:
    text = "abcdef"
    assert apply_edits(text, [Edit("p", 1, 2, "X"), Edit("p", 4, 4, "+")]) == "aXcd+ef"
    assert apply_edits(text, [Edit("p", 2, 4, ""), Edit("p", 2, 2, "Y")]) == "abYef"
    with pytest.raises(EditConflict):
        apply_edits(text, [Edit("p", 1, 3, ""), Edit("p", 2, 4, "")])


def test_seed_chain_is_left_byte_identical(tmp_path: Path, run_cli) -> None:
    seed = NOTES_NUMBERS
    names = ["docker-compose.yml", "prod.yml", "prod-full.yml", "v2.yml"]
    for name in names:
        shutil.copyfile(seed / name, tmp_path / name)
    code, out, _ = run_cli("fix", *[a for n in names for a in ("-f", str(tmp_path / n))])
    assert code == 0 and out == ""
    assert all((tmp_path / n).read_bytes() == (seed / n).read_bytes() for n in names)


def _break(path: Path, pairs: list[tuple[str, str]]) -> str:
    doc = document.read(path)
    text = doc.text
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new)
    path.write_bytes(doc.encode(text))
    return doc.text


def test_seed_utf16_and_crlf_survive_a_fix(tmp_path: Path, run_cli) -> None:
    seed = NOTES_NUMBERS
    full, prod = tmp_path / "prod-full.yml", tmp_path / "prod.yml"
    shutil.copyfile(seed / "prod-full.yml", full)
    shutil.copyfile(seed / "prod.yml", prod)
    original = _break(full, [("published: 80", 'published: "80"'), ('cpus: "0.75"', "cpus: 0.75")])
    _break(prod, [("target: 80", 'target: "80"')])
    code, out, _ = run_cli("fix", str(full), str(prod))
    assert code == 0, out
    raw = full.read_bytes()
    assert raw.startswith(codecs.BOM_UTF16_LE) and raw == (seed / "prod-full.yml").read_bytes()
    assert document.read(full).text == original
    assert prod.read_bytes() == (seed / "prod.yml").read_bytes()      # CRLF kept


def test_fix_lands_in_the_file_the_value_came_from(tmp_path: Path, run_cli) -> None:
    base = write(tmp_path, "base.yml", 'version: "3.8"\nservices:\n  web:\n    image: nginx\n')
    prod = write(tmp_path, "prod.yml", 'version: "3.8"\nservices:\n  web:\n    deploy:\n'
                 '      resources: {limits: {cpus: 0.5}}\n')
    base_bytes = base.read_bytes()
    code, out, _ = run_cli("fix", "-f", str(base), "-f", str(prod))
    assert code == 0 and f"{prod}:5:34: fixed [SL703" in out
    assert base.read_bytes() == base_bytes
    assert 'cpus: "0.5"' in prod.read_text()


def test_write_is_atomic_and_keeps_permissions(tmp_path: Path, run_cli) -> None:
    path = write(tmp_path, "stack.yml", BROKEN)
    os.chmod(path, 0o640)
    inode = path.stat().st_ino
    assert run_cli("fix", str(path))[0] == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != inode                    # replaced by rename, not rewritten
    assert "published: 80}" in path.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["stack.yml"]   # no temporary file left


def test_diff_and_check_write_nothing(tmp_path: Path, run_cli) -> None:
    path = write(tmp_path, "stack.yml", BROKEN)
    code, out, _ = run_cli("fix", "--diff", str(path))
    assert code == 1 and '-      - {target: 80, published: "80"}' in out
    assert '+      - {target: 80, published: 80}' in out and path.read_text() == BROKEN
    code, out, _ = run_cli("fix", "--check", str(path))
    assert code == 1 and "would fix [SL702" in out and path.read_text() == BROKEN
    assert run_cli("fix", str(path))[0] == 0
    assert run_cli("fix", "--check", str(path))[0] == 0


def test_unreadable_input_exits_2(tmp_path: Path, run_cli) -> None:
    code, _, err = run_cli("fix", str(tmp_path / "missing.yml"))
    assert code == 2 and "missing.yml: error: cannot read file" in err
    bad = write(tmp_path, "bad.yml", "services:\n  web: [\n")
    code, out, _ = run_cli("fix", str(bad))       # the stack's problem: 1, located, not written
    assert code == 1 and f"{bad}:3:1: error [SL003 invalid-input] YAML syntax error" in out
    assert bad.read_text() == "services:\n  web: [\n"


class _Bad:
    """A fix that claims to change one value but its edit changes another."""

    RULE = Rule("SL798", "bad-fix", "bad")

    @staticmethod
    def propose(ctx: FixContext) -> Iterator[Proposal]:
        at = ctx.text.index("nginx")
        yield Proposal(_Bad.RULE, ("version",), None, "bad", (Edit(ctx.doc.path, at, at + 5,
                                                                     "httpd"),),
                       (("set", ("version",), "3.9"),))


class _Flip:
    """A fix that never settles: it swaps two spellings forever."""

    RULE = Rule("SL797", "flip", "flip")

    @staticmethod
    def propose(ctx: FixContext) -> Iterator[Proposal]:
        at = ctx.text.index("nginx")
        old = ctx.text[at - 1]
        new = '"' if old == "'" else "'"
        end = ctx.text.index(old, at)
        yield Proposal(_Flip.RULE, ("image",), None, "flip",
                       (Edit(ctx.doc.path, at - 1, at, new), Edit(ctx.doc.path, end, end + 1, new)))


def test_guard_refuses_an_edit_that_changes_more(tmp_path: Path, run_cli, monkeypatch) -> None:
    monkeypatch.setattr(fixer, "load_fixes", lambda: [_Bad])
    path = write(tmp_path, "stack.yml", 'version: "3.8"\nservices:\n  web: {image: nginx}\n')
    code, out, _ = run_cli("fix", str(path))
    assert code == 1 and "would change more than this value" in out
    assert path.read_text() == 'version: "3.8"\nservices:\n  web: {image: nginx}\n'


def test_not_converging_leaves_the_file(tmp_path: Path, run_cli, monkeypatch) -> None:
    monkeypatch.setattr(fixer, "load_fixes", lambda: [_Flip])
    text = "services:\n  web: {image: 'nginx'}\n"
    path = write(tmp_path, "stack.yml", text)
    code, out, _ = run_cli("fix", str(path))
    assert code == 1 and "[SL799 fix-not-converged]" in out and path.read_text() == text


def test_guard_refuses_a_schema_error_it_would_add(tmp_path: Path) -> None:
    doc = document.parse('version: "3.8"\nservices:\n  web:\n    image: nginx\n', "s.yml")
    rule = Rule("SL796", "adds-key", "x")
    at = doc.text.index("    image")
    bad = Proposal(rule, ("services", "web", "bogus"), None, "x",
                   (Edit("s.yml", at, at, "    bogus: 1\n"),),
                   (("set", ("services", "web", "bogus"), 1),))
    from stacklint.fix.fixes import guard
    if guard.schema_errors(doc) is None:
        pytest.skip("stacklint.validate.validator is not available")
    new, accepted, failed = guard.apply_guarded(doc, [bad])
    assert not accepted and "schema error" in failed[0][1] and new is doc


def test_interpolated_value_is_not_moved(tmp_path: Path, run_cli) -> None:
    text = 'version: "3.8"\nservices:\n  web:\n    image: nginx\n    mem_limit: ${MEM}\n'
    path = write(tmp_path, "stack.yml", text)
    code, out, _ = run_cli("fix", str(path))
    assert code == 1 and "[SL709 service-level-resource]" in out and "by hand" in out
    assert path.read_text() == text


def test_fix_in_memory_leaves_files(tmp_path: Path) -> None:
    path = write(tmp_path, "stack.yml", "name: x\n" + BROKEN)
    docs, findings = fixer.fix_in_memory([document.read(path)])
    assert path.read_text() == "name: x\n" + BROKEN
    assert docs[0].data["services"]["web"]["ports"][0]["published"] == 80
    assert "name" not in docs[0].data and docs[0].data["version"] == "3.2"
    assert {f.rule_id for f in findings} == {"SL701", "SL702", "SL705"}


def test_every_fix_has_a_rule_file() -> None:
    rules = Path(__file__).resolve().parents[1] / "rules"
    for module in load_fixes():
        assert list(rules.glob(f"{module.RULE.id}-{module.RULE.name}.yaml")), module.RULE


PROBES = {
    "3.1": "services: {web: {image: nginx, secrets: [s]}}\nsecrets: {s: {file: ./x}}",
    "3.2": "services: {web: {image: nginx, ports: [{target: 80, published: 80}]}}",
    "3.3": "services: {web: {image: nginx}}\nconfigs: {c: {file: ./x}}",
    "3.4": "services: {web: {image: nginx, healthcheck: {start_period: 1s}}}",
    "3.5": "services: {web: {image: nginx}}\nnetworks: {n: {name: x}}",
    "3.6": "services: {web: {image: nginx, volumes: [{type: tmpfs, target: /x, tmpfs: {size: 1}}]}}",
    "3.7": "services: {web: {image: nginx, init: true}}",
    "3.8": "services: {web: {image: nginx, deploy: {placement: {max_replicas_per_node: 1}}}}",
    "3.9": "services: {web: {image: nginx, deploy: {resources: {limits: {pids: 5}}}}}",
    "3.11": "services: {web: {image: nginx, build: {context: ., isolation: x}}}",
    "3.12": "services: {web: {image: nginx, healthcheck: {start_interval: 1s}}}",
    "3.13": "services: {web: {image: nginx, oom_score_adj: 5}}",
}


def _previous(version: str) -> str:
    minor = int(version.split(".")[1])
    return f"3.{minor - 2 if minor == 11 else minor - 1}"   # 3.10 adds nothing we probe


@pytest.mark.docker
@pytest.mark.parametrize("version", list(PROBES))
def test_version_table_matches_docker(version: str, tmp_path: Path) -> None:
    docker = require_docker()
    body = PROBES[version]
    assert minimum(document.parse(body).data)[0] == version

    def accepts(v: str) -> bool:
        (tmp_path / "s.yml").write_text(f'version: "{v}"\n{body}\n')
        return subprocess.run([docker, "stack", "config", "-c", "s.yml"], cwd=tmp_path,
                              capture_output=True, timeout=60).returncode == 0
    assert accepts(version) and not accepts(_previous(version))


def test_moves_into_a_flow_service_and_raise_the_version_they_need() -> None:
    text = 'version: "3.0"\nservices: {api: {image: y, cpus: 0.5, pids_limit: 10}}\n'
    result = fixer.fix_document(document.parse(text, "s.yml"))
    assert result.text == ('version: "3.9"\nservices: {api: {image: y, deploy: {resources: '
                           '{limits: {cpus: "0.5", pids: 10}}}}}\n')
    assert sorted(f.rule_id for f in result.applied) == ["SL706", "SL709", "SL709"]


def test_a_move_into_an_empty_deploy_is_left_for_a_person() -> None:
    text = 'version: "3.8"\nservices:\n  web:\n    image: x\n    deploy:\n    mem_limit: 1g\n'
    result = fixer.fix_document(document.parse(text, "s.yml"))
    assert result.text == text and "deploy is not a mapping" in result.left[0].message


def test_a_failed_write_is_an_input_error(tmp_path: Path, run_cli, monkeypatch) -> None:
    import stacklint.atomic

    def refuse(files: object) -> None:
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(stacklint.atomic, "write_all", refuse)
    path = write(tmp_path, "stack.yml", BROKEN)
    code, out, err = run_cli("fix", str(path))
    assert code == 2 and "cannot write the fixed file: Permission denied" in err
    assert "fixed [" not in out and path.read_text() == BROKEN


def test_loose_files_are_fixed_as_their_chain(tmp_path: Path, run_cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    base = write(tmp_path, "compose.yaml", 'version: "3.7"\nservices:\n  web:\n    image: nginx\n')
    over = write(tmp_path, "compose.override.yaml", "services:\n  web:\n    deploy:\n"
                 "      replicas: 2\n")
    base_bytes = base.read_bytes()
    code, out, _ = run_cli("fix", "compose.override.yaml")
    assert code == 0, out
    assert over.read_text().startswith('version: "3.7"\n') and base.read_bytes() == base_bytes


def test_a_chain_member_not_named_is_not_written(tmp_path: Path, run_cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    base = write(tmp_path, "compose.yaml", "name: x\nservices:\n  web:\n    image: nginx\n")
    write(tmp_path, "compose.override.yaml", "services:\n  web:\n    deploy:\n"
          "      replicas: 2\n")
    over_text = (tmp_path / "compose.override.yaml").read_text()
    code, out, _ = run_cli("fix", "compose.override.yaml")
    assert code == 1 and "not fixed: compose.yaml of the same chain needs fixes" in out
    assert "run `stacklint fix -f compose.yaml -f compose.override.yaml`" in out
    assert base.read_text() == "name: x\nservices:\n  web:\n    image: nginx\n"
    assert (tmp_path / "compose.override.yaml").read_text() == over_text


def test_a_suppressed_fix_is_not_applied(tmp_path: Path, run_cli) -> None:
    text = ('version: "3.8"\nservices:\n  web:\n    image: nginx\n    ports:\n'
            '      - target: 80\n        published: 8080\n'
            '        host_ip: 127.0.0.1  # stacklint: disable=port-compose-key -- behind a proxy\n'
            '        name: web\n')
    path = write(tmp_path, "stack.yml", text)
    code, out, _ = run_cli("fix", str(path))
    assert "ports.0.name" in out and "ports.0.host_ip" not in out   # SL707 leaves it
    assert path.read_text() == text.replace("        name: web\n", "")
    # kept on purpose, but docker stack deploy still rejects it: fix does not say done
    assert code == 1 and "8:9: error [SL012 unknown-key]" in out and "host_ip" in out

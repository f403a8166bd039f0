"""SL711: a list item's keys that lost their indentation, repaired only when unambiguous."""
from __future__ import annotations

from pathlib import Path

from stacklint.fix import fixer
from stacklint.fix.fixes.sequence_indent import repair

SLIP = ("services:\n  web:\n    image: nginx\n    ports:\n      - target: 80\n"
        "      published: 8080\n      protocol: tcp\n      - target: 443\n      published: 8443\n")


def test_each_slipped_item_is_indented_under_its_first_key() -> None:
    fixed, edits, messages = repair(SLIP, "s.yml")
    assert fixed == SLIP.replace("      published", "        published").replace(
        "      protocol", "        protocol")
    assert [line for line, _ in messages] == [6, 9] and len(edits) == 3


def test_crlf_is_kept() -> None:
    fixed, _, _ = repair(SLIP.replace("\n", "\r\n"), "s.yml")
    assert fixed.count("\r\n") == SLIP.count("\n") and "\n" not in fixed.replace("\r\n", "")


def test_ambiguous_slip_is_left_alone(tmp_path: Path, run_cli) -> None:
    # `- target:` with no value: the next line could continue the item or be target's value
    text = SLIP.replace("- target: 80\n", "- target:\n")
    assert repair(text, "s.yml") is None
    path = tmp_path / "s.yml"
    path.write_text(text)
    code, out, _ = run_cli("fix", str(path))
    # a file that does not parse is the stack's problem (1), reported as SL003; nothing written
    assert code == 1 and "[SL003 invalid-input] YAML syntax error" in out
    assert "stacklint fix" not in out and path.read_text() == text


def test_a_file_that_parses_is_not_touched() -> None:
    text = "ports:\n- target: 80\npublished: 80\n"      # indentless: `published` is a sibling
    assert repair(text, "s.yml") is None


def test_repair_then_other_fixes_in_one_run(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "s.yml"
    path.write_text(SLIP.replace("published: 8080", 'published: "8080"'), newline="")
    code, out, _ = run_cli("fix", str(path))
    assert code == 0 and "[SL711 list-item-indentation]" in out and "[SL702 " in out
    assert '        published: 8080\n' in path.read_text()


def test_fix_in_memory_accepts_a_repaired_document(tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    path.write_text(SLIP)
    doc, found = fixer.read_for_fix(str(path))
    docs, findings = fixer.fix_in_memory([doc])
    assert found[0].rule_id == "SL711" and path.read_text() == SLIP
    assert docs[0].data["services"]["web"]["ports"][1] == {"target": 443, "published": 8443}

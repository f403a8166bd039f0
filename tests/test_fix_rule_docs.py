"""The docs of every fix rule (SL7xx) run: `fix` on the example reports the rule, and on
`use_instead` it does not."""
from __future__ import annotations

from pathlib import Path

import pytest

from stacklint.lint.ruleset import builtin_rules

RULES = [r for r in builtin_rules() if r.kind == "fix" and r.docs.get("example")
         and r.docs.get("use_instead")]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_example_is_reported_and_use_instead_is_not(rule, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                    run_cli) -> None:
    def reported(text: str) -> bool:
        path = tmp_path / "stack.yml"
        path.write_text(text, "utf-8")
        _, out, _ = run_cli("fix", "--check", str(path))
        return f"[{rule.id} " in out

    assert reported(rule.docs["example"]), f"{rule.id}: fix does not report its example"
    assert not reported(rule.docs["use_instead"]), f"{rule.id}: use_instead is still reported"

"""The README's quick start: its command and the output it shows are what stacklint does."""
from __future__ import annotations

import re
import shlex

import pytest

from conftest import REPO

README = (REPO / "README.md").read_text()


def _commands() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    return [shlex.split(part.strip()) for block in blocks for line in block.splitlines()
            for part in line.split("&&") if "stacklint check" in part]


def _timeless(text: str) -> str:
    return re.sub(r" in \d+\.\d+s$", "", text.strip(), flags=re.M)


def test_quick_start_shows_what_the_check_prints(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(REPO)
    first, after = _commands()[:2]
    assert first[0] == ".venv/bin/stacklint" and first[1] == "check"
    code, out, err = run_cli(*first[1:])
    shown = re.search(r"```text\n(.*?)```", README, re.S).group(1)   # type: ignore[union-attr]
    assert code == 1 and _timeless(out + err) == _timeless(shown)
    code, out, err = run_cli(*after[1:])
    assert code == 0 and out == "" and "1 stack, 6 files: 0 errors, 0 warnings, 0 info" in err


def test_the_commands_use_a_virtual_environment() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    installs = [b for b in blocks if "pip install" in b]
    assert installs and all(b.startswith("python3 -m venv .venv && .venv/bin/pip install")
                            for b in installs)

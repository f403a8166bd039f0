"""Override files checked apart, or skipped by the hook's name filter: one note with `stacks:`."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO

NUMBERS = REPO / "examples" / "numbers"
CHAIN = "[docker-compose.yml, prod-healthcheck.yml, prod-rollback-config.yml, " \
        "prod-update-config.yml, prod.yml, v3.yml]"


@pytest.fixture
def numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    folder = tmp_path / "numbers"
    shutil.copytree(NUMBERS, folder)
    monkeypatch.chdir(folder)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    return sorted(p.name for p in folder.glob("*.yml"))       # what the shell's *.yml gives


def test_overrides_checked_apart_say_so_once_with_the_stacks_config(run_cli, numbers) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli("check", *numbers)
    assert code == 1 and err.count("note:") == 1, err
    assert "6 files in this folder define the same services but were checked as separate " \
           "stacks" in err
    assert f"  stacks:\n    numbers: {CHAIN}\n" in err


def test_the_suggested_config_checks_the_chain(run_cli, numbers) -> None:  # type: ignore[no-untyped-def]
    Path(".stacklint.yml").write_text(f"stacks:\n  numbers: {CHAIN}\n")
    code, _, err = run_cli("check", *numbers)
    assert code == 0 and "note:" not in err and "1 stack, 6 files: 0 errors, 0 warnings" in err


def test_a_named_chain_or_separate_stacks_get_no_note(run_cli, numbers, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, _, err = run_cli("check", *[a for f in numbers for a in ("-f", f)])
    assert "note:" not in err
    # two stacks that merely share a service name, each whole (an image each): no chain
    Path("a.yml").write_text("services:\n  web:\n    image: nginx:1.27\n")
    Path("b.yml").write_text("services:\n  web:\n    image: httpd:2.4\n")
    _, _, err = run_cli("check", "a.yml", "b.yml")
    assert "note:" not in err


def test_the_hook_says_which_overrides_it_left_unchecked(run_cli, numbers, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    Path("ci.yml").write_text("jobs:\n  test:\n    runs-on: debian\n")       # not a stack file
    monkeypatch.setenv("PRE_COMMIT", "1")
    code, _, err = run_cli("check", *numbers, "ci.yml")
    assert err.count("note:") == 1 and "1 stack, 1 file:" in err, err
    assert ("note: not checked: prod-healthcheck.yml, prod-rollback-config.yml, "
            "prod-update-config.yml, prod.yml, v3.yml: named like no stack file") in err
    assert "ci.yml" not in err and f"    numbers: {CHAIN}\n" in err

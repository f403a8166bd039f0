"""Hostile input: each defect the fuzz suite found, as its minimal reproduction."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import require_docker
from swarmhelp import IMAGE, docker, swarm_stack  # noqa: F401  (a fixture)

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
    for command in ("validate", "merge", "check"):
        code, out, err = run_cli(command, "-f", "b.yml")
        assert code == 1, (command, err)     # a problem of the checked file: SL003, every command
        assert "internal error" not in err
        assert re.search(r"^b\.yml:5:15: error \[SL003 invalid-input\] env file path "
                         r"contains a NUL byte \(write", out + err, re.M), out + err


def test_unacceptable_character_has_line_column_and_hint(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write(here, "c.yml", b"services:\n  a:\n    image: x\x00\n")
    code, out, _ = run_cli("validate", "-f", "c.yml")
    assert code == 1
    assert out.startswith("c.yml:3:13: error [SL003 invalid-input] YAML error: unacceptable "
                          "character #x0000"), out
    assert out.rstrip().endswith(")")                  # the hint, in parentheses


def test_env_file_errors_never_quote_the_line(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write(here, "app.env", "root: $6$s3cr3tHashValue:19000:0:99999:7:::\n=x\n")
    write(here, "s.yml", 'version: "3.8"\nservices:\n  web:\n    image: nginx\n    env_file: app.env\n')
    for command in ("validate", "merge", "check"):
        code, out, err = run_cli(command, "-f", "s.yml")
        assert code in (1, 2)
        assert "s3cr3tHashValue" not in out + err, (command, out, err)
        assert re.search(r"app\.env:1:1: error( \[SL003 invalid-input\])?:? invalid env file",
                         out + err), out + err


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


# -- fix: every file, all or nothing per chain, and how files are written ------------------

V2 = ('name: app\nservices:\n  web:  # the web\n    image: nginx\n    ports:\n'
      '      - published: "8080"  # public\n        target: 80\n')


def fixed(text: str) -> bool:
    return "name: app" not in text and "published: 8080  # public" in text


def test_fix_fixes_every_file_it_can_and_reports_the_rest(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    for name in ("stack-a.yml", "stack-c.yml", "stack-d.yml"):
        write(here, name, V2)
    write(here, "stack-b.yml", "services: [\n")
    (here / "stack-c.yml").chmod(0o444)
    code, out, err = run_cli("fix", "stack-a.yml", "stack-b.yml", "stack-missing.yml",
                           "stack-c.yml", "stack-d.yml")
    assert code == 2              # files it could not read or write; stack-b alone would be 1
    assert fixed((here / "stack-a.yml").read_text()) and fixed((here / "stack-d.yml").read_text())
    assert (here / "stack-c.yml").read_text() == V2                  # read-only: refused
    assert re.search(r"^stack-b\.yml:2:1: error \[SL003 invalid-input\] YAML syntax error",
                     out, re.M), out
    assert "stack-missing.yml: error: cannot read file" in err
    assert re.search(r"^stack-c\.yml: error: cannot write the fixed file: the file is read-only",
                     err, re.M), err
    assert "2 chain(s) not fixed" in err and "1 left to fix by hand" in err


def test_fix_error_on_a_chain_changes_no_file(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write(here, "base.yml", V2)
    write(here, "prod.yml", 'services:\n  web:\n    ports:\n      - published: "9090"\n        target: 81\n')
    (here / "prod.yml").chmod(0o444)
    code, _, err = run_cli("fix", "-f", "base.yml", "-f", "prod.yml")
    assert code == 2, err
    assert (here / "base.yml").read_text() == V2
    assert "not written either" in err


def test_fix_edits_a_symlinks_target_and_keeps_the_link(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write(here, "real.yml", V2)
    (here / "stack.yml").symlink_to("real.yml")
    code, _, err = run_cli("fix", "stack.yml")
    assert code == 0, err
    assert (here / "stack.yml").is_symlink() and fixed((here / "real.yml").read_text())


def test_fix_keeps_hard_links_mode_owner_and_group(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    import os
    write(here, "stack.yml", V2)
    os.link(here / "stack.yml", here / "other.yml")
    (here / "stack.yml").chmod(0o640)
    if os.geteuid() == 0:
        os.chown(here / "stack.yml", 1234, 2345)
    before = (here / "stack.yml").stat()
    code, _, err = run_cli("fix", "stack.yml")
    assert code == 0, err
    after = (here / "stack.yml").stat()
    assert fixed((here / "other.yml").read_text())                   # the same inode
    assert (after.st_ino, after.st_mode, after.st_uid, after.st_gid) == (
        before.st_ino, before.st_mode, before.st_uid, before.st_gid)


def test_owner_and_group_kept_through_the_rename(here: Path) -> None:
    import os
    from stacklint.atomic import write_atomic
    if os.geteuid() != 0:
        pytest.skip("giving a file to another owner needs root")
    write(here, "s.yml", "a: 1\n")
    os.chown(here / "s.yml", 1234, 2345)
    write_atomic(here / "s.yml", b"a: 2\n")
    info = (here / "s.yml").stat()
    assert (info.st_uid, info.st_gid, info.st_nlink) == (1234, 2345, 1)


def test_an_edit_made_while_fix_ran_is_not_overwritten(here: Path) -> None:
    from stacklint.errors import InputError
    from stacklint.fix.fixer import fix_paths, write_results
    write(here, "stack.yml", V2)
    results = fix_paths(["stack.yml"], chain=True)
    write(here, "stack.yml", V2 + "# edited meanwhile\n")
    with pytest.raises(InputError, match="changed while stacklint was fixing it"):
        write_results(results)
    assert (here / "stack.yml").read_text().endswith("# edited meanwhile\n")
    assert sorted(p.name for p in here.iterdir()) == ["stack.yml"]


def test_fix_keeps_cr_only_line_endings(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write(here, "cr.yml", V2.replace("\n", "\r"))
    code, _, err = run_cli("fix", "cr.yml")
    assert code == 0, err
    raw = (here / "cr.yml").read_bytes()
    assert b"\n" not in raw and fixed(raw.decode().replace("\r", "\n"))
    code, _, _ = run_cli("fix", "--check", "cr.yml")
    assert code == 0


def test_merge_output_refuses_a_read_only_file_and_keeps_a_link(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write(here, "s.yml", 'version: "3.8"\nservices:\n  web:\n    image: nginx\n')
    write(here, "out.yml", "old\n")
    (here / "out.yml").chmod(0o444)
    code, _, err = run_cli("merge", "-f", "s.yml", "-o", "out.yml")
    assert code == 2 and "read-only" in err and (here / "out.yml").read_text() == "old\n"
    write(here, "target.yml", "old\n")
    (here / "link.yml").symlink_to("target.yml")
    code, _, err = run_cli("merge", "-f", "s.yml", "-o", "link.yml")
    assert code == 0, err
    assert (here / "link.yml").is_symlink() and "image: nginx" in (here / "target.yml").read_text()


KILL_DURING_WRITE = """
import os, signal, sys
from stacklint import atomic
real = atomic._stage
def stage(target, data):
    tmp = real(target, data)
    os.kill(os.getpid(), signal.SIGTERM)      # held off until the rename is done
    return tmp
atomic._stage = stage
atomic.write_atomic(sys.argv[1], b"new\\n")
print("not reached")
"""


def test_a_kill_during_the_write_leaves_the_new_file_and_no_temporary(here: Path) -> None:
    import sys
    write(here, "s.yml", "old\n")
    done = subprocess.run([sys.executable, "-c", KILL_DURING_WRITE, "s.yml"], capture_output=True,
                          text=True, env={"PYTHONPATH": str(Path(__file__).parents[1])})
    assert done.returncode == -15 and "not reached" not in done.stdout
    assert (here / "s.yml").read_text() == "new\n"
    assert sorted(p.name for p in here.iterdir()) == ["s.yml"]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_the_forked_half_dies_with_its_parent(here: Path) -> None:
    import os
    import signal
    import sys
    import time
    from stacklint.parallel import split
    if not split.can_fork():
        pytest.skip("one core: a big stack is checked in one process")
    services = "".join(f"  svc{i}:\n    image: example/app:{i}\n    environment:\n"
                       + "".join(f"      VAR_{j}: value-{j}-{'x' * 40}\n" for j in range(20))
                       for i in range(600))
    write(here, "big.yml", 'version: "3.8"\nservices:\n' + services)
    assert (here / "big.yml").stat().st_size > split.SPLIT_FROM
    proc = subprocess.Popen([sys.executable, "-m", "stacklint", "check", "-f", "big.yml"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    deadline, child = time.monotonic() + 30, None
    while child is None and time.monotonic() < deadline and proc.poll() is None:
        found = _children(proc.pid)
        child = found[0] if found else None
        time.sleep(0.005)
    if child is None:
        proc.wait()
        pytest.skip("the check ended before its half was forked")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 0.5          # well before its half of the work is done
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


# -- files from outside the repository or the stack's folder -------------------------------

SHADOW = "root:$6$SHADOWHASHxyz:19000:0:99999:7:::\n"


@pytest.mark.parametrize("argv", [["check"], ["check", "--format", "sarif"],
                                  ["check", "docker-compose.yml", "stack.yml"],
                                  ["fix", "docker-compose.yml", "stack.yml"]])
def test_discovery_never_follows_a_symlink_out_of_the_repository(here: Path, run_cli,  # type: ignore[no-untyped-def]
                                                                 argv: list[str]) -> None:
    import os
    (here / "repo").mkdir()
    write(here, "shadow", SHADOW)
    os.chdir(here / "repo")
    (here / "repo" / "docker-compose.yml").symlink_to("../shadow")
    write(here / "repo", "stack.yml", 'version: "3.8"\nservices:\n  a:\n    image: nginx:1\n')
    code, out, err = run_cli(*argv)
    assert code == (2 if argv[0] == "fix" else 1), err
    assert "SHADOWHASH" not in out + err
    assert "docker-compose.yml" in out + err and "symlink to a file outside the repository" in out + err
    assert (here / "shadow").read_text() == SHADOW


def test_env_file_and_secret_file_outside_the_stack_folder(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (here / "stack").mkdir()
    write(here, "app.env", "A_TOKEN=verysecretvalue\nPLAIN=1\n")
    write(here / "stack", "s.yml", 'version: "3.8"\nservices:\n  a:\n    image: nginx:1\n'
                                   '    env_file: ../app.env\n    secrets: [s]\n'
                                   'secrets:\n  s:\n    file: ../../pw\n')
    code, out, err = run_cli("check", "-f", "stack/s.yml", "--format", "json")
    found = [f for f in json.loads(out)["findings"] if f["rule_id"] == "SL037"]
    assert [(f["line"], f["column"]) for f in found] == [(5, 15), (9, 11)]
    assert "verysecretvalue" not in out + err


# -- values Docker rejects (checked against `docker stack config` where it is installed) -----

REJECTED = [
    ("    deploy: {replicas: -1}\n", "must be at least 0"),
    ("    deploy:\n      update_config: {parallelism: -1}\n", "must be at least 0"),
    ("    deploy:\n      restart_policy: {max_attempts: -1}\n", "must be at least 0"),
    ("    healthcheck: {retries: -1}\n", "must be at least 0"),
    ("    deploy:\n      resources:\n        limits: {memory: 512Mi}\n", "is not a size"),
    ("    deploy:\n      resources:\n        limits: {memory: \"\"}\n", "must not be empty"),
    ("    deploy:\n      resources:\n        limits: {memory: \"٣m\"}\n", "is not a size"),
    ("    deploy:\n      resources:\n        limits: {memory: 5.5.5m}\n", "is not a size"),
    ("    shm_size: 1024\n", "must be a string, not the number 1024"),
    ("    ports: [\"٣٠٠٠:80\"]\n", "port"),
    ("    ports: [80.5]\n", "the number 80.5"),
    ("    ports: [{target: 80, published: -1e30}]\n", "must be at least 0"),
    ("    ulimits: {nofile: 1e30}\n", "a ulimit is an integer"),
    ("    ulimits: {nofile: 1.5}\n", "a ulimit is an integer"),   # Docker: must be a integer
    ("    ulimits: {nofile: {soft: 1.0, hard: 2}}\n", "a ulimit is an integer"),
    ("    stop_grace_period: 2562048h\n", "duration"),
    ("    healthcheck: {interval: 2562048h}\n", "duration"),
    ("x-loop: &loop\n  <<: *loop\n", "contains an alias of itself"),
    ("    user: 2001-12-14\n", "services.a.user is the unquoted date 2001-12-14"),
    ("    hostname: 2001-12-14t21:59:43.10-05:00\n", 'quote it ("2001-12-14t21:59:43.10-05:00")'),
    ("    working_dir: 2001-12-14 21:59:43.10\n", "unconvertible type 'time.Time'"),
    ("    command: [run, 2001-1-4]\n", "services.a.command.1 is the unquoted date"),
    ("x-list: &l [1, *l]\n", "contains an alias of itself"),
]
ACCEPTED = ["    deploy:\n      resources:\n        limits: {memory: 512MiB}\n",
            "    deploy:\n      resources:\n        limits: {memory: 1e3m}\n",
            "    stop_grace_period: 2562047h\n",
            "    shm_size: \"1024\"\n",
            "x-base: &b {a: 1}\nx-more: {<<: *b}\n",
            # go-yaml's timestamp forms only: a zone without a T, a bad day, a quoted date;
            # in a map of text (labels, environment) Docker writes the time as text instead
            "    user: 2001-12-14 21:59:43.10 -5\n", "    user: 2001-02-30\n",
            "    user: \"2001-12-14\"\n", "    labels: {built: 2001-12-14}\n"]


def _docker_verdict(folder: Path) -> bool | None:
    import shutil
    docker = shutil.which("docker")
    if docker is None:
        return None
    done = subprocess.run([docker, "stack", "config", "-c", "s.yml"], cwd=folder,
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    return done.returncode == 0


@pytest.mark.parametrize("body,said", REJECTED, ids=[r[0].strip() for r in REJECTED])
def test_values_docker_rejects_are_rejected(here: Path, run_cli, body: str, said: str) -> None:  # type: ignore[no-untyped-def]
    top = body.startswith("x-")
    write(here, "s.yml", 'version: "3.8"\nservices:\n  a:\n    image: x:1\n' + ("" if top else body)
          + (body if top else ""))
    code, out, err = run_cli("validate", "-f", "s.yml")
    assert code in (1, 2) and said in out + err, out + err
    assert WHERE.search(out + err), out + err
    assert _docker_verdict(here) in (None, False)


@pytest.mark.parametrize("body", ACCEPTED, ids=[b.strip() for b in ACCEPTED])
def test_values_docker_accepts_are_accepted(here: Path, run_cli, body: str) -> None:  # type: ignore[no-untyped-def]
    top = body.startswith("x-")
    write(here, "s.yml", 'version: "3.8"\nservices:\n  a:\n    image: x:1\n' + ("" if top else body)
          + (body if top else ""))
    code, out, err = run_cli("validate", "-f", "s.yml")
    assert code == 0, out + err
    assert _docker_verdict(here) in (None, True)


def test_fix_keeps_a_second_bom_in_front(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    import codecs
    write(here, "compose.yml", codecs.BOM_UTF8 * 2 + V2.encode())
    code, _, err = run_cli("fix", "compose.yml")
    assert code == 0, err
    raw = (here / "compose.yml").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8 * 2) and fixed(raw[6:].decode())
    assert run_cli("fix", "compose.yml")[0] == 0 and (here / "compose.yml").read_bytes() == raw


@pytest.mark.parametrize("value", ["1e309", "1" + "0" * 400, "-1e309"])
def test_a_number_beyond_float64_is_a_string_as_for_go_yaml(here: Path, run_cli, value: str) -> None:  # type: ignore[no-untyped-def]
    write(here, "s.yml", f'version: "3.8"\nservices:\n  a:\n    image: x:1\n'
                         f'    healthcheck: {{retries: {value}}}\n')
    code, out, _ = run_cli("validate", "-f", "s.yml")
    assert code == 1 and f'not the string "{value}"' in out and "float64's range" in out
    assert "without quotes" not in out
    assert _docker_verdict(here) in (None, False)


def test_fix_keeps_the_comments_of_the_lines_it_moves_and_rewrites(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write(here, "a.env", "")
    write(here, "compose.yml", 'version: "3.8"\nservices:\n  web:\n    image: nginx:1  # the image\n'
          '    cpus: 0.5  # half a core\n    mem_limit: 512m  # memory cap\n    depends_on:\n'
          '      db:  # the database\n        condition: service_healthy  # wait\n'
          '    env_file:\n      - path: a.env  # env\n  db:\n    image: postgres:16\n')
    code, _, err = run_cli("fix", "compose.yml")
    assert code == 0, err
    text = (here / "compose.yml").read_text()
    for line in ('cpus: "0.5"  # half a core', "memory: 512m  # memory cap", "- db  # the database",
                 "# wait", "- a.env  # env", "image: nginx:1  # the image"):
        assert line in text, text
    assert run_cli("fix", "compose.yml")[0] == 0 and (here / "compose.yml").read_text() == text


def test_a_quoted_date_stays_quoted_in_merged_output(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    # written bare, the merged file would say a timestamp where the user wrote text
    write(here, "s.yml", 'version: "3.8"\nservices:\n  a:\n    image: x:1\n    user: "2001-12-14"\n')
    code, out, err = run_cli("merge", "-f", "s.yml")
    assert code == 0 and 'user: "2001-12-14"' in out, out + err


# -- deliberate differences from `docker stack config` ---------------------------------------

RATIO = 'version: "3.8"\nservices:\n  a:\n    image: {image}\n    deploy:\n      {key}: {{max_failure_ratio: {ratio}}}\n'


@pytest.mark.parametrize("key,ratio,said", [
    ("update_config", "-1", "the swarm refuses the service at deploy"),
    ("rollback_config", "2.5", "the swarm deploys it as given"),
])
def test_a_ratio_outside_0_to_1_stays_a_finding_docker_config_accepts(  # type: ignore[no-untyped-def]
        here: Path, run_cli, key: str, ratio: str, said: str) -> None:
    # deliberate: `docker stack config` accepts any number here; the swarm refuses an update
    # ratio outside 0..1 and keeps a rollback one that cannot mean a fraction of tasks
    write(here, "s.yml", RATIO.format(image="x:1", key=key, ratio=ratio))
    code, out, err = run_cli("validate", "-f", "s.yml")
    assert code == 1 and "s.yml:6:" in out and said in out and "docker stack config` accepts" in out
    assert _docker_verdict(here) in (None, True)


def test_the_swarm_refuses_an_update_ratio_below_0(swarm_stack: str, tmp_path: Path) -> None:
    (tmp_path / "s.yml").write_text(RATIO.format(image=f"{IMAGE}:v1", key="update_config", ratio="-1"))
    done = docker("stack", "deploy", "-c", str(tmp_path / "s.yml"), swarm_stack, timeout=120)
    assert "update-maxfailureratio cannot be less than 0 or bigger than 1" in done.stdout + done.stderr
    (tmp_path / "s.yml").write_text(RATIO.format(image=f"{IMAGE}:v1", key="rollback_config", ratio="-1"))
    done = docker("stack", "deploy", "-c", str(tmp_path / "s.yml"), swarm_stack, timeout=120)
    assert done.returncode == 0, done.stderr
    spec = docker("service", "inspect", f"{swarm_stack}_a", "--format",
                  "{{.Spec.RollbackConfig.MaxFailureRatio}}")
    assert spec.stdout.strip() == "-1"


# -- a tab in the indentation of a comment line ------------------------------------------------

TAB_COMMENTS = [   # (text, Docker accepts): go-yaml takes a tab-led comment after a comment line
    ('version: "3.8"\nservices:\n  a:\n    image: x:1\n    # one\n\t# two\n    user: root\n', True),
    ('version: "3.8"\nservices:\n  a:\n    image: x:1\n    # one\n\n  \t# two\n\t# three\n'
     '    user: root\n', True),
    ('# a\n\t# b\nversion: "3.8"\nservices:\n  a:\n    image: x:1\n', True),
    ('version: "3.8"\nservices:\n  a:\n    image: x:1 # c\n\t# two\n    user: root\n', False),
    ('version: "3.8"\nservices:\n  a:\n\t# c\n    image: x:1\n', False),
    ('\t# first\nversion: "3.8"\nservices:\n  a:\n    image: x:1\n', False),
]


@pytest.mark.parametrize("text,accepted", TAB_COMMENTS, ids=[str(i) for i in range(len(TAB_COMMENTS))])
def test_a_tab_led_comment_line_is_read_where_go_yaml_reads_it(  # type: ignore[no-untyped-def]
        here: Path, run_cli, text: str, accepted: bool) -> None:
    write(here, "s.yml", text)
    code, out, err = run_cli("validate", "-f", "s.yml")
    assert (code == 0) is accepted, out + err
    assert accepted or WHERE.search(out + err), out + err
    assert _docker_verdict(here) in (None, accepted)


def test_origins_after_a_tab_led_comment_stay_exact() -> None:
    from stacklint.load.document import parse
    from stacklint.tree import value_origin
    text = 'version: "3.8"\n# one\n\t# two\nservices:\n  a:\n    # x\n \t # y\n    user: root\n'
    doc = parse(text, "s.yml")
    service = doc.data["services"]["a"]
    origin = value_origin(service, "user")
    assert (origin.line, origin.column) == (8, 11)
    assert text[origin.start:origin.end] == "root" and doc.text == text


def test_fix_keeps_the_tabs_of_a_comment_line(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write(here, "s.yml", 'version: "3.8"\nservices:\n  web:\n    image: nginx:1\n    # one\n'
                         '\t# two\n    cpus: 0.5\n')
    code, _, err = run_cli("fix", "s.yml")
    assert code == 0, err
    text = (here / "s.yml").read_text()
    assert "    # one\n\t# two\n" in text and 'cpus: "0.5"' in text, text


def test_a_second_bom_counts_on_line_1(here: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    import codecs
    from stacklint.load.document import read
    from stacklint.tree import value_origin
    write(here, "s.yml", codecs.BOM_UTF8 * 2 + b'version: 3.8\nx-a: &a {k: v}\nx-b: *a\n'
                         b'services: {a: {image: "x:1"}}\n')
    code, out, _ = run_cli("validate", "-f", "s.yml")
    assert code == 1 and "s.yml:1:11: " in out, out     # the second BOM is a character on line 1
    doc = read(here / "s.yml")
    for container, key, said in ((doc.data, "version", "3.8"), (doc.data["x-b"], "k", "v"),
                                 (doc.data["services"]["a"], "image", '"x:1"')):
        origin = value_origin(container, key)
        assert doc.text[origin.start:origin.end] == said, origin
    write(here, "e.yml", codecs.BOM_UTF8 * 2 + b'version: "3.8": x\n')
    code, out, _ = run_cli("validate", "-f", "e.yml")
    assert code == 1 and "e.yml:1:16: " in out, out

"""Hostile input: the project's own stack files mutated (tests/fuzzgen.py) through merge,
validate, check and fix, in-process and, for the heavy cases, in a process with limits.

Seeded and bounded: `--fuzz-runs N` (default in conftest.py, about two minutes with docker)
and `--fuzz-seed S`; `pytest -m fuzz --fuzz-runs 2000` for a long run.
Properties of every run: exit 0, 1 or 2, no traceback or internal error; every error
names file:line:column and has a hint; `fix` changes nothing when it exits 2, keeps the
file's line endings, encoding and BOM, and a second `fix` changes nothing; nothing is
written beside the file; each run ends within RUN_SECONDS. Where the docker CLI is
installed: stacklint never accepts what `docker stack config` rejects (except the Docker
bugs named in DOCKER_BUGS), and `fix` never turns a file Docker accepts into one it rejects.
"""
from __future__ import annotations

import codecs
import contextlib
import io
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import fuzzgen

pytestmark = [pytest.mark.fuzz, pytest.mark.slow]

SOURCES = fuzzgen.sources()
NAME = "compose.yml"
RUN_SECONDS = 20.0          # per command run; the slowest legitimate input takes well under 1s
MAX_RSS_MB = 1500           # the test process, after all runs
DOCKER = shutil.which("docker")
ERROR_LINE = re.compile(r"^(?P<where>\S.*?): error: ")
WHERE = re.compile(r"^[^\n]+:\d+:\d+$")

# Docker bugs: inputs Docker rejects for a reason stacklint deliberately does not copy.
DOCKER_BUGS = {
    # a second UTF-8 BOM: Docker reads it into the file's first keys (`\ufeffversion`, and
    # after `version:` even `services` loses its first letter: "Additional property ervices")
    "double-bom": lambda raw, err: _second_bom(raw),
}


def _second_bom(raw: bytes) -> bool:
    """A byte order mark right after the first (UTF-8 or UTF-16)."""
    from stacklint.load.document import decode
    try:
        return decode(raw, NAME)[0].startswith("\ufeff")
    except Exception:       # noqa: BLE001 - undecodable: not this bug
        return False


def _options(request: pytest.FixtureRequest) -> tuple[int, int]:
    return request.config.getoption("fuzz_runs"), request.config.getoption("fuzz_seed")


def run(argv: list[str]) -> tuple[int, str, str, float]:
    """`stacklint ARGV` in-process: exit code, stdout, stderr, seconds."""
    from stacklint.cli import main
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - started


def docker_accepts(folder: Path) -> tuple[bool, str]:
    assert DOCKER
    done = subprocess.run([DOCKER, "stack", "config", "-c", NAME], cwd=folder, capture_output=True,
                          text=True, timeout=60, env={"PATH": os.environ.get("PATH", ""),
                                                      "HOME": str(folder)})
    return done.returncode == 0, done.stderr


def assert_clean_run(argv: list[str], code: int, out: str, err: str, seconds: float) -> None:
    fuzzgen.STATS[f"{argv[0]} exit {code}"] += 1
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in out + err and "internal error" not in err, (argv, err)
    assert seconds < RUN_SECONDS, (argv, seconds)
    lines = err.splitlines()
    for i, line in enumerate(lines):
        match = ERROR_LINE.match(line)
        if not match:
            continue
        assert WHERE.match(match.group("where")), f"no file:line:column: {line!r}"
        assert i + 1 < len(lines) and lines[i + 1].startswith("  hint: "), \
            f"no hint: {line!r}"


def one_input(folder: Path, raw: bytes, docker: bool) -> None:
    """Every property on one mutated file (written as compose.yml in `folder`)."""
    path = folder / NAME
    path.write_bytes(raw)
    before = set(folder.iterdir())
    for argv in (["validate", "-f", NAME], ["merge", "-f", NAME], ["check", "-f", NAME]):
        assert_clean_run(argv, *run(argv))
    code, _, err, seconds = run(["validate", "-f", NAME])
    verdict = code
    assert path.read_bytes() == raw, "a read-only command changed the file"
    accepted = None
    if docker:
        accepted, docker_err = docker_accepts(folder)
        fuzzgen.STATS[f"docker {'accepts' if accepted else 'rejects'}"] += 1
        if not accepted and verdict == 0:
            bugs = [n for n, test in DOCKER_BUGS.items() if test(raw, docker_err)]
            fuzzgen.STATS["docker bug named" if bugs else "accepted what docker rejects"] += 1
            assert bugs, f"stacklint accepts what docker rejects: {docker_err.strip()}"
        if accepted and verdict != 0:
            fuzzgen.STATS["rejected what docker accepts"] += 1
    argv = ["fix", NAME]
    code, out, err, seconds = run(argv)
    assert_clean_run(argv, code, out, err, seconds)
    after = path.read_bytes()
    assert set(folder.iterdir()) == before, "fix wrote beside the file"
    if code == 2:
        assert after == raw, "fix exited 2 and changed the file"
        return
    if after != raw:
        fuzzgen.STATS["fix changed the file"] += 1
        _same_form(raw, after)
        if accepted:
            ok, docker_err = docker_accepts(folder)
            bugs = [n for n, test in DOCKER_BUGS.items() if test(raw, docker_err)]
            assert ok or bugs, f"fix turned a file docker accepts into one it rejects: {docker_err}"
    code, out, err, seconds = run(argv)
    assert_clean_run(argv, code, out, err, seconds)
    assert path.read_bytes() == after, "a second fix changed the file again"


def _bom(raw: bytes) -> bytes:
    for bom in (codecs.BOM_UTF8 * 2, codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if raw.startswith(bom):
            return bom
    return b""


def _endings(raw: bytes) -> set[str]:
    from stacklint.load.document import decode
    text, _ = decode(raw, NAME)
    text = text.replace("\r\n", "\x00")
    return {name for name, mark in (("crlf", "\x00"), ("lf", "\n"), ("cr", "\r")) if mark in text}


def _same_form(raw: bytes, after: bytes) -> None:
    assert _bom(after) == _bom(raw), "fix changed the BOM"
    assert _endings(after) <= _endings(raw) or not _endings(raw), \
        f"fix changed the line endings: {_endings(raw)} -> {_endings(after)}"


steps = st.lists(st.tuples(st.sampled_from(sorted(set(fuzzgen.MUTATIONS) - fuzzgen.HEAVY)),
                           st.integers(0, 2**32 - 1)), min_size=1, max_size=2)
inputs = st.tuples(st.sampled_from(SOURCES), steps, st.sampled_from(fuzzgen.ENCODINGS),
                   st.sampled_from(fuzzgen.NEWLINES))


@pytest.mark.skipif(not SOURCES, reason="no fixtures to mutate")
def test_mutated_fixtures(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    runs, chosen = _options(request)
    docker = DOCKER is not None
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    home = Path.cwd()
    counter = iter(range(10**9))

    @seed(chosen)
    @settings(max_examples=runs, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), print_blob=True)
    @given(inputs)
    def check(case: tuple[Path, list[tuple[str, int]], str, str]) -> None:
        source, mutations, encoding, newline = case
        folder = tmp_path_factory.mktemp(f"fuzz{next(counter)}", numbered=False)
        raw = fuzzgen.mutate(source, mutations, encoding, newline)
        fuzzgen.STATS["inputs"] += 1
        os.chdir(folder)
        try:
            one_input(folder, raw, docker)
        except AssertionError as exc:
            raise AssertionError(f"{source.relative_to(fuzzgen.REPO)} {mutations} {encoding} "
                                 f"{newline!r}: {exc}") from None
        finally:
            os.chdir(home)
            shutil.rmtree(folder, ignore_errors=True)

    check()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert rss_mb < MAX_RSS_MB, f"{rss_mb:.0f} MB"


HEAVY_LIMIT_BYTES = 1 << 30       # address space of each heavy run
HEAVY_SECONDS = 60


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (HEAVY_LIMIT_BYTES, HEAVY_LIMIT_BYTES))


@pytest.mark.parametrize("mutation", sorted(fuzzgen.HEAVY))
@pytest.mark.parametrize("number", range(2))
def test_heavy_inputs_end_in_time_and_memory(mutation: str, number: int, tmp_path: Path,
                                             request: pytest.FixtureRequest) -> None:
    """Alias bombs and deep nesting, in a process limited to 1 GiB and a minute."""
    _, chosen = _options(request)
    source = SOURCES[(chosen + number) % len(SOURCES)]
    raw = fuzzgen.mutate(source, [(mutation, chosen * 10 + number)], "utf-8", "\n")
    (tmp_path / NAME).write_bytes(raw)
    env = {**os.environ, "PYTHONPATH": str(fuzzgen.REPO)}
    for argv in (["check", "-f", NAME], ["fix", NAME], ["merge", "-f", NAME]):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "stacklint", *argv], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=HEAVY_SECONDS,
                              preexec_fn=_limited)
        fuzzgen.STATS[f"heavy {argv[0]} exit {done.returncode}"] += 1
        assert_clean_run(argv, done.returncode, done.stdout, done.stderr,
                         time.perf_counter() - started)

"""Measure one process: wall time, CPU time and peak memory, alternating with Docker's."""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Sample:
    """One finished process."""

    seconds: float
    peak_mib: float
    rc: int
    err: str
    cpu: float = 0.0      # user + system seconds: steadier than wall time on a busy machine


# A small launcher spawns and reaps the measured process.  Peak RSS from wait4 also counts the
# address space the child had before exec (vfork shares the parent's), so measuring straight
# from this process, which holds generated data, would report its size instead of the child's.
_LAUNCHER = """
import os, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.posix_spawnp(cmd[0], cmd, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(out, "w") as f:
    cpu = usage.ru_utime + usage.ru_stime
    f.write(f"{seconds} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)} {cpu}")
"""


def run_once(cmd: list[str], cwd: Path, env: dict[str, str]) -> Sample:
    """Wall time from spawn to exit and the child's peak RSS, both taken by the launcher."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".rusage") as result:
        launcher = [sys.executable, "-I", "-S", "-c", _LAUNCHER, result.name, *cmd]
        subprocess.run(launcher, cwd=cwd, env=env, stdout=out, stderr=err,
                       stdin=subprocess.DEVNULL, check=False)
        seconds, maxrss_kib, rc, cpu = result.read().split()
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
        if not text.strip():  # some commands report on stdout
            out.seek(0)
            text = out.read(4000).decode("utf-8", "replace")
    # Linux reports ru_maxrss in KiB
    return Sample(float(seconds), int(maxrss_kib) / 1024, int(rc), text.strip()[-300:],
                  float(cpu))


@dataclass
class Case:
    """One benchmark: a stacklint command, optionally a Docker command, and its budgets."""

    name: str
    stacklint: list[str]
    docker: list[str] | None
    cwd: Path
    prepare: list[tuple[Path, Path]] = field(default_factory=list)  # copy src -> dst before a run
    docker_serial: list[list[str]] = field(default_factory=list)    # one Docker run per stack
    ours: list[Sample] = field(default_factory=list)
    theirs: list[Sample] = field(default_factory=list)

    def median(self, which: str, attr: str) -> float | None:
        samples = self.ours if which == "ours" else self.theirs
        good = (0, 1) if which == "ours" else (0,)   # stacklint exits 1 on findings
        ok = [getattr(s, attr) for s in samples if s.rc in good]
        return statistics.median(ok) if ok and len(ok) == len(samples) else None

    def error(self) -> str | None:
        bad = [s for s in self.ours if s.rc not in (0, 1)]
        return f"exit {bad[0].rc}: {bad[0].err.splitlines()[-1] if bad[0].err else ''}" if bad else None


def _run_case(case: Case, env: dict[str, str], runs: int, warmup: int) -> None:
    for i in range(warmup + runs):
        for src, dst in case.prepare:
            shutil.copyfile(src, dst)
        ours = run_once(case.stacklint, case.cwd, env)
        theirs = run_once(case.docker, case.cwd, env) if case.docker else None
        if i >= warmup:
            case.ours.append(ours)
            if theirs:
                case.theirs.append(theirs)
        if ours.rc not in (0, 1) and i >= warmup:
            break  # a failing command does not get faster by repeating it


def _run_serial(cmds: list[list[str]], cwd: Path, env: dict[str, str]) -> Sample:
    """Docker has no multi-stack mode: one process per stack, times summed, peak the max."""
    samples = [run_once(c, cwd, env) for c in cmds]
    bad = [s for s in samples if s.rc != 0]
    return Sample(sum(s.seconds for s in samples), max(s.peak_mib for s in samples),
                  bad[0].rc if bad else 0, bad[0].err if bad else "", sum(s.cpu for s in samples))


def measure(cases: dict[str, Case], env: dict[str, str], runs: int, warmup: int,
            only: set[str] | None = None) -> None:
    for key, case in cases.items():
        if only and key not in only:
            continue
        print(f"  {case.name} ...", file=sys.stderr, flush=True)
        serial = case.docker_serial
        if serial:  # alternate one stacklint run with one full Docker sweep
            for i in range(warmup + runs):
                ours = run_once(case.stacklint, case.cwd, env)
                theirs = _run_serial(serial, case.cwd, env)
                if i >= warmup:
                    case.ours.append(ours)
                    case.theirs.append(theirs)
        else:
            _run_case(case, env, runs, 0 if key.startswith(("check5000", "merge5000")) else warmup)

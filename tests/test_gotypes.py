"""Every Go value through every reader: one table per kind, each input run through gotypes
itself, the schema's format check, normalisation (what `merge` prints) and the rules' reader,
and, where the docker CLI is here, held against `docker stack config` (Docker CLI 28)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from stacklint import gotypes
from stacklint.lint.checks import duration as rule_duration
from stacklint.gotypes import parse_bytes
from stacklint.load.stack import load_stack

# text -> nanoseconds Go's time.ParseDuration gives, None where it errs
DURATIONS = {
    "0": 0, "-0": 0, "+5s": 5 * 10**9, "1.s": 10**9, ".5s": 5 * 10**8, "1µs": 1000,
    "1μs": 1000, "1us": 1000, "1h30m": 5400 * 10**9, "1.5h": 5400 * 10**9,
    "2562047h": 2562047 * 3600 * 10**9, "9223372036854775807ns": 2**63 - 1,
    "-2562047h47m16.854775808s": -(2**63),
    "2562048h": None, "9223372036854775808ns": None, " 1s": None, "1s ": None,
    "1.2.3s": None, ".s": None, "00": None, "1h1": None, "1": None, "": None, "1x": None,
}
# text -> bytes go-units' RAMInBytes gives, None where it errs
SIZES = {
    "1e3": 1000, "1 g": 1 << 30, "1kib": 1024, "1.5G": 1610612736, "0x1p4": 16, ".5k": 512,
    "1.": 1, "1B": 1, "+1k": 1024, "1 ": 1, "512MiB": 512 << 20,
    " 1g": None, "1.2.3g": None, "1ki": None, "-1": None, "1  g": None, "1bb": None,
    "1e400": None, "nan": None, "1x": None, "512Mi": None,
}


def _stack(tmp_path: Path, service: str) -> Path:
    path = tmp_path / "s.yml"
    path.write_text('version: "3.8"\nservices:\n  web:\n    image: nginx:1.27\n' + service)
    return path


@pytest.mark.parametrize("text", sorted(DURATIONS))
def test_a_duration_reads_the_same_everywhere(text: str, tmp_path: Path) -> None:
    ns = DURATIONS[text]
    assert gotypes.parse_duration(text) == ns
    assert gotypes.is_duration(text) is (ns is not None)                 # schema format
    assert rule_duration(text) == (None if ns is None else ns / 1e9)    # the rules' reader
    stack = load_stack([str(_stack(tmp_path, f'    stop_grace_period: "{text}"\n'))])
    printed = stack.model["services"]["web"]["stop_grace_period"]      # what merge prints
    assert printed == (text if ns is None else gotypes.format_duration(ns))


@pytest.mark.parametrize("text", sorted(SIZES))
def test_a_byte_size_reads_the_same_everywhere(text: str, tmp_path: Path) -> None:
    size = SIZES[text]
    assert parse_bytes(text) == size
    assert gotypes.is_byte_size(text) is (size is not None)             # swarm checks
    stack = load_stack([str(_stack(tmp_path, "    deploy:\n      resources:\n        limits:\n"
                                             f'          memory: "{text}"\n'))])
    printed = stack.model["services"]["web"]["deploy"]["resources"]["limits"]["memory"]
    assert printed == (text if size is None else str(size))


def _docker(tmp_path: Path, service: str) -> subprocess.CompletedProcess[str]:
    if not shutil.which("docker"):
        pytest.skip("needs the docker CLI on PATH (docker stack config)")
    _stack(tmp_path, service)
    return subprocess.run(["docker", "stack", "config", "-c", "s.yml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})


@pytest.mark.docker
@pytest.mark.parametrize("text", sorted(DURATIONS))
def test_docker_reads_the_durations_so(text: str, tmp_path: Path) -> None:
    done = _docker(tmp_path, f'    stop_grace_period: "{text}"\n')
    ns = DURATIONS[text]
    assert (done.returncode == 0) is (ns is not None), done.stderr
    if ns is not None and ns != 0:
        assert f"stop_grace_period: {gotypes.format_duration(ns)}\n" in done.stdout


@pytest.mark.docker
@pytest.mark.parametrize("text", sorted(SIZES))
def test_docker_reads_the_sizes_so(text: str, tmp_path: Path) -> None:
    done = _docker(tmp_path, "    deploy:\n      resources:\n        limits:\n"
                             f'          memory: "{text}"\n')
    size = SIZES[text]
    assert (done.returncode == 0) is (size is not None), done.stderr
    if size is not None:
        assert f'memory: "{size}"' in done.stdout

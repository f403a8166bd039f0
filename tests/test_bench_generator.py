"""The benchmark's generated stacks: deterministic, realistic, and accepted by Docker."""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow   # generates and checks benchmark-sized chains

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
assert _spec and _spec.loader
generate = importlib.util.module_from_spec(_spec)
sys.modules["bench_generate"] = generate
_spec.loader.exec_module(generate)

needs_docker = pytest.mark.skipif(shutil.which("docker") is None,
                                  reason="docker CLI not on PATH (docker stack config is the truth)")


def _docker_config(files: list[Path]) -> subprocess.CompletedProcess[str]:
    args = [a for f in files for a in ("-c", str(f))]
    return subprocess.run(["docker", "stack", "config", *args], capture_output=True, text=True,
                          cwd=files[0].parent, check=False, timeout=120,
                          env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(files[0].parent)})


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    a = [p.read_bytes() for p in generate.write_chain(tmp_path / "a", 10, seed=7)]
    b = [p.read_bytes() for p in generate.write_chain(tmp_path / "b", 10, seed=7)]
    c = [p.read_bytes() for p in generate.write_chain(tmp_path / "c", 10, seed=8)]
    assert a == b
    assert a != c


def test_chain_has_the_realistic_parts(tmp_path: Path) -> None:
    base, prod, ops = (yaml.safe_load(p.read_text()) for p in generate.write_chain(tmp_path, 100))
    assert len(base["services"]) == 100 and len(prod["services"]) == 100
    assert 0 < len(ops["services"]) < 100
    assert {"networks", "volumes", "secrets", "configs"} <= set(base)
    svc = base["services"]["svc-00001"]
    assert {"environment", "volumes", "labels", "networks", "secrets", "configs",
            "healthcheck", "ports"} <= set(svc)
    deploy = prod["services"]["svc-00001"]["deploy"]
    assert {"update_config", "rollback_config", "resources", "placement"} <= set(deploy)
    assert "start_period" in ops["services"]["svc-00001"]["healthcheck"]
    for name in base["services"]:  # every referenced secret/config/network is declared
        s = base["services"][name]
        assert set(s["secrets"]) <= set(base["secrets"])
        assert set(s["networks"]) <= set(base["networks"])


def test_merged_file_has_compose_v2_breakages(tmp_path: Path) -> None:
    merged = yaml.safe_load(generate.write_merged(tmp_path, 20).read_text())
    assert merged["name"] == "bench" and "version" not in merged
    svc = merged["services"]["svc-00001"]
    assert isinstance(svc["deploy"]["resources"]["limits"]["cpus"], float)
    assert isinstance(svc["ports"][0]["published"], str)
    # the overrides were applied: prod's replicas and ops' healthcheck tuning
    assert svc["deploy"]["replicas"] >= 2 and svc["healthcheck"]["start_period"] == "40s"


def test_many_stacks_layout(tmp_path: Path) -> None:
    repo, listing = generate.write_many(tmp_path, stacks=100)
    files = [f for fs in listing.values() for f in fs]
    assert len(listing) == 100 and len(files) == 500
    assert all((repo / f).is_file() for f in files)
    config = yaml.safe_load((repo / ".stacklint.yaml").read_text())
    assert config["stacks"] == listing


def test_numbers_chain_is_the_readme_chain(tmp_path: Path) -> None:
    files = generate.write_numbers(tmp_path)
    assert [f.name for f in files] == list(generate.NUMBERS_CHAIN)
    assert all(f.stat().st_size > 0 for f in files)


@needs_docker
@pytest.mark.docker
@pytest.mark.parametrize("n", [10, 100])
def test_docker_accepts_chain(tmp_path: Path, n: int) -> None:
    files = generate.write_chain(tmp_path, n)
    result = _docker_config(files)
    assert result.returncode == 0, result.stderr
    merged = yaml.safe_load(result.stdout)
    assert len(merged["services"]) == n
    svc = merged["services"]["svc-00002"]      # the prod and ops overrides reached the output
    assert svc["deploy"]["update_config"]["order"] == "start-first"
    assert svc["healthcheck"]["start_period"] == "40s"
    assert svc["environment"]["ENVIRONMENT"] == "production"


def test_anchored_chain_shares_blocks_the_way_real_stacks_do(tmp_path: Path) -> None:
    files = generate.write_anchored_chain(tmp_path, 100)
    base, prod, ops = (p.read_text() for p in files)
    assert base.count("\n    <<: *common\n") == 100            # a merge key in every service
    assert base.count("\n      <<: *deploy\n") == 100
    assert "x-logging: &default-logging\n" in base and "logging: *default-logging" in base
    assert "networks: *net-" in base and "constraints: *zone-" in prod    # aliased lists
    assert "<<: *update" in prod and "<<: *probe" in ops
    assert [p.read_bytes() for p in generate.write_anchored_chain(tmp_path / "again", 100)] == \
        [p.encode() for p in (base, prod, ops)]


def _services_without_paths(merged: dict, folder: Path) -> dict:
    return yaml.safe_load(yaml.safe_dump(merged["services"]).replace(str(folder), "FOLDER"))


@needs_docker
@pytest.mark.docker
@pytest.mark.parametrize("n", [10, 100])
def test_docker_accepts_the_anchored_chain_and_reads_the_plain_chain_from_it(
        tmp_path: Path, n: int) -> None:
    anchored = generate.write_anchored_chain(tmp_path, n)
    plain = generate.write_chain(tmp_path, n)
    result = _docker_config(anchored)
    assert result.returncode == 0, result.stderr
    want = _docker_config(plain)
    got = _services_without_paths(yaml.safe_load(result.stdout), anchored[0].parent)
    for svc in got.values():        # the one key only the shared block adds
        assert svc.pop("stop_signal") == "SIGTERM"
    assert got == _services_without_paths(yaml.safe_load(want.stdout), plain[0].parent)


@needs_docker
@pytest.mark.docker
def test_docker_accepts_many_stacks_and_numbers(tmp_path: Path) -> None:
    repo, listing = generate.write_many(tmp_path, stacks=3)
    for files in listing.values():
        result = _docker_config([repo / f for f in files])
        assert result.returncode == 0, result.stderr
    result = _docker_config(generate.write_numbers(tmp_path))
    assert result.returncode == 0, result.stderr


def _bench_module(name: str):  # noqa: ANN202 - a script loaded by path
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"bench_{name}"] = module
    spec.loader.exec_module(module)
    return module


def test_peak_memory_is_the_childs_not_the_parents(tmp_path: Path) -> None:
    measure = _bench_module("measure")
    ballast = bytearray(300 * 2**20)  # a big parent must not inflate a small child's peak
    ballast[::4096] = b"x" * len(ballast[::4096])   # resident, not just reserved
    small = measure.run_once([sys.executable, "-S", "-c", "pass"], tmp_path, {})
    big = measure.run_once([sys.executable, "-S", "-c", "b = bytearray(200 * 2**20); b[::4096] = "
                            "b'x' * len(b[::4096])"], tmp_path, {})
    del ballast
    assert small.rc == 0 and big.rc == 0
    assert small.peak_mib < 60
    assert 200 <= big.peak_mib < 300
    assert big.cpu > 0 and big.seconds > 0
    failing = measure.run_once([sys.executable, "-S", "-c", "raise SystemExit(3)"], tmp_path, {})
    assert failing.rc == 3

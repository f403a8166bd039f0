"""Grouping loose files into whole override chains (stacklint.load.discover)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import NOTES_NUMBERS, missing_shared
from stacklint.load.discover import (STACK_FILE_RE, StackSpec, configured_stacks, discover_repo,
                                discover_stacks, is_stack_file)

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
NUMBERS = ["docker-compose.yml", "prod.yml", "prod-healthcheck.yml",
           "prod-update-config.yml", "prod-rollback-config.yml"]


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("services: {}\n")


def files_of(specs: list[StackSpec]) -> list[tuple[str, ...]]:
    return [spec.files for spec in specs]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    return tmp_path


# -- Compose conventions -------------------------------------------------------------------

def test_override_alone_brings_in_its_base(in_tmp: Path) -> None:
    touch(in_tmp, "compose.yaml", "compose.override.yaml")
    assert files_of(discover_stacks(["compose.override.yaml"])) == [
        ("compose.yaml", "compose.override.yaml")]


def test_base_brings_in_its_override(in_tmp: Path) -> None:
    touch(in_tmp, "compose.yaml", "compose.override.yaml")
    assert files_of(discover_stacks(["compose.yaml"])) == [("compose.yaml", "compose.override.yaml")]


def test_base_without_override_is_alone(in_tmp: Path) -> None:
    touch(in_tmp, "compose.yml")
    specs = discover_stacks(["compose.yml"])
    assert specs == [StackSpec("compose.yml", ("compose.yml",))]


def test_variant_chains_with_its_base(in_tmp: Path) -> None:
    touch(in_tmp, "docker-compose.yml", "docker-compose.prod.yml", "docker-compose.test.yml")
    assert files_of(discover_stacks(["docker-compose.prod.yml"])) == [
        ("docker-compose.yml", "docker-compose.prod.yml")]


def test_base_is_checked_in_every_chain_it_starts(in_tmp: Path) -> None:
    # the layout of a classic Swarm course repo: base, override, prod and test variants
    touch(in_tmp, "docker-compose.yml", "docker-compose.override.yml",
          "docker-compose.prod.yml", "docker-compose.test.yml")
    assert files_of(discover_stacks(["docker-compose.yml"])) == [
        ("docker-compose.yml", "docker-compose.override.yml"),
        ("docker-compose.yml", "docker-compose.prod.yml"),
        ("docker-compose.yml", "docker-compose.test.yml"),
    ]


def test_each_stack_once_whatever_is_staged(in_tmp: Path) -> None:
    touch(in_tmp, "docker-compose.yml", "docker-compose.prod.yml")
    staged = ["docker-compose.prod.yml", "docker-compose.yml", "./docker-compose.prod.yml",
              "./docker-compose.yml"]
    # the base is a stack of its own (`docker compose up`) and the start of the prod chain
    assert files_of(discover_stacks(staged)) == [("docker-compose.yml", "docker-compose.prod.yml"),
                                                 ("docker-compose.yml",)]


def test_dotted_variant_names(in_tmp: Path) -> None:
    touch(in_tmp, "docker-compose.yml", "docker-compose.deploy.labels.yml")
    assert files_of(discover_stacks(["docker-compose.deploy.labels.yml"])) == [
        ("docker-compose.yml", "docker-compose.deploy.labels.yml")]


def test_variant_without_base_is_alone(in_tmp: Path) -> None:
    touch(in_tmp, "docker-compose.swarm.yml")
    assert files_of(discover_stacks(["docker-compose.swarm.yml"])) == [("docker-compose.swarm.yml",)]


def test_families_do_not_mix(in_tmp: Path) -> None:
    touch(in_tmp, "compose.yaml", "docker-compose.prod.yml")
    assert files_of(discover_stacks(["docker-compose.prod.yml"])) == [("docker-compose.prod.yml",)]


def test_yaml_spelling_is_preferred_like_docker_compose(in_tmp: Path) -> None:
    touch(in_tmp, "compose.yaml", "compose.yml", "compose.override.yml")
    assert files_of(discover_stacks(["compose.override.yml"])) == [
        ("compose.yaml", "compose.override.yml")]
    assert files_of(discover_stacks(["compose.yml"])) == [("compose.yml",)]


def test_stack_named_files_stand_alone(in_tmp: Path) -> None:
    touch(in_tmp, "docker-stack.yml", "docker-stack.prod.yml", "stack-vote.yml")
    staged = ["docker-stack.prod.yml", "stack-vote.yml"]
    assert files_of(discover_stacks(staged)) == [("docker-stack.prod.yml",), ("stack-vote.yml",)]


def test_siblings_keep_the_folder_of_the_given_file(in_tmp: Path) -> None:
    touch(in_tmp, "deploy/swarm/compose.yaml", "deploy/swarm/compose.override.yaml",
          "other/compose.yaml")
    specs = discover_stacks(["deploy/swarm/compose.override.yaml", "other/compose.yaml"])
    assert files_of(specs) == [
        ("deploy/swarm/compose.yaml", "deploy/swarm/compose.override.yaml"),
        ("other/compose.yaml",)]
    assert specs[0].name == "deploy/swarm/compose.override.yaml"


def test_unknown_file_is_checked_alone_on_the_command_line(in_tmp: Path) -> None:
    touch(in_tmp, "prod.yml")
    assert files_of(discover_stacks(["prod.yml"])) == [("prod.yml",)]


def test_missing_file_is_passed_on_for_the_loader_to_report(in_tmp: Path) -> None:
    assert files_of(discover_stacks(["gone/compose.yaml"])) == [("gone/compose.yaml",)]


# -- configured stacks ---------------------------------------------------------------------

def numbers_config(root: Path | str = ".") -> SimpleNamespace:
    return SimpleNamespace(stacks={"numbers": NUMBERS, "v5": ["docker-compose.yml", "v5.yml"]},
                           root=str(root))


def test_staging_only_prod_checks_the_whole_configured_chain(in_tmp: Path) -> None:
    touch(in_tmp, *NUMBERS, "v5.yml")
    specs = discover_stacks(["prod.yml"], numbers_config())
    assert specs == [StackSpec("numbers", tuple(NUMBERS))]


def test_shared_base_brings_in_every_configured_stack(in_tmp: Path) -> None:
    touch(in_tmp, *NUMBERS, "v5.yml")
    specs = discover_stacks(["prod-healthcheck.yml", "docker-compose.yml"], numbers_config())
    assert [s.name for s in specs] == ["numbers", "v5"]


def test_config_wins_over_conventions(in_tmp: Path) -> None:
    touch(in_tmp, "docker-compose.yml", "docker-compose.prod.yml")
    config = SimpleNamespace(stacks={"prod": ["docker-compose.yml", "docker-compose.prod.yml"]})
    specs = discover_stacks(["docker-compose.yml"], config)
    assert specs == [StackSpec("prod", ("docker-compose.yml", "docker-compose.prod.yml"))]


def test_config_paths_are_relative_to_the_config_folder(in_tmp: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    touch(in_tmp, "ops/docker-compose.yml", "ops/prod.yml")
    config = SimpleNamespace(stacks={"prod": ["docker-compose.yml", "prod.yml"]},
                             root=str(in_tmp / "ops"))
    assert files_of(discover_stacks(["ops/prod.yml"], config)) == [
        ("ops/docker-compose.yml", "ops/prod.yml")]
    monkeypatch.chdir(in_tmp / "ops")            # the same file named from inside the folder
    assert files_of(discover_stacks(["prod.yml"], config)) == [("docker-compose.yml", "prod.yml")]


def test_config_may_be_a_plain_mapping(in_tmp: Path) -> None:
    touch(in_tmp, "a.yml", "b.yml")
    specs = discover_stacks(["b.yml"], {"stacks": {"ab": ["a.yml", "b.yml"]}})
    assert specs == [StackSpec("ab", ("a.yml", "b.yml"))]


@pytest.mark.parametrize("config", [None, object(), SimpleNamespace(stacks=None),
                                    SimpleNamespace(stacks=["not", "a", "mapping"])])
def test_config_without_usable_stacks_falls_back_to_conventions(in_tmp: Path, config: object) -> None:
    touch(in_tmp, "compose.yaml", "compose.override.yaml")
    assert files_of(discover_stacks(["compose.override.yaml"], config)) == [
        ("compose.yaml", "compose.override.yaml")]


def test_configured_stacks_outside_the_current_folder_are_absolute(in_tmp: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    touch(in_tmp, "repo/base.yml", "elsewhere/x")
    monkeypatch.chdir(in_tmp / "elsewhere")
    specs = configured_stacks(SimpleNamespace(stacks={"s": "base.yml"}, root=str(in_tmp / "repo")))
    assert specs == [StackSpec("s", (str(in_tmp / "repo/base.yml"),))]


# -- the pre-commit filter -----------------------------------------------------------------

def test_under_pre_commit_unrelated_yaml_is_skipped(in_tmp: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    touch(in_tmp, ".github/workflows/ci.yml", ".pre-commit-config.yaml", *NUMBERS, "v5.yml",
          "compose.yaml", "k8s/deployment.yaml")
    staged = [".github/workflows/ci.yml", ".pre-commit-config.yaml", "k8s/deployment.yaml",
              "prod.yml", "compose.yaml"]
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert files_of(discover_stacks(staged, numbers_config())) == [tuple(NUMBERS), ("compose.yaml",)]
    assert files_of(discover_stacks(staged, numbers_config(), skip_unknown=False))[0] == (
        ".github/workflows/ci.yml",)


@pytest.mark.parametrize("path, expected", [
    ("compose.yaml", True), ("compose.override.yml", True), ("a/b/docker-compose.yml", True),
    ("docker-compose-swarm.yml", True), ("docker-stack.prod.yml", True), ("stack.yml", True),
    ("stack-vote.yaml", True), ("stacks/elk.yml", False), ("prod.yml", False),
    ("my-compose.yml", False), ("compose.json", False), ("docker-traefik-stack.yml", False),
])
def test_stack_file_names(path: str, expected: bool) -> None:
    assert bool(STACK_FILE_RE.search(path)) is expected
    assert is_stack_file(path) is expected


def test_configured_file_is_a_stack_file(in_tmp: Path) -> None:
    assert is_stack_file("./prod.yml", numbers_config())
    assert not is_stack_file("v6.yml", numbers_config())


# -- the whole repository ------------------------------------------------------------------

def test_discover_repo_without_git(in_tmp: Path) -> None:
    touch(in_tmp, *NUMBERS, "v5.yml", "svc/compose.yaml", "svc/compose.override.yaml",
          "node_modules/x/compose.yaml", ".cache/compose.yaml", "README.yml", "stacks/elk.yml")
    specs = discover_repo(".", numbers_config())
    assert files_of(specs) == [tuple(NUMBERS), ("docker-compose.yml", "v5.yml"),
                               ("svc/compose.yaml", "svc/compose.override.yaml")]


def test_discover_repo_follows_gitignore(in_tmp: Path) -> None:
    if subprocess.run(["git", "--version"], capture_output=True).returncode:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q"], check=True)
    touch(in_tmp, "docker-compose.yml", "docker-compose.prod.yml", "out/stack.yml")
    (in_tmp / ".gitignore").write_text("out/\n")
    assert files_of(discover_repo(".")) == [("docker-compose.yml",),
                                            ("docker-compose.yml", "docker-compose.prod.yml")]


def test_discover_repo_from_another_folder(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(in_tmp, "repo/compose.yaml", "repo/compose.override.yaml", "cwd/x")
    monkeypatch.chdir(in_tmp / "cwd")
    assert files_of(discover_repo("../repo")) == [("../repo/compose.yaml",
                                                   "../repo/compose.override.yaml")]


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason=missing_shared("corpus"))
def test_corpus_chains_that_follow_the_conventions(monkeypatch: pytest.MonkeyPatch) -> None:
    # The corpus records the merge order each project uses; where the names follow the
    # conventions, discovery must find exactly that chain from its last file.
    checked = 0
    for source in sorted((SHARED / "corpus").glob("*/SOURCE.txt")):
        text = source.read_text()
        chain = next((line.split("docker stack config ", 1)[1] for line in text.splitlines()
                      if line.strip().startswith("docker stack config -c")), None)
        files = chain.replace("-c ", "").split() if chain else []
        if not 0 < len(files) <= 2 or not all(_FAMILY(f) for f in files):
            continue                       # longer chains need `stacks` in the config
        monkeypatch.chdir(source.parent)
        assert discover_stacks([files[-1]])[0].files == tuple(files), source.parent.name
        checked += 1
    assert checked >= 8


def _FAMILY(name: str) -> bool:
    return name.startswith(("compose", "docker-compose")) and name.count("/") == 0


def test_discovery_of_a_big_repository(in_tmp: Path) -> None:
    """Every folder's chain is found; how fast is the benchmark's job (bench/: 500 files in
    100 stacks), not a timed test's."""
    for i in range(300):
        touch(in_tmp, f"s{i}/docker-compose.yml", f"s{i}/docker-compose.prod.yml",
              f"s{i}/docker-compose.override.yml", f"s{i}/notes.yml")
    staged = [f"s{i}/docker-compose.yml" for i in range(300)]
    specs = discover_stacks(staged)
    assert len(specs) == 600


def test_with_the_real_config_loader(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stacklint.lint.config import load_config

    touch(in_tmp, "ops/docker-compose.yml", "ops/prod.yml", "ops/prod-update-config.yml")
    (in_tmp / "ops/.stacklint.yml").write_text(
        "stacks:\n  prod: [docker-compose.yml, prod.yml, prod-update-config.yml]\n")
    config = load_config(in_tmp / "ops/.stacklint.yml")
    assert files_of(discover_stacks(["ops/prod.yml"], config)) == [
        ("ops/docker-compose.yml", "ops/prod.yml", "ops/prod-update-config.yml")]
    monkeypatch.chdir(in_tmp / "ops")
    assert discover_stacks(["prod-update-config.yml"], load_config()) == [
        StackSpec("prod", ("docker-compose.yml", "prod.yml", "prod-update-config.yml"))]


def test_seed_override_brings_in_its_configured_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(NOTES_NUMBERS)
    monkeypatch.setenv("PRE_COMMIT", "1")
    config = SimpleNamespace(stacks={"numbers": NUMBERS}, root=".")
    staged = ["prod.yml", "v5-bad.yml", "prod-full.yml"]     # v5-bad/prod-full: no stack lists them
    assert discover_stacks(staged, config) == [StackSpec("numbers", tuple(NUMBERS))]
    assert files_of(discover_stacks(["docker-compose.yml"])) == [("docker-compose.yml",)]


def test_the_config_file_brings_in_every_configured_stack(in_tmp: Path) -> None:
    from stacklint.lint.config import load_config

    touch(in_tmp, *NUMBERS, "v5.yml", "compose.yaml")
    (in_tmp / ".stacklint.yml").write_text(
        f"stacks:\n  numbers: [{', '.join(NUMBERS)}]\n  v5: [docker-compose.yml, v5.yml]\n")
    config = load_config()
    for skip in (True, False):
        specs = discover_stacks([".stacklint.yml", "compose.yaml"], config, skip_unknown=skip)
        assert [s.name for s in specs] == ["numbers", "v5", "compose.yaml"]


def test_a_file_named_through_a_symlinked_folder_matches_the_config(in_tmp: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from stacklint.lint.config import load_config

    touch(in_tmp, "real/docker-compose.yml", "real/prod.yml")
    (in_tmp / ".stacklint.yml").write_text("stacks:\n  prod: [real/docker-compose.yml, real/prod.yml]\n")
    (in_tmp / "link").symlink_to(in_tmp / "real")
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert discover_stacks(["link/prod.yml"], load_config()) == [
        StackSpec("prod", ("real/docker-compose.yml", "real/prod.yml"))]

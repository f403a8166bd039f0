"""stacklint's hooks, installed by the real pre-commit from this working tree, on real commits."""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import NOTES_NUMBERS
from precommit_harness import REPO, Project, make_project, prune, snapshot
from stacklint.load.discover import STACK_FILE_RE

pytestmark = pytest.mark.slow   # pre-commit builds the hook environment from a snapshot

FIXTURES = REPO / "tests" / "fixtures" / "precommit"
SEED = NOTES_NUMBERS
HOOKS = ("stacklint", "stacklint-fix")

needs_tools = pytest.mark.skipif(
    shutil.which("git") is None or importlib.util.find_spec("pre_commit") is None,
    reason="needs git and the pre-commit package (pip install pre-commit)")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# -- the hook definitions ------------------------------------------------------------------

def hook_defs() -> dict[str, dict]:
    return {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}


def test_hook_definitions() -> None:
    hooks = hook_defs()
    assert set(hooks) == set(HOOKS)
    assert hooks["stacklint"]["entry"] == "stacklint check"
    assert hooks["stacklint-fix"]["entry"] == "stacklint fix"
    # `--` before the file names pre-commit appends: a file named like an option stays a file
    assert hooks["stacklint"]["args"] == hooks["stacklint-fix"]["args"] == ["--"]
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["require_serial"] is True
    # the fix hook edits files, so it takes exactly the names discovery calls stack files
    assert hooks["stacklint-fix"]["files"] == STACK_FILE_RE.pattern


@needs_tools
def test_pre_commit_accepts_the_manifest() -> None:
    from pre_commit.clientlib import load_manifest

    assert [h["id"] for h in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))] == list(HOOKS)


@pytest.mark.parametrize("name", ["compose.yaml", "compose.prod.yml", "docker-compose.yml",
                                  "docker-compose.override.yaml", "docker-stack.yml",
                                  "deploy/swarm/stack.yml", "stack-vote.yaml"])
def test_fix_hook_pattern_catches_stack_names(name: str) -> None:
    assert re.search(hook_defs()["stacklint-fix"]["files"], name)


# -- real commits --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def hook_home(request: pytest.FixtureRequest) -> Path:
    """pre-commit's cache: kept between runs, so the hook virtualenv is built once per tree."""
    chosen = os.environ.get("STACKLINT_PRE_COMMIT_CACHE")
    cache = getattr(request.config, "cache", None)
    if chosen:
        home = Path(chosen)
    elif cache is not None:
        home = Path(cache.mkdir("stacklint-pre-commit"))
    else:
        home = Path("/tmp/stacklint-pre-commit")
    home.mkdir(parents=True, exist_ok=True)
    return home


@pytest.fixture(scope="session")
def hook_repo(hook_home: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A commit of the working tree, with its hook environments installed (pip, from PyPI)."""
    repo, rev = snapshot(hook_home)
    warm = make_project(tmp_path_factory.mktemp("warm") / "p", hook_home, repo, rev, HOOKS)
    done = subprocess.run([sys.executable, "-m", "pre_commit", "install-hooks"], cwd=warm.root,
                          env=warm.env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"pre-commit could not install the hooks:\n{done.stdout}{done.stderr}"
    prune(hook_home, keep=repo)
    return repo, rev


@pytest.fixture
def project(tmp_path: Path, hook_home: Path, hook_repo: tuple[Path, str]) -> Project:
    return make_project(tmp_path / "project", hook_home, *hook_repo, HOOKS)


def output(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


def assert_committed(project: Project, done: subprocess.CompletedProcess[str], before: str) -> None:
    assert done.returncode == 0, output(done)
    assert project.head() and project.head() != before


def assert_blocked(project: Project, done: subprocess.CompletedProcess[str], before: str) -> str:
    assert done.returncode != 0, output(done)
    assert project.head() == before
    return output(done)


@needs_tools
def test_clean_chain_commits(project: Project) -> None:
    names = project.copy(FIXTURES / "rollout")
    done = project.commit(*names, message="api stack")
    assert_committed(project, done, "")
    assert re.search(r"stacklint \(Swarm stack check\)\.+Passed", output(done)), output(done)


@needs_tools
def test_override_alone_breaks_the_merged_chain(project: Project) -> None:
    names = project.copy(FIXTURES / "rollout")
    assert_committed(project, project.commit(*names), "")
    before = project.head()
    text = (FIXTURES / "rollout" / "compose.override.yaml").read_text() + (
        "      update_config:\n"
        "        order: stop-first\n")
    project.write("compose.override.yaml", text)
    out = assert_blocked(project, project.commit("compose.override.yaml"), before)
    line = line_of(text, "order: stop-first")
    # the finding points at the override that set the value, not at the merged output
    assert re.search(rf"(^|\s)compose\.override\.yaml:{line}:\d+:", out, re.M), out
    assert "stop-first" in out or "order" in out, out


@needs_tools
def test_a_staged_file_named_like_an_option_is_not_an_option(project: Project) -> None:
    names = project.copy(FIXTURES / "rollout")
    assert_committed(project, project.commit(*names), "")
    before = project.head()
    base = project.root / "compose.yaml"
    base.write_text(base.read_text().replace("order: start-first", "order: stop-first"))
    project.write("--config=relaxed.yml", 'ignore: ["*"]\n')   # would turn every rule off
    out = assert_blocked(project, project.commit("compose.yaml", "--config=relaxed.yml"), before)
    assert "stop-first" in out or "SL5" in out, out


@needs_tools
def test_unstaged_edits_of_the_base_are_not_checked(project: Project) -> None:
    names = project.copy(FIXTURES / "rollout")
    assert_committed(project, project.commit(*names), "")
    before = project.head()
    base = project.root / "compose.yaml"
    good = base.read_text()
    base.write_text(good.replace("order: start-first", "order: stop-first"))   # not staged
    project.write("compose.override.yaml",
                  (project.root / "compose.override.yaml").read_text().replace("4", "5"))
    assert_committed(project, project.commit("compose.override.yaml"), before)
    assert "stop-first" in base.read_text()      # the edit is back in the working tree
    assert_blocked(project, project.commit("compose.yaml"), project.head())


@needs_tools
def test_fix_hook_repairs_a_compose_v2_file_and_the_next_commit_passes(project: Project) -> None:
    assert_committed(project, project.commit(message="hooks"), "")
    before = project.head()
    original = (FIXTURES / "v2style" / "compose.yaml").read_text()
    project.write("compose.yaml", original)
    out = assert_blocked(project, project.commit("compose.yaml"), before)
    assert "stacklint fix (safe fixes)" in out and "files were modified by this hook" in out, out
    fixed = (project.root / "compose.yaml").read_text()
    assert not re.search(r"^name:", fixed, re.M)
    assert "published: 8080" in fixed and '"8080"' not in fixed
    # minimal edits: `name` gone, `published` a number, a `version` line added for
    # `docker stack` (which needs one); every other line byte-identical
    kept = [line for line in original.splitlines() if not line.startswith("name:")]
    assert [line for line in fixed.splitlines() if not line.startswith("version:")] == [
        line.replace('"8080"', "8080") for line in kept]
    assert_committed(project, project.commit("compose.yaml"), before)


@needs_tools
def test_staging_only_prod_checks_the_whole_configured_chain(project: Project) -> None:
    names = project.copy(FIXTURES / "numbers")
    assert_committed(project, project.commit(*names), "")
    before = project.head()
    # prod.yml now publishes numbers-web in host mode; the start-first update order that
    # conflicts with it is set in prod-update-config.yml, which is not staged.
    prod = (project.root / "prod.yml").read_text()
    project.write("prod.yml", prod.replace("        published: 8080\n",
                                           "        published: 8080\n        mode: host\n"))
    order = (project.root / "prod-update-config.yml").read_text()
    line = max(i for i, text in enumerate(order.splitlines(), 1) if "start-first" in text)
    out = assert_blocked(project, project.commit("prod.yml"), before)
    assert re.search(rf"^prod-update-config\.yml:{line}:\d+: error \[SL401", out, re.M), out
    assert "1 stack, 5 files" in out, out
    assert "SL033" not in out, out          # prod.yml alone would have no image


@needs_tools
def test_staging_the_config_checks_its_stacks(project: Project) -> None:
    names = project.copy(FIXTURES / "numbers")
    assert_committed(project, project.commit(*names), "")
    before = project.head()
    config = project.root / ".stacklint.yml"
    config.write_text(config.read_text().replace(", prod-rollback-config.yml", ""))
    out = assert_blocked(project, project.commit(".stacklint.yml"), before)
    assert "1 stack, 4 files" in out, out
    assert "[SL503 rollback-config-defined]" in out, out


@needs_tools
def test_staging_only_prod_checks_the_seed_chain(project: Project) -> None:
    chain = ["docker-compose.yml", "prod.yml", "prod-healthcheck.yml", "prod-update-config.yml",
             "prod-rollback-config.yml"]
    for src in SEED.iterdir():              # CRLF files, one UTF-16: copied byte for byte
        (project.root / src.name).write_bytes(src.read_bytes())
    project.write(".stacklint.yml", f"stacks:\n  numbers: [{', '.join(chain)}]\n")
    existing = [".stacklint.yml", *sorted(p.name for p in SEED.iterdir())]
    assert_committed(project, project.commit(*existing, verify=False), "")
    before = project.head()
    prod = project.root / "prod.yml"
    prod.write_bytes(prod.read_bytes().replace(b"replicas: 6", b"replicas: 4"))
    out = assert_blocked(project, project.commit("prod.yml"), before)
    assert "1 stack, 5 files" in out, out
    # findings in files that were not staged: the base's images, the rollback override
    assert re.search(r"^docker-compose\.yml:5:\d+: warning \[SL101", out, re.M), out
    assert re.search(r"^prod-rollback-config\.yml:9:\d+: warning \[SL509", out, re.M), out
    assert "SL033" not in out, out


@needs_tools
def test_unparsable_file_blocks_the_commit_with_its_position(project: Project) -> None:
    project.write("docker-stack.yml", "services:\n  web:\n    image: [nginx\n")
    out = assert_blocked(project, project.commit("docker-stack.yml"), "")
    assert re.search(r"^docker-stack\.yml:4:\d+: error \[SL003 invalid-input\] ", out, re.M), out
    assert "- exit code: 1" in out, out


@needs_tools
def test_other_yaml_is_left_alone(project: Project) -> None:
    workflow = "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: []\n"
    project.write(".github/workflows/ci.yml", workflow)
    project.write("prod.yml", "services:\n  web:\n    deploy:\n      replicas: 2\n")
    done = project.commit(".github/workflows/ci.yml", "prod.yml")
    assert_committed(project, done, "")
    assert (project.root / ".github/workflows/ci.yml").read_text() == workflow

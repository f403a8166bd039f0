"""A throwaway hook repository from the working tree and git projects that commit through it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Not needed to pip-install the package or to read .pre-commit-hooks.yaml; leaving them out
# keeps the snapshot's commit (and so pre-commit's cached virtualenv) stable while tests change.
SNAPSHOT_SKIP = ("tests/", "bench/", "docs/", "scripts/", ".ci/", "examples/")
# Fixed identity and dates: the same tree always gives the same commit id.
FIXED_GIT_ENV = {
    "GIT_AUTHOR_NAME": "stacklint tests", "GIT_AUTHOR_EMAIL": "tests@stacklint.invalid",
    "GIT_COMMITTER_NAME": "stacklint tests", "GIT_COMMITTER_EMAIL": "tests@stacklint.invalid",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
}


def git_env(home: Path) -> dict[str, str]:
    """The environment for git and pre-commit: no user or system git config, no inherited hook
    state, no PYTHONPATH (the hooks must run the package pip installed from the snapshot)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    empty = home / "gitconfig"
    empty.touch()
    env.update(FIXED_GIT_ENV, GIT_CONFIG_GLOBAL=str(empty), GIT_CONFIG_NOSYSTEM="1",
               PRE_COMMIT_HOME=str(home / "pre-commit"), PRE_COMMIT_COLOR="never",
               NO_COLOR="1")
    return env


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise AssertionError(f"git {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def snapshot(home: Path) -> tuple[Path, str]:
    """Commit the working tree (uncommitted edits and new files too) into a repository under
    `home`; returns its path and commit id. pre-commit clones hook repositories at a commit."""
    env = git_env(home)
    listed = git(REPO, env, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    names = [n for n in listed.split("\0")
             if n and not n.startswith(SNAPSHOT_SKIP) and (REPO / n).is_file()]
    work = home / f"tmp-{uuid.uuid4().hex}"
    for name in names:
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, work / name)
    git(work, env, "init", "-q")
    git(work, env, "add", "-A")
    git(work, env, "commit", "-q", "-m", "snapshot of the working tree")
    rev = git(work, env, "rev-parse", "HEAD").strip()
    final = home / f"src-{rev[:12]}"
    try:
        work.rename(final)
    except OSError:                 # the same tree was snapshotted before: keep that one
        shutil.rmtree(work)
    return final, rev


def prune(home: Path, keep: Path) -> None:
    """Drop older snapshots and, through `pre-commit gc`, the environments no project uses."""
    for old in home.glob("src-*"):
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "pre_commit", "gc"], cwd=home, env=git_env(home),
                   capture_output=True)


@dataclass
class Project:
    """A git repository whose commits go through stacklint's hooks."""

    root: Path
    env: dict[str, str]

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
        return path

    def copy(self, fixture: Path) -> list[str]:
        """Copy a fixture folder into the project; returns the file names."""
        names = []
        for src in sorted(p for p in fixture.rglob("*") if p.is_file()):
            name = src.relative_to(fixture).as_posix()
            self.write(name, src.read_text())
            names.append(name)
        return names

    def git(self, *args: str) -> str:
        return git(self.root, self.env, *args)

    def commit(self, *names: str, message: str = "change",
               verify: bool = True) -> subprocess.CompletedProcess[str]:
        """Stage `names` and `git commit`; the result holds pre-commit's output."""
        if names:
            self.git("add", "--", *names)
        skip = [] if verify else ["--no-verify"]
        return subprocess.run(["git", "commit", *skip, "-m", message], cwd=self.root,
                              env=self.env, capture_output=True, text=True)

    def head(self) -> str:
        done = subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=self.root,
                              env=self.env, capture_output=True, text=True)
        return done.stdout.strip()


def make_project(root: Path, home: Path, hook_repo: Path, rev: str, hooks: tuple[str, ...]) -> Project:
    """`git init` + a `.pre-commit-config.yaml` using `hooks` from the snapshot + `pre-commit install`."""
    env = git_env(home)
    root.mkdir(parents=True, exist_ok=True)
    project = Project(root, env)
    project.git("init", "-q")
    listed = "\n".join(f"      - id: {hook}" for hook in hooks)
    project.write(".pre-commit-config.yaml",
                  f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n{listed}\n")
    done = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=root, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise AssertionError(f"pre-commit install failed:\n{done.stdout}{done.stderr}")
    project.git("add", ".pre-commit-config.yaml")
    return project

"""Group loose stack files into whole override chains (config `stacks`, else Compose naming)."""
# No `from __future__ import annotations`: a NamedTuple below would compile its string
# annotations at import, start-up time of every command (see model.py).

import functools
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, TYPE_CHECKING

if TYPE_CHECKING:
    from stacklint.lint.config import Config
    # a Config, the raw mapping of one (tests, tools), or none: the defaults
    ConfigLike = Config | Mapping[str, Any] | None

# Names the pre-commit hooks and `stacklint check` (no arguments) treat as stack files, in any
# folder: compose*.y(a)ml, docker-compose*.y(a)ml, docker-stack*.y(a)ml, stack*.y(a)ml.
STACK_FILE_RE = re.compile(r"(^|/)(docker-)?(compose|stack)[^/]*\.ya?ml$")

# A chain base and its variants: `compose.yaml`, `compose.override.yaml`, `docker-compose.prod.yml`.
_FAMILY_RE = re.compile(r"^(compose|docker-compose)(?:\.(.+))?\.ya?ml$")
# Docker Compose's own preference when both spellings exist (compose-go `DefaultFileNames`).
_BASES = {"compose": ("compose.yaml", "compose.yml"),
          "docker-compose": ("docker-compose.yaml", "docker-compose.yml")}
_OVERRIDE = "override"
# Folders a repository walk never enters when git cannot list the files.
_SKIP_DIRS = {"node_modules", "venv", "__pycache__", "site-packages"}


class StackSpec(NamedTuple):    # no dataclass: `check FILES…` is the pre-commit hook (model.py)
    """One stack: its name and its files in merge order (`docker stack deploy -c … -c …`)."""

    name: str
    files: tuple[str, ...]


def escapes(path: str, root: str = ".") -> bool:
    """True when `path` lies under `root` but is (or passes through) a symlink to a place
    outside it: discovery never reads such a file, a committed link to `/etc/shadow` or
    `~/.aws/credentials` would be quoted in findings and SARIF."""
    top = _real_folder(os.path.abspath(root))
    where = os.path.abspath(path)
    folder, name = os.path.split(where)
    if not (_below(where, os.path.abspath(root)) or _below(where, top)):
        return False                    # named outside the repository: the user's choice
    real = os.path.realpath(where) if os.path.islink(where) else \
        os.path.join(_real_folder(folder), name)
    return not _below(real, top)


def _below(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


@functools.lru_cache(maxsize=4096)    # a repository's files share a few hundred folders
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def discover_stacks(files: Sequence[str], config: "ConfigLike" = None, *,
                    skip_unknown: bool | None = None,
                    escaped: list[str] | None = None) -> list[StackSpec]:
    """The stacks that `files` belong to, each once, in order of first mention.

    A file listed in the config's `stacks` brings in each stack that lists it; otherwise the
    Compose conventions group it with its base and override; otherwise it stands alone.
    The config file itself brings in every configured stack (its rules or `stacks` changed).
    `skip_unknown` (default: on under pre-commit, which sets PRE_COMMIT=1) drops files that are
    neither named like a stack file nor listed in `stacks` instead of checking them alone,
    so a hook fed every staged YAML file ignores CI configs and manifests.
    A stack with a file that `escapes` the current folder through a symlink is left out,
    and that file's path is added to `escaped` (the caller reports it without reading it).
    """
    if skip_unknown is None:
        skip_unknown = os.environ.get("PRE_COMMIT") == "1"
    configured = configured_stacks(config)
    membership = _membership(configured)
    config_file = _get(config, "path")
    specs: dict[tuple[str, ...], StackSpec] = {}
    for path in files:
        path = _clean(path)
        owners = membership.get(_key(path))
        if owners:
            found: Iterable[StackSpec] = (configured[i] for i in owners)
        elif config_file and _key(path) == _key(os.fspath(config_file)):
            found = configured
        elif skip_unknown and not STACK_FILE_RE.search(path):
            continue
        else:
            found = _convention_stacks(path)
        for spec in found:
            specs.setdefault(tuple(_key(f) for f in spec.files), spec)
    return _contained(list(specs.values()), escaped)


def _contained(specs: list[StackSpec], escaped: list[str] | None) -> list[StackSpec]:
    kept = []
    for spec in specs:
        out = [f for f in spec.files if escapes(f)]
        if not out:
            kept.append(spec)
        elif escaped is not None:
            escaped += [f for f in out if f not in escaped]
    return kept


def discover_repo(root: str = ".", config: "ConfigLike" = None,
                  escaped: list[str] | None = None) -> list[StackSpec]:
    """Every stack under `root`: the configured ones, then each stack-named file's chain
    (never through a symlink out of `root`: see `escapes`)."""
    configured = configured_stacks(config)
    membership = _membership(configured)
    loose = [p for p in _repo_files(root)
             if STACK_FILE_RE.search(p) and _key(p) not in membership]
    found = discover_stacks(loose, None, skip_unknown=False, escaped=escaped)
    return configured + sorted(found, key=lambda spec: spec.files)


def is_stack_file(path: str, config: "ConfigLike" = None) -> bool:
    """True when `path` is named like a stack file or is listed in the config's `stacks`."""
    path = _clean(path)
    return bool(STACK_FILE_RE.search(path)) or _key(path) in _membership(configured_stacks(config))


def configured_stacks(config: "ConfigLike") -> list[StackSpec]:
    """The config's `stacks` (name -> paths relative to the config's folder) as StackSpecs."""
    raw = _get(config, "stacks") or {}
    if not isinstance(raw, Mapping):
        return []
    base = _config_dir(config)
    specs = []
    for name, paths in raw.items():
        if isinstance(paths, str):
            paths = [paths]
        files = tuple(_display(os.path.join(base, os.fspath(p))) for p in paths or ())
        if files:
            specs.append(StackSpec(str(name), files))
    return specs


def _convention_stacks(path: str) -> list[StackSpec]:
    """Chains by Compose naming: base (+ override), base + each variant, or the file alone."""
    folder, name = os.path.split(path)
    match = _FAMILY_RE.match(name)
    listing = _listdir(folder or ".") if match else set()
    base = next((b for b in _BASES[match[1]] if b in listing), None) if match else None
    if match is None or base is None or (match[2] is None and name != base):
        return [StackSpec(path, (path,))]   # no family, no base beside it, or a shadowed base
    if match[2] is None:
        return list(_family_stacks(folder, base, listing))
    return [_chain(folder, base, name)]


def _family_stacks(folder: str, base: str, listing: set[str]) -> Iterator[StackSpec]:
    """Every chain a base is in: base (+ its override), then base + each other variant.

    Docker Compose applies `*.override.*` only when no `-f` is given, so an explicit variant
    chain (`-c docker-compose.yml -c docker-compose.prod.yml`) leaves the override out.
    """
    family = _FAMILY_RE.match(base)[1]  # type: ignore[index]
    variants: dict[str, Any] = {}
    for name in sorted(listing):
        match = _FAMILY_RE.match(name)
        if match and match[1] == family and match[2] is not None:
            variants.setdefault(match[2], name)   # sorted: `.yaml` before `.yml`
    override = variants.pop(_OVERRIDE, None)
    yield _chain(folder, base, override) if override else _chain(folder, base)
    for name in variants.values():
        yield _chain(folder, base, name)


def _chain(folder: str, *names: str) -> StackSpec:
    files = tuple(os.path.join(folder, n) if folder else n for n in names)
    return StackSpec(files[-1], files)


def _membership(configured: Sequence[StackSpec]) -> dict[str, list[int]]:
    owners: dict[str, list[int]] = {}
    for index, spec in enumerate(configured):
        for path in spec.files:
            owners.setdefault(_key(path), []).append(index)
    return owners


def _repo_files(root: str) -> list[str]:
    """Files under `root`, as git sees them (tracked + untracked, not ignored) when it can."""
    import subprocess  # only the no-argument run lists a repository; keep the hook's start-up lean

    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=root, capture_output=True, check=True, timeout=30).stdout
        names = sorted({n for n in os.fsdecode(out).split("\0") if n})
        return [_clean(os.path.join(root, n)) for n in names
                if os.path.isfile(os.path.join(root, n))]   # --cached lists deleted files too
    except (OSError, subprocess.SubprocessError):
        return sorted(_walk(root))


def _walk(root: str) -> Iterator[str]:
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS]
        for name in names:
            yield _clean(os.path.join(folder, name))


def _listdir(folder: str) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _get(config: "ConfigLike", name: str) -> Any:
    if isinstance(config, Mapping):
        return config.get(name)
    return getattr(config, name, None)


def _config_dir(config: "ConfigLike") -> str:
    """The folder `stacks` paths are relative to: the config's `root` (its own folder)."""
    return os.fspath(_get(config, "root") or ".")


def _display(path: str) -> str:
    """Relative to the current folder when below it (findings read `prod.yml:4:5`), else absolute."""
    real = _real(path)
    rel = _clean(os.path.relpath(real, os.path.realpath(os.curdir)))
    return rel if rel != ".." and not rel.startswith("../") else _clean(real)


def _clean(path: str) -> str:
    return os.path.normpath(os.fspath(path)).replace(os.sep, "/")


def _key(path: str) -> str:
    return os.path.normcase(_real(path))


def _real(path: str) -> str:
    """The absolute path with symlinked folders resolved (the config's root is resolved),
    keeping the file's own name: a symlinked `compose.yaml` stays itself."""
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(os.path.realpath(folder), name)

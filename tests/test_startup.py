"""What a small `check` imports: start-up is most of it (a pre-commit hook runs it on every
commit), so modules it does not need stay out of the process.

Each case runs the command in a fresh interpreter, as the console script does, and reads
`sys.modules` at its end.  A module listed here that comes back (a `dataclass` on the check
path, a top-level import of something only `fix` or `deploy` uses) fails the test, with the
modules that imported it named by `python -X importtime`.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NUMBERS = REPO / "examples" / "numbers"
CHAIN = ["docker-compose.yml", "prod.yml", "prod-healthcheck.yml", "prod-update-config.yml",
         "prod-rollback-config.yml", "v3.yml"]

# module -> why it must stay out of a small check
NOT_AT_START = {
    "dataclasses": "~12 ms to import (inspect, ast, dis, tokenize) and ~0.3-1.5 ms per class",
    "inspect": "pulled in by dataclasses",
    "jsonschema": "75-100 ms; only an invalid file needs every schema error",
    "shutil": "argparse asks it the terminal's width; stacklint's formatter asks os (cli.py)",
    "lzma": "imported by shutil",
    "json": "the pruned schema and the built-in rules are read back with marshal (cachefile.py)",
    "copy": "the schema's values are copied as JSON data (validate/schema.py)",
    "string": "its Template compiles a pattern; only building the rule cache needs it",
    "threading": "PyYAML's import is watched with `_thread.get_ident` (load/yamlimport.py)",
}

# a string annotation of a NamedTuple becomes a ForwardRef, which compiles it: the first
# compile() of a process builds Python's AST classes (~5 ms)
RUN = """
import sys, typing
made = []
init = typing.ForwardRef.__init__
def record(self, arg, *args, **kwargs):
    made.append(arg)
    init(self, arg, *args, **kwargs)
typing.ForwardRef.__init__ = record
from stacklint.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print("\\nFORWARDREFS", repr(made))
print("\\nMODULES", " ".join(sorted(sys.modules)))
raise SystemExit(code)
"""


def _run(args: list[str], cache: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(REPO)}
    env.pop("STACKLINT_DEBUG", None)
    return subprocess.run([sys.executable, *flags, "-c", RUN, *args], cwd=NUMBERS, env=env,
                          capture_output=True, text=True, check=False)


def _bare() -> set[str]:
    """What this interpreter imports before it runs anything (its site hooks may import
    some of the modules above; stacklint cannot keep those out)."""
    done = subprocess.run([sys.executable, "-c", "import sys; print(' '.join(sys.modules))"],
                          capture_output=True, text=True, check=True)
    return set(done.stdout.split())


CASES = {
    "check, clean": (["check", *[a for f in CHAIN for a in ("-f", f)]], 0),
    "check, findings": (["check", *[a for f in CHAIN if "config" not in f for a in ("-f", f)]], 1),
    "check FILES (the pre-commit hook)": (["check", *CHAIN], 1),   # six stacks, SL5xx
    "validate": (["validate", *[a for f in CHAIN for a in ("-f", f)]], 0),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_small_check_imports_only_what_it_needs(case: str, tmp_path: Path) -> None:
    args, code = CASES[case]
    _run(args, tmp_path)                 # the first run builds the rule cache (jsonschema)
    done = _run(args, tmp_path)
    assert done.returncode == code, done.stderr
    modules = set(done.stdout.rpartition("MODULES ")[2].split())
    assert "stacklint.cli" in modules
    refs = done.stdout.rpartition("FORWARDREFS ")[2].partition("\n")[0]
    assert refs == "[]", f"{case} makes typing.ForwardRefs (a NamedTuple's string annotations?): {refs}"
    back = sorted(set(NOT_AT_START) & (modules - _bare()))
    if back:
        trace = _run(args, tmp_path, "-X", "importtime").stderr
        chains = [line for line in trace.splitlines() if "stacklint" in line or
                  any(line.rstrip().endswith(f" {m}") for m in back)]
        pytest.fail(f"{case} imports {', '.join(f'{m} ({NOT_AT_START[m]})' for m in back)}:\n"
                    + "\n".join(chains))


@pytest.mark.parametrize("columns", [None, "50", "133", "0", "-3", "wide"])
def test_the_help_width_is_the_one_shutil_finds(columns: str | None,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from stacklint.cli import _columns
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert _columns() == shutil.get_terminal_size().columns


def test_version_imports_no_typing() -> None:
    """`stacklint --version` answers before any parser is built; `typing` alone would be
    a third of its time above the bare interpreter (cli.py keeps its names for mypy)."""
    code = ("import sys\nfrom stacklint.cli import main\nmain(['--version'])\n"
            "print(' '.join(sys.modules))")
    # -S: no site hooks (this interpreter's may import typing themselves)
    done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
    assert done.stdout.startswith("stacklint ")
    modules = set(done.stdout.split())
    assert "stacklint.cli" in modules and "typing" not in modules

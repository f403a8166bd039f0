"""The wheel carries schemas/ and rules/, and an installed stacklint runs from it."""
from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow   # builds a wheel and installs it into a fresh venv


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with stacklint installed from a freshly built wheel."""
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(root / "dist"), str(REPO)],
                   check=True, cwd=root)
    wheel = next((root / "dist").glob("stacklint-*.whl"))
    env_dir = root / "venv"
    # system site-packages provide PyYAML and jsonschema without a network round-trip
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
                   check=True, cwd=root)
    return python


def _run(python: Path, code: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                          cwd=cwd, env=env, check=True)
    return done.stdout.strip()


def test_wheel_ships_schemas_and_rules(installed: Path, tmp_path: Path) -> None:
    out = _run(installed, (
        "import stacklint, stacklint.resources as r, json;"
        "print(stacklint.__file__);"
        "print(r.schemas_dir()); print(r.rules_dir());"
        "print(len(list(r.schemas_dir().glob('*.json'))), len(list(r.rules_dir().glob('*.yaml'))));"
        "[json.loads(p.read_text()) for p in r.schemas_dir().glob('*.json')]"), tmp_path)
    package, schemas, rules, counts = out.splitlines()
    assert "site-packages" in package and str(REPO) not in package
    assert schemas.startswith(str(Path(package).parent)), "schemas must come from the wheel"
    assert rules.startswith(str(Path(package).parent)), "rules must come from the wheel"
    n_schemas, n_rules = map(int, counts.split())
    assert n_schemas >= 1 and n_rules >= 1


def test_installed_command_runs(installed: Path, tmp_path: Path) -> None:
    script = installed.parent / "stacklint"
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("stacklint ")
    done = subprocess.run([str(installed), "-m", "stacklint", "rules"], capture_output=True,
                          text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "healthcheck-present" in done.stdout


def test_every_subpackage_is_in_the_wheel(installed: Path, tmp_path: Path) -> None:
    wanted = sorted(str(p.parent.relative_to(REPO)).replace("/", ".")
                    for p in (REPO / "stacklint").rglob("__init__.py"))
    code = ("import importlib.util, sys; missing = [m for m in sys.argv[1:] "
            "if importlib.util.find_spec(m) is None]; print(missing)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(installed), "-c", code, *wanted], capture_output=True,
                          text=True, cwd=tmp_path, env=env, check=True)
    assert done.stdout.strip() == "[]", f"not packaged: {done.stdout} (add them to pyproject.toml)"

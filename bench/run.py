"""Time stacklint against `docker stack config` on generated stacks and check the budgets.

Every figure is a whole process (start-up included): the wall time from spawn to exit and the
child's peak resident memory from `os.wait4`.  stacklint and Docker run alternately on the same
files so that a busy machine slows both; the table shows medians over k runs.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402  (sibling scripts, not a package)
from measure import Case, measure, run_once  # noqa: E402

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
OUT = ROOT / "out"


@dataclass
class Runner:
    """How to start each tool, and the shared environment."""

    stacklint: list[str]
    env: dict[str, str]
    label: str

    def stacklint_cmd(self, *args: str) -> list[str]:
        return [*self.stacklint, *args]


def _installed_script() -> Path | None:
    """The `stacklint` console script pip wrote, if it runs this checkout.

    The one next to this interpreter comes first: a version manager's shim on PATH (pyenv's
    is a bash script) adds its own start-up and is not part of stacklint.
    """
    for found in (Path(sys.executable).parent / "stacklint", shutil.which("stacklint")):
        if not found or not Path(found).is_file():
            continue
        first = Path(found).read_bytes()[:200].split(b"\n")[0]
        if not first.startswith(b"#!") or b"python" not in first:
            continue
        probe = subprocess.run([first[2:].decode().strip(), "-c",
                                "import stacklint, sys; sys.stdout.write(stacklint.__file__)"],
                               capture_output=True, text=True, cwd="/", check=False)
        if probe.stdout.startswith(str(REPO / "stacklint")):
            return Path(found)
    return None


def _wrapper_script(python: str) -> Path:
    """A script identical in effect to the console script pip writes (imports cli.main)."""
    path = OUT / "bin" / "stacklint"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{python}\nimport sys\nfrom stacklint.cli import main\n"
                    "if __name__ == '__main__':\n    sys.exit(main())\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def _venv_script(python: str) -> Path | None:
    """stacklint installed from this checkout into a fresh virtual environment, as
    `pip install stacklint` installs it for a user.

    A development (editable) install runs a path finder at every interpreter start, and
    the interpreter's own site-packages may run other start-up hooks (`.pth` imports);
    a user's install has neither.  The dependencies (PyYAML, jsonschema) come from
    `python`'s site-packages, added as a plain path, so its hooks do not run here."""
    venv = OUT / "venv"
    try:
        subprocess.run([python, "-m", "venv", "--clear", "--without-pip", str(venv)],
                       check=True, capture_output=True)
        vpy = str(venv / "bin" / "python")
        site = subprocess.run([vpy, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        deps = subprocess.run([python, "-c", "import os, yaml; "
                               "print(os.path.dirname(os.path.dirname(yaml.__file__)))"],
                              check=True, capture_output=True, text=True).stdout.strip()
        Path(site, "bench-dependencies.pth").write_text(deps + "\n", encoding="utf-8")
        subprocess.run([python, "-m", "pip", "--python", vpy, "install", "--quiet", "--no-deps",
                        "--no-build-isolation", str(REPO)],
                       check=True, capture_output=True, cwd=OUT)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"cannot install stacklint into {venv} ({exc}); timing the checkout instead",
              file=sys.stderr)
        return None
    script = venv / "bin" / "stacklint"
    return script if script.is_file() else None


def make_runners(python: str = sys.executable, whatif: str = "",
                 editable: bool = False) -> dict[str, Runner]:
    """The start-up paths: the installed script (or its equivalent) and `python -m stacklint`."""
    env = dict(os.environ)
    env.pop("STACKLINT_DEBUG", None)
    # An installed stacklint runs from byte-compiled files (pip compiles them).  Where the
    # environment forbids writing bytecode, every run would recompile the checkout (~60 ms),
    # so the measured processes keep their bytecode under bench/out instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    if whatif:  # proposed changes patched in (bench/whatif.py); not what users run
        cmd = [python, str(ROOT / "whatif.py"), whatif, "--"]
        runner = Runner(cmd, env, f"bench/whatif.py {whatif} (proposed changes, {python})")
        return {"script": runner, "module": runner}
    installed = None if editable else _venv_script(python)
    if installed is not None:
        clean = {k: v for k, v in env.items() if k not in ("PYTHONPATH", "PYTHONPYCACHEPREFIX")}
        return {
            "script": Runner([str(installed)], clean, f"installed from this checkout ({installed})"),
            "module": Runner([str(installed.parent / "python"), "-m", "stacklint"], clean,
                             "python -m stacklint (same install)"),
        }
    installed = _installed_script() if python == sys.executable else None
    script = installed or _wrapper_script(python)
    label = "installed console script" if installed else "console-script equivalent"
    return {
        "script": Runner([str(script)], env, f"{label} ({script})"),
        "module": Runner([python, "-m", "stacklint"], env, "python -m stacklint"),
    }


def prepare_bytecode(runner: Runner, python: str) -> None:
    """Compile the package and what `check` imports, so no measured run pays for it."""
    code = ("import compileall, sys; compileall.compile_dir(sys.argv[1], quiet=1); "
            "import jsonschema, yaml, stacklint.cli")
    subprocess.run([python, "-c", code, str(REPO / "stacklint")], env=runner.env,
                   cwd=REPO, check=False, capture_output=True)


def _compose_args(runner: Runner, command: str, files: list[Path]) -> list[str]:
    """`-f f ...` (or `-c f ...`) when the subcommand takes files that way, else positional."""
    help_text = subprocess.run(runner.stacklint_cmd(command, "--help"), capture_output=True,
                               text=True, env=runner.env, check=False).stdout
    for flag, long in (("-f", "--file"), ("-c", "--compose-file")):
        if f"{flag} FILE" in help_text or long in help_text:
            return [a for f in files for a in (flag, str(f))]
    return [str(f) for f in files]


def docker_cmd(files: list[Path]) -> list[str]:
    return ["docker", "stack", "config", *[a for f in files for a in ("-c", str(f))]]


def build_cases(runner: Runner, out: Path, sizes: tuple[int, ...]) -> dict[str, Case]:
    """Generate the inputs and describe every benchmark."""
    cases: dict[str, Case] = {}
    cases["version"] = Case("stacklint --version", runner.stacklint_cmd("--version"),
                            None, out)
    numbers = generate.write_numbers(out)
    cases["numbers"] = Case(f"check numbers chain ({len(numbers)} files)", runner.stacklint_cmd(
        "check", *_compose_args(runner, "check", numbers)), docker_cmd(numbers), numbers[0].parent)
    for n in sizes:
        files = generate.write_chain(out, n)
        cases[f"check{n}"] = Case(f"check {n} services, 3 files", runner.stacklint_cmd(
            "check", *_compose_args(runner, "check", files)), docker_cmd(files), files[0].parent)
        anchored = generate.write_anchored_chain(out, n)
        cases[f"check{n}a"] = Case(f"check {n} services, 3 files, anchors and merge keys",
                                   runner.stacklint_cmd("check", *_compose_args(
                                       runner, "check", anchored)), docker_cmd(anchored),
                                   anchored[0].parent)
        if n == 1000:
            cases[f"merge{n}"] = Case(f"merge {n} services, 3 files", runner.stacklint_cmd(
                "merge", *_compose_args(runner, "merge", files)), docker_cmd(files),
                files[0].parent)
    merged = generate.write_merged(out, 1000)
    work = merged.parent / "work-n1000.yml"
    cases["fix1000"] = Case("fix merged 1000-service file (fresh copy)", runner.stacklint_cmd(
        "fix", str(work)), docker_cmd([work]), merged.parent, prepare=[(merged, work)])
    repo, listing = generate.write_many(out)
    cases["many"] = Case("check 500 files in 100 stacks", runner.stacklint_cmd("check"),
                         None, repo)
    cases["many"].docker_serial = [docker_cmd([Path(f) for f in fs]) for fs in listing.values()]
    return cases


# (case, what, limit, description)
BUDGETS = [
    ("check1000", "time-ratio", 0.5, "check 1000: time <= 0.5x docker"),
    ("check1000", "mem-ratio", 0.5, "check 1000: peak memory <= 0.5x docker"),
    ("check5000", "time-ratio", 0.5, "check 5000: time <= 0.5x docker"),
    ("check5000", "mem-ratio", 0.5, "check 5000: peak memory <= 0.5x docker"),
    ("check5000", "growth", 5.5, "check 5000 <= 5.5x check 1000 (linear)"),
    ("check1000a", "time-ratio", 0.5, "check 1000 anchored: time <= 0.5x docker"),
    ("check1000a", "mem-ratio", 0.5, "check 1000 anchored: peak memory <= 0.5x docker"),
    ("check5000a", "time-ratio", 0.5, "check 5000 anchored: time <= 0.5x docker"),
    ("check5000a", "mem-ratio", 0.5, "check 5000 anchored: peak memory <= 0.5x docker"),
    ("check5000a", "growth", 5.5, "check 5000 anchored <= 5.5x check 1000 anchored"),
    ("numbers", "seconds", 0.150, "check numbers chain <= 150 ms"),
    ("version", "seconds", 0.060, "stacklint --version <= 60 ms"),
    ("fix1000", "seconds", 1.0, "fix merged 1000-service file <= 1 s"),
    ("many", "seconds", 3.0, "500 files in 100 stacks <= 3 s"),
]


def _fmt_s(v: float | None) -> str:
    return "-" if v is None else (f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s")


def _fmt_m(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f} MiB"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def budget_value(cases: dict[str, Case], key: str, what: str) -> float | None:
    case = cases.get(key)
    if case is None:
        return None
    if what == "time-ratio":
        return _ratio(case.median("ours", "seconds"), case.median("theirs", "seconds"))
    if what == "mem-ratio":
        return _ratio(case.median("ours", "peak_mib"), case.median("theirs", "peak_mib"))
    if what == "growth":
        small = cases.get(key.replace("5000", "1000"))
        return _ratio(case.median("ours", "seconds"), small.median("ours", "seconds")
                      if small else None)
    return case.median("ours", "seconds")


def render(cases: dict[str, Case], meta: dict[str, str]) -> str:
    """The Markdown report: measurements, then budgets."""
    lines = [f"Measured {meta['when']} at commit {meta['commit']} "
             f"on {meta['machine']}; {meta['runs']} alternating runs, "
             f"medians; stacklint via {meta['runner']}; {meta['docker']}.", "",
             "| benchmark | stacklint | cpu | peak | docker stack config | cpu | peak | time ratio "
             "| mem ratio |", "|---|---|---|---|---|---|---|---|---|"]
    for case in cases.values():
        if not case.ours:
            continue
        err = case.error()
        ours_t, ours_m = case.median("ours", "seconds"), case.median("ours", "peak_mib")
        th_t, th_m = case.median("theirs", "seconds"), case.median("theirs", "peak_mib")
        tr, mr = _ratio(ours_t, th_t), _ratio(ours_m, th_m)
        first = f"ERROR ({err})" if err else _fmt_s(ours_t)
        ours_c, th_c = case.median("ours", "cpu"), case.median("theirs", "cpu")
        lines.append(f"| {case.name} | {first} | {_fmt_s(ours_c)} | {_fmt_m(ours_m)} | "
                     f"{_fmt_s(th_t)} | {_fmt_s(th_c)} | "
                     f"{_fmt_m(th_m)} | {'-' if tr is None else f'{tr:.2f}x'} | "
                     f"{'-' if mr is None else f'{mr:.2f}x'} |")
    lines += ["", "| budget | measured | limit | result |", "|---|---|---|---|"]
    for key, what, limit, text in BUDGETS:
        if key not in cases or not cases[key].ours:
            continue
        value = budget_value(cases, key, what)
        shown = (_fmt_s(value) if what == "seconds" else
                 "-" if value is None else f"{value:.2f}x")
        limit_s = _fmt_s(limit) if what == "seconds" else f"{limit}x"
        verdict = "FAIL" if value is None or value > limit else "PASS"
        lines.append(f"| {text} | {shown} | {limit_s} | {verdict} |")
    return "\n".join(lines) + "\n"


def startup_table(runners: dict[str, Runner], out: Path, runs: int, python: str) -> str:
    """Both start-up paths on the smallest inputs, alternating, beside the bare interpreter."""
    numbers = generate.write_numbers(out)
    env = runners["script"].env
    rows = ["| start-up path (wall / cpu) | --version | check numbers chain |", "|---|---|---|"]
    cases = {name: [Case("v", r.stacklint_cmd("--version"), None, out),
                    Case("n", r.stacklint_cmd("check", *_compose_args(r, "check", numbers)),
                         None, numbers[0].parent)] for name, r in runners.items()}
    floors = {"interpreter alone: `python -c pass`": Case("p", [python, "-c", "pass"], None, out),
              "without site-packages hooks: `python -S -c pass`":
                  Case("s", [python, "-S", "-c", "pass"], None, out)}
    for _ in range(runs):
        for name in runners:
            for case in cases[name]:
                case.ours.append(run_once(case.stacklint, case.cwd, env))
        for case in floors.values():
            case.ours.append(run_once(case.stacklint, case.cwd, env))
    seen: set[str] = set()
    for name, runner in runners.items():
        if runner.label in seen:
            continue
        seen.add(runner.label)
        v, n = cases[name]
        n_shown = f"ERROR ({n.error()})" if n.error() else _wall_cpu(n)
        rows.append(f"| {runner.label} | {_wall_cpu(v)} | {n_shown} |")
    for label, case in floors.items():
        rows.append(f"| {label} | {_wall_cpu(case)} | - |")
    return "\n".join(rows) + "\n"


def _wall_cpu(case: Case) -> str:
    return f"{_fmt_s(case.median('ours', 'seconds'))} / {_fmt_s(case.median('ours', 'cpu'))}"


def _meta(runner: Runner, runs: int) -> dict[str, str]:
    docker = subprocess.run(["docker", "--version"], capture_output=True, text=True,
                            check=False).stdout.strip() if shutil.which("docker") else "no docker"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, check=False).stdout.strip()
    return {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": f"{os.cpu_count()} cores (load average {load} at the end), "
                       f"Python {platform.python_version()}",
            "runs": str(runs), "runner": runner.label, "docker": docker,
            "commit": (head or "unknown") + (" (with uncommitted work of the tree)" if dirty else "")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", "--runs", type=int, default=5, help="runs per tool (default 5)")
    parser.add_argument("--quick", action="store_true", help="3 runs, no warm-up")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(generate.SIZES))
    parser.add_argument("--only", nargs="+", help="case keys: version numbers check10 "
                        "check100 check1000 check5000 (each also with `a`: the anchored chain, "
                        "check1000a) merge1000 fix1000 many")
    parser.add_argument("--module", action="store_true",
                        help="run `python -m stacklint` instead of the console script")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--editable", action="store_true",
                        help="time this checkout in place (its development install or PYTHONPATH) "
                        "instead of a fresh install in bench/out/venv")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter that runs stacklint (default: this one)")
    parser.add_argument("--whatif", default="", help="measure proposed changes instead: "
                        "comma-separated names from bench/whatif.py (gc, events, endpos, ...)")
    args = parser.parse_args(argv)
    if not shutil.which("docker"):
        print("docker is not on PATH: ratios to Docker will be missing", file=sys.stderr)
    runs = 3 if args.quick else args.runs
    warmup = 0 if args.quick else 1
    runners = make_runners(args.python, args.whatif, args.editable)
    runner = runners["module" if args.module else "script"]
    prepare_bytecode(runner, args.python)
    print("generating inputs ...", file=sys.stderr, flush=True)
    cases = build_cases(runner, args.out, tuple(args.sizes))
    if not shutil.which("docker"):
        for case in cases.values():
            case.docker = None
            case.docker_serial = []
    measure(cases, runner.env, runs, warmup, set(args.only) if args.only else None)
    table = render(cases, _meta(runner, runs))
    table += "\nStart-up paths (medians of the same number of runs):\n\n"
    table += startup_table(runners, args.out, runs, args.python)
    print(table)
    name = f"whatif-{args.whatif.replace(',', '-')}" if args.whatif else "latest"
    (args.out / f"{name}.md").write_text(table, encoding="utf-8")
    raw = {k: {"ours": [s.__dict__ for s in c.ours], "docker": [s.__dict__ for s in c.theirs]}
           for k, c in cases.items()}
    (args.out / f"{name}.json").write_text(json.dumps(raw, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where `stacklint check` spends its time: CPU time per stage, and optionally a cProfile.

    python bench/stages.py [N] [--whatif validator] [--cprofile] [--top 30]

The real command runs in-process (`cli.main(['check', '-f', ...])` on the N-service chain),
in one process: the two-process split of big stacks (`stacklint/parallel/split.py`) is turned off,
since a profile of the parent would show only its half.
The functions listed in STAGES are wrapped first, and each wrapper adds up the CPU time of
its outermost calls. Nested stages are listed under their parent, so the shares do not add
up to 100 %. CPU time (`time.process_time`) is used because wall time moves with the load of
a shared machine.  `--whatif` applies the changes of `bench/whatif.py` first.
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import io
import pstats
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))
import generate  # noqa: E402
import whatif  # noqa: E402

# (depth, module, attribute path): pipeline order, children indented under their stage
STAGES = [
    (0, "stacklint.lint.config", "Config.ruleset"),
    (0, "stacklint.load.stack", "load_stack"),
    (1, "stacklint.load.document", "read"),
    (2, "stacklint.load.document", "compose"),
    (2, "stacklint.load.document", "Converter.convert"),
    (2, "proto_convert", "convert"),
    (2, "proto_events", "build"),
    (1, "stacklint.load.interpolate", "interpolate"),
    (1, "stacklint.load.normalize", "normalize"),
    (1, "stacklint.load.merge", "merge"),
    (2, "stacklint.load.omit", "omit_empty"),
    (0, "stacklint.validate.validator", "validate_stack"),
    (1, "stacklint.validate.validator", "validate_layer"),
    (0, "stacklint.lint.engine", "run_rules"),
    (1, "stacklint.lint.engine", "make_finding"),
    (2, "stacklint.lint.engine", "Locator.__call__"),
    (0, "stacklint.lint.suppress", "suppress"),
]
FIX_STAGES = [
    (0, "stacklint.load.document", "parse"),      # every parse, wherever it is called from
    (1, "stacklint.load.document", "compose"),
    (1, "stacklint.load.document", "Converter.convert"),
    (1, "proto_convert", "convert"),
    (0, "stacklint.fix.fixer", "read_for_fix"),
    (0, "stacklint.fix.fixer", "fix_chain"),
    (1, "stacklint.fix.fixer", "_Chain.proposals"),
    (2, "stacklint.fix.fixes.versions", "minimum"),
    (1, "stacklint.fix.fixes.anchors", "scan"),
    (1, "stacklint.fix.fixes.guard", "apply_guarded"),
    (2, "stacklint.fix.fixes.guard", "try_apply"),
    (3, "stacklint.fix.fixes.guard", "reparsed"),    # the fixed text's Document
    (4, "stacklint.fix.fixes.guard", "spliced"),     # without a full parse (fix/splice.py)
    (2, "stacklint.fix.fixes.guard", "schema_errors"),
    (1, "stacklint.fix.fixes.guard", "final_check"),
    (0, "stacklint.fix.fixer", "write"),
]


class Meter:
    """CPU seconds and call counts of the outermost calls of one function."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self.depth = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.depth:
                return fn(*args, **kwargs)
            self.depth += 1
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - start
                self.depth -= 1
        return timed


def install(stages: list[tuple[int, str, str]]) -> dict[tuple[str, str], Meter]:
    """Wrap every stage that exists; missing ones are skipped."""
    meters: dict[tuple[str, str], Meter] = {}
    for _, module_name, attr in stages:
        try:
            owner: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        *parents, name = attr.split(".")
        for part in parents:
            owner = getattr(owner, part, None)
        if owner is None or not hasattr(owner, name):
            continue
        meter = Meter()
        original = getattr(owner, name)
        wrapped = meter.wrap(original)
        setattr(owner, name, wrapped)
        _rebind(original, wrapped)   # `from x import f` elsewhere holds the original
        meters[(module_name, attr)] = meter
    return meters


def _rebind(original: Any, wrapped: Any) -> None:
    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "") or ""
        if not (name.startswith("stacklint") or name == "proto_convert"):
            continue
        for attr, value in list(vars(module).items()):
            if value is original:
                setattr(module, attr, wrapped)


def run_cli(args: list[str], profile: cProfile.Profile | None) -> tuple[int, float, float]:
    """Run `stacklint <args>` in-process; returns exit code, CPU and wall seconds."""
    from stacklint import cli
    real, sys.stdout = sys.stdout, io.StringIO()   # the findings are not the point here
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        if profile:
            profile.enable()
        rc = cli.main(args)
        if profile:
            profile.disable()
    finally:
        sys.stdout = real
    return rc, time.process_time() - cpu, time.perf_counter() - wall


def report(meters: dict[tuple[str, str], Meter], total: float,
           stages: list[tuple[int, str, str]]) -> str:
    lines = ["| stage | calls | cpu | share |", "|---|---|---|---|"]
    for depth, module_name, attr in stages:
        meter = meters.get((module_name, attr))
        if meter is None or not meter.calls:
            continue
        name = f"{'&nbsp;&nbsp;' * depth}`{module_name.rsplit('.', 1)[-1]}.{attr}`"
        lines.append(f"| {name} | {meter.calls} | {meter.seconds * 1000:.0f} ms | "
                     f"{meter.seconds / total:.0%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("--whatif", default="", help="changes from bench/whatif.py to apply")
    parser.add_argument("--cprofile", action="store_true", help="also print a cProfile")
    parser.add_argument("--fix", action="store_true",
                        help="profile `stacklint fix` on a copy of the merged N-service file")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--two-cores", action="store_true",
                        help="keep the two-process split of big stacks (then only the "
                             "parent's half is timed)")
    args = parser.parse_args(argv)
    if args.fix:
        merged = generate.write_merged(generate.DEFAULT_OUT, args.n)
        work = merged.with_name(f"profile-{merged.name}")
        shutil.copyfile(merged, work)
        cli_args, stages, what = ["fix", str(work)], FIX_STAGES, f"fix merged N={args.n}"
        print("(parse is listed on its own: it runs inside read_for_fix and the guard)")
    else:
        files = generate.write_chain(generate.DEFAULT_OUT, args.n)
        cli_args = ["check", *[a for f in files for a in ("-f", str(f))]]
        stages, what = STAGES, f"check N={args.n}, 3 files"
    for name in filter(None, args.whatif.split(",")):
        whatif.PATCHES[name]()
    if not args.two_cores:      # stages of the one-process run (run.py times the real one)
        from stacklint.parallel import split
        split.check = split.in_two = lambda *a, **k: None
    for module in ("stacklint.lint.pipeline", "stacklint.commands.check", "stacklint.fix.fixer"):
        try:
            importlib.import_module(module)   # so that their imported names get rebound
        except ImportError:
            pass
    meters = install(stages)
    profile = cProfile.Profile(time.process_time) if args.cprofile else None
    rc, cpu, wall = run_cli(cli_args, profile)
    print(f"stacklint {what}, exit {rc}: {cpu:.2f} s cpu, "
          f"{wall:.2f} s wall in-process"
          f"{', with ' + args.whatif if args.whatif else ''}\n")
    print(report(meters, cpu, stages))
    if profile:
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(args.top)
        print(text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())

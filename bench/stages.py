"""Where `stacklint check` spends its time: stage split and a cProfile of the whole command.

    python bench/stages.py [N] [--gc] [--top 25]

Stages are timed in one process, start-up excluded, in pipeline order; a stage that does not
exist yet is skipped.  `--gc` leaves the cyclic garbage collector on (the default here mirrors
the command: whatever `stacklint check` itself does).
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import importlib
import io
import pstats
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))
import generate  # noqa: E402


def _timed(label: str, fn: Callable[[], Any], rows: list[tuple[str, float]]) -> Any:
    start = time.perf_counter()
    result = fn()
    rows.append((label, time.perf_counter() - start))
    return result


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def stages(files: list[Path]) -> list[tuple[str, float]]:
    """Import, parse, load (interpolate+normalise+merge), validate and rules, each timed."""
    rows: list[tuple[str, float]] = []
    _timed("import stacklint.document", lambda: importlib.import_module("stacklint.document"),
           rows)
    from stacklint import document
    docs = _timed("parse (document.read x files)", lambda: [document.read(f) for f in files],
                  rows)
    stack_mod = _optional("stacklint.stack")
    if stack_mod is None:
        return rows
    stack = _timed("load_stack (interpolate, normalise, merge)",
                   lambda: stack_mod.load_stack(docs, env={}), rows)
    validate = _optional("stacklint.validate")
    if validate is not None:
        _timed("import jsonschema", lambda: importlib.import_module("jsonschema"), rows)
        _timed("validate_stack", lambda: validate.validate_stack(stack), rows)
    engine, config = _optional("stacklint.engine"), _optional("stacklint.config")
    if engine is None or config is None or not hasattr(config, "default_config"):
        return rows
    try:
        cfg = _timed("config + rule files", lambda: _loaded_config(config), rows)
        _timed("run_rules", lambda: engine.run_rules(stack, cfg), rows)
    except Exception as exc:  # noqa: BLE001 - a stage under construction: report, go on
        rows.append((f"rules skipped: {type(exc).__name__}: {exc}"[:160], 0.0))
    return rows


def _loaded_config(config: Any) -> Any:
    cfg = config.default_config()
    cfg.ruleset()   # rule files are read and checked on first use
    return cfg


def profile_check(files: list[Path], top: int) -> str:
    """cProfile of `stacklint check` in-process, sorted by own time."""
    from stacklint import cli
    args = ["check", *[a for f in files for a in ("-f", str(f))]]
    prof = cProfile.Profile()
    out = io.StringIO()
    real = sys.stdout
    sys.stdout = out  # the findings are not the point here
    try:
        prof.enable()
        rc = cli.main(args)
        prof.disable()
    finally:
        sys.stdout = real
    text = io.StringIO()
    stats = pstats.Stats(prof, stream=text)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return f"stacklint check exit {rc}\n" + text.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("--gc", choices=("on", "off"), help="force the collector on or off")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-cprofile", action="store_true")
    args = parser.parse_args(argv)
    files = generate.write_chain(generate.DEFAULT_OUT, args.n)
    if args.gc == "off":
        gc.disable()
    elif args.gc == "on":
        gc.enable()
    total = 0.0
    for label, seconds in stages(files):
        total += seconds
        print(f"{seconds * 1000:9.1f} ms  {label}")
    print(f"{total * 1000:9.1f} ms  total (in-process, N={args.n}, gc {args.gc or 'as is'})")
    if not args.no_cprofile:
        print(profile_check(files, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())

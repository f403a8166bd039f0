"""`stacklint fix`: repair what stops `docker stack deploy`, changing nothing else."""
from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from stacklint.errors import (EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, ConfigError, InputError,
                              ReadError, StacklintError)
from stacklint.model import Finding, Location, Severity
from stacklint.reporters import RunSummary, add_format_option

if TYPE_CHECKING:
    from stacklint.fix.fixer import FixResult


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "fix", help="fix compose-to-stack breakages in place (minimal edits)",
        description="Repair what stops `docker stack deploy` with minimal text edits: "
                    "comments, quoting, anchors, newlines and encoding stay as they are. "
                    "Loose FILEs are grouped into override chains as `stacklint check` groups "
                    "them (config `stacks`, else Compose naming), so a chain gets one version; "
                    "only the files named are written.")
    parser.add_argument("files", nargs="*", metavar="FILE", help="files to fix")
    parser.add_argument("-f", "--file", dest="chain", action="append", default=[],
                        metavar="FILE", help="an override chain, in merge order (repeatable)")
    parser.add_argument("--diff", action="store_true",
                        help="print a unified diff instead of writing")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a fix is due")
    parser.add_argument("--config", metavar="FILE", help="config file naming the stacks "
                        "(default: nearest .stacklint.yml or pyproject.toml)")
    add_format_option(parser)
    parser.set_defaults(run=run)


def chains(args: argparse.Namespace, escaped: list[str] | None = None) -> list[list[str]]:
    """The chains to fix: the -f chain, then the loose files grouped into their stacks;
    a loose file that is a symlink out of the current folder goes to `escaped`."""
    out = [list(args.chain)] if args.chain else []
    if not args.files:
        return out
    from stacklint.lint.config import load_config
    from stacklint.load.discover import discover_stacks
    escaped = [] if escaped is None else escaped
    specs = discover_stacks(list(args.files), load_config(args.config), escaped=escaped)
    named = {_key(f) for f in args.files}
    grouped = [list(s.files) for s in specs]
    outside = {_key(f) for f in escaped}
    alone = [[f] for f in args.files if _key(f) not in outside
             and not any(_key(f) in map(_key, g) for g in grouped)]
    return out + [g for g in grouped if named & set(map(_key, g))] + alone


def _key(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def run(args: argparse.Namespace) -> int:
    from stacklint.fix.fixcheck import add_rejections, say_what_compose_sees
    from stacklint.reporters import get_reporter, input_finding

    if not args.files and not args.chain:
        raise ConfigError("no file given",
                          hint="stacklint fix stack.yml, or -f base.yml -f prod.yml")
    writable = {_key(f) for f in [*args.chain, *args.files]}
    dry = args.diff or args.check
    results: list[FixResult] = []
    failed: list[StacklintError] = []     # could not run as asked: exit 2
    unloadable: list[Finding] = []         # a chain Docker rejects (SL003): nothing written
    escaped: list[str] = []
    todo = chains(args, escaped)
    for path in escaped:               # never read, never written: the target is not ours
        failed.append(InputError("a symlink to a file outside the repository: not read or "
                                 "written", path, hint="pass the file itself, with -f"))
        print(str(failed[-1]), file=sys.stderr)
    for chain in todo:         # one chain at a time: a file in two sees the first's fixes
        try:                           # a chain that cannot be read or written: say so, go on
            fixed = _fix_chain(chain)
            add_rejections(fixed, whole=chain == args.chain)   # what deploy would still reject
            say_what_compose_sees(fixed)
            others = [r for r in fixed if _key(r.path) not in writable and r.changed]
            mine = [r for r in fixed if _key(r.path) in writable]
            for result in mine:
                if others:
                    _hold(result, chain, others)
            if not dry:
                _write(mine)           # first, so "fixed" is never printed for a failed write
        except InputError as exc:
            if isinstance(exc, ReadError):
                failed.append(exc)
                print(str(exc), file=sys.stderr)
            else:
                unloadable.append(input_finding(exc, chain[0]))
                if args.format == "text":
                    _report_text([], [unloadable[-1]], dry)
            continue
        except StacklintError as exc:
            failed.append(exc)
            print(str(exc), file=sys.stderr)
            continue
        for result in mine:
            results.append(result)
            if args.format == "text":
                _report_text(result.applied, result.left, dry)
                if args.diff and result.changed:
                    _diff(result)
    applied = [f for r in results for f in r.applied]
    left = [f for r in results for f in r.left] + unloadable
    if args.format != "text":              # one document for the run
        # annotations and code scanning show what is due as well as what is left by hand
        shown = left + applied if dry and args.format in ("sarif", "github") else left
        summary = RunSummary(tuple((c[0], tuple(c)) for c in todo), fail_on=Severity.INFO,
                             fixed=tuple(applied), verb="would fix" if dry else "fixed")
        get_reporter(args.format).report(shown, summary, sys.stdout)
    changed = sum(r.changed for r in results)
    print(f"{changed} file(s) {'to change' if dry else 'changed'}, "
          f"{len(applied)} fix(es), {len(left)} left to fix by hand"
          + (f", {len(failed)} chain(s) not fixed (errors above)" if failed else ""),
          file=sys.stderr)
    if failed:
        return EXIT_INPUT
    return EXIT_FINDINGS if left or (dry and changed) else EXIT_OK


def _fix_chain(chain: list[str]) -> list[FixResult]:
    """One chain's results: a big single file on two cores when that is exact, else here."""
    from stacklint.parallel import big
    from stacklint.fix.fixer import fix_paths
    if len(chain) == 1 and big(chain):
        from stacklint.parallel import fixsplit
        found = fixsplit.fix(chain[0])
        if found is not None:
            return [found]
    return fix_paths(chain, chain=True)


def _write(results: list[FixResult]) -> None:
    """Every changed file of one chain, all or none (see `atomic.write_all`)."""
    from stacklint.fix.fixer import write_results
    write_results(results)


def _hold(result: FixResult, chain: list[str], others: list[FixResult]) -> None:
    """A chain member that was not named needs fixes: write none, so the chain stays whole."""
    names = ", ".join(r.path for r in others)
    command = " ".join(f"-f {f}" for f in chain)
    first = (result.applied or others[0].applied)[0]
    location = first.location if result.applied else Location(result.path, 1, 1)
    result.left.append(Finding(
        first.rule_id, first.rule_name, Severity.ERROR,
        f"{'not fixed: ' if result.applied else ''}{names} of the same chain needs fixes, and "
        f"fixing part of a chain could leave it inconsistent; run `stacklint fix {command}`",
        location))
    result.applied = []
    result.document = result.original


def _report_text(applied: list[Finding], left: list[Finding], dry: bool) -> None:
    from stacklint.reporters import text
    text.report(left, RunSummary(fixed=tuple(applied), verb="would fix" if dry else "fixed"),
                sys.stdout)


def _diff(result: FixResult) -> None:
    from stacklint.fix.editdiff import unified   # only for --diff: every run imports this module
    edits = [e for f in result.applied if f.fix is not None for e in f.fix.edits]
    sys.stdout.writelines(unified(result.original_text, result.text, edits, result.path))

"""`stacklint fix`: repair what stops `docker stack deploy`, changing nothing else."""
from __future__ import annotations

import argparse
import difflib
import sys

from stacklint.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, ConfigError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "fix", help="fix compose-to-stack breakages in place (minimal edits)",
        description="Repair what stops `docker stack deploy` with minimal text edits: "
                    "comments, quoting, anchors, newlines and encoding stay as they are.")
    parser.add_argument("files", nargs="*", metavar="FILE", help="files, each fixed on its own")
    parser.add_argument("-f", "--file", dest="chain", action="append", default=[],
                        metavar="FILE", help="an override chain, in merge order (repeatable)")
    parser.add_argument("--diff", action="store_true",
                        help="print a unified diff instead of writing")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a fix is due")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stacklint.fixer import fix_paths, write

    if not args.files and not args.chain:
        raise ConfigError("no file given",
                          hint="stacklint fix stack.yml, or -f base.yml -f prod.yml")
    results = fix_paths(args.chain, chain=True) if args.chain else []
    results += fix_paths(args.files, chain=False)
    dry = args.diff or args.check
    out = sys.stdout
    for result in results:
        if not dry:
            write(result)                 # first, so "fixed" is never printed for a failed write
        verb = "would fix" if dry else "fixed"
        for f in result.applied:
            out.write(f"{f.location}: {verb} [{f.rule_id} {f.rule_name}] {f.message}\n")
        for f in result.left:
            out.write(f"{f.location}: {f.severity} [{f.rule_id} {f.rule_name}] {f.message}\n")
        if args.diff and result.changed:
            out.writelines(difflib.unified_diff(
                result.original_text.splitlines(keepends=True),
                result.text.splitlines(keepends=True), result.path, result.path))
    changed = sum(r.changed for r in results)
    left = sum(len(r.left) for r in results)
    summary = (f"{changed} file(s) {'to change' if dry else 'changed'}, "
               f"{sum(len(r.applied) for r in results)} fix(es), {left} left to fix by hand")
    print(summary, file=sys.stderr)
    if left or (dry and changed):
        return EXIT_FINDINGS
    return EXIT_OK if results else EXIT_INPUT

"""`stacklint validate`: merge a chain and report every schema and deploy-time error."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from stacklint.errors import EXIT_FINDINGS, EXIT_OK
from stacklint.model import Finding


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "validate", help="check a stack chain against the stack schema of its version",
        description="Merge the files as `docker stack config` does and report every error, "
                    "each at the file and line to change. Exit 0 valid, 1 invalid, 2 unreadable.")
    parser.add_argument("-f", "--file", dest="files", action="append", required=True,
                        metavar="FILE", help="a compose file; repeat for override files, in order")
    parser.add_argument("--target", choices=("stack", "compose"), default="stack",
                        help="stack: what docker stack deploy accepts (default); "
                             "compose: the compose specification")
    parser.add_argument("--env-file", dest="env_files", action="append", default=[],
                        metavar="FILE", help="KEY=VALUE lines for ${VAR} interpolation")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="how errors are printed: text (default) or json")
    parser.set_defaults(run=run)


def validate_files(files: Sequence[str], target: str = "stack",
                   env_files: Sequence[str] = ()) -> list[Finding]:
    """Load the chain and validate it (an unreadable file raises InputError)."""
    from stacklint.stack import load_stack
    from stacklint.validate import validate_stack

    from stacklint.redact import mask_findings
    stack = load_stack(list(files), env_files=list(env_files), target=target)
    found = validate_stack(stack, target)
    if target == "stack" and any(n.kind in COMPOSE_FEATURES for n in stack.notes):
        from stacklint.config import default_config
        from stacklint.engine import note_findings

        notes = note_findings(stack, default_config())
        found += [f for f in notes if f.rule_name in COMPOSE_FEATURES]
    return mask_findings(found, stack.secrets)


# Compose-only features of a chain that `docker stack deploy` reads otherwise: warnings, so
# that validating the files a person wrote for Compose says what the stack gets instead
COMPOSE_FEATURES = ("dotenv-not-read", "nested-default", "env-file-dotenv-syntax",
                    "compose-tag-ignored")


def run(args: argparse.Namespace) -> int:
    import gc

    gc.disable()    # documents are acyclic trees; collecting while building them costs ~40%
    findings = validate_files(args.files, args.target, args.env_files)
    (write_json if args.format == "json" else write_text)(findings, sys.stdout)
    failed = any(f.severity.name == "ERROR" for f in findings)
    return EXIT_FINDINGS if failed else EXIT_OK


def write_text(findings: Sequence[Finding], out: TextIO) -> None:
    for f in findings:
        print(f"{f.location}: {f.severity} [{f.rule_id} {f.rule_name}] {f.message}", file=out)
        if f.fix is not None:
            print(f"  help: {f.fix.title}", file=out)
    errors = sum(1 for f in findings if f.severity.name == "ERROR")
    out.flush()
    warnings = len(findings) - errors      # said on success too: silence reads as "did it run?"
    print(f"{'valid' if not errors else 'invalid'}: {_count(errors, 'error')}, "
          f"{_count(warnings, 'warning')}", file=sys.stderr)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def write_json(findings: Sequence[Finding], out: TextIO) -> None:
    rows = [{"rule_id": f.rule_id, "rule_name": f.rule_name, "severity": str(f.severity),
             "message": f.message, "path": f.location.path, "line": f.location.line,
             "column": f.location.column, "pointer": list(f.location.pointer),
             "fix": None if f.fix is None else {
                 "title": f.fix.title, "applicability": f.fix.applicability.value,
                 "edits": [{"path": e.path, "start": e.start, "end": e.end, "content": e.content}
                           for e in f.fix.edits]}}
            for f in findings]
    json.dump({"version": 1, "findings": rows}, out, indent=2, sort_keys=True)
    out.write("\n")

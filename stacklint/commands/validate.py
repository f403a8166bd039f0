"""`stacklint validate`: merge a chain and report every schema and deploy-time error."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from stacklint.errors import EXIT_FINDINGS, EXIT_OK
from stacklint.model import Finding, Severity
from stacklint.reporters import add_format_option


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
    add_format_option(parser)
    parser.set_defaults(run=run)


def validate_files(files: Sequence[str], target: str = "stack",
                   env_files: Sequence[str] = ()) -> list[Finding]:
    """Load the chain and validate it (an unreadable file raises InputError)."""
    from stacklint.load.stack import load_stack
    from stacklint.validate.validator import validate_stack

    from stacklint.redact import mask_findings
    stack = load_stack(list(files), env_files=list(env_files), target=target)
    found = validate_stack(stack, target)
    if target == "stack" and any(n.kind in COMPOSE_FEATURES for n in stack.notes):
        from stacklint.lint.config import default_config
        from stacklint.lint.engine import note_findings

        notes = note_findings(stack, default_config())
        found += [f for f in notes if f.rule_name in COMPOSE_FEATURES]
    return mask_findings(found, stack.secrets)


# Compose-only features of a chain that `docker stack deploy` reads otherwise: warnings, so
# that validating the files a person wrote for Compose says what the stack gets instead
COMPOSE_FEATURES = ("dotenv-not-read", "nested-default", "env-file-dotenv-syntax",
                    "compose-tag-ignored")


def run(args: argparse.Namespace) -> int:
    import gc

    from stacklint.errors import InputError, ReadError
    from stacklint.reporters import RunSummary, chain_name, get_reporter, input_finding

    gc.disable()    # documents are acyclic trees; collecting while building them costs ~40%
    try:
        findings = validate_files(args.files, args.target, args.env_files)
    except ReadError:
        raise
    except InputError as exc:          # a stack Docker rejects: located, exit 1
        findings = [input_finding(exc, args.files[0])]
    summary = RunSummary(((chain_name(args.files), tuple(args.files)),), fail_on=Severity.ERROR)
    get_reporter(args.format).report(findings, summary, sys.stdout)
    sys.stdout.flush()
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    if args.format == "text":              # said on success too: silence reads as "did it run?"
        warnings = len(findings) - errors
        print(f"{'valid' if not errors else 'invalid'}: {_count(errors, 'error')}, "
              f"{_count(warnings, 'warning')}", file=sys.stderr)
    return EXIT_FINDINGS if errors else EXIT_OK


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


"""`stacklint merge`: merge override files into one deployable stack file."""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from stacklint.errors import EXIT_FINDINGS, EXIT_OK, ConfigError, InputError, ReadError
from stacklint.model import Finding, Severity, Stack
from stacklint.reporters import add_format_option

if TYPE_CHECKING:
    from stacklint.load.document import Document
    from stacklint.tree import SMap


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "merge", help="merge compose files exactly as `docker stack config` does",
        description="Merge -f files left to right with docker stack's rules and print a stack "
                    "file that `docker stack deploy -c` accepts.")
    parser.add_argument("-f", "--file", dest="files", action="append", required=True,
                        metavar="FILE", help="a compose file; repeat in merge order")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    parser.add_argument("--env-file", dest="env_files", action="append", default=[],
                        metavar="FILE", help="KEY=VALUE file with variables for interpolation "
                        "(the process environment wins)")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml",
                        help="the merged stack as yaml (default; what docker stack deploy -c reads) or json")
    parser.add_argument("--annotate", action="store_true",
                        help="end every line with `# file:line` of where the value came from")
    parser.add_argument("--no-validate", action="store_true",
                        help="print even when the merged stack has schema errors")
    parser.add_argument("--show-secrets", action="store_true",
                        help="print the values of secret-named variables and env-file entries "
                        "(default: a ${NAME} reference, filled in again at deploy)")
    parser.add_argument("--fix", action="store_true",
                        help="apply the safe compose-to-stack fixes in memory before merging")
    # --format is the stack's own format here; findings go to standard error
    add_format_option(parser, "--report-format")
    parser.set_defaults(run=run)


# the notes a merge prints as warnings (what `docker stack config` warns about, or drops)
WARN_NOTES = ("unset-variable", "ip-address-dropped", "version-mismatch",
              "external-name-deprecated", "compose-tag-ignored", "dotenv-not-read",
              "nested-default", "env-file-dotenv-syntax")


def _sources(args: argparse.Namespace) -> tuple[list[Document], list[Finding]]:
    """The documents to merge (fixed in memory with --fix), and the fixes' findings."""
    from stacklint.load import document
    docs = [document.read(path) for path in args.files]
    if not args.fix:
        return docs, []
    from stacklint.fix import fixer
    fixed, findings = fixer.fix_in_memory(docs)
    return list(fixed), findings


def _problems(stack: Stack, validate: bool) -> list[Finding]:
    """The warned notes, and (unless --no-validate) the errors Docker would reject."""
    from stacklint.lint.config import default_config
    from stacklint.lint.engine import note_findings
    from stacklint.redact import mask_findings
    shown = [n for n in stack.notes if n.kind in WARN_NOTES]
    noted = Stack(stack.layers, stack.model, stack.version, shown, stack.interpolated, stack.secrets)
    found = note_findings(noted, default_config())
    if validate:
        from stacklint.validate.validator import validate_stack
        errors = [f for f in validate_stack(stack) if f.severity >= Severity.ERROR
                  and not f.suppressed]
        found += sorted(errors, key=Finding.sort_key)
    return mask_findings(found, stack.secrets)


def _report(args: argparse.Namespace, fixes: list[Finding], findings: list[Finding]) -> None:
    """Findings go to standard error: standard output is the stack file."""
    from stacklint.reporters import RunSummary, chain_name, get_reporter
    applied = [f for f in fixes if f.fix is not None and f.fix.edits]
    left = [f for f in fixes if not (f.fix is not None and f.fix.edits)]
    if not (applied or left or findings) and args.report_format == "text":
        return
    summary = RunSummary(((chain_name(args.files), tuple(args.files)),),
                         fail_on=Severity.ERROR,
                         fixed=tuple(applied) if args.fix else None,
                         only_in="the merged output")
    get_reporter(args.report_format).report(left + findings, summary, sys.stderr)


def _masked(stack: Stack) -> tuple[SMap, dict[str, str]]:
    """The model with each secret value as a token that becomes `${NAME}` once rendered:
    `docker stack deploy` substitutes it again, so the output deploys the same stack from
    the same environment without showing the value (an env-file entry's name must then be
    set when deploying: said on stderr)."""
    from stacklint.redact import mask_model, placeholders
    tokens = placeholders(stack.secrets)
    model = mask_model(stack.model, tokens)
    if model is not stack.model:
        names = ", ".join(sorted({stack.secrets[v] for v in tokens}))
        print(f"stacklint: secret values written as ${{NAME}} references ({names}); set them "
              "when deploying, or pass --show-secrets", file=sys.stderr)
    return model, tokens


def run(args: argparse.Namespace) -> int:
    from stacklint.emit import stackfile
    from stacklint.load.stack import load_stack

    if args.annotate and args.format == "json":
        raise ConfigError("--annotate needs --format yaml (JSON has no comments)")
    fixes: list[Finding] = []
    try:
        sources, fixes = _sources(args)
        stack = load_stack(sources, env_files=args.env_files)
    except ReadError:
        raise
    except InputError as exc:              # a stack Docker rejects: located, and no output
        from stacklint.reporters import input_finding
        _report(args, fixes, [input_finding(exc, args.files[0])])
        return EXIT_FINDINGS
    findings = _problems(stack, not args.no_validate)
    _report(args, fixes, findings)
    if any(f.severity >= Severity.ERROR for f in findings):
        print("stacklint: the merged stack would be rejected by docker stack deploy; "
              "fix the errors above or pass --no-validate", file=sys.stderr)
        return EXIT_FINDINGS
    model = stack.model
    tokens: dict[str, str] = {}
    if stack.secrets and not args.show_secrets:
        model, tokens = _masked(stack)
    try:
        if args.format == "json":
            text = stackfile.render_json(model)
        else:
            text = stackfile.render(model, annotate=args.annotate)
        if tokens:
            from stacklint.redact import references
            text = references(text, tokens, stack.secrets)
    except RecursionError:
        raise InputError("the merged stack nests too deeply to be written",
                         stack.layers[0].document.path) from None
    if args.output:
        from stacklint.atomic import write_atomic
        try:
            write_atomic(args.output, text.encode("utf-8"))
        except OSError as exc:
            raise ReadError(f"cannot write {args.output}: {exc.strerror}", args.output) from None
    else:
        sys.stdout.write(text)
    return EXIT_OK

"""`stacklint merge`: merge override files into one deployable stack file."""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from stacklint.errors import EXIT_FINDINGS, EXIT_OK, ConfigError, InputError


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
    parser.set_defaults(run=run)


def _optional(module: str) -> Any:
    """A teammate's module that may not exist yet in this checkout."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None


def _sources(args: argparse.Namespace) -> list[Any]:
    from stacklint import document
    docs = [document.read(path) for path in args.files]
    if not args.fix:
        return docs
    fixer = _optional("stacklint.fixer")
    if fixer is None or not hasattr(fixer, "fix_in_memory"):
        raise InputError("--fix is not available in this build")
    from stacklint.reporters.text import format_fixed
    fixed, findings = fixer.fix_in_memory(docs)
    for finding in findings:
        print(format_fixed(finding, only_in="the merged output"), file=sys.stderr)
    return list(fixed)


def _validate(stack: Any) -> int:
    """Print error findings; EXIT_FINDINGS when there are any."""
    validate = _optional("stacklint.validate")
    if validate is None:
        return EXIT_OK
    from stacklint.model import Severity
    from stacklint.redact import mask_findings
    errors = [f for f in mask_findings(validate.validate_stack(stack), stack.secrets)
              if f.severity >= Severity.ERROR and not getattr(f, "suppressed", None)]
    for finding in sorted(errors, key=lambda f: f.sort_key()):
        hint = finding.fix.title if finding.fix else f"see `stacklint explain {finding.rule_id}`"
        print(f"{finding.location}: error: {finding.message} [{finding.rule_id}]\n"
              f"  hint: {hint}", file=sys.stderr)
    if errors:
        print("stacklint: the merged stack would be rejected by docker stack deploy; "
              "fix the errors above or pass --no-validate", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def _masked(stack: Any) -> tuple[Any, dict[str, str]]:
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
    from stacklint import emit
    from stacklint.stack import load_stack

    if args.annotate and args.format == "json":
        raise ConfigError("--annotate needs --format yaml (JSON has no comments)")
    stack = load_stack(_sources(args), env_files=args.env_files)
    for note in stack.notes:
        if note.kind in ("unset-variable", "ip-address-dropped", "version-mismatch",
                         "external-name-deprecated", "compose-tag-ignored", "dotenv-not-read",
                         "nested-default", "env-file-dotenv-syntax"):
            where = f"{note.origin.path}:{note.origin.line}:{note.origin.column}: " \
                if note.origin else ""
            print(f"{where}warning: {note.message}", file=sys.stderr)
    if not args.no_validate:
        status = _validate(stack)
        if status != EXIT_OK:
            return status
    model, tokens = stack.model, {}
    if stack.secrets and not args.show_secrets:
        model, tokens = _masked(stack)
    try:
        if args.format == "json":
            text = emit.render_json(model)
        else:
            text = emit.render(model, annotate=args.annotate)
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
            raise InputError(f"cannot write {args.output}: {exc.strerror}", args.output) from None
    else:
        sys.stdout.write(text)
    return EXIT_OK

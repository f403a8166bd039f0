"""Command line: `stacklint <command> …`; parsing and dispatch, nothing else."""
from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence

from stacklint import __version__
from stacklint.errors import EXIT_INPUT, EXIT_INTERNAL, StacklintError

# subcommand name -> module in stacklint.commands (each has register() and run())
COMMANDS = ("merge", "validate", "check", "fix", "rules", "explain", "deploy", "plan",
            "preflight", "cluster", "history", "rollback")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only` (a command's name), that command's subparser
    alone, so a run imports one command module, not twelve (start-up is most of a small
    `check`). Parsing a command line that starts with `only` gives the same result."""
    parser = argparse.ArgumentParser(
        prog="stacklint",
        description="Merge, validate, fix and gate Docker Swarm stack files.")
    parser.add_argument("--version", action="version", version=f"stacklint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        module = importlib.import_module(f"stacklint.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list in (["--version"], ["-V"]):       # fast path: no parser, no imports
        print(f"stacklint {__version__}")
        return 0
    parser = build_parser(args_list[0] if args_list and args_list[0] in COMMANDS else None)
    args = parser.parse_args(args_list)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    # the documents are acyclic trees: the cyclic collector would only rescan a growing heap
    # (about a third of `check` on big stacks). `deploy` keeps it: it watches for minutes.
    collect = gc.isenabled()
    if args.command not in ("deploy", "rollback"):
        gc.disable()
    try:
        return int(args.run(args))
    except StacklintError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug in stacklint: say so, exit 3
        if os.environ.get("STACKLINT_DEBUG"):
            raise
        print(f"stacklint: internal error: {type(exc).__name__}: {exc}\n"
              "  set STACKLINT_DEBUG=1 for a traceback, and please report it", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        if collect:      # for callers that run main() in-process
            gc.enable()

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

TYPE_CHECKING = False       # typing's own, without importing `typing` (~7 ms of `--version`)
if TYPE_CHECKING:
    from typing import Any

# subcommand name -> module in stacklint.commands (each has register() and run())
COMMANDS = ("merge", "validate", "check", "fix", "rules", "explain", "deploy", "plan",
            "preflight", "cluster", "history", "rollback")


def _columns() -> int:
    """The terminal's width as `shutil.get_terminal_size()` finds it: $COLUMNS, else the
    width of stdout's terminal, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, told the width (argparse would import `shutil`, and with it
    bz2 and lzma, for it: ~3 ms of a small `check`, which makes one per option)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         _columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    """The parser of stacklint and of each command (argparse makes the commands' parsers of
    the same class): `_Formatter` unless a command asks for another formatter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only` (a command's name), that command's subparser
    alone, so a run imports one command module, not twelve (start-up is most of a small
    `check`). Parsing a command line that starts with `only` gives the same result."""
    parser = _Parser(
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

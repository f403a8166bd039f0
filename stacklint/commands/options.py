"""Options several commands share (deploy, plan, preflight, rollback), said once.

The same flag means the same thing in every command that takes it; only the help text
of a flag may say what it does there (`--prune` plans a removal in `plan`, performs it
in `deploy`).
"""
from __future__ import annotations

import argparse

DEFAULT_TIMEOUT = 300.0
SEVERITIES = ("error", "warning", "info")


def add_stack_files(parser: argparse.ArgumentParser, fail_on_help: str) -> None:
    """-f FILE…, STACK, --fail-on, --config, --env-file: a chain and how to gate it."""
    parser.add_argument("-f", "--file", dest="files", action="append", required=True,
                        metavar="FILE", help="a compose file; repeat for overrides, base first")
    parser.add_argument("stack", metavar="STACK", help="the stack name")
    parser.add_argument("--fail-on", choices=SEVERITIES, help=fail_on_help)
    parser.add_argument("--config", metavar="PATH", help="config file (default: the nearest one)")
    parser.add_argument("--env-file", action="append", default=[], metavar="FILE",
                        help="variables for ${VAR} interpolation (the environment wins)")


def add_submit(parser: argparse.ArgumentParser, prune_help: str, force_help: str) -> None:
    """What `docker stack deploy` is given, and when stacklint submits anyway."""
    parser.add_argument("--with-registry-auth", action="store_true",
                        help="send registry credentials to the swarm agents")
    parser.add_argument("--prune", action="store_true", help=prune_help)
    add_resolve_image(parser)
    parser.add_argument("--force", action="store_true", help=force_help)


def add_resolve_image(parser: argparse.ArgumentParser, default: str | None = None,
                      help: str = "passed to `docker stack deploy` (use never without a registry)"
                      ) -> None:
    parser.add_argument("--resolve-image", choices=("always", "changed", "never"),
                        default=default, help=help)


def add_follow(parser: argparse.ArgumentParser, yes_help: str) -> None:
    """--yes, --no-watch, --timeout: asking after the plan, and following the rollout."""
    parser.add_argument("--yes", "-y", action="store_true", help=yes_help)
    parser.add_argument("--no-watch", action="store_true",
                        help="return once Docker accepted the stack; do not follow the rollout")
    parser.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"stop following after this long (default {DEFAULT_TIMEOUT:g})")


def seconds(text: str) -> float:
    """A positive number of seconds (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value

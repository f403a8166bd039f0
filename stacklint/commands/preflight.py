"""`stacklint preflight`: check a stack against the live swarm before it is deployed."""
from __future__ import annotations

import argparse
import sys

from stacklint.commands import options
from stacklint.errors import EXIT_FINDINGS, EXIT_OK
from stacklint.reporters import add_format_option

HELP = """\
exit codes:
  0  the swarm can run the stack as asked (no finding at or above --fail-on)
  1  findings at or above --fail-on: the stack would not start as asked, or the cluster
     cannot take a deploy now (quorum lost)
  2  bad input, or Docker trouble: no docker CLI, engine unreachable, wrong context, not a
     swarm manager, no answer within STACKLINT_DOCKER_TIMEOUT seconds (default 30)
  3  internal error in stacklint
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "preflight", help="check a stack against the live swarm: managers, nodes, scheduling",
        description="Read the swarm that DOCKER_HOST or the Docker context names and report\n"
                    "what would keep the stack from starting there: quorum, drained or down\n"
                    "nodes, placement constraints no node matches, max_replicas_per_node,\n"
                    "reservations beyond the nodes' free capacity (and a start-first update's\n"
                    "extra tasks), host-mode ports, missing external networks/secrets/configs,\n"
                    "configs changed under the same name, unfinished updates.  Nothing is\n"
                    "submitted.  Rules SL8xx (`stacklint explain SL810`).",
        epilog=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    options.add_stack_files(parser, "lowest severity that fails the run (default: config, else warning)")
    add_format_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stacklint import dockercli
    from stacklint.deploy import gate
    from stacklint.cluster.run import preflight_findings
    from stacklint.lint.config import load_config
    from stacklint.reporters import RunSummary, get_reporter

    dockercli.check_stack_name(args.stack, ())
    config = load_config(args.config).with_fail_on(args.fail_on)
    outcome = gate.run_gate(args.files, args.config, args.fail_on, args.env_file)
    findings = preflight_findings(dockercli.docker_cli(), outcome, args.stack, config)
    summary = RunSummary(stacks=((args.stack, tuple(args.files)),), rules=config.ruleset(),
                         fail_on=config.fail_on)
    get_reporter(args.format).report(findings, summary, sys.stdout)
    blocking = [f for f in findings if f.severity >= config.fail_on]
    return EXIT_FINDINGS if blocking else EXIT_OK

"""`stacklint plan`: what `stacklint deploy` would change in the running stack, and why."""
from __future__ import annotations

import argparse
import json
import sys

from stacklint.commands import options
from stacklint.errors import EXIT_FINDINGS
from stacklint.reporters import add_format_option

EXIT_HELP = """\
exit codes:
  0  the plan was made (whatever it changes)
  1  the deploy would be refused: by stacklint's gate (findings at or above --fail-on),
     or by Docker (a change of mode, a changed config or secret, a missing external object)
  2  bad input, or Docker trouble: no docker CLI, engine unreachable, not a swarm manager
  3  internal error in stacklint
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "plan", help="show what deploying the files would change in a running stack",
        description="Merge and gate the files as `stacklint deploy` does, convert them to the\n"
                    "service specs `docker stack deploy` would send, and compare them with\n"
                    "the stack's running services (read-only).  Per service: create, rolling\n"
                    "update, scale only, metadata only, no change, job re-run, refused; and\n"
                    "the networks, volumes, configs and secrets.",
        epilog=EXIT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="the plan: text for people (default) or json for tools")
    # the plan is not a list of findings; the gate's findings print as every command's do
    add_format_option(parser, "--report-format")
    parser.set_defaults(run=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.add_stack_files(parser, "the gate's level, as for deploy")
    parser.add_argument("--prune", action="store_true",
                        help="plan the removal of services the files no longer name")
    options.add_resolve_image(parser, "always", "as for docker stack deploy (default always)")


def run(args: argparse.Namespace) -> int:
    import yaml

    from stacklint import dockercli
    from stacklint.deploy import gate, plan

    dockercli.check_stack_name(args.stack, ())
    outcome = gate.run_gate(args.files, args.config, args.fail_on, args.env_file)
    if outcome.blocking:
        gate.print_report(outcome, sys.stderr, args.files, args.report_format)
        print(f"stacklint: deploy would be refused: {len(outcome.blocking)} finding(s) at or "
              f"above {outcome.fail_on}", file=sys.stderr)
        return EXIT_FINDINGS
    if outcome.findings:
        print(f"stacklint: {len(outcome.findings)} finding(s) below {outcome.fail_on} "
              f"(`stacklint check` lists them)", file=sys.stderr)
    dockercli.check_stack_name(args.stack, outcome.services)
    docker = dockercli.docker_cli()
    dockercli.preflight(docker)
    result = plan.make_plan(docker, args.stack, yaml.safe_load(outcome.text),
                            args.resolve_image, args.prune)
    if args.format == "json":
        print(json.dumps(result.as_json(), indent=2))
    else:
        print(plan.render_text(result))
    return EXIT_FINDINGS if result.refused else 0

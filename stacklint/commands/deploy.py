"""`stacklint deploy`: gate a stack, hand it to `docker stack deploy`, follow the rollout."""
from __future__ import annotations

import argparse
import shlex
import signal
import sys

from stacklint.commands import options
from stacklint.errors import EXIT_FINDINGS, InputError, ReadError
from stacklint.reporters import add_format_option

EXIT_REFUSED = EXIT_FINDINGS

EXIT_HELP = """\
exit codes:
  0  deployed; every service's update completed (or the service was created and is running)
  1  refused by the gate: errors (a file that does not parse or merge is one, SL003),
     or findings at or above --fail-on; or by the preflight (SL8xx, the stack against
     the live swarm); or, without --force, a service of the stack is mid-update, paused,
     rolled back, or runs tasks of another image than its spec; nothing was deployed
  2  stacklint could not run as asked, or Docker trouble: usage, a missing or unreadable
     file, a bad config, no docker CLI, engine unreachable, not a swarm manager,
     invalid stack name, `docker stack deploy` failed
  3  internal error in stacklint
  4  Swarm rolled back the update of at least one service
  5  the update (or its rollback) of at least one service is paused
  6  --timeout passed before every service's update ended
  7  tasks of at least one service stay pending: no node can take them (the scheduler's
     reason is shown per service; `stacklint preflight` names the line to change)
  130, 143  interrupted (SIGINT, SIGTERM): stacklint stopped following; the rollout goes on
  When services end differently, the highest code wins.
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "deploy", help="check a stack, deploy it to a swarm and follow the rollout",
        description="Merge the files, apply the safe fixes in memory (your files stay as they\n"
                    "are), validate and lint; deploy only what passes, with\n"
                    "`docker stack deploy -c - STACK`, then follow every service's update\n"
                    "until it ends.  The engine is the one DOCKER_HOST or the Docker context\n"
                    "names, as for `docker` itself.",
        epilog=EXIT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    options.add_stack_files(parser, "refuse findings at or above this severity (default: the "
                                    "config's fail-on, else warning)")
    options.add_submit(parser, prune_help="remove services of the stack that the files no longer name",
                       force_help="deploy even when a service of the stack is mid-update, paused, "
                                  "rolled back, or runs tasks of another image than its spec")
    parser.add_argument("--skip-preflight", action="store_true",
                        help="do not check the stack against the live swarm first (SL8xx)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the stack and the docker command; deploy nothing")
    options.add_follow(parser, "deploy without asking after the plan (asked only on a terminal)")
    add_format_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stacklint import dockercli
    from stacklint.deploy import gate

    dockercli.check_stack_name(args.stack, ())          # before any work: a typo is cheap to fix
    try:
        outcome = gate.run_gate(args.files, args.config, args.fail_on, args.env_file)
    except ReadError:
        raise
    except InputError as exc:              # a stack Docker rejects is refused like any error
        from stacklint.reporters import input_finding
        found = input_finding(exc, args.files[0])
        outcome = gate.GateOutcome(found.severity, findings=[found], blocking=[found])
    # a dry run's standard output is exactly the stack, so it can be saved or piped
    gate.print_report(outcome, sys.stderr if args.dry_run else sys.stdout, args.files,
                      args.format)
    if outcome.blocking:
        print(f"stacklint: deploy refused: {len(outcome.blocking)} finding(s) at or above "
              f"{outcome.fail_on}; nothing was deployed", file=sys.stderr)
        return EXIT_REFUSED
    services = list(outcome.services)
    dockercli.check_stack_name(args.stack, services)
    command = dockercli.deploy_command(args.stack, prune=args.prune,
                                    with_registry_auth=args.with_registry_auth,
                                    resolve_image=args.resolve_image)
    if args.dry_run:
        print(f"# dry run: stacklint would run: {shlex.join(['docker', *command])}")
        sys.stdout.write(outcome.text)
        return 0
    if not args.skip_preflight:
        from stacklint.cluster.run import refuses
        if refuses(outcome, args.stack, args.config, args.fail_on):
            return EXIT_REFUSED
    from stacklint.deploy import deployrecord      # the plan first, the history after
    return deployrecord.around(args, outcome.text,
                               lambda: _deploy(args, command, outcome.text, services))


def _deploy(args: argparse.Namespace, command: list[str], text: str, services: list[str]) -> int:
    from stacklint import dockercli
    from stacklint.deploy import rollout, rollout_view

    docker = dockercli.docker_cli()
    dockercli.preflight(docker)
    before = rollout.snapshot(docker, args.stack)
    if not _swarm_settled(args, before):
        return EXIT_REFUSED
    output, warnings = dockercli.stack_deploy(docker, command, text)
    sys.stdout.write(output)
    if warnings:
        print(warnings, file=sys.stderr)
    if args.no_watch:
        print(f"stack {args.stack} deployed; not following the rollout (--no-watch)")
        return 0
    expected = [f"{args.stack}_{name}" for name in services]
    view = rollout_view.view_for(sys.stdout)
    previous = signal.signal(signal.SIGTERM, _stop_following)   # a cancelled CI job
    try:
        progress = rollout.watch(docker, args.stack, expected, before, args.timeout, view)
    except (KeyboardInterrupt, _Stopped) as stop:
        name, code = ("SIGTERM", 143) if isinstance(stop, _Stopped) else ("SIGINT", 130)
        print("\n" + rollout_view.interrupted(args.stack, view.last, name), file=sys.stderr)
        return code
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(rollout_view.summary(args.stack, progress))
    return rollout.exit_code(progress)


def _swarm_settled(args: argparse.Namespace, before: dict) -> bool:  # type: ignore[type-arg]
    """Refuse (unless --force) to deploy over services whose tasks are not what their specs
    say: the deploy would hide it, and its outcome would say nothing about the release."""
    from stacklint.deploy import rollout

    trouble = rollout.unsettled(before)
    if not trouble:
        return True
    word = "deploying anyway (--force)" if args.force else "deploy refused"
    print(f"stacklint: {word}: the swarm does not run what the specs of stack {args.stack} "
          "say:", file=sys.stderr)
    for line in trouble:
        print(f"  {line}", file=sys.stderr)
    if not args.force:
        print("  hint: `docker service ps --no-trunc SERVICE` shows the tasks; let a running "
              "update end, `docker service update --rollback SERVICE` a paused one, or pass "
              "--force to deploy anyway; nothing was deployed", file=sys.stderr)
    return bool(args.force)


class _Stopped(Exception):
    """SIGTERM while following: handled as Ctrl-C is."""


def _stop_following(signum: int, frame: object) -> None:
    raise _Stopped()

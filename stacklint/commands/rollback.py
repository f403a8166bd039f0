"""`stacklint rollback`: deploy a recorded revision of a stack again, and follow it."""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from stacklint.commands import options
from stacklint.commands.deploy import EXIT_HELP


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "rollback", help="deploy a recorded revision of a stack again (no files needed)",
        description="Deploy revision N of STACK from its history in the swarm (default: the\n"
                    "newest completed revision before the newest one), show the plan, and\n"
                    "follow the rollout as `stacklint deploy` does.  The original files are\n"
                    "not needed: images are pinned to the digests the revision ran (when\n"
                    "Docker resolved them), configs and secrets still in the swarm are used\n"
                    "as they are.  Exit 2 for a stack without history or an unknown revision.",
        epilog=EXIT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stack", metavar="STACK", help="the stack name")
    parser.add_argument("--to", type=int, metavar="N", help="the revision (`stacklint history`)")
    options.add_submit(parser, prune_help="remove services the revision does not have",
                       force_help="roll back even when a service is mid-update or paused, as for "
                                  "deploy (a service Swarm rolled back needs no --force)")
    options.add_follow(parser, "do not ask after the plan")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import yaml

    from stacklint import dockercli
    from stacklint.deploy import deployrecord, history
    from stacklint.commands import deploy as deploy_command

    dockercli.check_stack_name(args.stack, ())
    docker = dockercli.docker_cli()
    dockercli.preflight(docker)
    rev = history.pick(history.revisions(docker, args.stack), args.stack, args.to)
    with tempfile.TemporaryDirectory(prefix="stacklint-rollback-") as workdir:
        text, notes = history.rollback_stack(docker, rev, Path(workdir))
        print(f"rolling stack {args.stack} back to revision {rev.number} "
              f"(deployed {rev.time}, {rev.result}; files: {' '.join(rev.files) or '-'})")
        for note in notes:
            print(f"  note: {note}", file=sys.stderr)
        services = list((yaml.safe_load(text) or {}).get("services") or {})
        command = dockercli.deploy_command(args.stack, prune=args.prune,
                                        with_registry_auth=args.with_registry_auth,
                                        resolve_image=args.resolve_image)
        args.files, args.rollback_of = rev.files, rev.number
        args.force = args.force or _only_rolled_back(docker, args.stack)
        return deployrecord.around(args, text, lambda: deploy_command._deploy(
            args, command, text, services))


def _only_rolled_back(docker: str, stack: str) -> bool:
    """Whether deploy's settled-swarm check would stop only at services Swarm rolled back
    and that run their spec: the usual state after a bad release, and what rollback is for."""
    from stacklint.deploy import rollout

    before = rollout.snapshot(docker, stack)
    troubled = [b for name, b in before.items() if rollout.unsettled({name: b})]
    return bool(troubled) and all(
        b.state == "rollback_completed" and all(image == b.image for image in b.running)
        for b in troubled)

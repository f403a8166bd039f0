"""`stacklint history`: the revisions `stacklint deploy` recorded for a stack in the swarm."""
from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "history", help="list the recorded deploys of a stack (revision, time, files, result)",
        description="List the revisions of STACK that `stacklint deploy` and `stacklint\n"
                    "rollback` recorded in the swarm (one config object each, readable from\n"
                    "any manager).  Exit 2 when the stack has no history.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stack", metavar="STACK", help="the stack name")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text (a table, default) or json (one object per revision)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stacklint import dockercli
    from stacklint.deploy import history

    dockercli.check_stack_name(args.stack, ())
    docker = dockercli.docker_cli()
    dockercli.preflight(docker)
    revs = history.revisions(docker, args.stack)
    if not revs:
        history.pick(revs, args.stack, None)          # raises the "no history" error
    if args.format == "json":
        from stacklint.reporters.json import versioned
        print(json.dumps(versioned({"stack": args.stack, "revisions": [
            {"revision": r.number, "time": r.time, "result": r.result, "files": r.files,
             "images": r.images, "rollback_of": r.rollback_of} for r in revs]}), indent=2))
        return 0
    print(f"{'REV':>4}  {'TIME':<20}  {'RESULT':<15}  FILES")
    for r in revs:
        files = " ".join(r.files) or "-"
        if r.rollback_of is not None:
            files = f"(rollback to {r.rollback_of}) {files}"
        print(f"{r.number:>4}  {r.time:<20}  {r.result:<15}  {files}")
    return 0

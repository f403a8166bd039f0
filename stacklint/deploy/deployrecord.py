"""What `stacklint deploy` adds around Docker: the plan before it submits, the history after."""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from stacklint import dockercli
from stacklint.deploy import history
from stacklint.errors import EXIT_FINDINGS


def around(args: argparse.Namespace, text: str, submit: Callable[[], int]) -> int:
    """Show the plan (and ask), run `submit` (deploy and follow), record how it ended."""
    docker = dockercli.docker_cli()
    dockercli.preflight(docker)
    stop = confirm(docker, args, text)
    if stop is not None:
        return stop
    code = submit()
    if code != EXIT_FINDINGS:          # 1: refused before anything was submitted
        record(docker, args, text, "not followed" if args.no_watch and code == 0 else code)
    return code


def confirm(docker: str, args: argparse.Namespace, text: str) -> int | None:
    """Print the plan; stop (with the exit code) on what Docker would refuse, or on a "no".

    Docker refuses a change of mode only when it reaches that service, after it updated the
    ones before it; refusing the whole deploy up front leaves the stack as it was. Exit 1,
    as for the preflight's findings about the swarm; `--skip-preflight` lets Docker decide.
    """
    import yaml

    from stacklint.deploy import plan

    made = plan.make_plan(docker, args.stack, yaml.safe_load(text),
                          args.resolve_image or "always", args.prune)
    print(plan.render_text(made), flush=True)
    items: list[plan.ServicePlan | plan.ObjectPlan] = [*made.services, *made.objects]
    refused = [f"{item.name}: {item.why}" for item in items if item.action == plan.REFUSED]
    if refused and getattr(args, "skip_preflight", False):
        print("stacklint: note: Docker will refuse " + "; ".join(refused) +
              " (deploying anyway: --skip-preflight)", file=sys.stderr)
    elif refused:
        print("stacklint: deploy refused: docker stack deploy would fail, so nothing was "
              "deployed:", file=sys.stderr)
        for line in refused:
            print(f"  {line}", file=sys.stderr)
        return EXIT_FINDINGS
    if getattr(args, "yes", False) or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None
    try:
        answer = input(f"Deploy these changes to stack {args.stack}? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() in ("y", "yes"):
        return None
    print("stacklint: not deployed (answered no)", file=sys.stderr)
    return EXIT_FINDINGS


def record(docker: str, args: argparse.Namespace, text: str, result: int | str) -> None:
    """Add this deploy to the stack's history; a failure to record is a warning only."""
    import yaml

    model: dict[str, Any] = yaml.safe_load(text) or {}
    images = history.images_of(docker, args.stack, {
        str(name): str((svc or {}).get("image") or "")
        for name, svc in (model.get("services") or {}).items()})
    configs, secrets = history.file_objects(model)
    rev = history.Revision(
        stack=args.stack, number=0, time=history.now(),
        result=result if isinstance(result, str) else history.RESULTS.get(result, f"exit {result}"),
        files=[os.path.abspath(f) for f in getattr(args, "files", None) or []],
        text=text, images=images[0], image_ids=images[1],
        configs=configs, secrets=secrets, rollback_of=getattr(args, "rollback_of", None))
    try:
        rev = history.record(docker, rev)
    except dockercli.DeployError as exc:
        print(f"stacklint: warning: the deploy was not recorded in the history: {exc}",
              file=sys.stderr)
        return
    print(f"recorded as revision {rev.number} of stack {args.stack} ({rev.result})")

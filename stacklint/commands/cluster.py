"""`stacklint cluster`: the swarm's own health (managers, quorum, nodes, uneven spreads)."""
from __future__ import annotations

import argparse
import json
import sys

EXIT_HEALTHY = 0
EXIT_AT_RISK = 4
EXIT_LOST = 5

HELP = """\
exit codes:
  0  quorum holds and survives at least one more manager failure
  2  Docker trouble: no docker CLI, engine unreachable, wrong context, not a swarm manager,
     no answer within STACKLINT_DOCKER_TIMEOUT seconds (default 30)
  3  internal error in stacklint
  4  quorum at risk: one more manager failure loses control of the cluster (this includes
     a swarm with a single manager, or with two)
  5  quorum lost: no leader; nothing can be deployed, updated or rescheduled
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "cluster", help="the swarm's health: managers and quorum, leader, nodes, spreads",
        description="Read the swarm that DOCKER_HOST or the Docker context names and print\n"
                    "its health: managers, quorum and the failures it tolerates, the leader,\n"
                    "the availability of every node, and services whose tasks crowd a few\n"
                    "nodes (Swarm does not rebalance when a node joins or comes back), with\n"
                    "the command that spreads them again.",
        epilog=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text for people (default) or json for tools")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stacklint import dockercli
    from stacklint.cluster import health, state

    swarm = state.read(dockercli.docker_cli(), objects=False)
    report = health.report(swarm)
    code = {health.HEALTHY: EXIT_HEALTHY, health.AT_RISK: EXIT_AT_RISK,
            health.LOST: EXIT_LOST}[report["managers"]["state"]]
    report["exit_code"] = code
    if args.format == "json":
        from stacklint.reporters.json import versioned
        json.dump(versioned(report), sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    else:
        print(text(report))
    return code


def text(report: dict) -> str:  # type: ignore[type-arg]
    m = report["managers"]
    lines = [f"managers: {m['summary']}"]
    if m["error"]:
        lines.append(f"  Docker: {m['error']}")
    if report["nodes"]:
        width = max(len(n["hostname"]) for n in report["nodes"])
        lines.append("nodes:")
        for n in report["nodes"]:
            role = "leader" if n["leader"] else (
                f"manager ({n['reachability']})" if n["role"] == "manager" else "worker")
            labels = " ".join(f"{k}={v}" for k, v in sorted(n["labels"].items()))
            lines.append(f"  {n['hostname']:<{width}}  {role:<22}  {n['state']:<8}  "
                         f"{n['availability']:<6}  {labels}".rstrip())
    for words in report["unavailable"]:
        lines.append(f"note: {words}")
    for s in report["uneven"]:
        spread = ", ".join(f"{h}: {c}" for h, c in s["tasks_per_node"].items())
        lines.append(f"uneven: {s['service']} runs {spread}; Swarm does not move running "
                     f"tasks to a node that joined or came back: `{s['fix']}` spreads them")
    state = {"healthy": "healthy", "at risk": "quorum at risk", "lost": "quorum lost"}[m["state"]]
    lines.append(f"result: {state} (exit {report['exit_code']})")
    return "\n".join(lines)

"""`stacklint rules`: every rule with its id, name, severity, kind and summary."""
from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("rules", help="list every rule",
                            description="List every rule (built-in and from rule-paths).")
    parser.add_argument("--config", metavar="FILE", help="config file (user rules, selection)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="one line per rule (default) or json")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stacklint.lint.config import load_config
    config = load_config(args.config)
    rules = list(config.ruleset())
    if args.format == "json":
        from stacklint.reporters.json import versioned
        print(json.dumps(versioned({"rules": [
            {"id": r.id, "name": r.name, "severity": str(r.severity), "kind": r.kind,
             "groups": list(r.groups), "summary": r.summary, "enabled": config.is_enabled(r),
             "builtin": r.builtin} for r in rules]}), indent=2))
        return 0
    width = max(len(r.name) for r in rules)
    for r in rules:
        off = "" if config.is_enabled(r) else "  (disabled: enable it with `select` in the config)"
        print(f"{r.id}  {r.name:<{width}}  {str(r.severity):<7}  {r.kind:<10}  {r.summary}{off}")
    return 0

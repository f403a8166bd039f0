"""`stacklint explain RULE`: a rule's documentation, rendered from its rule file."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from stacklint.errors import ConfigError
from stacklint.reporters.ruledoc import render_markdown

if TYPE_CHECKING:
    from stacklint.lint.ruleset import RuleSet


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("explain", help="print a rule's documentation",
                            description="Print a rule's documentation (Markdown).")
    parser.add_argument("rule", help="rule id or name, e.g. SL501 or healthcheck-present")
    parser.add_argument("--config", metavar="FILE", help="config file (for user rule folders)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stacklint.lint.config import load_config
    rules = load_config(args.config).ruleset()
    rule = rules.get(args.rule)
    if rule is None:
        raise ConfigError(f"no rule named {args.rule!r}", hint=_did_you_mean(args.rule, rules))
    print(render_markdown(rule))
    return 0


def _did_you_mean(word: str, rules: RuleSet) -> str:
    """The rules a mistyped or partial name most likely means, else where to look."""
    from stacklint.validate.suggest import closest
    low = word.lower()
    named = [r for r in rules if low in r.name or low in r.id.lower()]
    if not named:
        match = closest(low, [n for r in rules for n in (r.id, r.name)])
        named = [r for r in rules if match in (r.id, r.name)]
    if not named:
        return "`stacklint rules` lists every rule id and name"
    shown = ", ".join(f"{r.id} {r.name}" for r in named[:4])
    return f"did you mean {shown}{', …' if len(named) > 4 else ''}? (`stacklint rules` lists all)"

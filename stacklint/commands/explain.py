"""`stacklint explain RULE`: a rule's documentation, rendered from its rule file."""
from __future__ import annotations

import argparse
from typing import Any

from stacklint.errors import ConfigError

SECTIONS = (("what", "What it checks"), ("why", "Why it matters"),
            ("fix_safety", "Fix safety"))


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("explain", help="print a rule's documentation",
                            description="Print a rule's documentation (Markdown).")
    parser.add_argument("rule", help="rule id or name, e.g. SL501 or healthcheck-present")
    parser.add_argument("--config", metavar="FILE", help="config file (for user rule folders)")
    parser.set_defaults(run=run)


def _block(title: str, body: str, fence: bool = False) -> list[str]:
    body = body.rstrip()
    if fence:
        return [f"## {title}", "", "```yaml", body, "```", ""]
    return [f"## {title}", "", " ".join(body.split()) if "\n\n" not in body else body, ""]


def render_markdown(rule: Any) -> str:
    """The rule's docs as Markdown (the same text for the terminal and the docs)."""
    docs = rule.docs
    lines = [f"# {rule.id} {rule.name}", "", rule.summary, "",
             f"- severity: {rule.severity}", f"- kind: {rule.kind}"]
    if rule.groups:
        lines.append(f"- groups: {', '.join(rule.groups)}")
    if rule.kind == "policy":
        lines.append(f"- scope: {rule.scope}")
    lines.append("")
    for key, title in SECTIONS[:2]:
        if docs.get(key):
            lines += _block(title, str(docs[key]))
    if docs.get("example"):
        lines += _block("Example", str(docs["example"]), fence=True)
    if docs.get("use_instead"):
        lines += _block("Use instead", str(docs["use_instead"]), fence=True)
    if rule.options:
        lines += ["## Options", ""] + [f"- `{k}` (default: `{v}`)" for k, v in rule.options.items()] + [""]
    if docs.get("fix_safety"):
        lines += _block("Fix safety", str(docs["fix_safety"]))
    if docs.get("references"):
        lines += ["## References", ""] + [f"- {r}" for r in docs["references"]] + [""]
    lines += ["## Suppressing it", "",
              f"`# stacklint: disable={rule.name} -- reason`, or "
              f"`x-stacklint: {{ignore: {{{rule.name}: reason}}}}` on the service.", ""]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from stacklint.config import load_config
    rules = load_config(args.config).ruleset()
    rule = rules.get(args.rule)
    if rule is None:
        raise ConfigError(f"no rule named {args.rule!r}", hint=_did_you_mean(args.rule, rules))
    print(render_markdown(rule))
    return 0


def _did_you_mean(word: str, rules: Any) -> str:
    """The rules a mistyped or partial name most likely means, else where to look."""
    from stacklint.suggest import closest
    low = word.lower()
    named = [r for r in rules if low in r.name or low in r.id.lower()]
    if not named:
        match = closest(low, [n for r in rules for n in (r.id, r.name)])
        named = [r for r in rules if match in (r.id, r.name)]
    if not named:
        return "`stacklint rules` lists every rule id and name"
    shown = ", ".join(f"{r.id} {r.name}" for r in named[:4])
    return f"did you mean {shown}{', …' if len(named) > 4 else ''}? (`stacklint rules` lists all)"

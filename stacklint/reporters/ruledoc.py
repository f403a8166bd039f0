"""A rule's documentation as Markdown, from its rule file (`explain`, SARIF rule help)."""
from __future__ import annotations

from typing import Any

SECTIONS = (("what", "What it checks"), ("why", "Why it matters"),
            ("fix_safety", "Fix safety"))


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

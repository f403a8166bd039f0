"""SL713: `yes`/`no`/`on`/`off` for a boolean key; Docker's YAML 1.2 reader sees a string."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stacklint.fix.fixes import FixContext, Proposal, Rule, services
from stacklint.fix.textedit import replace_value, scalar_text
from stacklint.tree import SList, SMap

RULE = Rule("SL713", "yaml11-boolean", "Write `true` or `false`")
TRUE = frozenset("y Y yes Yes YES on On ON".split())
FALSE = frozenset("n N no No NO off Off OFF".split())
_WORDS = TRUE | FALSE
SERVICE_KEYS = ("read_only", "init", "tty", "stdin_open", "privileged")
TOP_KEYS = {"networks": ("internal", "attachable", "external"), "volumes": ("external",),
            "secrets": ("external",), "configs": ("external",)}


def _check(ctx: FixContext, node: Any, key: str, pointer: tuple[Any, ...]) -> Iterator[Proposal]:
    # a plain function in front: the generator below is made only for a yes/no/on/off word
    word = node.get(key) if isinstance(node, SMap) else None
    if isinstance(word, str) and word in _WORDS:
        return _propose(ctx, node, key, pointer)
    return iter(())


def _propose(ctx: FixContext, node: SMap, key: str,
             pointer: tuple[Any, ...]) -> Iterator[Proposal]:
    source = scalar_text(ctx.text, node, key)
    word = node[key]
    if source != word:    # quoted: meant as text
        return
    value = word in TRUE
    where = ".".join(str(p) for p in pointer)
    yield ctx.proposal(RULE, pointer, node.value_origins.get(key),
                       f"{where}: `{word}` written as `{str(value).lower()}` (Docker reads YAML "
                       "1.2, where it is a string, not a boolean)",
                       (replace_value(ctx.text, node, key, str(value).lower()),),
                       (("set", pointer, value),))


def propose(ctx: FixContext) -> Iterator[Proposal]:
    data = ctx.doc.data
    for name, svc in services(data):
        base = ("services", name)
        for key in SERVICE_KEYS:
            yield from _check(ctx, svc, key, (*base, key))
        yield from _check(ctx, svc.get("healthcheck"), "disable", (*base, "healthcheck", "disable"))
        volumes = svc.get("volumes")
        for i, volume in enumerate(volumes if isinstance(volumes, SList) else []):
            yield from _check(ctx, volume, "read_only", (*base, "volumes", i, "read_only"))
            inner = volume.get("volume") if isinstance(volume, SMap) else None
            yield from _check(ctx, inner, "nocopy", (*base, "volumes", i, "volume", "nocopy"))
    for section, keys in TOP_KEYS.items():
        entries = data.get(section) if isinstance(data, SMap) else None
        for entry_name, entry in (entries.items() if isinstance(entries, SMap) else []):
            for key in keys:
                yield from _check(ctx, entry, key, (section, entry_name, key))

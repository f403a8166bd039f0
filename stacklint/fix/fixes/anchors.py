"""Anchors and their aliases: a value shared by several places is not edited in place."""
from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from stacklint.model import Edit

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass
class Anchor:
    name: str
    start: int                       # the `&name` token
    end: int                         # end of the anchored node
    aliases: list[int] = field(default_factory=list)
    in_extension: bool = False       # defined under a top-level `x-*` key

    @property
    def uses(self) -> int:
        """Places that read the value: every alias, and the definition unless it is in `x-*`."""
        return len(self.aliases) + (0 if self.in_extension else 1)


def scan(text: str, extension_spans: list[tuple[int, int]]) -> list[Anchor]:
    """Every anchor of `text` with the offsets of its aliases."""
    found: list[Anchor] = []
    if "&" not in text:       # no anchor, nothing shared: skip a walk over every parser event
        return found
    current: dict[str, Anchor] = {}
    open_nodes: list[Anchor | None] = []
    try:
        events = list(yaml.parse(text, Loader=_Loader))
    except yaml.YAMLError:
        return found
    for event in events:
        start_mark, end_mark = event.start_mark, event.end_mark
        assert start_mark is not None and end_mark is not None   # the parser marks every event
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in current:
                current[event.anchor].aliases.append(start_mark.index)
            continue
        anchor = getattr(event, "anchor", None)
        made = None
        if anchor and isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            start = start_mark.index
            ext = any(a <= start < b for a, b in extension_spans)
            made = Anchor(anchor, start, end_mark.index, in_extension=ext)
            current[anchor] = made
            found.append(made)
        if isinstance(event, yaml.CollectionStartEvent):
            open_nodes.append(made)
        elif isinstance(event, yaml.CollectionEndEvent) and open_nodes:
            closing = open_nodes.pop()
            if closing is not None:
                closing.end = end_mark.index
    return found


def conflict(edit: Edit, anchors: list[Anchor]) -> str | None:
    """Why `edit` must not be applied in place, or None when it may."""
    for anchor in anchors:
        # an insertion just after an anchored block may be its new last entry: count it in
        inside = (anchor.start < edit.start <= anchor.end if edit.start == edit.end
                  else edit.start < anchor.end and anchor.start < edit.end)
        if inside and anchor.uses > 1:
            return (f"the value comes from the anchor &{anchor.name}, used in {anchor.uses} "
                    "places; change it there by hand (it changes every alias), or give "
                    "this place its own value")
        if edit.start <= anchor.start < edit.end and any(
                not edit.start <= a < edit.end for a in anchor.aliases):
            return (f"the edit would remove the anchor &{anchor.name} that aliases elsewhere "
                    "use; change it by hand")
    return None

"""The fixes for compose-to-stack breakages: shared records and the registry.

Each module holds one fix: a `RULE` and `propose(ctx)`, which reads the parsed
document and yields `Proposal`s: text edits plus what the parsed data should
look like afterwards (the fixer checks that, and nothing else, changed).
"""
from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from stacklint.load.document import Document
from stacklint.model import Edit, Origin, Severity
from stacklint.tree import SList, SMap

Pointer = tuple[Any, ...]
# ('set', pointer, value) creates missing parents; ('delete', pointer, None) removes a
# mapping key or a list item
Expect = tuple[str, Pointer, Any]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    title: str
    severity: Severity = Severity.ERROR


@dataclass(frozen=True)
class Proposal:
    """One finding of a fix: edits to apply, or `manual` when a person must act."""

    rule: Rule
    pointer: Pointer
    origin: Origin | None
    message: str
    edits: tuple[Edit, ...] = ()
    expect: tuple[Expect, ...] = ()
    manual: str | None = None

    @property
    def key(self) -> tuple[str, Pointer]:
        return (self.rule.id, self.pointer)


@dataclass
class FixContext:
    """What a fix may look at: this document and the chain it belongs to."""

    doc: Document
    chain: list[Document] = field(default_factory=list)
    # the document as read, before any fix: what an earlier pass removed (the
    # top-level `name` of Compose's output) still tells later passes what it was
    first: Document | None = None

    @property
    def text(self) -> str:
        return self.doc.text

    def proposal(self, rule: Rule, pointer: Pointer, origin: Origin | None, message: str,
                 edits: tuple[Edit | None, ...] = (), expect: tuple[Expect, ...] = (),
                 manual: str | None = None) -> Proposal:
        """A proposal; a missing edit turns it into a manual one."""
        if None in edits and manual is None:      # an edit compares unequal to None
            manual = "the text around it is too unusual to edit safely; change it by hand"
        if manual is not None:
            return Proposal(rule, pointer, origin, message, manual=manual)
        return Proposal(rule, pointer, origin, message,
                        tuple(cast("tuple[Edit, ...]", edits)), expect)   # no None left


class FixModule(Protocol):
    RULE: Rule

    def propose(self, ctx: FixContext) -> Iterator[Proposal]: ...


def services(data: Any) -> Iterator[tuple[str, SMap]]:
    """(name, mapping) of every service written as a mapping."""
    found = data.get("services") if isinstance(data, SMap) else None
    if isinstance(found, SMap):
        for name, svc in found.items():
            if isinstance(svc, SMap):
                yield name, svc


def list_items(data: Any, key: str) -> Iterator[tuple[str, SList, int, Any]]:
    """(service name, the list, index, item) of every item of each service's list `key`."""
    for name, svc in services(data):
        items = svc.get(key)
        if isinstance(items, SList):
            for i, item in enumerate(items):
                yield name, items, i, item


def long_ports(data: Any) -> Iterator[tuple[str, int, SMap]]:
    """(service name, index, entry) of every long-syntax port mapping."""
    for name, svc in services(data):
        ports = svc.get("ports")
        if isinstance(ports, SList):
            for i, port in enumerate(ports):
                if isinstance(port, SMap):
                    yield name, i, port


def interpolated(text: str | None) -> bool:
    """True when a scalar's source holds a `$VAR`/`${VAR}` (a `$$` is a literal `$`)."""
    return text is not None and "$" in text.replace("$$", "")


# Explicit registry, in the order fixes are tried at one position.
FIX_MODULES = (
    "toplevel_name", "version_align", "version_raise", "port_types", "port_keys",
    "cpus_number", "depends_on_list", "compose_only_keys", "service_resources",
    "bind_create_host_path", "environment_boolean", "yaml11_boolean",
    "env_file_object", "nested_extension", "file_mode", "tmpfs_size", "device_long_form",
    "restart_no", "extra_host_repeated", "ipam_gateway",
    "project_names", "escaped_keys",
)


def load_fixes() -> list[FixModule]:
    return [importlib.import_module(f"stacklint.fix.fixes.{name}")
            for name in FIX_MODULES]

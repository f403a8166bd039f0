"""Python checks for rules whose logic does not fit the declarative vocabulary.

Each module has `check(ctx: RuleContext) -> Iterator[Hit]`; hit pointers are
absolute in the merged model.  The helpers below read Docker's normalised
long form with Docker's defaults, so every check agrees on them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
import math
from functools import lru_cache
from typing import Any, Protocol, TYPE_CHECKING, TypeVar

from stacklint.gotypes import duration_seconds as parse_duration
from stacklint.gotypes import format_seconds as format_duration
from stacklint.gotypes import number as parse_number
from stacklint.model import Hit

if TYPE_CHECKING:
    from stacklint.model import Stack

# Docker's defaults (docker service create --help, SwarmKit api/specs.proto)
DEFAULT_MONITOR = 5.0            # update/rollback monitor; `0s` means this default
DEFAULT_INTERVAL = 30.0          # healthcheck interval
DEFAULT_RETRIES = 3
DEFAULT_PARALLELISM = 1
UPDATE_BLOCKS = ("update_config", "rollback_config")
T = TypeVar("T")
_UNKNOWN = object()


class RuleContext:
    """What a check sees: the stack, the scope item, the rule's options.

    The engine makes one context per scope item and run, shared by the rules
    (each sets its `options` before its check runs), so `fact` answers are
    worked out once for all of them.  (A plain class, not a dataclass: see model.py.)
    """

    __slots__ = ("stack", "options", "name", "node", "pointer", "facts")

    def __init__(self, stack: Stack, options: Mapping[str, Any] | None = None,
                 name: str | None = None, node: Any = None, pointer: tuple[Any, ...] = ()) -> None:
        self.stack = stack
        self.options: Mapping[str, Any] = {} if options is None else options
        self.name = name                # the scope item's name (service, network …)
        self.node = node                # the scope item's value
        self.pointer = pointer          # the scope item's pointer in the model
        self.facts: dict[Any, Any] = {}     # derive -> derive(node)

    def fact(self, derive: Callable[[Any], T]) -> T:
        """`derive(self.node)`, computed once per scope item: several rules ask every
        service whether it `rolls_out`, its `replicas` …"""
        value = self.facts.get(derive, _UNKNOWN)
        if value is _UNKNOWN:
            value = self.facts[derive] = derive(self.node)
        return value  # type: ignore[no-any-return]

    @property
    def model(self) -> Mapping[str, Any]:
        return self.stack.model

    def services(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        services = self.model.get("services") or {}
        if isinstance(services, dict):
            for name, svc in services.items():
                if isinstance(svc, dict):
                    yield str(name), svc

    def hit(self, *rel: Any, **args: Any) -> Hit:
        """A Hit at `rel` below the scope item."""
        return Hit((*self.pointer, *rel), args)


def number(value: Any) -> float | None:
    """`parse_number`, but None for NaN and ±Inf: Docker rejects them (the schema reports
    them), and a check must not compute with them (`int(inf)` raises)."""
    found = parse_number(value)
    return found if found is None or math.isfinite(found) else None


def duration(value: Any) -> float | None:
    """`parse_duration`, but None for NaN and ±Inf (`delay: .inf` is nanoseconds to YAML)."""
    found = parse_duration(value)
    return found if found is None or math.isfinite(found) else None


# a stack repeats a few durations (`30s`) in every service's messages; typed: an int
# is never answered with the text cached for an equal float
duration_text = lru_cache(maxsize=1024, typed=True)(format_duration)


class Check(Protocol):
    def __call__(self, ctx: RuleContext) -> Iterator[Hit]: ...


def get(node: Any, *path: Any) -> Any:
    """`node[a][b]…`, or None when any step is missing or not a mapping."""
    for step in path:
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node


JOB_MODES = ("replicated-job", "global-job")
GLOBAL_MODES = ("global", "global-job")


def is_global(svc: Mapping[str, Any]) -> bool:
    return get(svc, "deploy", "mode") in GLOBAL_MODES


def rolls_out(svc: Mapping[str, Any]) -> bool:
    """True when updates of this service are rolling updates that replace running tasks.

    Jobs run to completion (no rolling update), and `replicas: 0` runs nothing.
    """
    mode = get(svc, "deploy", "mode")
    return mode not in JOB_MODES and _replicas(svc, mode) != 0


def replicas(svc: Mapping[str, Any]) -> int | None:
    """Replica count of a replicated service (default 1); None for global services."""
    return _replicas(svc, get(svc, "deploy", "mode"))


def _replicas(svc: Mapping[str, Any], mode: Any) -> int | None:
    if mode in GLOBAL_MODES:
        return None
    value = number(get(svc, "deploy", "replicas"))
    return 1 if value is None else int(value)


def update_setting(svc: Mapping[str, Any], block: str, key: str) -> Any:
    return get(svc, "deploy", block, key)


def order(svc: Mapping[str, Any], block: str = "update_config") -> str:
    return str(update_setting(svc, block, "order") or "stop-first")


def parallelism(svc: Mapping[str, Any], block: str) -> int:
    value = number(update_setting(svc, block, "parallelism"))
    return DEFAULT_PARALLELISM if value is None else int(value)


def monitor(svc: Mapping[str, Any], block: str) -> float:
    """The monitor window in seconds; absent or `0s` is Docker's 5s default."""
    value = duration(update_setting(svc, block, "monitor"))
    return DEFAULT_MONITOR if not value else value


def written(stack: Stack, pointer: tuple[Any, ...]) -> Any:
    """The value the last file that sets `pointer` wrote there, even one the merge dropped
    as Docker does (`monitor: 0s`), so a message can quote the file; None when none does."""
    for layer in reversed(getattr(stack, "layers", ())):
        node = get(layer.data, *pointer[:-1])
        if isinstance(node, dict) and pointer[-1] in node:
            return node[pointer[-1]]
    return None


def as_written(ctx: RuleContext, *rel: Any) -> Any:
    """The value below the scope item as the file wrote it (the model holds Docker's form:
    `60s` is `1m0s`, `monitor: 0s` is dropped), else the model's."""
    value = written(ctx.stack, (*ctx.pointer, *rel))
    return get(ctx.node, *rel) if value is None else value


def setting_text(name: str, value: Any, amount: float | None, default: str) -> str:
    """`name 3s` as the file says it, or which Docker default applies instead."""
    if value is None:
        return f"{name} (not set: Docker's default {default})"
    if not amount:
        return f"{name} {value} (0 means Docker's default {default})"
    return f"{name} {value}"


def healthcheck_test(svc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The service's healthcheck block when it runs a check (not disabled, not NONE)."""
    hc = svc.get("healthcheck")
    if not isinstance(hc, dict) or hc.get("disable") is True:
        return None
    test = hc.get("test")
    if isinstance(test, list) and test[:1] == ["NONE"]:
        return None
    return hc


def host_ports(svc: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(index, port) of every port published in host mode."""
    ports = svc.get("ports")
    if isinstance(ports, list):
        for i, port in enumerate(ports):
            if isinstance(port, dict) and port.get("mode") == "host" and port.get("published"):
                yield i, port


def host_port_list(svc: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    """`host_ports` as a list, to be kept as a `RuleContext.fact` (read, never changed)."""
    return list(host_ports(svc))

"""docker/cli's special merge rules for single service fields (its mergo transformers)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stacklint.model import Origin
from stacklint.tree import SList, SMap, copy_entries

if TYPE_CHECKING:                 # each rule is called with the Merger that runs it
    from stacklint.load.merge import Merger
    Pointer = tuple[Any, ...]

Result = tuple[Any, bool]     # (merged value or KEEP, is it the override's own value)


class _Keep:
    """Marker: leave the base value."""


KEEP: Any = _Keep()


def _keep() -> Any:
    return KEEP


def append(base: SList, over: SList) -> SList:
    """Two lists concatenated (with their items' origins), as mergo appends slices."""
    return SList(list(base) + [v for v in over], base.origin,
                 base.item_origins + over.item_origins)


def shell_command(merger: Merger, base: Any, over: Any, pointer: Pointer, origin: Origin | None) -> Result:
    """command/entrypoint: replaced by a non-empty override, never cleared."""
    if isinstance(over, SList) and len(over) == 0 or over is None or over == "":
        if over is not None and base:
            merger.note("falsy-override-ignored", f"an empty `{pointer[-1]}` cannot clear the "
                        "earlier file's value in docker stack", origin, pointer)
        return _keep(), False
    return over, True


def healthcheck_test(merger: Merger, base: Any, over: Any, pointer: Pointer,
                     origin: Origin | None) -> Result:
    """A plain []string in Docker: the lists are concatenated (a known bug)."""
    if isinstance(base, SList) and isinstance(over, SList):
        if base and over:
            merger.note("healthcheck-test-appended",
                        "healthcheck.test is appended to the earlier file's test by docker stack, "
                        "giving one long command", origin, pointer)
        return append(base, over), False
    return (over, True) if over else (_keep(), False)


def environment(merger: Merger, base: Any, over: Any, pointer: Pointer, origin: Origin | None) -> Result:
    """map[string]*string: a null or empty override value does not replace."""
    if not (isinstance(base, SMap) and isinstance(over, SMap)):
        return (over, True) if over else (_keep(), False)
    out = copy_entries(base)
    for key in over:
        value = over[key]
        # mergo: an empty base value takes anything (even null); a set one only a non-empty
        if key in out and (value is None or value == "") and out[key]:
            compose = ("docker compose passes the bare key (the deploying shell's value, or "
                       "none)" if value is None else "docker compose sets it empty")
            merger.note("falsy-override-ignored",
                        f"environment {key}: an empty or null value cannot unset "
                        f"{out[key]!r} from an earlier file: docker stack keeps that value, "
                        f"{compose}; remove the key from the earlier file, or set the value "
                        "you want here", over.key_origins.get(key), pointer + (key,))
            continue
        _env_file_over_environment(merger, out, over, key, pointer)
        out.copy_entry(over, key)
    return out, False


def _env_file_over_environment(merger: Merger, base: SMap, over: SMap, key: Any,
                               pointer: Pointer) -> None:
    """docker stack resolves env_file per file, so a later file's env_file beats an earlier
    file's `environment`; Compose gives `environment` precedence over every env_file."""
    if key not in base or base[key] == over[key]:
        return
    before, after = base.key_origins.get(key), over.key_origins.get(key)
    files = merger.stack_files
    if before is None or after is None or before.path not in files or after.path in files:
        return
    merger.note("env-file-overrides-environment",
                f"{key}={over[key]!r} from this env_file replaces {key}={base[key]!r} of "
                f"`environment` in {before.path}:{before.line} under docker stack; docker "
                "compose keeps the `environment` value: set the key in the later file's "
                "`environment`, or only in env files", after, pointer + (key,))


def logging(merger: Merger, base: Any, over: Any, pointer: Pointer, origin: Origin | None) -> Result:
    """Same (or a missing) driver merges options; a different driver replaces the block."""
    if not (isinstance(base, SMap) and isinstance(over, SMap)):
        return (over, True) if over is not None else (_keep(), False)
    b_driver, o_driver = base.get("driver") or "", over.get("driver") or ""
    if b_driver != o_driver and b_driver and o_driver:
        return over, True
    out = copy_entries(base)
    if not b_driver and o_driver:
        out.copy_entry(over, "driver")
    options = out.get("options")
    new = over.get("options")
    # Docker merges into a copy of a nil map that it then drops: no base options, none kept
    if isinstance(options, SMap) and options and isinstance(new, SMap):
        merged = copy_entries(options)
        for key in new:
            merged.copy_entry(new, key)
        out["options"] = merged
    return out, False


def ulimits(merger: Merger, base: Any, over: Any, pointer: Pointer, origin: Origin | None) -> Result:
    if not (isinstance(base, SMap) and isinstance(over, SMap)):
        return (over, True) if over else (_keep(), False)
    out = copy_entries(base)
    for key in over:
        if over[key] is not None:
            out.put(key, over[key], over.key_origins.get(key),
                    over.value_origins.get(key))
    return out, False


def networks(merger: Merger, base: Any, over: Any, pointer: Pointer, origin: Origin | None) -> Result:
    """Per network: aliases replaced (cleared when absent), addresses replaced when set."""
    if not (isinstance(base, SMap) and isinstance(over, SMap)):
        return (over, True) if over else (_keep(), False)
    out = copy_entries(base)
    for name in over:
        entry, current = over[name], out.get(name)
        if name not in out or (current is None and entry is not None):
            out.copy_entry(over, name)
            out[name] = entry
        elif isinstance(current, SMap) and isinstance(entry, SMap):
            out[name] = _network_entry(merger, current, entry, pointer + (name,),
                                       over.key_origins.get(name))
    return out, False


def _network_entry(merger: Merger, base: SMap, over: SMap, pointer: Pointer,
                   origin: Origin | None) -> SMap:
    out = copy_entries(base)
    if "aliases" in out and "aliases" not in over:
        merger.note("aliases-cleared", "this entry has no `aliases`, so docker stack drops the "
                    "aliases set by an earlier file (docker compose keeps them): repeat them "
                    "here to keep them on both routes", origin, pointer)
        out.pop_entry("aliases")
    if "aliases" in over:
        lost = _lost_aliases(out.get("aliases"), over["aliases"], pointer[1])
        if lost:
            merger.note("aliases-replaced", f"these aliases replace the earlier file's, so docker "
                        f"stack drops {', '.join(map(str, lost))} (docker compose appends them): "
                        "list every alias the service needs here",
                        over.key_origins.get("aliases"), pointer + ("aliases",))
        out.copy_entry(over, "aliases")
        out["aliases"] = over["aliases"]
    for key in ("ipv4_address", "ipv6_address"):
        if over.get(key):
            out.copy_entry(over, key)
    return out


def _lost_aliases(base: Any, over: Any, service: Any) -> list[Any]:
    """The earlier file's aliases that replacing them by `over` loses (not the service's
    own name: swarm gives every task that alias anyway)."""
    if not isinstance(base, list):
        return []
    kept = set(map(str, over)) if isinstance(over, list) else set()
    kept.add(str(service))
    return [alias for alias in base if str(alias) not in kept]


def appended_entries(merger: Merger, base: Any, over: Any, pointer: Pointer,
                     origin: Origin | None) -> Result:
    """dns, dns_search, extra_hosts: appended like any list, repeats included (Compose
    drops a repeated dns/dns_search entry)."""
    if not (isinstance(base, SList) and isinstance(over, SList)):
        return (over, True) if over else (_keep(), False)
    field, seen = pointer[-1], set(map(str, base))
    for index, (item, item_origin) in enumerate(zip(over, over.item_origins)):
        if str(item) in seen:
            compose = ("docker compose drops the repeat" if field != "extra_hosts"
                       else "docker compose sorts the entries")
            merger.note("list-entry-repeated",
                        f"{field} {item!r} is already set by an earlier file: docker stack "
                        f"appends an override's {field} to the earlier file's and sends it twice "
                        f"({compose}): list only the entries this file adds",
                        item_origin or origin, pointer + (index,))
        seen.add(str(item))
    return append(base, over), False


def extras(base: Any, over: Any) -> Result:
    """Service-level x-* values: maps united key by key, lists appended, anything else
    (even null, "" or 0) replaced: mergo on map[string]any."""
    if isinstance(base, SMap) and isinstance(over, SMap):
        out = copy_entries(base)
        for key in over:
            if key in out:
                merged, replaced = extras(out[key], over[key])
                if replaced:
                    out.copy_entry(over, key)
                out[key] = merged
            else:
                out.copy_entry(over, key)
        return out, False
    if isinstance(base, SList) and isinstance(over, SList):
        return append(base, over), False
    if isinstance(over, SList) and base is not None:
        raise ExtrasConflict("cannot append two slices with different type "
                             f"([]interface {{}}, {_go_type(base)})")
    return over, True


class ExtrasConflict(Exception):
    """mergo refuses to append a list to a value that is not one."""


def _go_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    return "map[string]interface {}" if isinstance(value, dict) else "string"


SPECIAL = {
    ("command",): shell_command, ("entrypoint",): shell_command,
    ("healthcheck", "test"): healthcheck_test, ("environment",): environment,
    ("logging",): logging, ("ulimits",): ulimits, ("networks",): networks,
    ("dns",): appended_entries, ("dns_search",): appended_entries,
    ("extra_hosts",): appended_entries,
}

"""Write a merged model as a stack file that `docker stack deploy -c` accepts."""
from __future__ import annotations

import functools

import json
import re
from typing import Any, cast

from stacklint.load.document import resolve_plain
from stacklint.model import Origin
from stacklint.tree import SList, SMap

# lists the schema wants unique (uniqueItems), whose repeated entries Docker's merge keeps
_UNIQUE_LISTS = {"cap_add", "cap_drop", "devices", "expose", "external_links", "links", "ports",
                 "security_opt", "cache_from", "depends_on", "aliases", "dns", "dns_search",
                 "env_file", "tmpfs", "extra_hosts", "networks"}
# plain (unquoted) text: no indicator first (`-`, `?`, `:` only before another character,
# never `---`), no `: ` or ` #` inside, no space or `:` at the end
_PLAIN = re.compile(r"(?![-?:]$|[-?:]\s|---)[A-Za-z0-9_./+~^($?:-][^\x00-\x1f]*(?<![\s:])")
_PLAIN_BREAKS = re.compile(r": | #|\s\s|\t")
_NETWORK_KEY = re.compile(r"[a-zA-Z0-9._-]+")
_YAML11 = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
def _version_tuple(version: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(p) for p in version.split("."))
    except ValueError:
        return None


def deploy_version(model: SMap) -> Any:
    """The declared version, raised where the long form needs a newer schema.

    Normalisation writes the long form (ports and volumes as mappings, `name` on
    top-level objects), which older schemas refuse. Which version a key needs is the
    table the fixer raises versions with (`fix/fixes/versions.NEEDS`, held equal to the
    schema's `x-since` by tests/test_version_needs.py)."""
    from stacklint.fix.fixes.versions import minimum
    declared = model.get("version")
    current = _version_tuple(declared) if isinstance(declared, str) else None
    if current is None:
        return declared
    needed, _ = minimum(model)
    wanted = _version_tuple(needed)
    return needed if wanted is not None and wanted > current else declared


def prepare(model: SMap) -> SMap:
    """A copy safe to deploy: `$` escaped, unique list entries, a sufficient version,
    keys in the order `docker stack config` prints them."""
    out = SMap(origin=model.origin)
    for key in model:
        value = model[key] if key == "version" else _prepare(model[key], key)
        out.put(key, value, model.key_origins.get(key), model.value_origins.get(key))
    if "version" in out:
        out["version"] = deploy_version(model)
    from stacklint.emit.order import ordered
    done: SMap = ordered(out)     # Docker's order, so the output diffs cleanly against its own
    return done


def _signature(value: Any) -> str:
    from stacklint.tree import plain
    return json.dumps(plain(value), sort_keys=True, default=repr)


def _prepare(value: Any, key: Any) -> Any:
    if key == "networks" and isinstance(value, SMap) and _needs_list(value):
        # the map form's keys must match a pattern; the list form takes any name (even "")
        value = SList(list(value), value.origin, [value.key_origins.get(k) for k in value])
    if isinstance(value, SMap):
        out = SMap(origin=value.origin)
        for k in value:
            out.put(k, _prepare(value[k], k), value.key_origins.get(k), value.value_origins.get(k))
        return out
    if isinstance(value, SList):
        out_list = SList(origin=value.origin)
        seen: set[str] = set()
        for item, origin in zip(value, value.item_origins):
            new = _prepare(item, None)
            if key in _UNIQUE_LISTS:
                signature = _signature(new)
                if signature in seen:
                    continue
                seen.add(signature)
            out_list.add(new, origin)
        return out_list
    if isinstance(value, str):
        return value.replace("$", "$$")
    return value


def _needs_list(networks: SMap) -> bool:
    return all(v is None for v in networks.values()) and any(
        not isinstance(k, str) or not _NETWORK_KEY.fullmatch(k) for k in networks)


def scalar(value: Any) -> str:
    """One scalar in a form go-yaml v3 reads back as the same value."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    return _string(str(value))


@functools.lru_cache(maxsize=1 << 16)      # keys and many values repeat in every service
def _string(text: str) -> str:
    resolved = resolve_plain(text)
    looks_typed = text.lower() in _YAML11 or resolved != text or resolved.__class__ is not str
    if (not looks_typed and _PLAIN.fullmatch(text) and not _PLAIN_BREAKS.search(text)
            and not _UNSAFE.search(text)):
        return text
    if not looks_typed and text.isprintable() and not _UNSAFE.search(text):
        return "'" + text.replace("'", "''") + "'"      # yaml.v3's choice for other text
    quoted = json.dumps(text, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: "\\u%04x" % ord(m.group()), quoted)


def _literal_ok(text: str) -> bool:
    """Multi-line text a `|` / `|-` block keeps exactly (no edge spaces, one final newline)."""
    if "\n" not in text or text.endswith("\n\n") or _UNSAFE.search(text):
        return False
    lines = text.removesuffix("\n").split("\n")
    return all(line.isprintable() and line == line.rstrip() for line in lines) and \
        any(line.strip() for line in lines)


def _key(key: Any) -> str:
    return scalar(key if isinstance(key, str) else str(key))


class _Writer:
    def __init__(self, annotate: bool) -> None:
        self.annotate = annotate
        self.lines: list[str] = []

    def line(self, text: str, origin: Origin | None) -> None:
        if self.annotate and origin is not None:
            text = f"{text}  # {origin.path}:{origin.line}"
        self.lines.append(text)

    def mapping(self, value: SMap, indent: int, first_prefix: str | None = None) -> None:
        for i, key in enumerate(value):
            prefix = " " * indent if (i or first_prefix is None) else first_prefix
            origin = value.key_origins.get(key) or value.value_origins.get(key)
            self.entry(prefix + _key(key) + ":", value[key], indent,
                       origin, value.value_origins.get(key) or origin)

    def entry(self, head: str, value: Any, indent: int, origin: Origin | None,
              value_origin: Origin | None) -> None:
        if isinstance(value, dict) and value:     # `prepare` made every mapping an SMap
            self.line(head, origin)
            self.mapping(cast(SMap, value), indent + 2)
        elif isinstance(value, list) and value:
            self.line(head, origin)
            self.sequence(value, indent + 2)
        else:
            self.scalar_line(head, value, indent, value_origin)

    def sequence(self, value: list[Any], indent: int) -> None:   # an SList, else no origins
        origins = getattr(value, "item_origins", [None] * len(value))
        for item, origin in zip(value, origins):
            if isinstance(item, dict) and item:
                self.mapping(cast(SMap, item), indent + 2, " " * indent + "- ")
            elif isinstance(item, list) and item:
                self.line(" " * indent + "-", origin)
                self.sequence(item, indent + 2)
            else:
                self.scalar_line(" " * indent + "-", item, indent, origin)

    def scalar_line(self, head: str, value: Any, indent: int, origin: Origin | None) -> None:
        """`head value`, or a literal block (`|-`) for multi-line text, as yaml.v3 writes it."""
        if isinstance(value, str) and _literal_ok(value):
            indicator = "2" if value[0] in " \n" else ""   # content indentation not guessable
            chomp = "" if value.endswith("\n") else "-"
            self.line(f"{head} |{indicator}{chomp}", origin)
            for text in value.removesuffix("\n").split("\n"):
                self.lines.append(" " * (indent + 2) + text if text else "")
            return
        self.line(f"{head} {self.inline(value)}", origin)

    @staticmethod
    def inline(value: Any) -> str:
        if isinstance(value, dict):
            return "{}"
        if isinstance(value, list):
            return "[]"
        return scalar(value)


def render(model: SMap, annotate: bool = False) -> str:
    """YAML for `docker stack deploy -c`; `annotate` adds `# file:line` to every line."""
    writer = _Writer(annotate)
    writer.mapping(prepare(model), 0)
    return "\n".join(writer.lines) + "\n"


def render_json(model: SMap) -> str:
    """The same deployable content as JSON (which `docker stack deploy -c` also reads)."""
    from stacklint.tree import plain
    return json.dumps(plain(prepare(model)), indent=2, ensure_ascii=False) + "\n"

"""Findings about a stack against the live swarm, before anything is submitted (SL8xx).

Each check stands on what Docker itself does (docs/cluster.md): managers and quorum, nodes
that take no tasks, swarmkit's scheduling filters replayed on the live nodes
(`scheduling`), external networks, secrets and configs, configs whose content changed
under the same name, and services of the stack whose last update has not ended well.
Every finding points at the line of the stack file that asks for what cannot be had.
"""
from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from stacklint import gotypes, tree
from stacklint.cluster import health, scheduling
from stacklint.cluster.constraints import ConstraintError, known, parse
from stacklint.cluster.scheduling import Want
from stacklint.cluster.state import Swarm
from stacklint.model import Finding, Location
from stacklint.lint.ruleset import RuleSet

UNFINISHED = {"updating": "is still being updated", "paused": "is paused",
              "rollback_started": "is being rolled back",
              "rollback_paused": "has a paused rollback",
              "rollback_completed": "was rolled back to its previous spec"}


@dataclass
class Context:
    model: Any
    stack: str
    swarm: Swarm
    rules: RuleSet
    top: str                 # the first file, for findings about the cluster as a whole

    def at(self, pointer: tuple[Any, ...], key: bool = False) -> Location:
        origin = tree.locate(self.model, pointer, prefer_key=key) if pointer else None
        if origin is None:
            return Location(self.top, 1, 1, pointer=pointer)
        return Location.of(origin, pointer)

    def finding(self, rule: str, message: str, pointer: tuple[Any, ...] = (),
                key: bool = False) -> Finding:
        return self.rules.finding(rule, message, self.at(pointer, key))


def check(model: Any, stack: str, swarm: Swarm, rules: RuleSet, top: str) -> list[Finding]:
    """Every preflight finding of one merged stack against the swarm."""
    ctx = Context(model, stack, swarm, rules, top)
    out = list(_managers(ctx))
    if health.managers(swarm).state == health.LOST:
        return out                     # the cluster cannot answer anything else
    wants = list(_wants(ctx, out))
    out += _nodes(ctx, wants)
    out += _scheduling(ctx, wants)
    out += _externals(ctx)
    out += _changed_objects(ctx)
    out += _unfinished(ctx)
    return out


# -- managers -------------------------------------------------------------------------

def _managers(ctx: Context) -> Iterator[Finding]:
    m = health.managers(ctx.swarm)
    services = ("services",)
    if m.state == health.LOST:
        quoted = f" (Docker: {m.error})" if m.error else ""
        yield ctx.finding("SL801", f"the swarm cannot accept this deploy: {health.describe(m)}"
                                   f"{quoted}; bring managers back (or, as a last resort, "
                                   "`docker swarm init --force-new-cluster` on a surviving "
                                   "manager)", services, key=True)
        return
    if m.spare == 0 and m.total > 1:
        yield ctx.finding("SL802", f"{health.describe(m)}; bring back "
                                   f"{', '.join(m.unreachable) or 'a manager'} before deploying",
                          services, key=True)
    elif m.total == 1:
        yield ctx.finding("SL803", "the swarm has a single manager: it tolerates no manager "
                                   "failure (when it fails, running tasks go on but the cluster "
                                   "can no longer be controlled); promote two workers "
                                   "(`docker node promote`) for three managers",
                          services, key=True)
    if m.total % 2 == 0:
        yield ctx.finding("SL804", f"the swarm has {m.total} managers: quorum is {m.quorum}, so "
                                   f"it tolerates {m.tolerated} failure(s), no more than "
                                   f"{m.total - 1} managers would; use an odd number "
                                   "(`docker node promote` or `docker node demote`)",
                          services, key=True)


# -- what the stack asks for --------------------------------------------------------------

def _wants(ctx: Context, out: list[Finding]) -> Iterator[Want]:
    services = ctx.model.get("services") if isinstance(ctx.model, dict) else None
    for key, svc in (services or {}).items():
        if not isinstance(svc, dict):
            continue
        deploy = _mapping(svc.get("deploy"))
        want = Want(str(key), f"{ctx.stack}_{key}")
        mode = deploy.get("mode") or "replicated"
        if mode in ("replicated-job", "global-job"):
            continue                   # jobs run to completion: not followed here
        want.is_global = mode == "global"
        want.replicas = _int(deploy.get("replicas"), 1)
        placement = _mapping(deploy.get("placement"))
        for index, text in enumerate(placement.get("constraints") or []):
            pointer = ("services", key, "deploy", "placement", "constraints", index)
            try:
                constraint = parse(str(text))
            except ConstraintError as exc:
                out.append(ctx.finding("SL811", f"services.{key}: placement constraint "
                                                f"{text!r} is invalid: {exc}; write "
                                                "`node.labels.NAME==VALUE` (or !=)", pointer))
                continue
            if not known(constraint):
                out.append(ctx.finding("SL811", f"services.{key}: placement constraint "
                                                f"{text!r} names {constraint.key!r}, a key "
                                                "swarmkit does not know, so it matches no node; "
                                                "use node.id, node.hostname, node.role, "
                                                "node.platform.os|arch, node.labels.* or "
                                                "engine.labels.*", pointer))
            want.constraints.append(constraint)
        want.max_per_node = _int(placement.get("max_replicas_per_node"), 0)
        reserve = _mapping(deploy.get("resources")).get("reservations") or {}
        cpus = gotypes.number(reserve.get("cpus"))
        want.nano_cpus = int((cpus or 0) * 1e9)
        want.memory = gotypes.byte_size(reserve.get("memory")) or 0
        for port in svc.get("ports") or []:
            if isinstance(port, dict) and port.get("mode") == "host" and port.get("published"):
                want.host_ports.append((_int(port["published"], 0),
                                        str(port.get("protocol") or "tcp")))
        update = _mapping(deploy.get("update_config"))
        want.start_first = update.get("order") == "start-first"
        want.parallelism = _int(update.get("parallelism"), 1)
        yield want


def _mapping(value: Any) -> dict[str, Any]:
    """`value` when it is a mapping, else an empty one (a key written wrong reads as unset)."""
    return value if isinstance(value, dict) else {}


def _int(value: Any, default: int) -> int:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else default
    except (TypeError, ValueError):
        return default


# -- nodes ------------------------------------------------------------------------------

def _nodes(ctx: Context, wants: list[Want]) -> Iterator[Finding]:
    down = health.unavailable(ctx.swarm)
    if not down:
        return
    usable = len(ctx.swarm.nodes) - len(down)
    lines = "; ".join(health.node_words(n) for n in down)
    affected = [w.key for w in wants
                if any(all(c.matches(n) for c in w.constraints) for n in down)]
    meaning = (f"services {', '.join(affected)} can start tasks only on the other {usable} "
               "node(s)") if affected else "no service of this stack would go there anyway"
    yield ctx.finding("SL805", f"{len(down)} of {len(ctx.swarm.nodes)} nodes take no new tasks "
                               f"({lines}); {meaning}", ("services",), key=True)


# -- scheduling -------------------------------------------------------------------------

def _scheduling(ctx: Context, wants: list[Want]) -> Iterator[Finding]:
    verdicts = scheduling.place(ctx.swarm, wants)
    for want in wants:
        verdict = verdicts[want.key]
        at = ("services", want.key)
        if want.is_global and verdict.wanted == 0:
            yield _global_nowhere(ctx, want, at)
        elif verdict.short > 0:
            finding = _unplaceable(ctx, want, verdict, at)
            if finding is not None:
                yield finding
        elif want.start_first and ctx.swarm.service(want.name) is not None:
            batch = scheduling.first_batch(ctx.swarm, want)
            if batch.short > 0:
                yield ctx.finding(
                    "SL814", f"services.{want.key}: update_config.order is start-first, so "
                             f"{batch.wanted} new task(s) must start next to the "
                             f"{want.replicas} running ones, but only {batch.placed} can "
                             f"({batch.explanation}); the update would wait for ever. Use "
                             "order: stop-first, lower the reservations, or free a node",
                    at + ("deploy", "update_config", "order"))


def _matching(ctx: Context, want: Want) -> list[Any]:
    return [n for n in ctx.swarm.nodes if all(c.matches(n) for c in want.constraints)]


def _global_nowhere(ctx: Context, want: Want, at: tuple[Any, ...]) -> Finding:
    matching = _matching(ctx, want)
    where = (f"the nodes it admits ({', '.join(n.hostname for n in matching)}) take no new "
             "tasks") if matching else "its placement constraints match no node"
    return ctx.finding("SL817", f"services.{want.key} is global but would run no task: {where}",
                       _constraint_pointer(ctx, want, at))


def _constraint_pointer(ctx: Context, want: Want, at: tuple[Any, ...]) -> tuple[Any, ...]:
    """The first constraint that rules out every node, else the first constraint."""
    base = at + ("deploy", "placement", "constraints")
    texts = [c.text for c in want.constraints]
    for constraint in want.constraints:
        if not any(constraint.matches(n) for n in ctx.swarm.nodes):
            return base + (texts.index(constraint.text),)
    return base + (0,) if want.constraints else at


def _unplaceable(ctx: Context, want: Want, verdict: scheduling.Verdict,
                 at: tuple[Any, ...]) -> Finding | None:
    count = f"{verdict.wanted} task(s)"
    head = (f"services.{want.key}: {count} wanted, only {verdict.placed} can be placed; the "
            f"other {verdict.short} would stay pending with \"{verdict.explanation}\"")
    matching = _matching(ctx, want)
    reasons = verdict.reasons
    if not matching and not all(known(c) for c in want.constraints):
        return None                    # SL811 already says the key matches nothing
    if not matching:
        detail = "; ".join(f"{c.text!r} matches "
                           f"{sum(c.matches(n) for n in ctx.swarm.nodes)} node(s)"
                           for c in want.constraints)
        return ctx.finding("SL810", f"{head}: no node matches its placement constraints "
                                    f"({detail}); label a node (`docker node update "
                                    "--label-add KEY=VALUE NODE`) or fix the constraint",
                           _constraint_pointer(ctx, want, at))
    if not any(n.takes_tasks for n in matching):
        words = "; ".join(health.node_words(n) for n in matching)
        return ctx.finding("SL816", f"{head}: every node its constraints admit takes no new "
                                    f"tasks ({words}); make one active again "
                                    "(`docker node update --availability active NODE`)",
                           _constraint_pointer(ctx, want, at))
    idle = [n.hostname for n in matching if not n.takes_tasks]
    aside = f" ({', '.join(idle)} take no new tasks)" if idle else ""
    usable = [n for n in matching if n.takes_tasks]
    order = ("max-replicas", "host-port", "resources")
    main = max(order, key=lambda r: (reasons[r], -order.index(r)))
    if main == "max-replicas" or (not reasons[main] and want.max_per_node):
        return ctx.finding("SL812", f"{head}: max_replicas_per_node {want.max_per_node} on the "
                                    f"{len(usable)} node(s) that may run it{aside} allows "
                                    f"{want.max_per_node * len(usable)}; lower replicas, raise "
                                    "the limit or add nodes",
                           at + ("deploy", "placement", "max_replicas_per_node"))
    if main == "host-port":
        index = _host_port_index(ctx, want)
        holders = _port_holders(ctx, want)
        held = f"; held by {holders}" if holders else ""
        return ctx.finding("SL815", f"{head}: a host-mode port binds once per node and "
                                    f"{len(usable)} node(s) may run it{aside}{held}; use "
                                    "mode: ingress, mode: global, fewer replicas, or free "
                                    "the port", at + ("ports", index))
    field_ = "memory" if want.memory else "cpus"
    biggest = max((n.memory for n in usable), default=0)
    size = (f"{want.memory / 2**30:.2f} GiB memory" if want.memory else
            f"{want.nano_cpus / 1e9:g} CPUs")
    return ctx.finding("SL813", f"{head}: each task reserves {size} (the largest node has "
                                f"{biggest / 2**30:.2f} GiB, less what its tasks reserve)"
                                f"{aside}; lower the reservation or add capacity",
                       at + ("deploy", "resources", "reservations", field_))


def _host_port_index(ctx: Context, want: Want) -> int:
    ports = ctx.model["services"][want.key].get("ports") or []
    return next((i for i, p in enumerate(ports)
                 if isinstance(p, dict) and p.get("mode") == "host"), 0)


def _port_holders(ctx: Context, want: Want) -> str:
    mine = set(want.host_ports)
    names = []
    for svc in ctx.swarm.services:
        if svc["Spec"]["Name"] != want.name and scheduling._host_ports(svc) & mine:
            names.append(svc["Spec"]["Name"])
    return ", ".join(sorted(names))


# -- external objects and immutable ones --------------------------------------------------

def _top(ctx: Context, kind: str) -> dict[str, Any]:
    value = ctx.model.get(kind) if isinstance(ctx.model, dict) else None
    return value if isinstance(value, dict) else {}


def _externals(ctx: Context) -> Iterator[Finding]:
    existing = {
        "networks": {n.get("Name") for n in ctx.swarm.networks},
        "secrets": {s.get("Name") for s in ctx.swarm.secrets},
        "configs": {c["Spec"]["Name"] for c in ctx.swarm.configs},
    }
    for kind, names in existing.items():
        for key, entry in _top(ctx, kind).items():
            if not isinstance(entry, dict) or not entry.get("external"):
                continue
            name = str(entry.get("name") or key)
            if kind == "networks" and name in ("host", "bridge", "none"):
                continue               # always there, on every node
            if name in names:
                continue
            if kind == "networks":
                docker = (f"network \"{name}\" is declared as external, but could not be "
                          "found. You need to create a swarm-scoped network before the stack "
                          "is deployed")
                fix = f"`docker network create --driver overlay {name}`"
            else:
                docker = f"{kind[:-1]} not found: {name}"
                fix = f"`docker {kind[:-1]} create {name} FILE`"
            yield ctx.finding("SL820", f"{kind}.{key}: external {kind[:-1]} {name!r} does not "
                                       f"exist in the swarm (Docker: {docker}); create it "
                                       f"first: {fix}", (kind, key, "external"))


def _changed_objects(ctx: Context) -> Iterator[Finding]:
    live = {c["Spec"]["Name"]: c for c in ctx.swarm.configs}
    for key, entry in _top(ctx, "configs").items():
        if not isinstance(entry, dict) or entry.get("external"):
            continue
        name = str(entry.get("name") or f"{ctx.stack}_{key}")
        current = live.get(name)
        content = _content(entry)
        if current is None or content is None:
            continue
        data = base64.b64decode(current["Spec"].get("Data") or "")
        if data != content:
            field_ = "file" if "file" in entry else "content"
            yield ctx.finding("SL821", f"configs.{key}: the content differs from config "
                                       f"{name!r} already in the swarm, and a config cannot "
                                       "change (Docker: failed to update config "
                                       f"{name}: Error response from daemon: rpc error: code = "
                                       "InvalidArgument desc = only updates to Labels are "
                                       "allowed); give "
                                       f"it a new name, e.g. `name: {name}_v2` (and remove the "
                                       "old one once no service uses it)",
                              ("configs", key, field_))


def _content(entry: dict[str, Any]) -> bytes | None:
    content = entry.get("content")
    if isinstance(content, str):
        return content.encode("utf-8")
    path = entry.get("file")
    if not isinstance(path, str):
        return None
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


# -- services of the stack -----------------------------------------------------------------

def _unfinished(ctx: Context) -> Iterator[Finding]:
    for key in (ctx.model.get("services") or {}) if isinstance(ctx.model, dict) else ():
        svc = ctx.swarm.service(f"{ctx.stack}_{key}")
        status = (svc or {}).get("UpdateStatus") or {}
        state = status.get("State", "")
        if state in UNFINISHED:
            message = f" ({status['Message']})" if status.get("Message") else ""
            yield ctx.finding("SL822", f"services.{key}: service {ctx.stack}_{key} "
                                       f"{UNFINISHED[state]}{message}; this deploy replaces "
                                       "that state without a word: look first (`docker service "
                                       f"ps {ctx.stack}_{key}`), then deploy",
                              ("services", key), key=True)

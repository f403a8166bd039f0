"""Run the enabled policy rules over a loaded stack and turn their hits into Findings."""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

from stacklint.checks import RuleContext
from stacklint.conditions import evaluate, parse_path, resolve
from stacklint.model import Finding, Fix, Applicability, Hit, Location, Severity
from stacklint.ruleset import Rule
from stacklint.tree import locate

SCOPE_KEYS = {"service": "services", "network": "networks", "volume": "volumes",
              "secret": "secrets", "config": "configs"}


class _Args(dict):  # type: ignore[type-arg]
    """Message arguments; a missing one prints as `{name}` rather than failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def run_rules(stack: Any, config: Any = None) -> list[Finding]:
    """Findings of every enabled policy rule and merge note, sorted by place."""
    if config is None:
        from stacklint.config import default_config
        config = default_config()
    out: list[Finding] = []
    for rule in config.ruleset():
        if rule.kind == "policy" and config.is_enabled(rule):
            out.extend(run_rule(rule, stack, config))
    out.extend(note_findings(stack, config))
    return sorted(out, key=Finding.sort_key)


def scope_items(stack: Any, scope: str) -> Iterator[RuleContext]:
    """One context per scope item (each service, network …; the stack once)."""
    if scope == "stack":
        yield RuleContext(stack, node=stack.model)
        return
    top = SCOPE_KEYS[scope]
    items = stack.model.get(top) if isinstance(stack.model, dict) else None
    if isinstance(items, dict):
        for name, node in items.items():
            if isinstance(node, dict):
                yield RuleContext(stack, name=str(name), node=node, pointer=(top, name))


def run_rule(rule: Rule, stack: Any, config: Any) -> list[Finding]:
    """The findings of one rule (a crash names the rule)."""
    options = config.options_for(rule)
    findings = []
    try:
        hits_of = _hits_function(rule)
        for ctx in scope_items(stack, rule.scope):
            ctx.options = options
            if rule.when is not None:
                gate = evaluate(rule.when, ctx.node, options)
                if gate is not None and not gate.ok:
                    continue
            for hit in hits_of(ctx):
                findings.append(make_finding(rule, hit, ctx, stack, config))
    except Exception as exc:
        raise RuntimeError(f"rule {rule.id} {rule.name} failed: {type(exc).__name__}: {exc}") from exc
    return findings


def _hits_function(rule: Rule) -> Callable[[RuleContext], Iterator[Hit]]:
    """A Python rule's check (looked up once per rule, not once per service), or the
    declarative evaluation."""
    if rule.python:
        return importlib.import_module(rule.python).check  # type: ignore[no-any-return]
    return lambda ctx: _declarative_hits(rule, ctx)


def _declarative_hits(rule: Rule, ctx: RuleContext) -> Iterator[Hit]:
    assert rule.condition is not None
    mode, tree = rule.condition
    result = evaluate(tree, ctx.node, ctx.options)
    if result is None:
        return
    at = parse_path(rule.at) if rule.at else None
    if mode == "forbid" and result.ok:
        targets = [at] if at else list(dict.fromkeys(result.witnesses)) or [()]
    elif mode == "require" and not result.ok:
        targets = [at or ()]
    else:
        return
    for rel in targets:
        value = next((v for _, v in resolve(ctx.node, tuple(rel))), None)
        args = {"key": rel[-1] if rel else ctx.name, "value": value,
                "path": ".".join(str(s) for s in rel)}
        yield Hit((*ctx.pointer, *rel), args)


def make_finding(rule: Rule, hit: Hit, ctx: RuleContext, stack: Any, config: Any) -> Finding:
    """Stamp id, name, severity, message and location on a hit."""
    args = _Args({k: "any" if v is None else v for k, v in ctx.options.items()})
    if ctx.name is not None:
        args["name"] = ctx.name
        args[rule.scope] = ctx.name
    args.update(hit.args)
    variant = rule.variants.get(str(hit.args.get("variant", "")), {})
    template = variant.get("message", rule.message)
    severity = config.severity_for(rule, Severity.parse(variant["severity"])
                                   if "severity" in variant else rule.severity)
    message = template.format_map(args)      # `_Args` keeps an unknown `{name}` as it is
    fix = hit.fix or (Fix(rule.fix_title, (), Applicability.DISPLAY_ONLY) if rule.fix_title else None)
    return Finding(rule.id, rule.name, severity, message, locate_pointer(stack, hit.pointer), fix)


def locate_pointer(stack: Any, pointer: tuple[Any, ...]) -> Location:
    """Where a pointer's value was written: the key's line, or its nearest existing ancestor."""
    model = stack.model
    node, existing = model, 0
    for step in pointer:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        existing += 1
    origin = None
    if existing < len(pointer):
        origin = _layer_origin(stack, tuple(pointer))
    if origin is None:
        origin = locate(model, tuple(pointer[:existing]), prefer_key=True)
    if origin is None:
        path = stack.layers[0].document.path if getattr(stack, "layers", None) else "<stack>"
        return Location(path, 1, 1, pointer=tuple(pointer))
    end_line, end_col = _end_position(stack, origin)
    return Location(origin.path, origin.line, origin.column, end_line, end_col, tuple(pointer))


def _layer_origin(stack: Any, pointer: tuple[Any, ...]) -> Any:
    """A value the merge dropped (`monitor: 0s`) still has a line in the file that set it."""
    for layer in reversed(getattr(stack, "layers", ())):
        node: Any = layer.data
        try:
            for step in pointer[:-1]:
                node = node[step]
            if pointer[-1] in node:
                return locate(node, (pointer[-1],), prefer_key=True)
        except (KeyError, IndexError, TypeError):
            continue
    return None


def _end_position(stack: Any, origin: Any) -> tuple[int | None, int | None]:
    for layer in getattr(stack, "layers", ()):
        doc = layer.document
        if doc.path == origin.path and 0 <= origin.start <= origin.end <= len(doc.text):
            text, end = doc.text, origin.end
            newline = text.find("\n", origin.start, end)
            if newline != -1:       # a block: end at the first line
                end = newline - 1 if newline > 0 and text[newline - 1] == "\r" else newline
            # so the end is on the origin's own line: counting lines from the top of the
            # file for each finding made `check` quadratic in the file's size
            return origin.line, end - (text.rfind("\n", 0, end) + 1) + 1
    return None, None


def note_findings(stack: Any, config: Any) -> list[Finding]:
    """Merge surprises and interpolation warnings recorded by load_stack, as findings."""
    rules = config.ruleset()
    by_kind = {kind: r for r in rules if r.kind == "note"
               for kind in ([r.note] if isinstance(r.note, str) else r.note or ())}
    fallback = rules.get("merge-surprise")
    out = []
    for note in getattr(stack, "notes", ()):
        rule = by_kind.get(note.kind, fallback)
        if rule is None or not config.is_enabled(rule):
            continue
        if note.origin is not None:
            loc = Location(note.origin.path, note.origin.line, note.origin.column,
                           pointer=tuple(note.pointer))
        else:
            loc = locate_pointer(stack, tuple(note.pointer))
        message = rule.message.format_map(_Args(message=note.message))
        out.append(Finding(rule.id, rule.name, config.severity_for(rule, rule.severity),
                           message, loc))
    return out

"""Run the enabled policy rules over a loaded stack and turn their hits into Findings."""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TYPE_CHECKING

from stacklint.lint.checks import RuleContext
from stacklint.lint.conditions import compile_condition, first_value, parse_path
from stacklint.model import Finding, Fix, Applicability, Hit, Location, Severity
from stacklint.lint.ruleset import Rule
from stacklint.tree import key_origin, locate

if TYPE_CHECKING:
    from stacklint.lint.config import Config
    from stacklint.model import Origin, Stack

SCOPE_KEYS = {"service": "services", "network": "networks", "volume": "volumes",
              "secret": "secrets", "config": "configs"}


class _Args(dict):  # type: ignore[type-arg]
    """Message arguments; a missing one prints as `{name}` rather than failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def run_rules(stack: Stack, config: Config | None = None) -> list[Finding]:
    """Findings of every enabled policy rule and merge note, sorted by place."""
    if config is None:
        from stacklint.lint.config import default_config
        config = default_config()
    out: list[Finding] = []
    items: dict[str, list[RuleContext]] = {}        # per scope, shared by its rules
    where = Locator(stack)
    for rule in config.ruleset():
        if rule.kind == "policy" and config.is_enabled(rule):
            if rule.scope not in items:
                items[rule.scope] = scope_items(stack, rule.scope)
            out.extend(run_rule(rule, stack, config, items[rule.scope], where))
    out.extend(note_findings(stack, config, where))
    return sorted(out, key=Finding.sort_key)


def scope_items(stack: Stack, scope: str) -> list[RuleContext]:
    """One context per scope item (each service, network …; the stack once)."""
    if scope == "stack":
        return [RuleContext(stack, node=stack.model)]
    top = SCOPE_KEYS[scope]
    items = stack.model.get(top) if isinstance(stack.model, dict) else None
    if not isinstance(items, dict):
        return []
    return [RuleContext(stack, name=str(name), node=node, pointer=(top, name))
            for name, node in items.items() if isinstance(node, dict)]


def run_rule(rule: Rule, stack: Stack, config: Config, items: list[RuleContext] | None = None,
             where: Locator | None = None) -> list[Finding]:
    """The findings of one rule (a crash names the rule)."""
    options = config.options_for(rule)
    findings = []
    try:
        hits_of = _hits_function(rule)
        stamp = _Stamp(rule, options, where or Locator(stack), config)
        gate = compile_condition(rule.when) if rule.when is not None else None
        for ctx in scope_items(stack, rule.scope) if items is None else items:
            ctx.options = options            # the contexts are shared by the rules of a run
            if gate is not None:
                result = gate(ctx.node, options)
                if result is not None and not result.ok:
                    continue
            for hit in hits_of(ctx):
                findings.append(make_finding(stamp, hit, ctx.name))
    except Exception as exc:
        raise RuntimeError(f"rule {rule.id} {rule.name} failed: {type(exc).__name__}: {exc}") from exc
    return findings


def _hits_function(rule: Rule) -> Callable[[RuleContext], Iterable[Hit]]:
    """A Python rule's check (looked up once per rule, not once per service), or the
    declarative evaluation (compiled once per rule)."""
    if rule.python:
        return importlib.import_module(rule.python).check  # type: ignore[no-any-return]
    return _declarative_hits(rule)


def _declarative_hits(rule: Rule) -> Callable[[RuleContext], Iterable[Hit]]:
    """`forbid`: a hit per witness (or at `at`) when the condition holds; `require`: one at
    `at` when it does not."""
    assert rule.condition is not None
    mode, tree = rule.condition
    test = compile_condition(tree)
    at = parse_path(rule.at) if rule.at else None

    def hits(ctx: RuleContext) -> Iterable[Hit]:
        node = ctx.node
        result = test(node, ctx.options)
        if result is None:
            return ()
        if mode == "forbid" and result.ok:
            targets = [at] if at else list(dict.fromkeys(result.witnesses)) or [()]
        elif mode == "require" and not result.ok:
            targets = [at or ()]
        else:
            return ()
        return [Hit((*ctx.pointer, *rel), {"key": rel[-1] if rel else ctx.name,
                                           "value": first_value(node, rel),
                                           "path": ".".join(str(s) for s in rel)})
                for rel in targets]
    return hits


class _Stamp:
    """What every finding of one rule shares, worked out once per run instead of per hit."""

    def __init__(self, rule: Rule, options: Mapping[str, Any], where: Locator,
                 config: Config) -> None:
        self.id, self.name, self.scope, self.where = rule.id, rule.name, rule.scope, where
        self.args = {k: "any" if v is None else v for k, v in options.items()}
        self.fix = (Fix(rule.fix_title, (), Applicability.DISPLAY_ONLY)
                    if rule.fix_title else None)
        self.plain = (rule.message, config.severity_for(rule, rule.severity))
        self.variants = {
            key: (variant.get("message", rule.message),
                  config.severity_for(rule, Severity.parse(variant["severity"])
                                      if "severity" in variant else rule.severity))
            for key, variant in rule.variants.items()}


def make_finding(stamp: _Stamp, hit: Hit, name: str | None) -> Finding:
    """Stamp id, name, severity, message and location on a hit."""
    args = _Args(stamp.args)
    if name is not None:
        args["name"] = args[stamp.scope] = name
    args.update(hit.args)
    template, severity = (stamp.variants.get(str(hit.args.get("variant", "")), stamp.plain)
                          if stamp.variants else stamp.plain)
    message = template.format_map(args)      # `_Args` keeps an unknown `{name}` as it is
    return Finding(stamp.id, stamp.name, severity, message, stamp.where(hit.pointer),
                   hit.fix or stamp.fix)


def locate_pointer(stack: Stack, pointer: tuple[Any, ...]) -> Location:
    """Where a pointer's value was written: the key's line, or its nearest existing ancestor."""
    return Locator(stack)(pointer)


class Locator:
    """Locations of pointers into one stack; each file's text is found once, not per finding."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.texts: dict[str, list[str]] = {}         # path -> texts, in chain order
        for layer in getattr(stack, "layers", ()):
            self.texts.setdefault(layer.document.path, []).append(layer.document.text)

    def __call__(self, pointer: tuple[Any, ...]) -> Location:
        stack = self.stack
        model = stack.model
        node, parent, existing = model, None, 0
        for step in pointer:
            try:
                node, parent = node[step], node
            except (KeyError, IndexError, TypeError):
                break
            existing += 1
        origin = None
        if existing < len(pointer):
            origin = _layer_origin(stack, tuple(pointer))
        if origin is None and existing:
            # what `locate` answers when the last key has a line of its own, without
            # walking the origins of every step above it
            origin = key_origin(parent, pointer[existing - 1])
        if origin is None:
            origin = locate(model, tuple(pointer[:existing]), prefer_key=True)
        if origin is None:
            path = stack.layers[0].document.path if getattr(stack, "layers", None) else "<stack>"
            return Location(path, 1, 1, pointer=tuple(pointer))
        end_line, end_col = self._end_position(origin)
        return Location(origin.path, origin.line, origin.column, end_line, end_col, tuple(pointer))

    def _end_position(self, origin: Any) -> tuple[int | None, int | None]:
        for text in self.texts.get(origin.path, ()):
            if 0 <= origin.start <= origin.end <= len(text):
                end = origin.end
                newline = text.find("\n", origin.start, end)
                if newline != -1:       # a block: end at the first line
                    end = newline - 1 if newline > 0 and text[newline - 1] == "\r" else newline
                # so the end is on the origin's own line: counting lines from the top of the
                # file for each finding made `check` quadratic in the file's size
                return origin.line, end - (text.rfind("\n", 0, end) + 1) + 1
        return None, None


def _layer_origin(stack: Stack, pointer: tuple[Any, ...]) -> Origin | None:
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


def note_findings(stack: Stack, config: Config, where: Locator | None = None) -> list[Finding]:
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
            loc = (where or Locator(stack))(tuple(note.pointer))
        message = rule.message.format_map(_Args(message=note.message))
        out.append(Finding(rule.id, rule.name, config.severity_for(rule, rule.severity),
                           message, loc))
    return out

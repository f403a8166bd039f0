"""Load rule files (built-in `rules/` and user folders), check them, and index them."""
# No `from __future__ import annotations`: a NamedTuple below would compile its string
# annotations at import, start-up time of every command (see model.py).

import fnmatch
import importlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from stacklint import cachefile
from stacklint.lint.conditions import check_condition
from stacklint.errors import RuleDefinitionError
from stacklint.model import Finding, Location, Severity

if TYPE_CHECKING:
    from jsonschema import Draft7Validator

SCOPE_VARS = {"stack": (), "service": ("service",), "network": ("network",),
              "volume": ("volume",), "secret": ("secret",), "config": ("config",)}
DECLARATIVE_ARGS = ("name", "key", "value", "path")
RUNNABLE_KINDS = ("policy",)


class Rule(NamedTuple):
    """One rule file, as loaded (a NamedTuple, not a dataclass: see model.py)."""

    id: str
    name: str
    summary: str
    severity: Severity
    message: str
    docs: Mapping[str, Any]
    kind: str = "policy"
    groups: tuple[str, ...] = ()
    scope: str = "service"
    condition: tuple[str, Any] | None = None       # ('forbid'|'require', tree)
    when: Mapping[str, Any] | None = None
    python: str | None = None
    note: str | None = None
    at: str | None = None
    variants: Mapping[str, Mapping[str, Any]] = {}      # these defaults are only ever read
    fix_title: str | None = None
    options: Mapping[str, Any] = {}   # name -> default
    aliases: tuple[str, ...] = ()
    source: str = ""
    builtin: bool = True
    # What a `scope: service` rule reads besides the top level: "own-service" or
    # "whole-stack". The two-core check gives each process half of the services, so it
    # splits only when every enabled rule reads its own service (parallel/split.py).
    reads: str = "own-service"
    reads_declared: bool = False

    def names(self) -> tuple[str, ...]:
        return (self.id, self.name, *self.aliases)


class RuleSet:
    """The rules of one run, keyed by id, name, alias and group."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: dict[str, Rule] = {}
        self._names: dict[str, Rule] = {}
        for rule in sorted(rules, key=lambda r: r.id):
            for key in rule.names():
                other = self._names.get(key.lower())
                if other is not None and other is not rule:
                    raise RuleDefinitionError(
                        f"rule {key!r} is defined twice ({other.source} and {rule.source})",
                        rule.source, hint="give every rule a unique id and name")
                self._names[key.lower()] = rule
            self.rules[rule.id] = rule

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, ref: str) -> Rule | None:
        """A rule by id, name or alias (case-insensitive)."""
        return self._names.get(ref.lower())

    def __getitem__(self, ref: str) -> Rule:
        rule = self.get(ref)
        if rule is None:
            raise KeyError(ref)
        return rule

    def select(self, selector: str) -> list[Rule]:
        """Rules matching an id, name, alias, group or glob (`SL5*`)."""
        exact = self.get(selector)
        if exact is not None:
            return [exact]
        low = selector.lower()
        return [r for r in self if low in r.groups or any(
            fnmatch.fnmatchcase(n.lower(), low) for n in r.names())]

    def finding(self, ref: str, message: str, location: Location,
                severity: Severity | None = None, **kwargs: Any) -> Finding:
        """A Finding for rule `ref`, with its registered id, name and severity."""
        rule = self[ref]
        return Finding(rule.id, rule.name, severity or rule.severity, message, location, **kwargs)


def _read_yaml(path: Path) -> Any:
    import yaml
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleDefinitionError(f"cannot read rule file: {exc}", str(path)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise RuleDefinitionError(f"YAML syntax error: {exc.problem}", str(path),
                                  mark.line + 1 if mark else None,
                                  mark.column + 1 if mark else None) from None


@lru_cache(maxsize=1)
def _rule_validator() -> "Draft7Validator":
    import json

    import jsonschema

    from stacklint.resources import schemas_dir
    schema = json.loads((schemas_dir() / "stacklint-rule.schema.json").read_text("utf-8"))
    return jsonschema.Draft7Validator(schema)


def validate_rule_data(data: Any, source: str) -> None:
    """Check one rule file's data against the rule schema (RuleDefinitionError)."""
    errors = sorted(_rule_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise RuleDefinitionError(f"invalid rule file at {where}: {err.message}", source,
                                  hint="the rule format is described in docs/rules.md")


def _placeholders(text: str) -> set[str]:
    import string       # here: a run that reads the built-in rules from their cache needs none
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(text) if name}


def build_rule(data: Mapping[str, Any], source: str, builtin: bool) -> Rule:
    """A Rule from validated rule-file data; semantic checks raise RuleDefinitionError."""
    options = {k: (v or {}).get("default") for k, v in (data.get("options") or {}).items()}
    kind = data.get("kind", "policy")
    mode = next((k for k in ("forbid", "require") if k in data), None)
    for key in ("when", "forbid", "require"):
        if key in data:
            check_condition(data[key], options, source)
    scope = data.get("scope", "service")
    allowed = set(options) | set(SCOPE_VARS[scope]) | set(DECLARATIVE_ARGS)
    allowed |= set(data.get("args") or ()) | ({"message"} if kind == "note" else set())
    messages = [data["message"], *(v["message"] for v in (data.get("variants") or {}).values())]
    if kind in ("policy", "note"):
        for text in messages:
            unknown = _placeholders(text) - allowed
            if unknown:
                raise RuleDefinitionError(
                    f"unknown placeholder {{{sorted(unknown)[0]}}} in message", source,
                    hint=f"available: {', '.join(sorted(allowed))} (declare python ones in `args`)")
    if data.get("python") and not builtin:        # built-in checks are covered by the tests
        _check_python(data["python"], source)
    reads = _reads(data, scope, source)
    return Rule(
        id=data["id"], name=data["name"], summary=data["summary"],
        severity=Severity.parse(data["severity"]), message=data["message"], docs=data["docs"],
        kind=kind, groups=tuple(data.get("groups") or ()), scope=scope,
        condition=(mode, data[mode]) if mode else None, when=data.get("when"),
        python=data.get("python"), note=data.get("note"), at=data.get("at"),
        variants=data.get("variants") or {}, fix_title=(data.get("fix") or {}).get("title"),
        options=options, aliases=tuple(data.get("aliases") or ()), source=source,
        builtin=builtin, reads=reads, reads_declared="reads" in data)


def _reads(data: Mapping[str, Any], scope: str, source: str) -> str:
    """What the rule reads: as declared; else a declarative service rule reads its own
    service (its paths are relative to it) and a Python check may read anything."""
    declared = data.get("reads")
    if scope != "service":
        if declared == "own-service":
            raise RuleDefinitionError(f"`reads: own-service` needs `scope: service` (this rule's scope is "
                                      f"{scope})", source, hint="drop `reads`, or make it `whole-stack`")
        return "whole-stack"
    if declared:
        return str(declared)
    return "whole-stack" if data.get("python") else "own-service"


def _check_python(module: str, source: str) -> None:
    try:
        found = importlib.import_module(module)
    except ImportError as exc:
        if module.startswith("stacklint.") and getattr(exc, "name", None) != module:
            raise                            # a shipped check that exists but fails: a bug
        raise RuleDefinitionError(f"python check {module!r} cannot be imported: {exc}", source,
                                  hint="name a module on the Python path that has `check(ctx)`") from None
    if not callable(getattr(found, "check", None)):
        raise RuleDefinitionError(f"python check {module!r} has no function `check(ctx)`", source)


def _rule_names(folder: Path) -> list[str]:
    """The folder's `*.yaml` and `*.yml` file names, sorted (a listing, no glob patterns)."""
    if not folder.is_dir():
        raise RuleDefinitionError("rule folder does not exist", str(folder),
                                  hint="fix `rule-paths` in the stacklint config")
    with os.scandir(folder) as found:
        return sorted(e.name for e in found if e.name.endswith((".yaml", ".yml")))


def _cached(cache: str) -> list[Rule] | None:
    """The rules a cache file holds, or None (absent, unreadable, another layout)."""
    try:
        return [Rule._make((*f[:3], Severity(f[3]), *f[4:])) for f in cachefile.read(cache)]
    except (TypeError, ValueError, IndexError):
        return None


def load_folder(folder: Path, builtin: bool, validate: bool) -> list[Rule]:
    """Every `*.yaml`/`*.yml` rule file of a folder.

    The built-in rules are parsed, schema-checked and built once, then read back from a
    cache (`stacklint.cachefile`): parsing ~100 YAML files and importing jsonschema
    costs ~100 ms, building them ~4 ms; reading the cache ~1 ms, which matters for a
    pre-commit hook.  Any problem with the cache: parse, check and build again."""
    names = _rule_names(folder)
    # keyed by each rule file and this module (the code that builds them)
    cache = cachefile.location("rules", [*(os.path.join(folder, n) for n in names), __file__],
                               str(folder)) if builtin and not validate else None
    if cache is not None:
        cached = _cached(cache)
        if cached is not None:
            return cached
    rules = []
    for path in [folder / n for n in names]:
        data = _read_yaml(path)
        if validate or cache is not None or not isinstance(data, dict):
            validate_rule_data(data, str(path))     # whenever the files change
        try:
            rules.append(build_rule(data, str(path), builtin))
        except (KeyError, TypeError, AttributeError, ValueError):
            validate_rule_data(data, str(path))   # names what is wrong, in schema terms
            raise
    if cache is not None:
        cachefile.write(cache, [(*r[:3], int(r.severity), *r[4:]) for r in rules])
    return rules


@lru_cache(maxsize=None)
def _builtin_rules(validate: bool) -> tuple[Rule, ...]:
    from stacklint.resources import rules_dir
    return tuple(load_folder(rules_dir(), builtin=True, validate=validate))


def builtin_rules(validate: bool = False) -> RuleSet:
    """The shipped rules, parsed once per process (schema-checked when their cache is built)."""
    return RuleSet(_builtin_rules(validate))


@lru_cache(maxsize=32)
def _user_rules(folder: str) -> tuple[Rule, ...]:
    return tuple(load_folder(Path(folder), builtin=False, validate=True))


def load_rules(rule_paths: Sequence[str] = ()) -> RuleSet:
    """Built-in rules plus the rules of every folder in `rule_paths` (indexed once per
    process for the same folders: a run asks for them once per file and stage)."""
    return _indexed(tuple(str(Path(folder).resolve()) for folder in rule_paths))


@lru_cache(maxsize=32)
def _indexed(folders: tuple[str, ...]) -> RuleSet:
    rules = list(_builtin_rules(False))
    for folder in folders:
        rules.extend(_user_rules(folder))
    return RuleSet(rules)

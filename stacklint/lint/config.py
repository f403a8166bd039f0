"""Load `.stacklint.yml` or `[tool.stacklint]` into a validated Config, read-only once made."""
# No `from __future__ import annotations`: a NamedTuple below would compile its string
# annotations at import, start-up time of every command (see model.py).

import fnmatch
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from stacklint.errors import ConfigError, StacklintError
from stacklint.model import Severity
from stacklint.lint.ruleset import Rule, RuleSet, load_rules

CONFIG_NAMES = (".stacklint.yml", ".stacklint.yaml")
KEYS = ("select", "ignore", "rules", "rule-paths", "fail-on", "fail-level", "stacks")
SEVERITIES = ("error", "warning", "info")
DEFAULT_FAIL_ON = Severity.WARNING
OPTIONAL_GROUP = "optional"       # rules in this group run only when selected


class RuleSetting(NamedTuple):     # no dataclasses on the path of `check`: see model.py
    severity: Severity | None = None
    # one empty dict shared by every setting without options: only ever read (and pickled
    # with the Config to a process pool, which a read-only mappingproxy could not be)
    options: Mapping[str, Any] = {}
    disabled: bool = False


class Config:
    """The effective configuration of one run; nothing changes it once it is made (the
    `with_…` methods make a new one).  A plain class: see model.py for why no dataclass."""

    __slots__ = ("path", "root", "select", "ignore", "rules", "rule_paths", "fail_on", "stacks",
                 "_enabled")

    def __init__(self, path: str | None = None, root: str = ".", select: tuple[str, ...] = (),
                 ignore: tuple[str, ...] = (), rules: Mapping[str, RuleSetting] | None = None,
                 rule_paths: tuple[str, ...] = (), fail_on: Severity = DEFAULT_FAIL_ON,
                 stacks: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.path = path
        self.root = root
        self.select = select
        self.ignore = ignore
        self.rules: Mapping[str, RuleSetting] = {} if rules is None else rules   # by rule id
        self.rule_paths = rule_paths
        self.fail_on = fail_on
        self.stacks: Mapping[str, tuple[str, ...]] = {} if stacks is None else stacks
        self._enabled: dict[str, bool] = {}   # rule id -> is_enabled, worked out once

    def ruleset(self) -> RuleSet:
        return load_rules(self.rule_paths)

    def is_enabled(self, rule: Rule) -> bool:
        if rule.id not in self._enabled:
            self._enabled[rule.id] = self._decide(rule)
        return self._enabled[rule.id]

    def _decide(self, rule: Rule) -> bool:
        setting = self.rules.get(rule.id)
        if setting is not None:
            return not setting.disabled
        chosen = _specificity(rule, self.select)
        if chosen is None and not self.select and OPTIONAL_GROUP not in rule.groups:
            chosen = -1                       # enabled by default: beaten by any ignore
        dropped = _specificity(rule, self.ignore)
        return chosen is not None and (dropped is None or chosen > dropped)

    def severity_for(self, rule: Rule, default: Severity) -> Severity:
        setting = self.rules.get(rule.id)
        return setting.severity if setting and setting.severity else default

    def options_for(self, rule: Rule) -> dict[str, Any]:
        setting = self.rules.get(rule.id)
        return {**rule.options, **(setting.options if setting else {})}

    def with_fail_on(self, level: str | None) -> "Config":
        if level is None:
            return self
        return Config(self.path, self.root, self.select, self.ignore, self.rules,
                      self.rule_paths, Severity.parse(level), self.stacks)

    def with_selection(self, select: list[str] | None, ignore: list[str] | None) -> "Config":
        """The command line's --select (replaces the file's) and --ignore (adds to it)."""
        if not select and not ignore:
            return self
        rules = self.ruleset()
        for sel in [*(select or ()), *(ignore or ())]:
            if not rules.select(sel):
                raise ConfigError(f"--select/--ignore names no rule: {sel!r}",
                                  hint="use a rule id, name, group or glob (see `stacklint rules`)")
        return Config(self.path, self.root, tuple(select) if select else self.select,
                      self.ignore + tuple(ignore or ()), self.rules, self.rule_paths,
                      self.fail_on, self.stacks)


def _specificity(rule: Rule, selectors: tuple[str, ...]) -> int | None:
    """How precisely a list names a rule: 2 id/name, 1 glob, 0 group; None if not at all."""
    best = None
    for sel in selectors:
        low = sel.lower()
        if low in (n.lower() for n in rule.names()):
            score = 2
        elif any(fnmatch.fnmatchcase(n.lower(), low) for n in rule.names()) and "*" in low:
            score = 1
        elif low in rule.groups:
            score = 0
        else:
            continue
        best = score if best is None else max(best, score)
    return best


def default_config() -> Config:
    return Config()


# a `[tool.stacklint]` or `[tool.stacklint.…]` table header at the start of a line: the
# same text in a comment or a string is not a config (a full TOML parse costs start-up time)
_TOOL_TABLE = r"^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*stacklint[ \t]*[\].]"    # (compiled by `re` when used)


def find_config(start: str | os.PathLike[str] = ".") -> Path | None:
    """The nearest `.stacklint.yml`, or `pyproject.toml` with `[tool.stacklint]`, upwards."""
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return folder / name
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and re.search(_TOOL_TABLE, pyproject.read_text("utf-8", "replace"), re.M):
            return pyproject
    return None


def load_config(path: str | os.PathLike[str] | None = None, search: bool = True) -> Config:
    """The config at `path`, else the nearest one, else the defaults; ConfigError if bad."""
    found = Path(path) if path is not None else (find_config() if search else None)
    if found is None:
        return default_config()
    if not found.is_file():
        raise ConfigError("config file not found", str(found), hint="check the --config path")
    raw = _read_toml(found) if found.suffix == ".toml" else _read_yaml(found)
    return build_config(raw, str(found))


def _read_yaml(path: Path) -> Any:
    from stacklint.load.document import read
    try:
        data = read(path).data
    except StacklintError as exc:
        raise ConfigError(exc.message, exc.path, exc.line, exc.column, exc.hint) from None
    return {} if data is None else data


def _read_toml(path: Path) -> Any:
    try:
        import tomllib  # type: ignore[import-not-found]  # mypy checks as Python 3.10
    except ImportError:           # Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise ConfigError("reading [tool.stacklint] needs Python 3.11+ or the `tomli` package",
                              str(path), hint="pip install tomli, or use .stacklint.yml") from None
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read TOML: {exc}", str(path)) from None
    return data.get("tool", {}).get("stacklint", {})


def _where(raw: Any, key: Any) -> tuple[int | None, int | None]:
    origin = getattr(raw, "key_origins", {}).get(key)
    return (origin.line, origin.column) if origin else (None, None)


def _fail(raw: Any, key: Any, source: str, message: str, hint: str | None = None) -> ConfigError:
    line, col = _where(raw, key)
    if line is None and source.endswith(".toml"):
        line, col = _toml_where(source, key)
    return ConfigError(message, source, line, col, hint)


def _toml_where(source: str, key: Any) -> tuple[int | None, int | None]:
    """Line and column of `key` below `[tool.stacklint…]` (tomllib keeps no positions)."""
    try:
        lines = Path(source).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None, None
    pattern = re.compile(rf'^(\s*)(["\']?){re.escape(str(key))}\2\s*=')
    inside = False
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("["):
            inside = line.strip().startswith("[tool.stacklint")
            if inside and re.search(rf'[.\[]{re.escape(str(key))}\]\s*$', line.strip()):
                return number, line.index(str(key)) + 1
        elif inside and (match := pattern.match(line)):
            return number, len(match.group(1)) + 1
    return None, None


class ConfigErrors(ConfigError):
    """Every mistake of one config file, reported together (fixing one per run is slow)."""

    def __init__(self, errors: list[ConfigError]) -> None:
        first = errors[0]
        super().__init__(first.message, first.path, first.line, first.column, first.hint)
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def _strings(raw: Mapping[str, Any], key: str, source: str,
             problems: list[ConfigError]) -> tuple[str, ...]:
    value = raw.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(_fail(raw, key, source, f"`{key}` must be a list of strings"))
        return ()
    return tuple(value)


def build_config(raw: Any, source: str) -> Config:
    """Validate raw config data once; every mistake is a ConfigError naming the key, and all
    of them come back together (ConfigErrors), each at its file:line:col."""
    if not isinstance(raw, Mapping):
        raise ConfigError("the stacklint config must be a mapping", source)
    problems: list[ConfigError] = []
    for key in raw:
        if key not in KEYS:
            problems.append(_fail(raw, key, source, f"unknown config key `{key}`",
                                  hint=f"known keys: {', '.join(KEYS)}"))
    root = os.path.dirname(os.path.abspath(source))
    rule_paths = tuple(os.path.join(root, p) for p in _strings(raw, "rule-paths", source, problems))
    key = "fail-on" if "fail-on" in raw or "fail-level" not in raw else "fail-level"
    fail_on = raw.get(key, "warning")
    if fail_on not in SEVERITIES:
        problems.append(_fail(raw, key, source, f"`{key}` must be one of {', '.join(SEVERITIES)}"))
        fail_on = "warning"
    try:
        ruleset = load_rules(rule_paths)
    except StacklintError as exc:         # the rules are needed to check the rest
        error = exc if isinstance(exc, ConfigError) else \
            ConfigError(exc.message, exc.path, exc.line, exc.column, exc.hint)
        raise ConfigErrors([*problems, error]) from None
    select = _strings(raw, "select", source, problems)
    ignore = _strings(raw, "ignore", source, problems)
    for key, selectors in (("select", select), ("ignore", ignore)):
        for sel in selectors:
            if not ruleset.select(sel):
                problems.append(_fail(raw, key, source, f"`{key}` names no rule: {sel!r}",
                                      hint="use a rule id, name, group or glob "
                                           "(see `stacklint rules`)"))
    settings = _rule_settings(raw, ruleset, source, problems)
    stacks = _stacks(raw, source, problems)
    if problems:
        problems.sort(key=lambda e: (e.line or 0, e.column or 0))
        raise problems[0] if len(problems) == 1 else ConfigErrors(problems)
    return Config(source, root, select, ignore, settings, rule_paths, Severity.parse(fail_on),
                  stacks)


def _rule_settings(raw: Mapping[str, Any], ruleset: RuleSet, source: str,
                   problems: list[ConfigError]) -> dict[str, RuleSetting]:
    table = raw.get("rules") or {}
    if not isinstance(table, Mapping):
        problems.append(_fail(raw, "rules", source, "`rules` must map rule ids or names to settings"))
        return {}
    out = {}
    for ref, value in table.items():
        rule = ruleset.get(str(ref))
        if rule is None:
            problems.append(_fail(table, ref, source, f"unknown rule {ref!r} in `rules`",
                                  hint="see `stacklint rules` for ids and names"))
            continue
        try:
            out[rule.id] = _one_setting(table, ref, value, rule, source)
        except ConfigError as exc:
            problems.append(exc)
    return out


def _one_setting(table: Any, ref: Any, value: Any, rule: Rule, source: str) -> RuleSetting:
    if value in ("disable", False):
        return RuleSetting(disabled=True)
    if value in ("enable", True):
        return RuleSetting()
    if isinstance(value, str) and value in SEVERITIES:
        return RuleSetting(severity=Severity.parse(value))
    if not isinstance(value, Mapping) or set(value) - {"severity", "options"}:
        raise _fail(table, ref, source, f"bad setting for rule {ref!r}",
                    hint="write `disable`, a severity, or {severity: …, options: {…}}")
    severity = value.get("severity")
    if severity is not None and severity not in SEVERITIES:
        raise _fail(table, ref, source, f"bad severity {severity!r} for rule {ref!r}",
                    hint=f"one of {', '.join(SEVERITIES)}")
    options = value.get("options") or {}
    unknown = set(options) - set(rule.options) if isinstance(options, Mapping) else {"?"}
    if unknown:
        raise _fail(table, ref, source, f"rule {ref!r} has no option {sorted(unknown)[0]!r}",
                    hint=f"its options: {', '.join(rule.options) or 'none'}")
    from stacklint.tree import plain          # plain data: the Config crosses process pools
    return RuleSetting(Severity.parse(severity) if severity else None, plain(dict(options)))


def _stacks(raw: Mapping[str, Any], source: str,
            problems: list[ConfigError]) -> dict[str, tuple[str, ...]]:
    table = raw.get("stacks") or {}
    if not isinstance(table, Mapping):
        problems.append(_fail(raw, "stacks", source, "`stacks` must map stack names to lists of "
                              "files", hint="stacks: {prod: [docker-compose.yml, prod.yml]}"))
        return {}
    out = {}
    for name, files in table.items():
        if isinstance(files, str):
            files = [files]
        if not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
            problems.append(_fail(table, name, source,
                                  f"stack {name!r} must be a non-empty list of files"))
            continue
        out[str(name)] = tuple(files)
    return out

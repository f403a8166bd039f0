"""One call that loads, validates, lints and suppresses a stack (check, deploy, pre-commit)."""
# No `from __future__ import annotations`: a NamedTuple below would compile its string
# annotations at import, start-up time of every command (see model.py).

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from stacklint.lint.config import Config, default_config
from stacklint.lint.engine import run_rules
from stacklint.model import Finding, Stack
from stacklint.lint.suppress import suppress


class CheckResult(NamedTuple):
    stack: Stack
    findings: list[Finding]


def _validate(stack: Stack) -> list[Finding]:
    """Schema and Docker-missed checks (a plain import: a broken one is an internal error)."""
    from stacklint.validate.validator import validate_stack
    return list(validate_stack(stack))


def apply_config(findings: Sequence[Finding], config: Config) -> list[Finding]:
    """Drop findings of disabled rules and apply severity overrides (any stage's findings)."""
    rules = config.ruleset()
    out = []
    for finding in findings:
        rule = rules.get(finding.rule_id)
        if rule is None:
            out.append(finding)
            continue
        if not config.is_enabled(rule):
            continue
        severity = config.severity_for(rule, finding.severity)
        if severity != finding.severity:
            finding = finding._replace(severity=severity)
        out.append(finding)
    return out


def raw_findings(stack: Stack, config: Config) -> tuple[list[Finding], list[Finding]]:
    """Validation and policy findings of a loaded stack, configured, not yet suppressed."""
    return apply_config(_validate(stack), config), run_rules(stack, config)


def finish(stack: Stack, findings: list[Finding], config: Config) -> list[Finding]:
    """Suppressions applied (and SL001/SL002 added), configured and sorted."""
    rules = config.ruleset()

    def enabled(rule_id: str) -> bool:
        rule = rules.get(rule_id)
        return rule is not None and config.is_enabled(rule)

    findings = suppress(stack, findings, rules.get, enabled)
    secrets = getattr(stack, "secrets", None)
    if secrets:         # values from ${VAR} and env files named like secrets: never shown
        from stacklint.redact import mask_findings
        findings = mask_findings(findings, secrets)
    return sorted(apply_config(findings, config), key=Finding.sort_key)


def lint_stack(stack: Stack, config: Config | None = None) -> list[Finding]:
    """Validation + policy findings of a loaded stack, configured and suppressed, sorted."""
    config = config or default_config()
    validation, policy = raw_findings(stack, config)
    return finish(stack, validation + policy, config)


def check_stack(sources: Sequence[Any], config: Config | None = None,
                env: Mapping[str, str] | None = None, env_files: Sequence[str] = ()) -> CheckResult:
    """load_stack + validate_stack + run_rules + suppressions, for one override chain."""
    from stacklint.load.stack import load_stack
    stack = load_stack(list(sources), env=env, env_files=list(env_files))
    return CheckResult(stack, lint_stack(stack, config))

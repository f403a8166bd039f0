"""Secret values that came from outside the files (`${VAR}`, env files, the environment).

A variable or env-file entry named like a secret (`*PASSWORD*`, `*PASSWD*`, `*TOKEN*`,
`*SECRET*`, `*KEY*`, any case) has a value the user's files do not show; stacklint never
prints it: findings, notes, errors, SARIF and JSON reports show `***` in its place, and
`merge` writes a `${NAME}` reference (see docs/merge.md "Secrets in output").
A value the user's own file spells literally is theirs to see, and is left alone.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

SECRET_NAME = re.compile(r"pass(word|wd)|token|secret|key", re.IGNORECASE)
MASK = "***"
# shorter values (`1`, `yes`) are too common to mask in free text without mangling it
MIN_LENGTH = 4


def is_secret_name(name: object) -> bool:
    return isinstance(name, str) and SECRET_NAME.search(name) is not None


def secret_value(name: object, value: object) -> str | None:
    """`value` when a variable called `name` holds a secret worth masking, else None."""
    if is_secret_name(name) and isinstance(value, str) and len(value) >= MIN_LENGTH:
        return value
    return None


def mask(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value replaced by `***` (longest first: one may hold another)."""
    if not text:
        return text
    for value in sorted(secrets, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return text


def mask_finding(finding: Any, secrets: Iterable[str]) -> Any:
    """A finding whose message and fix description show no secret value."""
    secrets = tuple(secrets)
    if not secrets:
        return finding
    changes: dict[str, Any] = {}
    for name in ("message",):
        value = getattr(finding, name, None)
        if isinstance(value, str) and any(s in value for s in secrets):
            changes[name] = mask(value, secrets)
    fix = getattr(finding, "fix", None)
    if fix is not None and any(s in fix.title for s in secrets):
        changes["fix"] = fix._replace(title=mask(fix.title, secrets))
    return finding._replace(**changes) if changes else finding


def mask_findings(findings: Iterable[Any], secrets: Iterable[str]) -> list[Any]:
    secrets = tuple(secrets)
    return [mask_finding(f, secrets) for f in findings]


def placeholders(secrets: Mapping[str, str]) -> dict[str, str]:
    """value -> a token that no renderer quotes or escapes, to become `${NAME}` after."""
    return {value: f"STACKLINTSECRET{i}X" for i, value in enumerate(
        sorted(secrets, key=len, reverse=True))}


def mask_model(model: Any, tokens: Mapping[str, str]) -> Any:
    """A copy of the merged model with each secret value inside a string replaced by its
    token (copy on change: the model shares subtrees with the layers)."""
    from stacklint.tree import SList, SMap

    if isinstance(model, str):
        for value, token in tokens.items():
            if value in model:
                model = model.replace(value, token)
        return model
    if isinstance(model, SMap):
        out = None
        for key, item in model.items():
            new = mask_model(item, tokens)
            if new is not item:
                if out is None:
                    out = SMap(origin=model.origin)
                    for k, v in model.items():
                        out[k] = v
                    out.key_origins = dict(model.key_origins)
                    out.value_origins = dict(model.value_origins)
                out[key] = new
        return model if out is None else out
    if isinstance(model, SList):
        items = [mask_model(item, tokens) for item in model]
        if all(a is b for a, b in zip(items, model)):
            return model
        return SList(items, model.origin, model.item_origins)
    return model


def references(text: str, tokens: Mapping[str, str], names: Mapping[str, str]) -> str:
    """Rendered text with each token turned into the `${NAME}` the value came from."""
    for value, token in tokens.items():
        text = text.replace(token, "${" + names[value] + "}")
    return text

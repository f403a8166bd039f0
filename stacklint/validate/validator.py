"""Validation as Docker does it: each file against its version's schema, then the merged stack.

Every error is reported (Docker stops at the deepest one), each at the
file:line:col of the key or value to change.  `swarmchecks` adds what Docker
only finds at deploy time, or never.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from stacklint.validate import schema as _schema
from stacklint.model import Applicability, Edit, Finding, Fix, Location, Severity
from stacklint.validate.schema_errors import Problem, dotted, explain
from stacklint.tree import SMap, locate

if TYPE_CHECKING:
    from stacklint.model import Layer, Origin, Stack

# rule name -> (id, default severity); rules/SL0nn-<name>.yaml documents each one
RULES: dict[str, tuple[str, Severity]] = {
    "schema-violation": ("SL010", Severity.ERROR),
    "forbidden-property": ("SL011", Severity.ERROR),
    "unknown-key": ("SL012", Severity.ERROR),
    "needs-newer-version": ("SL013", Severity.ERROR),
    "invalid-failure-action": ("SL020", Severity.ERROR),
    "invalid-update-order": ("SL021", Severity.ERROR),
    "invalid-max-failure-ratio": ("SL022", Severity.ERROR),
    "invalid-duration": ("SL023", Severity.ERROR),
    "invalid-byte-size": ("SL024", Severity.ERROR),
    "global-mode-with-replicas": ("SL025", Severity.ERROR),
    "healthcheck-test-with-disable": ("SL026", Severity.ERROR),
    "undefined-network": ("SL027", Severity.ERROR),
    "undefined-volume": ("SL028", Severity.ERROR),
    "undefined-secret": ("SL029", Severity.ERROR),
    "undefined-config": ("SL030", Severity.ERROR),
    "duplicate-secret-target": ("SL031", Severity.ERROR),
    "duplicate-config-target": ("SL032", Severity.ERROR),
    "missing-image": ("SL033", Severity.ERROR),
    "port-out-of-range": ("SL034", Severity.ERROR),
    "swarm-ignored-key": ("SL035", Severity.WARNING),
    "invalid-option-value": ("SL036", Severity.ERROR),
    "file-outside-stack": ("SL037", Severity.WARNING),
}

# cli/compose/types/types.go: checked per service before interpolation
FORBIDDEN = {
    "extends": "Support for `extends` is not implemented yet.",
    "volume_driver": "Instead of setting the volume driver on the service, define a volume "
                     "using the top-level `volumes` option and specify the driver there.",
    "volumes_from": "To share a volume between services, define it using the top-level "
                    "`volumes` option and reference it from each service that shares it using "
                    "the service-level `volumes` option.",
    "cpu_quota": "Set resource limits using deploy.resources",
    "cpu_shares": "Set resource limits using deploy.resources",
    "cpuset": "Set resource limits using deploy.resources",
    "mem_limit": "Set resource limits using deploy.resources",
    "memswap_limit": "Set resource limits using deploy.resources",
}


def finding(rule: str, root: SMap, pointer: tuple[Any, ...], message: str, path: str,
            prefer_key: bool = False, rename_to: str | None = None) -> Finding:
    """A Finding of validation rule `rule` at the source of `pointer` in `root`."""
    rule_id, severity = RULES[rule]
    origin = locate(root, pointer, prefer_key=prefer_key)
    location = Location.of(origin, pointer) if origin else Location(path, 1, 1, pointer=pointer)
    return Finding(rule_id, rule, severity, message, location,
                   _rename(root, pointer, origin, rename_to))


def _rename(root: SMap, pointer: tuple[Any, ...], origin: Origin | None,
            new: str | None) -> Fix | None:
    """An edit renaming a mistyped key, unless the mapping already has the right one."""
    if not new or origin is None or not pointer:
        return None
    parent: Any = root         # the mapping or list that holds the key: YAML data
    for step in pointer[:-1]:
        parent = parent[step]
    if new in parent or origin.end <= origin.start:
        return None
    # unsafe: the closest known key is a guess a person should confirm
    return Fix(f"rename `{pointer[-1]}` to `{new}`",
               (Edit(origin.path, origin.start, origin.end, new),), Applicability.UNSAFE)


def validate_layer(data: SMap, version: str, path: str, target: str = "stack") -> list[Finding]:
    """Schema findings for one file's interpolated data, as Docker checks each file alone."""
    if target == "stack":
        where = locate(data, ("version",))
        version = _schema.check_version(version, path, *(where[1:3] if where else (1, 1)))
        forbidden = list(_forbidden(data))
    else:
        version, forbidden = _schema.LATEST, []
    validator = _schema.compiled(target, version)
    if target == "stack":        # what Docker's decoding refuses after its schema passed
        from stacklint.validate import decoding
        forbidden += decoding.problems(data)
    out = [finding(p.rule, data, p.pointer, p.message, path, p.prefer_key) for p in forbidden]
    if validator.is_valid(data):           # the common case: no error list to build
        return out
    root = _schema.schema_for(target, version)
    skip = {p.pointer for p in forbidden}
    seen: set[tuple[Any, ...]] = set()
    for error in validator.iter_errors(data):
        for problem in explain(error, root):
            key = (problem.rule, problem.pointer, problem.message)
            if problem.pointer in skip or key in seen:
                continue
            seen.add(key)
            out.append(finding(problem.rule, data, problem.pointer,
                               _versioned(problem, version, target), path, problem.prefer_key,
                               problem.rename_to))
    return sorted(out, key=Finding.sort_key)


def _versioned(problem: Problem, version: str, target: str) -> str:
    if target == "stack" and problem.rule == "needs-newer-version":
        return f"{problem.message} (this file is version {version})"
    return problem.message


def _forbidden(data: Any) -> Iterable[Problem]:
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        for key in service:
            if key in FORBIDDEN:
                pointer = ("services", name, key)
                yield Problem("forbidden-property", pointer, True,
                              f"{dotted(pointer)}: `{key}` is not supported by docker stack "
                              f"deploy: {FORBIDDEN[key]}")


def validate_stack(stack: Stack, target: str = "stack",
                   known: Callable[[Layer], list[Finding] | None] | None = None
                   ) -> list[Finding]:
    """Every validation finding of a loaded chain: per file, then on the merged model.

    `known(layer)` gives a layer's `validate_layer` findings when the caller has them
    already (the fixer's guard validated each fixed file), else None."""
    from stacklint.validate import swarmchecks

    out: list[Finding] = []
    for layer in stack.layers:
        given = known(layer) if known is not None else None
        out += validate_layer(layer.data, layer.version, layer.document.path, target) \
            if given is None else given
    path = stack.layers[0].document.path if stack.layers else "<stack>"
    if stack.layers:                       # relative paths resolve from the first file's folder
        from stacklint.validate import outside
        folder = os.path.dirname(os.path.abspath(path))
        for layer in stack.layers:
            out += [finding(p.rule, layer.data, p.pointer, p.message, layer.document.path)
                    for p in outside.problems(layer.data, folder)]
    seen = {f.sort_key() for f in out}     # a schema error already said it at that place
    for hit in swarmchecks.check_model(stack.model, target):
        found = finding(hit.rule, stack.model, hit.pointer, hit.message, path, hit.prefer_key)
        if found.sort_key() not in seen:
            seen.add(found.sort_key())
            out.append(found)
    return sorted(out, key=Finding.sort_key)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity >= Severity.ERROR and not f.suppressed for f in findings)

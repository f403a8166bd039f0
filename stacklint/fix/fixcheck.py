"""After `fix`: what `docker stack deploy` would still reject, so `fix` never says done when
it is not.

The fixed chain goes through the same loading and validation as `stacklint validate`; each
error that no finding of the fixer already covers is added to its file's list of what is
left by hand. An empty file or one that holds no mapping is an error too: it is what
`docker compose … config > stack.yml` leaves when Compose fails, and `docker stack deploy`
refuses it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from stacklint.errors import InputError
from stacklint.model import Finding, Location, Severity
from stacklint.tree import SMap

if TYPE_CHECKING:
    from stacklint.load.document import Document
    from stacklint.fix.fixer import FixResult
    from stacklint.model import Layer

EMPTY = ("the file is empty, so there is no stack to fix; `docker compose … config > stack.yml` "
         "leaves an empty file when Compose fails: run it again and read its error")


def not_a_stack(doc: Document) -> str | None:
    """Why `doc` is no stack file at all, or None."""
    if doc.data is None:
        if any(line.strip() and not line.lstrip().startswith("#")
               for line in doc.text.splitlines()):
            return "the file does not parse as YAML; fix it by hand (`stacklint validate` says where)"
        return EMPTY
    if not isinstance(doc.data, SMap):
        kind = "a list" if isinstance(doc.data, list) else f"the scalar {doc.data!r}"
        return (f"the file holds {kind}, not a stack (a mapping with `services:`); "
                "docker stack deploy refuses it")
    return None


def add_rejections(results: Sequence[FixResult], whole: bool = False,
                   env: dict[str, str] | None = None) -> None:
    """Append to each result what stack deploy would still reject in the fixed chain.

    Each file gets the schema checks Docker makes of every file on its own; the merged
    checks (an image, the networks a service names …) only when the files are a whole
    stack: `whole` (a chain given with -f), a chain of several files, or what
    `docker compose config` wrote (its top-level `name:`). A loose override alone is no
    stack, so its missing image is no error.  A result the two-core fix already checked
    (`FixResult.checked`: each half found nothing, even as a whole stack) adds nothing; one
    whose halves found something adds what they found (`FixResult.rejections`)."""
    if results and all(r.checked for r in results):
        return
    whole = whole or len(results) > 1 or bool(results) and _compose_output(results[0])
    # the two-core fix's halves' findings: (per file, as a whole stack), either may be None
    rejections = results[0].rejections if len(results) == 1 and env is None else None
    given: list[Finding] | None = rejections[whole] if rejections is not None else None
    # the two-core fix's halves found them on exactly the fixed file: nothing to load again
    docs = [] if given is not None else [_fixed(r) for r in results]
    broken = [(r, why) for r, d in zip(results, docs) if (why := not_a_stack(d))]
    for result, why in broken:
        result.left.append(Finding("SL003", "invalid-input", Severity.ERROR, why,
                                   Location(result.path, 1, 1)))
    if broken:
        return                       # the chain does not load: nothing more to say
    by_path = {r.path: r for r in results}
    for found in given if given is not None else _errors(docs, whole, env):
        result = by_path.get(found.location.path, results[0])
        if not any(_covers(f, found) for f in result.left):
            result.left.append(found)


def _fixed(result: FixResult) -> Document:
    """The document as it will be written, parsed (the two-core fix hands back text only)."""
    from stacklint.load.document import parse

    doc = result.document if result.document is not None else result.original
    assert doc is not None
    if doc.data is None and doc.text.strip():
        try:
            return parse(result.text, doc.path, doc.encoding)
        except InputError:
            pass
    return doc


def _compose_output(result: FixResult) -> bool:
    top = original_top(result)
    return top is not None and "name" in top and "services" in top


def original_top(result: FixResult) -> Mapping[str, Any] | None:
    """The original file's top-level mapping (only its keys and `name` when the two-core
    fix made the result: it parsed halves, never the whole original)."""
    data = result.original.data if result.original is not None else None
    return data if isinstance(data, SMap) else result.original_top


def _errors(docs: list[Document], whole: bool, env: dict[str, str] | None) -> list[Finding]:
    found = rejections(docs, env)
    return found[whole] if isinstance(found, tuple) else found


def rejections(docs: list[Document], env: dict[str, str] | None
               ) -> tuple[list[Finding], list[Finding]] | list[Finding]:
    """What deploy rejects in the fixed chain, from one load: (file by file, as a whole
    stack); a single list (the same for both) when the chain does not load."""
    from stacklint.load.stack import load_stack
    from stacklint.validate.validator import validate_stack

    try:
        stack = load_stack(docs, env=env, allow_version_mismatch=True)
        layers = [f for layer in stack.layers for f in _layer(layer)]
        stacked = validate_stack(stack, "stack", _known)
    except InputError as exc:
        if exc.message.startswith("error while interpolating"):
            return []     # a ${VAR} set only where the stack is deployed: `check` reports it
        where = Location(exc.path or docs[0].path, exc.line or 1, exc.column or 1)
        hint = f" ({exc.hint})" if exc.hint else ""
        return [Finding("SL003", "invalid-input", Severity.ERROR,
                        f"docker stack deploy cannot read the fixed files: {exc.message}{hint}",
                        where)]
    return _rejected(layers), _rejected(stacked)


def _rejected(found: list[Finding]) -> list[Finding]:
    out = []
    for f in found:
        if f.severity >= Severity.ERROR:
            out.append(Finding(f.rule_id, f.rule_name, f.severity,
                               f"{f.message} (docker stack deploy still rejects it; "
                               "fix it by hand)", f.location, f.fix))
    return out


def _layer(layer: Layer) -> list[Finding]:
    from stacklint.validate.validator import validate_layer
    found = _known(layer)
    return validate_layer(layer.data, layer.version, layer.document.path, "stack") \
        if found is None else found


def _known(layer: Layer) -> list[Finding] | None:
    """The guard's findings for the layer's file, when the layer is that file's very tree
    (nothing was interpolated): the guard validated each fixed text already."""
    from stacklint.fix.fixes.guard import layer_findings
    if layer.data is not layer.document.data:
        return None
    return layer_findings(layer.document, layer.version)


def _covers(left: Finding, found: Finding) -> bool:
    """Whether a finding already left for a person speaks of the same value."""
    a, b = left.location, found.location
    if a.path != b.path:
        return False
    if a.line == b.line:
        return True
    p, q = a.pointer, b.pointer
    if not p or not q:
        return False
    n = min(len(p), len(q))
    return p[:n] == q[:n] and n >= 3       # one names a value inside the other (not just a service)


# the file names Compose reads by itself: such a file is a Compose source, not only a stack file
COMPOSE_NAMES = frozenset(f"{stem}{tail}" for stem in ("compose", "docker-compose")
                          for tail in (".yml", ".yaml", ".override.yml", ".override.yaml"))
FOR_COMPOSE = {
    "SL701": "; Compose reads these files too and takes `name` as the project name: without "
             "it, `docker compose` names the project after the folder, and its volumes and "
             "networks with it (a database starts on a new, empty volume), so run Compose with "
             "`-p {value}` from now on, or keep `name` and deploy `docker compose config` output "
             "fixed instead",
    "SL705": " (Compose ignores `version`, with a warning that it is obsolete)",
    "SL706": " (Compose ignores `version`, with a warning that it is obsolete)",
}


def say_what_compose_sees(results: Sequence[FixResult]) -> None:
    """On Compose's own source files (a chain of several, or a file named as Compose looks
    for it) a fix that changes what Compose does says so in its message."""
    from pathlib import Path

    sources = len(results) > 1 or any(Path(r.path).name in COMPOSE_NAMES for r in results)
    if not sources:
        return
    for result in results:
        top = original_top(result)
        project = top.get("name") if top is not None else None
        result.applied = [
            f._replace(message=f.message + FOR_COMPOSE[f.rule_id].format(value=project))
            if f.rule_id in FOR_COMPOSE else f for f in result.applied]

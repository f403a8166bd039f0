"""Property test: generated stacks (comments, CRLF, anchors, odd indentation) through `fix`.

The generator writes each line with what the fix may do to it ("keep", "edit",
"drop") and builds the model the fixed file must parse to.  Then: every kept
line survives byte for byte and in order, an edited line keeps its comment,
fix(fix(x)) == fix(x), and the fixed file parses to the expected model.
"""
from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import require_docker
from stacklint.load.document import parse
from stacklint.fix.fixer import fix_chain
from stacklint.fix.fixes.guard import comparable

pytestmark = pytest.mark.slow   # generated stacks, each through docker stack config


@dataclass
class Gen:
    step: int
    seq: int                       # extra indentation of list items (0: indentless)
    lines: list[tuple[str, str]] = field(default_factory=list)
    shared: int = 0                # services whose limits are the shared anchor

    def add(self, col: int, text: str, kind: str = "keep") -> None:
        self.lines.append((" " * col + text, kind))


service_st = st.fixed_dictionaries({
    "port": st.sampled_from(["none", "int", "string", "target-string", "flow"]),
    "cpus": st.sampled_from(["none", "number", "string", "flow", "anchor"]),
    "mem_limit": st.booleans(),
    "profiles": st.booleans(),
    "depends": st.sampled_from(["none", "list", "long"]),
    "labels": st.booleans(),
    "comment": st.sampled_from(["", "  # note", "   #: odd # comment"]),
})


def build(gen: Gen, services: list[dict[str, Any]], top: dict[str, Any]) -> dict[str, Any]:
    """Write the stack into gen.lines; return the model the fixed text must have."""
    s, model = gen.step, {"services": {}}
    if top["name"]:
        gen.add(0, "name: demo", "drop")
    if top["version"]:
        gen.add(0, 'version: "3.8"')
        model["version"] = "3.8"
    if top["anchor"]:
        gen.add(0, "x-labels: &labels   # shared")
        gen.add(s, "team: web")
        gen.add(0, "")
    gen.shared = sum(svc["cpus"] == "anchor" for svc in services)
    if gen.shared:                     # used twice or more: reported, never edited in place
        gen.add(0, "x-limits: &limits")
        gen.add(s, "cpus: 0.5", "keep" if gen.shared > 1 else "edit")
    gen.add(0, "services:")
    for i, svc in enumerate(services):
        model["services"][f"s{i}"] = _service(gen, i, svc, top["anchor"])
    return model


def _service(gen: Gen, i: int, svc: dict[str, Any], anchor: bool) -> dict[str, Any]:
    s, c = gen.step, svc["comment"]
    out: dict[str, Any] = {"image": "nginx:1.27"}
    gen.add(s, f"s{i}:")
    gen.add(2 * s, f"image: nginx:1.27{c}")
    if svc["labels"] and anchor:
        gen.add(2 * s, "labels: *labels")
        out["labels"] = {"team": "web"}
    if svc["profiles"]:     # kept: removing it would deploy a service Compose would not start
        gen.add(2 * s, "profiles: [debug]")
        out["profiles"] = ["debug"]
    if svc["port"] != "none":
        _ports(gen, svc, out)
    if svc["depends"] != "none" and i > 0:
        _depends(gen, svc, i, out)
    if svc["cpus"] != "none" or svc["mem_limit"]:
        _deploy(gen, svc, out)
    return out


def _ports(gen: Gen, svc: dict[str, Any], out: dict[str, Any]) -> None:
    s, c, dash = gen.step, svc["comment"], 2 * gen.step + gen.seq
    gen.add(2 * s, "ports:")
    out["ports"] = [{"target": 80, "published": 8080, "protocol": "tcp"}]
    if svc["port"] == "flow":
        gen.add(dash, f'- {{target: "80", published: "8080", protocol: tcp}}{c}', "edit")
        return
    target = '"80"' if svc["port"] == "target-string" else "80"
    gen.add(dash, f"- target: {target}{c}", "edit" if target != "80" else "keep")
    published = '"8080"' if svc["port"] != "int" else "8080"
    gen.add(dash + 2, f"published: {published}{c}", "edit" if published != "8080" else "keep")
    gen.add(dash + 2, "protocol: tcp")


def _depends(gen: Gen, svc: dict[str, Any], i: int, out: dict[str, Any]) -> None:
    s = gen.step
    gen.add(2 * s, "depends_on:")
    if svc["depends"] == "list":
        gen.add(2 * s + gen.seq, f"- s{i - 1}")
    else:
        gen.add(3 * s, f"s{i - 1}:", "drop")
        gen.add(4 * s, "condition: service_started", "drop")
    out["depends_on"] = [f"s{i - 1}"]


def _deploy(gen: Gen, svc: dict[str, Any], out: dict[str, Any]) -> None:
    s, c = gen.step, svc["comment"]
    limits: dict[str, Any] = {}
    if svc["cpus"] == "anchor":
        gen.add(2 * s, "deploy:")
        gen.add(3 * s, "resources:")
        gen.add(4 * s, "limits: *limits")
        out["deploy"] = {"resources": {"limits": {"cpus": 0.5 if gen.shared > 1 else "0.5"}}}
        if svc["mem_limit"]:          # the move would write into the shared anchor: refused
            gen.add(2 * s, "mem_limit: 512m", "keep" if gen.shared > 1 else "drop")
            if gen.shared > 1:
                out["mem_limit"] = "512m"
            else:
                out["deploy"]["resources"]["limits"]["memory"] = "512m"
        return
    if svc["cpus"] == "flow":
        gen.add(2 * s, f"deploy: {{resources: {{limits: {{cpus: 0.5}}}}}}{c}", "edit")
        limits["cpus"] = "0.5"
    elif svc["cpus"] != "none":
        gen.add(2 * s, "deploy:")
        gen.add(3 * s, "resources:")
        gen.add(4 * s, "limits:")
        cpus = "0.50" if svc["cpus"] == "number" else '"0.5"'
        gen.add(5 * s, f"cpus: {cpus}{c}", "edit" if cpus == "0.50" else "keep")
        limits["cpus"] = "0.5"
    if svc["mem_limit"]:
        gen.add(2 * s, "mem_limit: 512m", "drop")
        limits["memory"] = "512m"
    out["deploy"] = {"resources": {"limits": limits}}


stack_st = st.tuples(
    st.sampled_from([2, 3, 4]), st.sampled_from([0, 2]), st.sampled_from(["\n", "\r\n"]),
    st.lists(service_st, min_size=1, max_size=4),
    st.fixed_dictionaries({"name": st.booleans(), "version": st.booleans(),
                           "anchor": st.booleans()}),
)


def _run(text: str) -> str:
    return fix_chain([parse(text, "stack.yml")])[0].text


def _comment(line: str) -> str:
    return line[line.index("  #"):].strip() if "  #" in line else ""


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stack_st)
def test_fix_keeps_everything_but_the_fix(args: tuple[Any, ...]) -> None:
    step, seq, newline, services, top = args
    gen = Gen(step, seq)
    model = build(gen, services, top)
    text = "".join(line + newline for line, _ in gen.lines)
    fixed = _run(text)
    assert _run(fixed) == fixed                                   # idempotent
    out_lines = fixed.split(newline)
    assert "\n" not in fixed.replace(newline, "") if newline == "\r\n" else "\r" not in fixed
    pos = 0                                  # kept lines appear in order, byte for byte
    for line, kind in gen.lines:
        if kind == "keep":
            assert line in out_lines[pos:], f"lost {line!r}"
            pos = out_lines.index(line, pos) + 1
        elif kind == "edit" and _comment(line):
            assert any(_comment(line) in o for o in out_lines), f"lost the comment of {line!r}"
    data = comparable(parse(fixed, "stack.yml").data)
    assert isinstance(data.pop("version"), str)
    model.pop("version", None)
    assert data == model


@pytest.mark.docker
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stack_st)
def test_fixed_generated_stack_passes_docker(args: tuple[Any, ...]) -> None:
    docker = require_docker()
    step, seq, newline, services, top = args
    gen = Gen(step, seq)
    build(gen, services, top)
    assume(gen.shared < 2)             # a shared anchor is left for a person on purpose
    assume(not any(svc["profiles"] for svc in services))   # profiles too (SL708 refuses)
    fixed = _run("".join(line + newline for line, _ in gen.lines))
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "stack.yml").write_text(fixed, newline="")
        result = subprocess.run([docker, "stack", "config", "-c", "stack.yml"], cwd=folder,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr + fixed


def _canon(model: dict[str, Any]) -> dict[str, Any]:
    """What the fixes mean, applied to a merged model (an oracle written without the fixer)."""
    from stacklint.gotypes import parse_bytes

    # top-level x-* are templates docker ignores; an anchor there is fixed where it is defined
    out = {k: v for k, v in model.items() if k not in ("version", "name") and k[:2] != "x-"}
    for svc in (out.get("services") or {}).values():
        for port in svc.get("ports") or []:
            for key in ("published", "target"):
                if isinstance(port.get(key), str) and port[key].isdigit():
                    port[key] = int(port[key])
        limits = svc.get("deploy", {}).get("resources", {}).get("limits", {})
        if isinstance(limits.get("cpus"), float):
            limits["cpus"] = repr(limits["cpus"]).rstrip("0").rstrip(".")
        if isinstance(svc.get("depends_on"), dict):
            svc["depends_on"] = list(svc["depends_on"])
        if "mem_limit" in svc:
            deploy = svc.setdefault("deploy", {}).setdefault("resources", {})
            memory = str(parse_bytes(svc.pop("mem_limit")))   # as the merge normalises it
            deploy.setdefault("limits", {}).setdefault("memory", memory)
    return out


override_st = st.lists(service_st.map(lambda s: {**s, "depends": "none", "port": "none"}),
                       min_size=1, max_size=4)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stack_st, override_st, st.booleans())
def test_merged_model_changes_only_where_fixed(args: tuple[Any, ...], over: list[Any],
                                               over_version: bool) -> None:
    from stacklint.load.stack import load_stack
    from stacklint.tree import plain

    step, seq, newline, services, top = args
    base, other = Gen(step, seq), Gen(2, 2)
    build(base, services, top)
    build(other, over, {"name": False, "version": over_version, "anchor": False})
    texts = ["".join(line + newline for line, _ in g.lines) for g in (base, other)]
    docs = [parse(t, f"{i}.yml") for i, t in enumerate(texts)]
    results = fix_chain(docs)
    before = load_stack(docs, env={}, allow_version_mismatch=True)
    after = load_stack([r.document for r in results], env={})
    assert _canon(plain(after.model)) == _canon(plain(before.model))
    assert len({r.document.data.get("version") for r in results}) == 1

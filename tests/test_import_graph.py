"""The package has no import cycle, not even through imports inside functions.

A cycle dodged by a function-level import still couples two modules both ways; the fix is
to move the shared piece to the module it belongs to (records live in `stacklint.model`).
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "stacklint"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_nodes(tree: ast.AST):
    """Every node that can run, at any depth (function bodies included).

    Only `if TYPE_CHECKING:` bodies are left out: they never run, they name types for annotations.
    """
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """Every package module `module` imports, at any depth of its body."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path.name == "__init__.py", node)
            # `from pkg import mod` imports the submodule; `from mod import name` the module
            targets = [f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target
                       for alias in node.names]
        else:
            continue
        for target in targets:
            # `import a.b.c` runs a, a.b and a.b.c; the deepest known module is the edge
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target.startswith("stacklint") and target != module:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _is_ancestor_package(a: str, b: str) -> bool:
    return b.startswith(a + ".")


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each as a path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def edges(node: str) -> list[str]:
        # importing a submodule runs its package's __init__ first: that edge is not a cycle
        return sorted(t for t in graph.get(node, ()) if not _is_ancestor_package(t, node))

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges(node):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def _describe(graph: dict[str, set[str]], component: list[str]) -> str:
    members = set(component)
    return "; ".join(f"{a} -> {', '.join(sorted(graph[a] & members))}" for a in component)


def test_finds_a_cycle_through_a_function_level_import(tmp_path: Path) -> None:
    # the checker itself must see imports inside functions
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from stacklint import c\n"
              "def f():\n    from stacklint import b\n")
    imported = [n.names[0].name for n in _runtime_nodes(ast.parse(source))
                if isinstance(n, ast.ImportFrom) and n.module == "stacklint"]
    assert imported == ["b"], "function bodies are read, TYPE_CHECKING bodies are not"
    graph = {"stacklint.a": {"stacklint.b"}, "stacklint.b": {"stacklint.a"}, "stacklint.c": set()}
    assert find_cycles(graph) == [["stacklint.a", "stacklint.b"]]


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph()
    assert "stacklint.model" in graph and graph["stacklint.load.stack"], "the graph was read"
    cycles = find_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(_describe(graph, c) for c in cycles)


# The pipeline's order: a package may import the shared top-level modules and the packages
# before it, never one after it (docs/ARCHITECTURE.md). `cli`, `__main__` and the
# rule-author alias `checks` are entry points and come last.
SHARED = {"stacklint", "stacklint.model", "stacklint.tree", "stacklint.errors", "stacklint.gotypes",
          "stacklint.atomic", "stacklint.redact", "stacklint.resources", "stacklint.dockercli",
          "stacklint.cachefile"}
STAGES = ["load", "validate", "lint", "fix", "emit", "reporters", "parallel", "cluster", "deploy",
          "commands"]
ENTRY_POINTS = {"stacklint.cli", "stacklint.__main__", "stacklint.checks"}


def _layer(module: str) -> int:
    if module in SHARED:
        return 0
    if module in ENTRY_POINTS:
        return len(STAGES) + 1
    stage = module.split(".")[1]
    assert stage in STAGES, f"{module} is in no stage package: add it to one (or to SHARED)"
    return STAGES.index(stage) + 1


def test_a_stage_imports_only_earlier_stages() -> None:
    graph = import_graph()
    backwards = sorted(f"{a} -> {t}" for a, targets in graph.items() for t in targets
                       if _layer(t) > _layer(a))
    assert not backwards, "imports against the pipeline's order:\n" + "\n".join(backwards)


def test_only_commands_reach_the_forking_code() -> None:
    graph = import_graph()
    callers = sorted(a for a, targets in graph.items()
                     if any(t.startswith("stacklint.parallel") for t in targets)
                     and not a.startswith(("stacklint.parallel", "stacklint.commands")))
    assert not callers, f"only commands/ may import parallel/: {callers}"


def test_every_import_inside_the_package_names_a_module_that_exists() -> None:
    """Imports inside functions run late (a command's branch, an error path): a wrong path
    there breaks only that branch, so it is checked here for every import at any depth."""
    modules = _modules()
    known = set(modules)
    wrong = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _runtime_nodes(tree):
            if isinstance(node, ast.ImportFrom):
                target = _resolve(module, path.name == "__init__.py", node)
                names = [target]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            wrong += [f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {name}" for name in names
                      if name.startswith("stacklint") and name not in known]
    assert not wrong, "imports of modules that do not exist:\n" + "\n".join(wrong)

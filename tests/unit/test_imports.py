"""The package's modules import one another without a cycle: the import graph, lazy
(function-level) imports included, read from the sources with ``ast``."""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "personalize_conformance"


def _source(module: str) -> tuple[Path, bool] | None:
    """The file of ``module`` and whether it is a package (None: not a module of ours)."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin), spec.submodule_search_locations is not None


def _is_module(name: str) -> bool:
    return _source(name) is not None


def _imports(module: str, path: Path, is_package: bool) -> Iterator[str]:
    """The modules of the package ``module`` imports anywhere in its source (module level,
    in functions, under ``if``); for ``from X import Y``, X, and X.Y when it is a module."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            yield base
            for alias in node.names:
                if _is_module(f"{base}.{alias.name}"):
                    yield f"{base}.{alias.name}"


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports, for every module reachable from the
    package's top-level modules (subpackages found through their imports)."""
    top = _source(PACKAGE)
    assert top is not None
    root = top[0].parent
    pending = [PACKAGE] + [
        ".".join((PACKAGE, *p.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
        for p in sorted(root.glob("**/*.py")) if p.stem != "__main__"]
    graph: dict[str, set[str]] = {}
    while pending:
        module = pending.pop()
        if module in graph:
            continue
        found = _source(module)
        if found is None:
            continue
        graph[module] = {m for m in _imports(module, *found)
                         if (m == PACKAGE or m.startswith(PACKAGE + ".")) and m != module}
        pending.extend(graph[module])
    return {m: {d for d in deps if d in graph} for m, deps in graph.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(graph[node]):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_lazy_imports():
    graph = import_graph()
    assert f"{PACKAGE}.run.plugin" in graph and f"{PACKAGE}.targets" in graph
    # cli imports the report renderer and the vectors only inside functions
    assert f"{PACKAGE}.report.vectors" in graph[f"{PACKAGE}.run.cli"]


def test_the_package_has_no_import_cycle():
    assert cycles(import_graph()) == []


def test_a_cycle_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]

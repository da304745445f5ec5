"""The import graph of the repository, read from the sources with ``ast`` (lazy,
function-level imports included): no cycle, imports only down the layers, and the
contracts and strategies reached through their fronts.

Layers, top to bottom (``DESIGN.md``): run -> suite (``tests/conformance``, installed as
``personalize_conformance.suite``) -> checks -> report -> harness -> targets -> strategies
-> contracts. A module imports its own layer and the layers below it, never one above.
``personalize_conformance`` itself (the version) may be imported by anyone; its
``__main__`` runs the CLI. Modules outside the layers (``tests/unit``,
``tests/independent``, ``benchmarks``) may import any layer.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from personalize_conformance import contracts, strategies
from tests.unit.test_structure import REPO, sources

PACKAGE = "personalize_conformance"
#: Where each package's sources are (``pyproject.toml``'s package-dir); other modules are
#: named by their path from the repository's root.
SOURCES = {f"{PACKAGE}.contracts": "contracts", f"{PACKAGE}.strategies": "strategies",
           f"{PACKAGE}.targets": "targets", f"{PACKAGE}.suite": "tests/conformance",
           PACKAGE: PACKAGE}
#: The layers, top first.
LAYERS = ("run", "suite", "checks", "report", "harness", "targets", "strategies", "contracts")
#: The packages whose ``__init__`` is the front other layers import them through.
FRONTS = {f"{PACKAGE}.contracts": contracts, f"{PACKAGE}.strategies": strategies}
#: Modules that may reach past a front (self-tests of a package's parts).
PAST_FRONTS = ("tests.unit.",)


def _name(path: Path) -> str:
    """The module name of a source file of the repository."""
    relative = path.relative_to(REPO).with_suffix("").as_posix()
    for package, folder in sorted(SOURCES.items(), key=lambda s: -len(s[1])):
        if relative == folder or relative.startswith(folder + "/"):
            relative = package.replace(".", "/") + relative[len(folder):]
            break
    return relative.replace("/", ".").removesuffix(".__init__")


@cache
def modules() -> dict[str, Path]:
    """Every module of the repository (``.venv`` aside): name -> file."""
    return {_name(p): p for p in sources()}


def _imports(module: str, path: Path) -> Iterator[tuple[str, str | None]]:
    """(module imported, name taken from it) for each import in ``module``'s source;
    ``from X import Y`` where ``X.Y`` is a module gives (``X.Y``, None)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[:len(parts) - node.level + 1], *base.split(".")])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield (full, None) if full in modules() else (base, alias.name)


@cache
def import_graph() -> dict[str, frozenset[tuple[str, str | None]]]:
    """Module -> the repository's modules it imports (with the name taken, if any)."""
    known = modules()
    return {m: frozenset(i for i in _imports(m, p) if i[0] in known)
            for m, p in known.items()}


def layer(module: str) -> int | None:
    """The layer of ``module`` (0 the top), ``None`` outside the layers (and for the
    package's ``__init__``, which anyone may import)."""
    if module == f"{PACKAGE}.__main__":
        return -1
    for index, name in enumerate(LAYERS):
        if module == f"{PACKAGE}.{name}" or module.startswith(f"{PACKAGE}.{name}."):
            return index
    return None


def upward_edges(graph: dict[str, frozenset[tuple[str, str | None]]]) -> list[str]:
    """Every import of a layer above the importer's: "importer -> imported (layer)"."""
    out = []
    for module, imported in sorted(graph.items()):
        mine = layer(module)
        for target in sorted({t for t, _ in imported}):
            theirs = layer(target)
            if mine is not None and theirs is not None and theirs < mine:
                out.append(f"{module} -> {target} ({LAYERS[mine]} imports {LAYERS[theirs]})")
    return out


def bypassed_fronts(graph: dict[str, frozenset[tuple[str, str | None]]]) -> list[str]:
    """Every import of a front's package from outside it that goes around its
    ``__init__`` (a submodule, or a name not in its ``__all__``)."""
    out = []
    for module, imported in sorted(graph.items()):
        if module.startswith(PAST_FRONTS):
            continue
        for target, name in sorted(imported, key=str):
            front = next((f for f in FRONTS if target == f or target.startswith(f + ".")),
                         None)
            if front is None or module == front or module.startswith(front + "."):
                continue
            exported = target.rpartition(".")[2] in FRONTS[front].__all__
            if target != front and not (target.rpartition(".")[0] == front and exported):
                out.append(f"{module} imports {target}, past the front {front}")
            elif name is not None and name not in FRONTS[front].__all__:
                out.append(f"{module} imports {name} from {front}, not in its __all__")
    return out


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


def test_the_graph_sees_every_layer_and_lazy_imports():
    graph = import_graph()
    assert {layer(m) for m in graph} >= set(range(len(LAYERS)))
    assert f"{PACKAGE}.suite.test_shapes" in graph and f"{PACKAGE}.contracts.model" in graph
    # cli imports the renderer and the vectors only inside functions
    assert f"{PACKAGE}.report.vectors" in {t for t, _ in graph[f"{PACKAGE}.run.cli"]}


def test_the_repository_has_no_import_cycle():
    graph = import_graph()
    assert cycles({m: {t for t, _ in deps} for m, deps in graph.items()}) == []


def test_imports_go_down_the_layers_only():
    offending = upward_edges(import_graph())
    assert not offending, "\n".join(offending)


def test_contracts_and_strategies_are_imported_through_their_fronts():
    offending = bypassed_fronts(import_graph())
    assert not offending, "\n".join(offending)


@pytest.mark.parametrize("edge, offends", [
    ((f"{PACKAGE}.harness.x", f"{PACKAGE}.run.options"), True),
    ((f"{PACKAGE}.strategies.invalid", f"{PACKAGE}.targets.base"), True),
    ((f"{PACKAGE}.run.cli", f"{PACKAGE}.contracts"), False),
    ((f"{PACKAGE}.checks.blame", f"{PACKAGE}.checks"), False),
    ((f"{PACKAGE}.contracts.model", PACKAGE), False),
    (("benchmarks.power", f"{PACKAGE}.run.cli"), False),
])
def test_an_upward_edge_is_found(edge, offends):
    importer, imported = edge
    assert bool(upward_edges({importer: frozenset({(imported, None)})})) == offends


@pytest.mark.parametrize("importer, imported, offends", [
    (f"{PACKAGE}.checks.blame", (f"{PACKAGE}.strategies.valid", None), True),
    (f"{PACKAGE}.checks.blame", (f"{PACKAGE}.strategies", "_private"), True),
    (f"{PACKAGE}.checks.blame", (f"{PACKAGE}.strategies", "minimal"), False),
    (f"{PACKAGE}.strategies.invalid", (f"{PACKAGE}.strategies.valid", None), False),
    ("tests.unit.test_strategies", (f"{PACKAGE}.strategies.patterns", None), False),
    ("benchmarks.strategies", (f"{PACKAGE}.contracts.files", None), True),
    (f"{PACKAGE}.run.cli", (f"{PACKAGE}.contracts.drift", None), False),  # in __all__
])
def test_a_bypassed_front_is_found(importer, imported, offends):
    assert bool(bypassed_fronts({importer: frozenset({imported})})) == offends


def test_a_cycle_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]

"""The harness is one layer: it imports nothing above it (the run, the suite, the checks,
the report), its front re-exports exactly its public names, and it holds one concern per
module, each under 500 lines with no function over 50."""

from __future__ import annotations

import ast
from pathlib import Path

import personalize_conformance.harness as harness
from tests.unit.test_imports import import_graph

ABOVE = ("run", "suite", "checks", "report")


def test_the_harness_imports_nothing_above_it():
    graph = import_graph()
    reaching = {module: sorted(d for d in deps if d.split(".")[1] in ABOVE)
                for module, deps in graph.items()
                if module.startswith("personalize_conformance.harness")}
    assert {m: d for m, d in reaching.items() if d} == {}
    assert "personalize_conformance.harness.calls" in reaching  # the graph saw the harness


def test_the_front_exports_exactly_its_public_names():
    public = {name for name in vars(harness) if not name.startswith("_")}
    submodules = {p.stem for p in Path(harness.__file__).parent.glob("*.py")}
    assert set(harness.__all__) == public - submodules


def test_each_module_is_small_and_its_functions_short():
    for path in Path(harness.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") <= 500, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno < 50, f"{path.name}: {node.name}"

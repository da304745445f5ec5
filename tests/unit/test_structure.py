"""The size of the repository's modules and functions (``.venv`` aside): no module over
500 lines but the reference service (one concern: the documents), no function over 50
lines (from its ``def`` to its last line, nested functions within it counted)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MAX_MODULE = 500
MAX_FUNCTION = 50
#: The one module allowed more lines.
LONG_MODULES = frozenset({"targets/reference/service.py"})


def sources() -> list[Path]:
    """Every ``.py`` file of the repository, ``.venv`` aside."""
    return sorted(p for p in REPO.rglob("*.py") if ".venv" not in p.relative_to(REPO).parts)


def long_modules(paths: list[Path]) -> list[str]:
    out = []
    for path in paths:
        name = path.relative_to(REPO).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE and name not in LONG_MODULES:
            out.append(f"{name}: {lines} lines")
    return out


def functions(source: str) -> Iterator[tuple[str, int, int]]:
    """(qualified name, first line, length in lines) of every function in ``source``."""

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                yield name, child.lineno, (child.end_lineno or child.lineno) - child.lineno + 1
                yield from walk(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(ast.parse(source), "")


def long_functions(paths: list[Path]) -> list[str]:
    out = []
    for path in paths:
        name = path.relative_to(REPO).as_posix()
        for function, line, length in functions(path.read_text(encoding="utf-8")):
            if length > MAX_FUNCTION:
                out.append(f"{name}:{line} {function}: {length} lines")
    return out


def test_every_file_of_the_repository_is_measured():
    names = {p.relative_to(REPO).as_posix() for p in sources()}
    assert {"contracts/model.py", "tests/conformance/test_shapes.py",
            "personalize_conformance/run/cli.py", "benchmarks/power.py"} <= names
    assert not any(n.startswith(".venv/") for n in names)


def test_no_module_is_over_500_lines():
    found = long_modules(sources())
    assert not found, "\n".join(found)


def test_no_function_is_over_50_lines():
    found = long_functions(sources())
    assert not found, "\n".join(found)


def test_a_long_function_is_found_with_its_class():
    body = "\n".join(["class C:", "    def f(self):", *["        x = 1"] * 50])
    assert list(functions(body)) == [("C.f", 2, 51)]

"""Invalid inputs: requests valid in every respect but one clause of the catalog.

Mutation operators work on schema keywords, not on fields: every shape clause in the
catalog names its schema location, and the operator for that location's keyword breaks
it. A candidate is kept only if, as botocore would send it, it fails its schema at that
clause's location and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from .. import contracts
from ..contracts import Clause
from .valid import from_node, requests
from .wire import on_the_wire


@dataclass(frozen=True)
class Violation:
    """A request that breaks ``clause`` alone, and what was changed to break it."""

    clause: str
    operation: str
    request: dict[str, Any] = field(compare=False)
    path: tuple[str | int, ...]
    keyword: str
    old: Any = field(compare=False)
    new: Any = field(compare=False)


_Operator = Callable[[st.DrawFn, Mapping[str, Any], Any], Any]


def _longer_list(draw: st.DrawFn, node: Mapping[str, Any], value: list) -> list:
    target = draw(st.sampled_from([node["maxItems"] + 1, node["maxItems"] * 2 + 1]))
    return [value[i % len(value)] for i in range(target)]


def _shorter_list(draw: st.DrawFn, node: Mapping[str, Any], value: list) -> list:
    return value[: node["minItems"] - 1]


def _longer_string(draw: st.DrawFn, node: Mapping[str, Any], value: str) -> str:
    target = draw(st.sampled_from([node["maxLength"] + 1, node["maxLength"] * 4]))
    pad = value[-1:] or "a"
    return value + pad * (target - len(value))


def _shorter_string(draw: st.DrawFn, node: Mapping[str, Any], value: str) -> str:
    return value[: node["minLength"] - 1]


def _above(draw: st.DrawFn, node: Mapping[str, Any], value: Any) -> Any:
    return draw(st.sampled_from([node["maximum"] + 1, node["maximum"] * 1000 + 1]))


def _below(draw: st.DrawFn, node: Mapping[str, Any], value: Any) -> Any:
    return draw(st.sampled_from([node["minimum"] - 1, node["minimum"] - 1000]))


#: keyword -> operator(draw, schema node holding the keyword, current value) -> new value
OPERATORS: dict[str, _Operator] = {
    "maxItems": _longer_list,
    "minItems": _shorter_list,
    "maxLength": _longer_string,
    "minLength": _shorter_string,
    "maximum": _above,
    "minimum": _below,
}


def shape_clauses(operation: str | None = None) -> list[Clause]:
    """The catalog's shape clauses (for one operation when given)."""
    return [c for c in contracts.catalog() if c.kind == "shape" and c.schema
            and (operation is None or c.operation == operation)]


def _schema_path(clause: Clause) -> tuple[str, list[str]]:
    file, _, pointer = clause.schema.partition("#")  # type: ignore[union-attr]
    return file, [p for p in pointer.split("/") if p]


@st.composite
def _break(draw: st.DrawFn, clause: Clause, pinned: Mapping[str, Any] | None) -> Violation:
    file, parts = _schema_path(clause)
    keyword = parts[-1]
    request = draw(requests(file, pinned))
    node: Any = contracts.schema(file)
    holder: Any = None
    value: Any = request
    path: list[str | int] = []
    steps = parts[:-1]
    i = 0
    while i < len(steps):
        step = steps[i]
        if step == "properties":
            name = steps[i + 1]
            child = node["properties"][name]
            if name not in value:
                value[name] = draw(from_node(child))
            holder, value, node = value, value[name], child
            path.append(name)
            i += 2
        elif step == "items":
            index = draw(st.integers(0, len(value) - 1))
            holder, value, node = value, value[index], node["items"]
            path.append(index)
            i += 1
        else:
            raise ValueError(f"{clause.id}: cannot walk schema step {step!r}")
    old = value
    new = OPERATORS[keyword](draw, node, value)
    if path:
        holder[path[-1]] = new
    else:
        request = new
    return Violation(clause.id, clause.operation, request, tuple(path), keyword, old, new)


def only_breaks(violation: Violation) -> bool:
    """Whether the request, as sent, fails its schema exactly at its clause."""
    clause = contracts.catalog()[violation.clause]
    file, _ = _schema_path(clause)
    body = on_the_wire(violation.operation, violation.request)
    if body is None:
        return False
    pointers = {contracts.pointer(e, file) for e in contracts.validator(file).iter_errors(body)}
    return pointers == {clause.schema}


def supported(clause: Clause) -> bool:
    """Whether an operator exists for the clause's keyword."""
    return _schema_path(clause)[1][-1] in OPERATORS


def violations(operation: str, pinned: Mapping[str, Any] | None = None,
               clause: str | None = None) -> st.SearchStrategy[Violation]:
    """Requests for ``operation`` that each break one shape clause (or ``clause``)."""
    chosen = [c for c in shape_clauses(operation)
              if supported(c) and (clause is None or c.id == clause)]
    if not chosen:
        raise ValueError(f"no shape clause to break for {operation} {clause or ''}".strip())
    return st.sampled_from(chosen).flatmap(lambda c: _break(c, pinned)).filter(only_breaks)

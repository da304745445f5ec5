"""Fixed boundary vectors: for each shape clause, requests just inside its bound.

Deterministic (no Hypothesis draw): ``boundary_vectors(operation) -> [(clause_id,
request), ...]``. The suite does not send them: they are the valid vectors of
``export-vectors`` (:mod:`personalize_conformance.report.vectors`, through
:func:`boundary_for`) and are checked by the self-tests (``tests/unit/test_strategies.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from personalize_conformance import contracts
from personalize_conformance.contracts import Clause, put, request_schema, schema, shape_clauses
from personalize_conformance.strategies.patterns import Infeasible, Walker
from personalize_conformance.strategies.valid import length_bounds, maximal, minimal, string_of


def _fit(node: Mapping[str, Any], size: int, step: int, walker: Walker) -> str:
    """A string as close to ``size`` as the pattern allows, moving by ``step``."""
    low, high = length_bounds(node)
    while low <= size <= high:
        try:
            return string_of(node, size, walker)
        except Infeasible:
            size += step
    return minimal(node, walker)


def _inside(node: Mapping[str, Any], keyword: str) -> list[Any] | None:
    """Values of ``node`` just inside ``keyword``'s bound (several where it has several)."""
    walker = Walker()
    if keyword == "maxLength":
        return [_fit(node, length_bounds(node)[1], -1, walker)]
    if keyword == "minLength":
        return [_fit(node, length_bounds(node)[0], 1, walker)]
    if keyword == "pattern":  # the alphabet walked, at the longest and the shortest
        low, high = length_bounds(node)
        return [_fit(node, min(high, 96), -1, walker), _fit(node, max(low, 1), 1, walker)]
    if keyword in ("maxItems", "minItems"):
        count = node[keyword]
        return [[maximal(node.get("items", {}), Walker(i)) for i in range(count)]]
    if keyword in ("maximum", "minimum"):
        return [node[keyword]]
    if keyword == "enum":
        return list(node["enum"])
    return None  # type: the member present, as generated


def boundary_vectors(operation: str, pinned: Mapping[str, Any] | None = None
                     ) -> list[tuple[str, dict[str, Any]]]:
    """``(clause_id, request)`` pairs: each shape clause of ``operation`` just inside."""
    document = schema(request_schema(operation))
    full, least = maximal(document), minimal(document)
    out: list[tuple[str, dict[str, Any]]] = []
    for clause in shape_clauses(operation):
        at = clause.location
        assert at is not None
        if at.keyword == "required":
            out += [(clause.id, {**least, **(pinned or {})}),
                    (clause.id, {**full, **(pinned or {})})]
            continue
        values = _inside(at.node(), at.keyword)
        if values is None:
            out.append((clause.id, {**full, **(pinned or {})}))
            continue
        for value in values:  # in the first item of each list on the way
            out.append((clause.id, {**put(full, at.concrete(), value), **(pinned or {})}))
    return out


def boundary_for(clause: Clause | str, pinned: Mapping[str, Any] | None = None
                 ) -> list[dict[str, Any]]:
    """The fixed requests just inside ``clause`` (a :class:`Clause` or its id)."""
    clause = contracts.clause(clause)
    return [r for cid, r in boundary_vectors(clause.operation, pinned) if cid == clause.id]

"""Fixed boundary vectors: for each shape clause, requests just inside its bound.

Deterministic (no Hypothesis draw), so tests apply them as explicit examples before
random ones: ``boundary_vectors(operation) -> [(clause_id, request), ...]``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .. import contracts
from ..contracts import Clause
from .invalid import shape_clauses, site
from .patterns import Infeasible, Walker
from .valid import length_bounds, maximal, minimal, request_schema, string_of


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
    file = request_schema(operation)
    schema = contracts.schema(file)
    full, least = maximal(schema), minimal(schema)
    out: list[tuple[str, dict[str, Any]]] = []
    for clause in shape_clauses(operation):
        s = site(clause)
        if s.keyword == "required":
            out += [(clause.id, {**least, **(pinned or {})}),
                    (clause.id, {**full, **(pinned or {})})]
            continue
        node: Any = schema
        path: list[Any] = []
        steps = list(s.steps)
        while steps:
            step = steps.pop(0)
            if step == "properties":
                name = steps.pop(0)
                node = node["properties"][name]
                path.append(name)
            elif step == "items":
                node = node["items"]
                path.append(0)
        values = _inside(node, s.keyword)
        if values is None:
            out.append((clause.id, {**full, **(pinned or {})}))
            continue
        for value in values:
            request = copy.deepcopy(full)
            target: Any = request
            for step in path[:-1]:
                target = target[step]
            if path:
                target[path[-1]] = value
            else:
                request = value
            out.append((clause.id, {**request, **(pinned or {})}))
    return out


def boundary_for(clause: Clause | str, pinned: Mapping[str, Any] | None = None
                 ) -> list[dict[str, Any]]:
    """The fixed requests just inside ``clause`` (a :class:`Clause` or its id)."""
    clause = contracts.catalog()[clause] if isinstance(clause, str) else clause
    return [r for cid, r in boundary_vectors(clause.operation, pinned) if cid == clause.id]

"""Invalid inputs: requests valid in every respect but one clause of the catalog.

Mutation operators work on schema keywords, not on fields: every shape clause names its
schema location, the operator for that location's keyword proposes new values, and a
candidate is kept only if, as botocore would send it, it fails its schema at that
clause's pointer and nowhere else but the pointers the catalog says it ``entails``
(``""`` for a name breaks its minimum length and its pattern); those it does break are
listed in ``Violation.also``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hypothesis import strategies as st

from .. import contracts
from ..contracts import Clause
from ..targets.base import RawBody
from .patterns import SAFE, Infeasible, Walker
from .valid import _Draw, from_node, length_bounds, minimal, requests, string_of
from .wire import as_sent


@dataclass(frozen=True)
class Violation:
    """A request that breaks ``clause`` (and only ``also`` besides), and what changed."""

    clause: str
    operation: str
    request: dict[str, Any] = field(compare=False)
    path: tuple[str | int, ...]
    keyword: str
    old: Any = field(compare=False)
    new: Any = field(compare=False)
    also: tuple[str, ...] = ()

    @property
    def clause_id(self) -> str:
        return self.clause


# -- where a clause points: the one place that reads the catalog's pointer convention --


@dataclass(frozen=True)
class Site:
    """A clause's schema location: file, steps to the node, keyword, member (required)."""

    file: str
    steps: tuple[str, ...]
    keyword: str
    pointer: str  # the clause's ``schema``: where the validator reports it failing
    member: str | None = None

    @property
    def node_pointer(self) -> str:
        return self.file + "#" + "".join("/" + step for step in self.steps)


def site(clause: Clause) -> Site:
    """Read a shape clause's ``schema`` pointer (``File.json#/path/keyword``; a required
    member is ``.../required/<index>``)."""
    file, _, pointer = clause.schema.partition("#")  # type: ignore[union-attr]
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/") if p]
    member = None
    if len(parts) >= 2 and parts[-2] == "required" and parts[-1].isdigit():
        node = _node_at(contracts.schema(file), parts[:-2])
        member, parts = node["required"][int(parts[-1])], parts[:-1]
    return Site(file, tuple(parts[:-1]), parts[-1], clause.schema, member)  # type: ignore[arg-type]


def _node_at(schema: Mapping[str, Any], steps: Iterable[str]) -> Any:
    node: Any = schema
    for step in steps:
        node = node[step]
    return node


def broken_at(file: str, body: Any) -> set[str]:
    """The catalog-style pointers of every keyword ``body`` fails in schema ``file``."""
    return {contracts.pointer(e, file) for e in contracts.validator(file).iter_errors(body)}


def violated(file: str, body: Any) -> set[str] | None:
    """The shape clauses ``body`` breaks in ``file``; ``None`` if it breaks a rule that no
    clause names."""
    catalog = contracts.catalog()
    out: set[str] = set()
    for pointer in broken_at(file, body):
        clause = catalog.by_schema(pointer)
        if clause is None:
            return None
        out.add(clause.id)
    return out


# -- operators: keyword -> candidates for the new value ---------------------------------

_Operator = Callable[[st.DrawFn, Mapping[str, Any], Any, Site], list[Any]]
_DELETE = object()  # a candidate that removes the member


def _strings(node: Mapping[str, Any], sizes: Iterable[int], draw: st.DrawFn) -> list[str]:
    out = []
    for size in sizes:
        if size < 0:
            continue
        try:
            out.append(string_of(node, size, _Draw(draw)))
        except Infeasible:
            out.append(_Draw(draw).text(SAFE, size))
    return out


def _too_long(draw: st.DrawFn, node: Mapping[str, Any], value: Any, s: Site) -> list[Any]:
    high = node["maxLength"]
    return _strings(node, [high + 1, draw(st.sampled_from([high * 2, high * 4 + 3]))], draw)


def _too_short(draw: st.DrawFn, node: Mapping[str, Any], value: Any, s: Site) -> list[Any]:
    low = node["minLength"]
    return _strings(node, sorted({low - 1, 0}, reverse=True), draw)


def _too_many(draw: st.DrawFn, node: Mapping[str, Any], value: list, s: Site) -> list[Any]:
    high = node["maxItems"]
    far = draw(st.sampled_from([high + 1, high * 2 + 1]))
    extra = draw(st.lists(from_node(node.get("items", {})), min_size=far, max_size=far))
    return [(value + extra)[: high + 1], (value + extra)[:far]]


def _too_few(draw: st.DrawFn, node: Mapping[str, Any], value: list, s: Site) -> list[Any]:
    return [value[: node["minItems"] - 1], []]


def _above(draw: st.DrawFn, node: Mapping[str, Any], value: Any, s: Site) -> list[Any]:
    high = node["maximum"]
    return [high + 1, high * 1000 + 1, 2**31]


def _below(draw: st.DrawFn, node: Mapping[str, Any], value: Any, s: Site) -> list[Any]:
    low = node["minimum"]
    return [low - 1, low - 1000, -(2**31)]


#: Characters tried where a pattern must break: ASCII punctuation, space, controls, Latin-1,
#: CJK, a line break, a character of every class the validator might accept.
_BREAKERS = "!#%& ~\x00\x7f\u00e9\u4e2d\n\t?*<>\"'{}|^`$a0Z_-:/="


def _pattern(draw: st.DrawFn, node: Mapping[str, Any], value: Any, s: Site) -> list[Any]:
    import regex

    pattern = regex.compile(node["pattern"])
    low, high = length_bounds({k: v for k, v in node.items() if k != "pattern"})
    text = value if isinstance(value, str) and value else _strings(node, [max(low, 1)], draw)[0]
    out = []
    breakers = draw(st.permutations(_BREAKERS))
    for where in (0, len(text) // 2, len(text) - 1):  # start, middle, end
        for char in breakers:
            candidate = text[:where] + char + text[where + 1:]
            if not pattern.search(candidate):
                out.append(candidate)
                break
    if not out and len(text) < high:  # e.g. an empty string where one must be there
        out += [c + text for c in breakers if not pattern.search(c + text)][:1]
    return out


def _enum(draw: st.DrawFn, node: Mapping[str, Any], value: Any, s: Site) -> list[Any]:
    options = node["enum"]
    pick = draw(st.sampled_from(options))
    return [c for c in (str(pick).upper(), str(pick).lower(), f"{pick}X", f" {pick}", "x")
            if c not in options]


#: Values of every JSON type; botocore decides which still reach the wire unchanged.
_WRONG = {"string": "1", "integer": 7, "number": 1.5, "boolean": True,
          "array": ["x"], "object": {"x": "y"}}


def _type(draw: st.DrawFn, node: Mapping[str, Any], value: Any, s: Site) -> list[Any]:
    want = node["type"]
    allowed = {want, "number"} if want == "integer" else {want}
    if want == "number":
        allowed.add("integer")
    return [v for kind, v in _WRONG.items() if kind not in allowed]


def _required(draw: st.DrawFn, node: Mapping[str, Any], value: Any, s: Site) -> list[Any]:
    return [_DELETE]


#: keyword -> operator(draw, schema node holding the keyword, current value, site)
OPERATORS: dict[str, _Operator] = {
    "maxLength": _too_long,
    "minLength": _too_short,
    "maxItems": _too_many,
    "minItems": _too_few,
    "maximum": _above,
    "minimum": _below,
    "pattern": _pattern,
    "enum": _enum,
    "type": _type,
    "required": _required,
}


def shape_clauses(operation: str | None = None) -> list[Clause]:
    """The catalog's shape clauses (for one operation when given)."""
    return [c for c in contracts.catalog() if c.kind == "shape" and c.schema
            and (operation is None or c.operation == operation)]


def has_operator(clause: Clause) -> bool:
    """Whether an operator exists for the clause's keyword."""
    return site(clause).keyword in OPERATORS


def supported(clause: Clause) -> bool:
    """Whether violations of the clause can be generated: an operator exists. Where no
    value survives botocore's serialization (:func:`wire_unbreakable`) the violations are
    :class:`RawBody` requests, sent as JSON exactly as they are."""
    return has_operator(clause)


def _walk(draw: st.DrawFn, request: dict, s: Site) -> tuple[Any, Any, list[str | int]]:
    """Follow the site's steps into ``request`` (creating absent members and items);
    returns the schema node, the holder of the value and the path to the value."""
    node: Any = contracts.schema(s.file)
    holder: Any = None
    value: Any = request
    path: list[str | int] = []
    steps = list(s.steps)
    i = 0
    while i < len(steps):
        if steps[i] == "properties":
            name = steps[i + 1]
            child = node["properties"][name]
            if name not in value:
                value[name] = minimal(child, Walker(draw(st.integers(0, 50))))
            holder, value, node = value, value[name], child
            path.append(name)
            i += 2
        elif steps[i] == "items":
            if not value:
                value.append(draw(from_node(node["items"])))
            index = draw(st.integers(0, len(value) - 1))
            holder, value, node = value, value[index], node["items"]
            path.append(index)
            i += 1
        else:
            raise ValueError(f"cannot walk schema step {steps[i]!r} in {s}")
    return node, holder, path


def entailed(clause: Clause) -> frozenset[str]:
    """The schema pointers a violation of ``clause`` may break besides its own (the
    catalog's ``entails``: ``""`` for a name breaks its minimum length and its pattern)."""
    return frozenset(clause.extra.get("entails", ()))


def _judge(clause: Clause, request: dict, raw: bool = False) -> tuple[str, ...] | None:
    """The entailed pointers ``request`` also breaks, as sent (through botocore, or as a
    raw JSON body), if it breaks ``clause`` and nothing else; ``None`` if it does not
    break it, or breaks something else too."""
    body = as_sent(clause.operation, RawBody(request) if raw else request)
    if body is None:
        return None
    broken = broken_at(site(clause).file, body)
    if clause.schema not in broken:
        return None
    others = broken - {clause.schema}
    return tuple(sorted(others)) if others <= entailed(clause) else None


def _apply(request: dict, path: list, member: str | None, new: Any) -> dict:
    import copy

    out = copy.deepcopy(request)
    target: Any = out
    for step in path[:-1]:
        target = target[step]
    if member is not None:  # required: the node is the object itself
        target = target[path[-1]] if path else out
        target.pop(member, None)
        return out
    target[path[-1]] = new
    return out


@st.composite
def _break(draw: st.DrawFn, clause: Clause, pinned: Mapping[str, Any] | None) -> Violation:
    s = site(clause)
    request = draw(requests(s.file, pinned))
    node, _, path = _walk(draw, request, s)
    value = _node_value(request, path)
    if s.member is not None:
        if s.member not in value:
            value[s.member] = draw(from_node(node["properties"][s.member]))
        candidates = [_DELETE]
        old = value[s.member]
    else:
        candidates = draw(st.permutations(OPERATORS[s.keyword](draw, node, value, s)))
        old = value
    best: Violation | None = None
    raw = wire_unbreakable(clause)  # then sent as a raw JSON body, past botocore
    for new in candidates:
        broken = _apply(request, path, s.member, new)
        also = _judge(clause, broken, raw)
        if also is None:
            continue
        shown = None if new is _DELETE else new
        full_path = (*path, s.member) if s.member else tuple(path)
        found = Violation(clause.id, clause.operation, RawBody(broken) if raw else broken,
                          full_path, s.keyword, old, shown, also)
        if not also:
            return found
        best = best or found
    if best is None:
        from hypothesis import assume

        assume(False)
    return best  # type: ignore[return-value]


def _node_value(request: Any, path: list) -> Any:
    for step in path:
        request = request[step]
    return request


def wire_unbreakable(clause: Clause) -> bool:
    """Whether no candidate of the clause's operator survives botocore's serialization as
    a violation of it alone (e.g. a list member's ``type``: botocore iterates a string
    into a list, fails on a number). Such a clause's violations are sent as raw bodies."""
    return _unbreakable(clause.id, clause.schema)  # type: ignore[arg-type]


@cache
def _unbreakable(clause_id: str, pointer: str) -> bool:
    from .valid import maximal

    clause = contracts.catalog()[clause_id]
    s = site(clause)
    if s.keyword != "type":
        return False
    request = maximal(contracts.schema(s.file))
    node = _node_at(contracts.schema(s.file), s.steps)
    return all(_judge(clause, _apply(request, _path_of(s), None, new)) is None
               for new in _type(_no_draw, node, None, s))


def _path_of(s: Site) -> list[str | int]:
    out: list[str | int] = []
    steps = list(s.steps)
    while steps:
        step = steps.pop(0)
        out.append(steps.pop(0) if step == "properties" else 0)
    return out


def _no_draw(strategy: Any) -> Any:
    raise TypeError("the type operator does not draw")


def only_breaks(violation: Violation) -> bool:
    """Whether the request, as sent, fails its schema at its clause (and ``also``) only."""
    clause = contracts.catalog()[violation.clause]
    return _judge(clause, violation.request) is not None


def violations_of(clause: Clause | str, pinned: Mapping[str, Any] | None = None
                  ) -> st.SearchStrategy[Violation]:
    """Requests that break ``clause`` (a :class:`Clause` or its id) alone."""
    clause = contracts.catalog()[clause] if isinstance(clause, str) else clause
    if not has_operator(clause):
        raise ValueError(f"no operator for {clause.id}")
    return _break(clause, pinned)


def fixed(strategy: st.SearchStrategy[Any], count: int, tries: int = 40) -> list[Any]:
    """Up to ``count`` distinct examples of ``strategy`` drawn from seeds 0, 1, 2...:
    the same on every run (the fixed vectors exported as portable test data)."""
    import random

    from hypothesis.control import BuildContext
    from hypothesis.errors import StopTest, UnsatisfiedAssumption
    from hypothesis.internal.conjecture.data import ConjectureData

    out: list[Any] = []
    for seed in range(tries):
        data = ConjectureData(random=random.Random(seed))
        try:
            with BuildContext(data, wrapped_test=fixed):
                value = data.draw(strategy)
        except (StopTest, UnsatisfiedAssumption):
            continue
        if all(repr(value) != repr(v) for v in out):
            out.append(value)
        if len(out) == count:
            break
    return out


def invalid_vectors(clause: Clause | str, count: int = 3) -> list[Violation]:
    """Fixed violations of ``clause`` (deterministic); empty if none survives the wire."""
    return fixed(violations_of(clause), count)


def violations(operation: str, pinned: Mapping[str, Any] | None = None,
               clause: str | None = None) -> st.SearchStrategy[Violation]:
    """Requests for ``operation`` that each break one shape clause (or ``clause``)."""
    chosen = [c for c in shape_clauses(operation)
              if supported(c) and (clause is None or c.id == clause)]
    if not chosen:
        raise ValueError(f"no shape clause to break for {operation} {clause or ''}".strip())
    return st.sampled_from(chosen).flatmap(lambda c: _break(c, pinned))

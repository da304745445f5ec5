"""Invalid inputs: requests valid in every respect but one clause of the catalog.

Mutation operators work on schema keywords, not on fields: every shape clause names its
schema location, the operator for that location's keyword proposes new values, and a
candidate is kept only if, as botocore would send it, it fails its schema at that
clause's pointer and nowhere else but the pointers the catalog says it ``entails``
(``""`` for a name breaks its minimum length and its pattern); those it does break are
listed in ``Violation.also``.

"Nowhere else" holds under every reading the documents allow (:func:`_judge`): every
other rule is kept under its strictest reading (each pattern matched in full, in every
Unicode version; a ``contentMediaType: application/json`` string a JSON object text, so
a too-long ``properties`` is still JSON), and a broken pattern is broken under its most
lenient one (:func:`.patterns.could_match`). Where a violation cannot help breaking a
behavioural rule too (a malformed ARN names no resource), the catalog's expected outcome
says so (``x-unknown``: :meth:`Clause.expected_for`), not the generator.
"""

from __future__ import annotations

import contextlib
import random
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, assume, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisWarning, Unsatisfiable

from personalize_conformance import contracts
from personalize_conformance.contracts import (
    DELETE,
    ITEMS,
    Clause,
    Location,
    broken_at,
    get,
    issued_by_service,
    nodes,
    put,
    schema,
    shape_clauses,
)
from personalize_conformance.strategies.patterns import (
    SAFE,
    Infeasible,
    Walker,
    could_match,
    fullmatch,
    near_misses,
)
from personalize_conformance.strategies.serialized import RawBody, as_sent
from personalize_conformance.strategies.valid import (
    SEEDS,
    DrawPicker,
    from_node,
    is_json,
    is_json_object,
    items_of,
    length_bounds,
    maximal,
    minimal,
    requests,
    string_of,
)


@dataclass(frozen=True)
class Violation:
    """A request that breaks ``clause`` (and only ``also`` besides), and what changed:
    ``path`` is the value the clause constrains, ``old`` what was there (for
    ``dependencies``: the member it needs, which is gone)."""

    clause: str
    operation: str
    request: dict[str, Any] = field(compare=False)
    path: tuple[str | int, ...]
    keyword: str
    old: Any = field(compare=False)
    new: Any = field(compare=False)
    also: tuple[str, ...] = ()


# -- operators: keyword -> candidates for the new value ---------------------------------

_Operator = Callable[[st.DrawFn, Mapping[str, Any], Any, Location], list[Any]]


def _strings(node: Mapping[str, Any], sizes: Iterable[int], draw: st.DrawFn) -> list[str]:
    """A string of each size, valid but for its length where it can be: matching the
    node's pattern in full, a JSON object text for a JSON string (:func:`.valid.string_of`),
    else any text."""
    out = []
    for size in sizes:
        if size < 0:
            continue
        try:
            out.append(string_of(node, size, DrawPicker(draw)))
        except Infeasible:
            out.append(DrawPicker(draw).text(SAFE, size))
    return out


def _too_long(draw: st.DrawFn, node: Mapping[str, Any], value: Any, at: Location) -> list[Any]:
    high = node["maxLength"]
    return _strings(node, [high + 1, draw(st.sampled_from([high * 2, high * 4 + 3]))], draw)


def _too_short(draw: st.DrawFn, node: Mapping[str, Any], value: Any, at: Location) -> list[Any]:
    low = node["minLength"]
    return _strings(node, sorted({low - 1, 0}, reverse=True), draw)


def _too_many(draw: st.DrawFn, node: Mapping[str, Any], value: list, at: Location) -> list[Any]:
    high = node["maxItems"]
    far = draw(st.sampled_from([high + 1, high * 2 + 1]))
    item = items_of(node)
    extra = [draw(item) for _ in range(far)]
    return [(value + extra)[: high + 1], (value + extra)[:far]]


def _too_few(draw: st.DrawFn, node: Mapping[str, Any], value: list, at: Location) -> list[Any]:
    return [value[: node["minItems"] - 1], []]


def _above(draw: st.DrawFn, node: Mapping[str, Any], value: Any, at: Location) -> list[Any]:
    high = node["maximum"]
    return [high + 1, high * 1000 + 1, 2**31]


def _below(draw: st.DrawFn, node: Mapping[str, Any], value: Any, at: Location) -> list[Any]:
    low = node["minimum"]
    return [low - 1, low - 1000, -(2**31)]


#: Characters tried where a pattern must break: ASCII punctuation, space, controls, Latin-1,
#: CJK, a line break, a character of every class the validator might accept.
_BREAKERS = "!#%& ~\x00\x7f\u00e9\u4e2d\n\t?*<>\"'{}|^`$a0Z_-:/="


#: Near misses tried first at each position (drawn from :func:`.patterns.near_misses`).
NEAR_MISSES = 16


def _pattern(draw: st.DrawFn, node: Mapping[str, Any], value: Any, at: Location) -> list[Any]:
    pattern = node["pattern"]
    low, high = length_bounds({k: v for k, v in node.items() if k != "pattern"})
    text = value if isinstance(value, str) and value else _strings(node, [max(low, 1)], draw)[0]
    out = []
    # near misses first (a range's neighbour, a character admitted elsewhere), then any
    misses = near_misses(pattern)
    near = random.Random(draw(SEEDS)).sample(misses, min(NEAR_MISSES, len(misses)))
    breakers = [*near, *draw(st.permutations(_BREAKERS))]
    for where in (0, len(text) // 2, len(text) - 1):  # start, middle, end
        for char in breakers:
            candidate = text[:where] + char + text[where + 1:]
            if not could_match(pattern, candidate):  # broken under every reading
                out.append(candidate)
                break
    if not out and len(text) < high:  # e.g. an empty string where one must be there
        out += [c + text for c in breakers if not could_match(pattern, c + text)][:1]
    return out


def _enum(draw: st.DrawFn, node: Mapping[str, Any], value: Any, at: Location) -> list[Any]:
    options = node["enum"]
    pick = draw(st.sampled_from(options))
    return [c for c in (str(pick).upper(), str(pick).lower(), f"{pick}X", f" {pick}", "x")
            if c not in options]


#: Values of every JSON type; botocore decides which still reach the wire unchanged. The
#: string is no digit string: one may stand for a number (sentAt, Event.sentAt.string).
_WRONG = {"string": "x", "integer": 7, "number": 1.5, "boolean": True,
          "array": ["x"], "object": {"x": "y"}}


#: The plausible wrong encodings of a member's type, as Smithy's malformed-request tests
#: list them (a number as a JSON string, a timestamp as an RFC 3339 or stringified epoch
#: with a fraction): a server reading one as the type it names is found. A string of
#: digits alone is left out for a timestamp (Event.sentAt.string); "NaN", "Infinity"
#: are valid floats on the wire.
_ENCODINGS = {"number": ("123", "1.5"), "integer": ("10",),
              "timestamp": ("2019-03-26T20:22:40Z", "1553631760.5")}


def _type(draw: st.DrawFn, node: Mapping[str, Any], value: Any, at: Location) -> list[Any]:
    want = node["type"]
    allowed = {want, "number"} if want == "integer" else {want}
    if want == "number":
        allowed.add("integer")
    return [*(v for kind, v in _WRONG.items() if kind not in allowed), *_encodings(node)]


def _encodings(node: Mapping[str, Any]) -> tuple[Any, ...]:
    """The wrong encodings of ``node``'s type (sent raw: botocore would convert them)."""
    return _ENCODINGS.get("timestamp" if "x-timestamp" in node else node.get("type"), ())


def _required(draw: st.DrawFn, node: Mapping[str, Any], value: Any, at: Location) -> list[Any]:
    return [DELETE]


#: keyword -> operator(draw, schema node holding the keyword, current value, location)
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
    "dependencies": _required,
}


def supported(clause: Clause) -> bool:
    """Whether violations of the clause can be generated: an operator exists. Where no
    value survives botocore's serialization (:func:`wire_unbreakable`) the violations are
    :class:`RawBody` requests, sent as JSON exactly as they are."""
    return clause.keyword in OPERATORS


def reach(draw: st.DrawFn, request: dict, at: Location) -> tuple[Any, Any, list[str | int]]:
    """Follow ``at``'s request path into ``request`` (creating absent members, with those
    they need, and items; a drawn item of each list); returns the schema node holding the
    keyword, the holder of the value there and the concrete path to that value."""
    node: Any = schema(at.file)
    holder: Any = None
    value: Any = request
    path: list[str | int] = []
    for step, child in at.trail():
        if step == ITEMS:
            if not value:
                value.append(draw(from_node(child)))
            index = draw(st.integers(0, len(value) - 1))
            holder, value = value, value[index]
            path.append(index)
        else:
            if step not in value:  # with the members it needs (a roleArn's kmsKeyArn)
                for member in (step, *node.get("dependencies", {}).get(step, ())):
                    if member not in value:
                        value[member] = minimal(node["properties"][member],
                                                Walker(draw(st.integers(0, 50))))
            holder, value = value, value[step]
            path.append(step)
        node = child
    return node, holder, path


def _judge(clause: Clause, request: dict, raw: bool = False,
           path: tuple[str | int, ...] | None = None) -> tuple[str, ...] | None:
    """The entailed pointers ``request`` also breaks, as sent (through botocore, or as a
    raw JSON body), if it breaks ``clause`` and nothing else under any reading; ``None`` if
    it does not break it, or breaks something else too. ``path``: where the violating value
    is (the clause's own rules are not asked of it there)."""
    body = as_sent(clause.operation, RawBody(request) if raw else request)
    if body is None:
        return None
    broken = broken_at(clause.location.file, body)  # type: ignore[union-attr]
    if clause.schema not in broken:
        return None
    others = broken - {clause.schema}
    if not others <= clause.entails or not _every_reading(clause, body, path):
        return None
    if any(m in body for m in _foreign_issued(clause)):
        return None  # a value the service never issued breaks its behavioural rule
    return tuple(sorted(others))


def _foreign_issued(clause: Clause) -> tuple[str, ...]:
    """The request members only the service issues (a nextToken) that are not what
    ``clause`` is about: any value of one a generator makes was never issued, so it breaks
    a behavioural rule (``ListEventTrackers.invalidNextToken``); violations leave them out."""
    subject = clause.location.subject  # type: ignore[union-attr]
    return tuple(m for m in issued_by_service(clause.operation) if m != subject)


def _without_issued(clause: Clause, request: dict) -> dict:
    """``request`` without :func:`_foreign_issued` members (top-level, as they are)."""
    for member in _foreign_issued(clause):
        request.pop(member, None)
    return request


@cache
def _readings(file: str) -> tuple[tuple[Location, str], ...]:
    """The rules of ``file`` whose reading is open, each with its location: ``pattern``
    (search or full match, Java or ``regex`` semantics, the Unicode version) and a JSON
    string (``Event.properties.json``: any string, or a JSON object text)."""
    out = []
    for steps, node in nodes(schema(file)):
        where = f"{file}#" + "".join(f"/{step}" for step in steps)
        if "pattern" in node:
            out.append((Location.parse(f"{where}/pattern"), node["pattern"]))
        if is_json(node):
            out.append((Location.parse(f"{where}/contentMediaType"), ""))
    return tuple(out)


def _every_reading(clause: Clause, body: Any, path: tuple[str | int, ...] | None) -> bool:
    """Whether ``body`` keeps every rule but ``clause`` (and what it entails) under the
    strictest reading, and breaks ``clause``'s pattern, if that is it, under the most
    lenient: each pattern matched in full in every Unicode version, each JSON string a
    JSON object text. At ``path`` (the violating value) only the rules of other clauses
    are asked, and a JSON string shorter than any JSON object text (``""`` for a minimum
    length of 1) is let be: no violation of that clause could be JSON."""
    own = {clause.schema, *clause.entails}
    at_path = tuple(path) if path is not None else None
    for at, pattern in _readings(clause.location.file):  # type: ignore[union-attr]
        for where, value in at.located(body):
            if not isinstance(value, str):
                continue  # a wrong type: the schema's type rule answers for it
            mine = where == at_path
            if at.keyword == "contentMediaType":
                if not (is_json_object(value) or (mine and len(value) < 2)):
                    return False
            elif mine and at.pointer == clause.schema:
                if could_match(pattern, value):
                    return False
            elif not (mine and at.pointer in own) and not fullmatch(pattern, value):
                return False
    return True


@st.composite
def _break(draw: st.DrawFn, clause: Clause, pinned: Mapping[str, Any] | None) -> Violation:
    at: Location = clause.location  # type: ignore[assignment]
    request = _without_issued(clause, draw(requests(at.file, pinned)))
    node, _, path = reach(draw, request, at)
    value = get(request, path)
    changed = path  # where the new value goes
    if at.member is not None:  # required: the member gone; dependencies: the one it needs
        for member in (at.member, at.needs):
            if member is not None and member not in value:
                value[member] = draw(from_node(node["properties"][member]))
        candidates = [DELETE]
        old = value[at.needs or at.member]
        changed = [*path, at.needs or at.member]
        path.append(at.member)
    else:
        candidates = draw(st.permutations(OPERATORS[at.keyword](draw, node, value, at)))
        old = value
    best: Violation | None = None
    raw = wire_unbreakable(clause)  # then sent as a raw JSON body, past botocore
    encodings = _encodings(node) if at.keyword == "type" else ()
    for new in candidates:
        broken = put(request, tuple(changed), new)
        as_raw = raw or any(new == e and type(new) is type(e) for e in encodings)
        also = _judge(clause, broken, as_raw, tuple(path))
        if also is None:
            continue
        shown = None if new is DELETE else new
        found = Violation(clause.id, clause.operation, RawBody(broken) if as_raw else broken,
                          tuple(path), at.keyword, old, shown, also)
        if not also:
            return found
        best = best or found
    assume(best is not None)
    return best  # type: ignore[return-value]


def wire_unbreakable(clause: Clause) -> bool:
    """Whether no candidate of the clause's operator survives botocore's serialization as
    a violation of it alone (e.g. a list member's ``type``: botocore iterates a string
    into a list, fails on a number). Such a clause's violations are sent as raw bodies."""
    return _unbreakable(clause.id, clause.schema)  # type: ignore[arg-type]


@cache
def _unbreakable(clause_id: str, pointer: str) -> bool:
    found = contracts.clause(clause_id)
    at: Location = found.location  # type: ignore[assignment]
    if at.keyword != "type":
        return False
    request = _without_issued(found, maximal(schema(at.file)))
    return all(_judge(found, put(request, at.concrete(), new), path=at.concrete()) is None
               for new in _type(_no_draw, at.node(), None, at))


def _no_draw(strategy: Any) -> Any:
    raise TypeError("the type operator does not draw")


def only_breaks(violation: Violation) -> bool:
    """Whether the request, as sent, fails its schema at its clause (and ``also``) only,
    under every reading."""
    return _judge(contracts.clause(violation.clause), violation.request,
                  path=violation.path) is not None


def violations_of(clause: Clause | str, pinned: Mapping[str, Any] | None = None
                  ) -> st.SearchStrategy[Violation]:
    """Requests that break ``clause`` (a :class:`Clause` or its id) alone."""
    clause = contracts.clause(clause)
    if not supported(clause):
        raise ValueError(f"no operator for {clause.id}")
    return _break(clause, pinned)


class _Enough(Exception):
    """Stops :func:`fixed` once it has its examples."""


def fixed(strategy: st.SearchStrategy[Any], count: int, tries: int = 40) -> list[Any]:
    """Up to ``count`` distinct examples of ``strategy`` from at most ``tries`` generated
    under a fixed seed (Hypothesis' generate phase, derandomized, no database): the same
    on every run (the fixed vectors exported as portable test data)."""
    out: list[Any] = []

    @seed(0)
    @settings(derandomize=True, database=None, max_examples=tries, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck),
              verbosity=Verbosity.quiet, report_multiple_bugs=False)
    @given(strategy)
    def collect(value: Any) -> None:
        if all(repr(value) != repr(v) for v in out):
            out.append(value)
        if len(out) >= count:
            raise _Enough

    with warnings.catch_warnings(), contextlib.suppress(_Enough, Unsatisfiable):
        warnings.simplefilter("ignore", HypothesisWarning)  # the repr of a large example
        collect()
    return out[:count]


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

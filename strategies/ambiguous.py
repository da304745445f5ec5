"""Inputs whose validity depends on a reading the documents leave open.

The suite does not send :func:`ambiguous` requests (the self-tests and
``benchmarks.strategies`` use them); each is tagged with the
ambiguity id (the clause's own ``ambiguity`` when the catalog gives one, else the ids in
:data:`AMBIGUITIES`, which ids of the contract's ambiguity register).
The validator (``regex`` search, code points, ``.`` not matching only ``\\n``) accepts
them; the strictest reading (full match, UTF-16 units, Java's ``.``) does not. A PutEvents
request whose properties hold a reserved key (:func:`reserved_key_requests`) is valid
against the schema, refused under one reading of ``Event.properties.reservedKeys`` and
accepted, the key ignored, under the other.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import regex
from hypothesis import assume
from hypothesis import strategies as st

from personalize_conformance.contracts import (
    RESERVED_KEYS,
    Clause,
    Location,
    catalog,
    shape_clauses,
)
from personalize_conformance.strategies.invalid import reach
from personalize_conformance.strategies.patterns import SAFE, Alphabet, Infeasible, fullmatch, parse
from personalize_conformance.strategies.valid import (
    CAMEL,
    DrawPicker,
    length_bounds,
    put_events,
    requests,
    string_of,
)

#: Readings the documents leave open, by kind.
AMBIGUITIES = {
    "unanchored": "Name.pattern.unanchored",  # `a!b` against ^[a-zA-Z0-9][a-zA-Z0-9\-_]*
    "utf16": "String.length.units",  # maxLength in code points or UTF-16 units
    "dot": "Pattern.javaSemantics",  # whether `.` matches \r (it does not in Java)
}
NON_BMP = st.integers(0x10000, 0x10FFFF).map(chr)


@dataclass(frozen=True)
class Ambiguous:
    """A request valid under one reading of ``ambiguity`` and invalid under another."""

    ambiguity: str
    clause: str
    operation: str
    request: dict[str, Any] = field(compare=False)
    path: tuple[str | int, ...]
    value: Any = field(compare=False)


class _CarriageReturn(DrawPicker):
    """Draws as usual, but ``.`` yields ``\\r``."""

    def text(self, alphabet: Alphabet, size: int) -> str:
        if alphabet == SAFE and size:
            return "\r" + super().text(alphabet, size - 1)
        return super().text(alphabet, size)


def _kinds(clause: Clause) -> list[str]:
    at = clause.location
    if at is None:
        return []
    node = at.node()
    if at.keyword == "pattern":
        tree = parse(node["pattern"])
        kinds = [] if all(tree.anchors) else ["unanchored"]
        return kinds + (["dot"] if "." in node["pattern"] else [])
    if at.keyword == "maxLength" and "pattern" not in node:
        return ["utf16"]
    return []


def _value(draw: st.DrawFn, kind: str, node: Mapping[str, Any]) -> str:
    low, high = length_bounds(node)
    if kind == "utf16":
        text = string_of(node, high - 1, DrawPicker(draw))
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(NON_BMP) + text[at:]
    if kind == "dot":
        return string_of(node, draw(st.integers(low, min(high, 64))), _CarriageReturn(draw))
    pattern = regex.compile(node["pattern"])
    base = string_of(node, max(low, min(high - 1, draw(st.integers(low, low + 8)))),
                     DrawPicker(draw))
    tree = parse(node["pattern"])
    for char in draw(st.permutations("!#% ~.é")):
        candidate = char + base if not tree.anchors[0] else base + char
        if pattern.search(candidate) and len(candidate) <= high:
            return candidate
    assume(False)
    raise AssertionError


@st.composite
def _ambiguous(draw: st.DrawFn, clause: Clause, kind: str,
               pinned: Mapping[str, Any] | None) -> Ambiguous:
    at = clause.location
    assert at is not None
    request = draw(requests(at.file, pinned))
    node, holder, path = reach(draw, request, at)
    try:
        value = _value(draw, kind, node)
    except Infeasible:
        assume(False)
    holder[path[-1]] = value
    assume(not (kind != "utf16" and fullmatch(node["pattern"], value)))
    return Ambiguous(clause.ambiguity or AMBIGUITIES[kind], clause.id, clause.operation,
                     request, tuple(path), value)


def ambiguous_kinds(operation: str) -> list[tuple[Clause, str]]:
    """The (clause, kind) pairs ``operation`` has ambiguous inputs for."""
    return [(c, k) for c in shape_clauses(operation) for k in _kinds(c)]


def ambiguous(operation: str, pinned: Mapping[str, Any] | None = None
              ) -> st.SearchStrategy[Ambiguous]:
    """Requests for ``operation`` valid only under some reading; empty if none."""
    pairs = ambiguous_kinds(operation)
    if not pairs:
        return st.nothing()
    return st.sampled_from(pairs).flatmap(lambda p: _ambiguous(p[0], p[1], pinned))


#: A value of a properties member (JSON-encoded with ASCII escapes: its length is the same
#: in code points and UTF-16 units).
PROPERTY_VALUES = st.one_of(st.integers(-(10**6), 10**6), st.text(max_size=24), st.booleans())


@st.composite
def reserved_key_requests(draw: st.DrawFn, tracking_id: str) -> Ambiguous:
    """Valid PutEvents bodies for ``tracking_id`` but one event's properties: a JSON object
    that holds one reserved key (``PutEvents.properties.reservedKeys``) in a random case,
    among other members, within the properties string's lengths (1 to 1024)."""
    rule = catalog()[RESERVED_KEYS].extra["reserved_keys"]
    low, high = length_bounds(Location.parse(rule["at"] + "/type").node())
    request = draw(put_events(tracking_id))
    index = draw(st.integers(0, len(request["eventList"]) - 1))
    word = draw(st.sampled_from(rule["keys"]))
    cases = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    key = "".join(c.upper() if up else c.lower() for c, up in zip(word, cases, strict=True))
    members = list(draw(st.dictionaries(CAMEL, PROPERTY_VALUES, max_size=4)).items())
    members.insert(draw(st.integers(0, len(members))), (key, draw(PROPERTY_VALUES)))
    value = json.dumps(dict(members))
    assume(low <= len(value) <= high)
    request["eventList"][index]["properties"] = value
    return Ambiguous(catalog()[RESERVED_KEYS].ambiguity or "", RESERVED_KEYS, "PutEvents",
                     request, ("eventList", index, "properties"), value)


__all__ = ["AMBIGUITIES", "Ambiguous", "ambiguous", "ambiguous_kinds", "reserved_key_requests"]

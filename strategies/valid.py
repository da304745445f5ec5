"""Valid inputs, generated from the contract's schemas.

A small compiler from the JSON Schema keywords our contracts use to Hypothesis
strategies. Valid means valid under every reading the documents allow: patterns are
matched in full (as if anchored) with ASCII ``\\d`` and no line breaks, strings stay
in the Basic Multilingual Plane (so code points and UTF-16 units agree on length), and
a ``contentMediaType: application/json`` string is a JSON object. Sizes lean to the
edges: the minimum and the maximum are drawn as often as everything between.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from ..contracts import schema as load_schema

#: Printable BMP text without surrogates: every length reading agrees on it.
TEXT = st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",))
#: The Unix seconds a timestamp can carry through the SDKs (years 1970 to 9999).
EPOCH = st.integers(min_value=0, max_value=253402300799)
#: Characters Java's ``.`` does not match (AWS evaluates its patterns in Java).
JAVA_LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")
CAMEL = st.from_regex(r"[a-z][a-zA-Z0-9]{0,15}", fullmatch=True)


def _size(low: int, high: int) -> st.SearchStrategy[int]:
    """A size in [low, high], with each edge drawn about a third of the time."""
    if low == high:
        return st.just(low)
    return st.one_of(st.just(low), st.just(high), st.integers(low, high))


def _json_text(low: int, high: int) -> st.SearchStrategy[str]:
    values = st.one_of(st.text(TEXT, max_size=20), st.integers(-(10**6), 10**6),
                       st.floats(allow_nan=False, allow_infinity=False, width=32))
    objects = st.dictionaries(CAMEL, values, max_size=8).map(json.dumps)
    return objects.filter(lambda s: low <= len(s) <= high)


def _string(node: Mapping[str, Any]) -> st.SearchStrategy[str]:
    low, high = node.get("minLength", 0), node.get("maxLength", 1024)
    if node.get("contentMediaType") == "application/json":
        return _json_text(low, high)
    if "pattern" in node:
        pattern = node["pattern"]
        anchored = pattern if pattern.endswith("$") else f"(?:{pattern.removeprefix('^')})"
        return st.from_regex(re.compile(anchored, re.ASCII), fullmatch=True).filter(
            lambda s: low <= len(s) <= high and not JAVA_LINE_BREAKS.intersection(s)
        )
    return st.builds(_stretch, _size(low, high), st.text(TEXT, min_size=1, max_size=16))


def _stretch(size: int, seed: str) -> str:
    """``seed`` repeated to exactly ``size`` characters: long strings at the cost of short."""
    return (seed * (size // len(seed) + 1))[:size]


def _number(node: Mapping[str, Any]) -> st.SearchStrategy[float | int]:
    if node.get("x-timestamp"):
        return EPOCH
    low, high = node.get("minimum"), node.get("maximum")
    if node["type"] == "integer":
        low = -(2**31) if low is None else low
        high = 2**31 - 1 if high is None else high
        return st.one_of(st.just(low), st.just(high), st.integers(low, high))
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


def _object(node: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    required = set(node.get("required", []))
    members = node.get("properties", {})
    fixed = {k: from_node(v) for k, v in members.items() if k in required}
    optional = {k: from_node(v) for k, v in members.items() if k not in required}
    return st.fixed_dictionaries(fixed, optional=optional)


def _array(node: Mapping[str, Any]) -> st.SearchStrategy[list[Any]]:
    low, high = node.get("minItems", 0), node.get("maxItems", 10)
    item = from_node(node.get("items", {}))
    return _size(low, high).flatmap(lambda n: st.lists(item, min_size=n, max_size=n))


_BY_TYPE = {
    "string": _string,
    "number": _number,
    "integer": _number,
    "boolean": lambda node: st.booleans(),
    "object": _object,
    "array": _array,
}


def from_node(node: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """A strategy for instances valid against the (inlined) schema ``node``."""
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "const" in node:
        return st.just(node["const"])
    kind = node.get("type")
    if kind not in _BY_TYPE:
        raise ValueError(f"no generator for schema type {kind!r} in {node}")
    return _BY_TYPE[kind](node)


def requests(schema_name: str, pinned: Mapping[str, Any] | None = None
             ) -> st.SearchStrategy[dict[str, Any]]:
    """Valid request bodies for ``schema_name``, with ``pinned`` members set as given."""
    base = from_node(load_schema(schema_name))
    if not pinned:
        return base
    return base.map(lambda request: {**request, **pinned})


def put_events(tracking_id: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid PutEvents bodies (1 to 10 events), for ``tracking_id`` when given."""
    pinned = {"trackingId": tracking_id} if tracking_id else None
    return requests("PutEventsRequest.json", pinned)

"""Valid inputs, generated from the contract's schemas.

A small compiler from the JSON Schema keywords our contracts use to Hypothesis
strategies (the package docstring says why not hypothesis-jsonschema). Valid means
valid under every reading the documents allow: patterns matched in full with ASCII
``\\d``, no line breaks for ``.`` and each ``\\p{X}`` in every Unicode version
(:mod:`.patterns`), strings in the Basic Multilingual Plane (code points and UTF-16
units agree on length), a ``contentMediaType: application/json`` string is a JSON object
holding no reserved key (``PutEvents.properties.reservedKeys``).
Sizes lean to the edges: the minimum and the maximum are drawn as often as everything
between.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from hypothesis import strategies as st

from personalize_conformance.contracts import SchemaVisitor, is_reserved_key, schema
from personalize_conformance.strategies.patterns import (
    SAFE,
    TEXT,
    Alphabet,
    Infeasible,
    Walker,
    emit,
    parse,
)

#: The Unix seconds a timestamp can carry through the SDKs (years 1970 to 9999).
EPOCH_MAX = 253402300799
EPOCH = st.integers(min_value=0, max_value=EPOCH_MAX)
#: A properties key: camelCase, never one a properties object may not hold
#: (``PutEvents.properties.reservedKeys``: userId, eventType... in any case).
CAMEL = st.from_regex(r"[a-z][a-zA-Z0-9]{0,15}", fullmatch=True).filter(
    lambda key: not is_reserved_key(key))
#: Longest seed drawn character by character; longer strings repeat it (``_stretch``).
SEED = 8


def _size(low: int, high: int) -> st.SearchStrategy[int]:
    """A size in [low, high], with each edge drawn about a third of the time."""
    if low == high:
        return st.just(low)
    return st.one_of(st.just(low), st.just(high), st.integers(low, high))


@cache
def characters(alphabet: Alphabet) -> st.SearchStrategy[str]:
    """One character of ``alphabet``: its showcase (range ends, ASCII first) or any."""
    return st.one_of(st.sampled_from(alphabet.showcase),
                     st.integers(0, alphabet.size - 1).map(alphabet.nth))


#: One draw per string: the seed of its characters (0 shrinks to the alphabet's first).
SEEDS = st.integers(0, 2**32 - 1)


def text_of(alphabet: Alphabet, size: int, seed: int) -> str:
    """``size`` characters of ``alphabet`` from ``seed`` (0: its first character only)."""
    if size == 0:
        return ""
    if seed == 0:
        return alphabet.showcase[0] * size
    return chars_of(alphabet, size, random.Random(seed))


def chars_of(alphabet: Alphabet, size: int, rng: random.Random) -> str:
    """``size`` characters of ``alphabet``: half from its showcase (range ends, ASCII
    first), half anywhere in it; at most ``SEED`` drawn, then repeated."""
    count = min(size, SEED)
    anywhere = count // 2
    total = alphabet.size
    chars = rng.choices(alphabet.showcase, k=count - anywhere)
    chars += [alphabet.nth(int(rng.random() * total)) for _ in range(anywhere)]
    return _stretch(size, "".join(chars)) if size else ""


def _stretch(size: int, seed: str) -> str:
    """``seed`` repeated to exactly ``size`` characters: long strings at the cost of short."""
    return (seed * (size // len(seed) + 1))[:size]


class DrawPicker:
    """A :class:`.patterns.Picker` backed by Hypothesis' ``draw``."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def integer(self, low: int, high: int) -> int:
        return self.draw(_size(low, high))

    def text(self, alphabet: Alphabet, size: int) -> str:
        return text_of(alphabet, size, self.draw(SEEDS) if size else 0)


def length_bounds(node: Mapping[str, Any]) -> tuple[int, int]:
    """The lengths a string node allows (its pattern's and its keywords' together)."""
    low, high = node.get("minLength", 0), node.get("maxLength", 1024)
    if "pattern" in node:
        tree = parse(node["pattern"])
        low, high = max(low, tree.low), min(high, tree.high)
    return low, high


def string_of(node: Mapping[str, Any], size: int, pick: Any) -> str:
    """A string of exactly ``size`` characters matching ``node``'s pattern (if any); for a
    JSON string (:func:`is_json`), a JSON object text (:func:`json_object_of`)."""
    if is_json(node):
        return json_object_of(size, pick)
    if "pattern" in node:
        return emit(parse(node["pattern"]), size, pick)
    return pick.text(TEXT, size)


@st.composite
def _patterned(draw: st.DrawFn, node: Mapping[str, Any]) -> str:
    low, high = length_bounds(node)
    size = draw(_size(low, high))
    try:
        return string_of(node, size, DrawPicker(draw))
    except Infeasible:
        return string_of(node, low, DrawPicker(draw))


JSON_MEDIA_TYPE = "application/json"
#: What a JSON string may hold unescaped (so a text's length is its characters'): BMP
#: text without a quote, a backslash, a control character, a line break or a noncharacter.
JSON_SAFE = SAFE.minus(Alphabet.of([(0x00, 0x1F), (0x22, 0x22), (0x5C, 0x5C), (0x7F, 0x9F),
                                    (0xFDD0, 0xFDEF), (0xFFFE, 0xFFFF)]))
#: The shortest JSON object text holding a member: ``{"k":""}``.
_MEMBER = len('{"k":""}')


def is_json(node: Mapping[str, Any]) -> bool:
    """Whether a string node carries JSON text (``contentMediaType: application/json``)."""
    return node.get("contentMediaType") == JSON_MEDIA_TYPE


def is_json_object(text: Any) -> bool:
    """Whether ``text`` is a string holding a JSON object (the strict reading of a
    ``contentMediaType: application/json`` string: ambiguity ``Event.properties.json``)."""
    if not isinstance(text, str):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def json_object_of(size: int, pick: Any) -> str:
    """A JSON object text of exactly ``size`` characters (at least 2): ``{"k":"..."}`` with
    the string drawn from :data:`JSON_SAFE`; under 8 characters, ``{}`` padded with spaces."""
    if size < 2:
        raise Infeasible(f"no JSON object text has {size} characters")
    if size < _MEMBER:
        return "{" + " " * (size - 2) + "}"
    return '{"k":"' + pick.text(JSON_SAFE, size - _MEMBER) + '"}'


def _json_text(low: int, high: int) -> st.SearchStrategy[str]:
    values = st.one_of(st.text(characters(TEXT), max_size=20), st.integers(-(10**6), 10**6),
                       st.floats(allow_nan=False, allow_infinity=False, width=32))
    objects = st.dictionaries(CAMEL, values, max_size=8).map(json.dumps)
    return objects.filter(lambda s: low <= len(s) <= high)


def with_dependencies(node: Mapping[str, Any], instance: dict[str, Any]) -> dict[str, Any]:
    """``instance`` without the optional members whose ``dependencies`` it lacks (a
    ``roleArn`` without its ``kmsKeyArn``), until every member present has what it needs."""
    needs, required = node.get("dependencies", {}), set(node.get("required", ()))
    while gone := [k for k in instance if k not in required
                   and any(n not in instance for n in needs.get(k, ()))]:
        for member in gone:
            instance.pop(member)
    return instance


class _Strategies(SchemaVisitor[st.SearchStrategy[Any]]):
    """Schema node -> a strategy of its valid instances."""

    makes = "generator"

    def _visit_enum(self, node: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        return st.sampled_from(node["enum"])

    def _visit_const(self, node: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        return st.just(node["const"])

    def _visit_string(self, node: Mapping[str, Any]) -> st.SearchStrategy[str]:
        if is_json(node):
            return _json_text(node.get("minLength", 0), node.get("maxLength", 1024))
        if "pattern" in node:
            return _patterned(node)
        low, high = length_bounds(node)
        return st.builds(text_of, st.just(TEXT), _size(low, high), SEEDS)

    def _visit_number(self, node: Mapping[str, Any]) -> st.SearchStrategy[float | int]:
        if node.get("x-timestamp"):
            return EPOCH
        low, high = node.get("minimum"), node.get("maximum")
        if node["type"] == "integer":
            low = -(2**31) if low is None else low
            high = 2**31 - 1 if high is None else high
            return st.one_of(st.just(low), st.just(high), st.integers(low, high))
        edges = [v for v in (low, high) if v is not None]
        floats = st.floats(min_value=low, max_value=high, allow_nan=False,
                           allow_infinity=False, width=32)
        return st.one_of(st.sampled_from(edges), floats) if edges else floats

    _visit_integer = _visit_number

    def _visit_boolean(self, node: Mapping[str, Any]) -> st.SearchStrategy[bool]:
        return st.booleans()

    def _visit_object(self, node: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        required = set(node.get("required", []))
        members = node.get("properties", {})
        fixed = {k: self.visit(v) for k, v in members.items() if k in required}
        optional = {k: self.visit(v) for k, v in members.items() if k not in required}
        drawn = st.fixed_dictionaries(fixed, optional=optional)
        if not node.get("dependencies"):
            return drawn
        return drawn.map(lambda instance: with_dependencies(node, instance))

    def _visit_array(self, node: Mapping[str, Any]) -> st.SearchStrategy[list[Any]]:
        low, high = node.get("minItems", 0), node.get("maxItems", 10)
        return _sized(_size(low, high), items_of(node))


@st.composite
def _sized(draw: st.DrawFn, size: st.SearchStrategy[int], item: st.SearchStrategy[Any]
           ) -> list[Any]:
    """A list of ``draw(size)`` items (cheaper than a ``flatmap`` onto ``st.lists``)."""
    return [draw(item) for _ in range(draw(size))]


# -- one draw per object: a seed, expanded with the same edge bias -----------------------


class _Rng:
    """A :class:`.patterns.Picker` over ``random.Random``: edges a third of the time."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        roll = self.rng.random()
        return low if roll < 1 / 3 else high if roll < 2 / 3 else self.rng.randint(low, high)

    def text(self, alphabet: Alphabet, size: int) -> str:
        return chars_of(alphabet, size, self.rng)


#: A compiled sampler: one schema node's valid instances from a :class:`_Rng`.
Sampler = Callable[[_Rng], Any]


def sample(node: Mapping[str, Any], seed: int) -> Any:
    """A valid instance of ``node`` from ``seed`` (0: the :func:`minimal` one). Objects
    inside lists (events, tags) are drawn this way, one Hypothesis choice each, which is
    what makes 1,000 PutEvents requests a second possible; they shrink as a whole."""
    return seeded(node)(seed)


def seeded(node: Mapping[str, Any]) -> Callable[[int], Any]:
    """``seed -> sample(node, seed)`` with ``node`` compiled once (:class:`_Compile`)."""
    draw = _Compile().visit(node)
    smallest: list[Any] = []

    def instance(seed: int) -> Any:
        if seed == 0:
            if not smallest:
                smallest.append(minimal(node))
            return copy.deepcopy(smallest[0])
        return draw(_Rng(random.Random(seed)))

    return instance


class _Compile(SchemaVisitor[Sampler]):
    """Schema node -> a function drawing its valid instances from one ``random.Random``
    (the node read once, not on every draw)."""

    makes = "generator"

    def _visit_enum(self, node: Mapping[str, Any]) -> Sampler:
        options = list(node["enum"])
        return lambda pick: pick.rng.choice(options)

    def _visit_const(self, node: Mapping[str, Any]) -> Sampler:
        value = node["const"]
        return lambda pick: copy.deepcopy(value)

    def _visit_object(self, node: Mapping[str, Any]) -> Sampler:
        required = set(node.get("required", []))
        members = [(k, k in required, self.visit(v))
                   for k, v in node.get("properties", {}).items()]

        def draw(pick: _Rng) -> dict[str, Any]:
            roll = pick.rng.random
            return with_dependencies(node, {
                k: make(pick) for k, needed, make in members if needed or roll() < 0.5})

        return draw

    def _visit_array(self, node: Mapping[str, Any]) -> Sampler:
        low, high = node.get("minItems", 0), node.get("maxItems", 10)
        item = self.visit(node.get("items", {}))
        return lambda pick: [item(pick) for _ in range(pick.integer(low, high))]

    def _visit_string(self, node: Mapping[str, Any]) -> Sampler:
        if is_json(node):
            fallback = minimal(node)

            def json_text(pick: _Rng) -> str:
                rng = pick.rng
                return fallback if rng.random() < 0.5 else json.dumps(
                    {f"k{i}": rng.choice([rng.randint(-9, 10**6), "v" * i, 1.5])
                     for i in range(4)})

            return json_text
        low, high = length_bounds(node)
        tree = parse(node["pattern"]) if "pattern" in node else None

        def text(pick: _Rng) -> str:
            size = pick.integer(low, high)
            if tree is None:
                return chars_of(TEXT, size, pick.rng)
            try:
                return emit(tree, size, pick)
            except Infeasible:
                return minimal(node)

        return text

    def _visit_number(self, node: Mapping[str, Any]) -> Sampler:
        if node.get("x-timestamp"):
            return lambda pick: pick.integer(0, EPOCH_MAX)
        low, high = node.get("minimum"), node.get("maximum")
        if node["type"] == "integer":
            low = -(2**31) if low is None else low
            high = 2**31 - 1 if high is None else high
            return lambda pick: pick.integer(low, high)
        low = -1e6 if low is None else low
        high = 1e6 if high is None else high
        return lambda pick: pick.rng.choice((low, high, round(pick.rng.uniform(low, high), 3)))

    _visit_integer = _visit_number

    def _visit_boolean(self, node: Mapping[str, Any]) -> Sampler:
        return lambda pick: pick.rng.random() < 0.5


_STRATEGIES = _Strategies()


def from_node(node: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """A strategy for instances valid against the (inlined) schema ``node`` (built once
    per distinct node: violation operators ask for one on every draw)."""
    return _from_text(json.dumps(node, sort_keys=True))


@cache
def _from_text(node: str) -> st.SearchStrategy[Any]:
    return _STRATEGIES.visit(json.loads(node))


def items_of(node: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """The items of the array ``node``: one draw per object item (:func:`seeded`)."""
    return _items_text(json.dumps(node.get("items", {}), sort_keys=True))


@cache
def _items_text(items: str) -> st.SearchStrategy[Any]:
    node = json.loads(items)
    if node.get("type") == "object":
        return SEEDS.map(seeded(node))
    return _STRATEGIES.visit(node)


def requests(schema_name: str, pinned: Mapping[str, Any] | None = None
             ) -> st.SearchStrategy[dict[str, Any]]:
    """Valid request bodies for ``schema_name``, with ``pinned`` members set as given."""
    base = _base(schema_name)
    if not pinned:
        return base
    return base.map(lambda request: {**request, **pinned})


@cache
def _base(schema_name: str) -> st.SearchStrategy[dict[str, Any]]:
    """One strategy per schema file (built and validated once, not per draw)."""
    return from_node(schema(schema_name))


def put_events(tracking_id: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid PutEvents bodies (1 to 10 events), for ``tracking_id`` when given."""
    pinned = {"trackingId": tracking_id} if tracking_id else None
    return requests("PutEventsRequest.json", pinned)


# -- fixed boundary vectors: deterministic, just inside each bound ---------------------


def minimal(node: Mapping[str, Any], walker: Walker | None = None) -> Any:
    """A deterministic valid instance of ``node``: required members only, sizes at the
    minimum (strings at least 1 character where allowed), the alphabet walked."""
    return _Minimal(walker or Walker()).visit(node)


def maximal(node: Mapping[str, Any], walker: Walker | None = None, *,
            longest: bool = False) -> Any:
    """Like :func:`minimal` but with every optional member present; with ``longest``,
    each string as long as its keywords and pattern allow (where one of that length can
    be made)."""
    return (_Longest if longest else _Maximal)(walker or Walker()).visit(node)


class _Minimal(SchemaVisitor[Any]):
    """Schema node -> its :func:`minimal` instance."""

    makes = "instance"

    def __init__(self, walker: Walker) -> None:
        self.walker = walker

    def _visit_enum(self, node: Mapping[str, Any]) -> Any:
        return node["enum"][0]

    def _visit_const(self, node: Mapping[str, Any]) -> Any:
        return node["const"]

    def _visit_object(self, node: Mapping[str, Any]) -> dict[str, Any]:
        members = node.get("properties", {})
        return {k: self.visit(members[k]) for k in node.get("required", [])}

    def _visit_array(self, node: Mapping[str, Any]) -> list[Any]:
        return [self.visit(node.get("items", {})) for _ in range(node.get("minItems", 0))]

    def _visit_string(self, node: Mapping[str, Any]) -> str:
        if is_json(node):
            return "{}" if node.get("minLength", 0) <= 2 else json.dumps({"k": "v" * 8})
        low, high = length_bounds(node)
        for size in range(max(low, 1), high + 1):
            try:
                return string_of(node, size, self.walker)
            except Infeasible:
                continue
        return string_of(node, low, self.walker)

    def _visit_number(self, node: Mapping[str, Any]) -> float | int:
        if node.get("x-timestamp"):
            return 1553631760
        return node.get("minimum", node.get("maximum", 1))

    _visit_integer = _visit_number

    def _visit_boolean(self, node: Mapping[str, Any]) -> bool:
        return True


class _Maximal(_Minimal):
    """Schema node -> its :func:`maximal` instance: every optional member, lists of at
    least one item."""

    def _visit_object(self, node: Mapping[str, Any]) -> dict[str, Any]:
        return {k: self.visit(v) for k, v in node.get("properties", {}).items()}

    def _visit_array(self, node: Mapping[str, Any]) -> list[Any]:
        count = max(node.get("minItems", 0), 1)
        return [self.visit(node.get("items", {})) for _ in range(count)]


class _Longest(_Maximal):
    """Schema node -> its :func:`maximal` instance with ``longest``."""

    def _visit_string(self, node: Mapping[str, Any]) -> str:
        low, high = length_bounds(node)
        for size in range(high, max(low, 1) - 1, -1):
            try:
                return string_of(node, size, self.walker)
            except Infeasible:
                continue
        return super()._visit_string(node)

"""Strings of an exact length that match a schema ``pattern`` in full.

Hypothesis' ``from_regex`` cannot compile the ``\\p{L}`` classes AWS patterns use, and
it cannot aim at a length (filtering for exactly 1,024 characters never succeeds). So a
pattern is parsed here with the standard library's regex parser, after each ``\\p{X}`` has
been spelled out as the code point ranges the ``regex`` module (the validator's engine)
gives it in the Basic Multilingual Plane, and strings are emitted for a chosen length.

Every choice goes through a :class:`Picker`, so the same emitter serves Hypothesis
(``draw``) and the fixed boundary vectors (deterministic, walking the whole alphabet).
Valid means valid under every reading: matched in full, ``\\d`` ASCII, ``.`` matching no
Java line break, no surrogates.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any, Protocol

import regex

try:  # Python 3.11+
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

BMP = 0xFFFF
SURROGATES = (0xD800, 0xDFFF)
#: Characters Java's ``.`` does not match (AWS evaluates its patterns in Java).
JAVA_LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")
INF = 10**9


class Infeasible(ValueError):
    """No string of the requested length matches the pattern."""


@dataclass(frozen=True)
class Alphabet:
    """A set of BMP characters as sorted, disjoint, inclusive code point ranges."""

    ranges: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, points: set[int] | list[tuple[int, int]]) -> Alphabet:
        pairs = sorted((p, p) for p in points) if isinstance(points, set) else sorted(points)
        merged: list[list[int]] = []
        for lo, hi in pairs:
            if merged and lo <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        return cls(tuple((lo, hi) for lo, hi in merged))

    def __or__(self, other: Alphabet) -> Alphabet:
        return Alphabet.of(list(self.ranges) + list(other.ranges))

    def minus(self, other: Alphabet) -> Alphabet:
        out: list[tuple[int, int]] = []
        for lo, hi in self.ranges:
            start = lo
            for olo, ohi in other.ranges:
                if ohi < start or olo > hi:
                    continue
                if olo > start:
                    out.append((start, olo - 1))
                start = max(start, ohi + 1)
            if start <= hi:
                out.append((start, hi))
        return Alphabet(tuple(out))

    @cached_property
    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.ranges)

    def __contains__(self, char: str) -> bool:
        point = ord(char)
        i = bisect.bisect_right([lo for lo, _ in self.ranges], point) - 1
        return i >= 0 and self.ranges[i][0] <= point <= self.ranges[i][1]

    @cached_property
    def _starts(self) -> list[int]:
        starts, total = [], 0
        for lo, hi in self.ranges:
            starts.append(total)
            total += hi - lo + 1
        return starts

    def nth(self, index: int) -> str:
        """The ``index``-th character (modulo the size)."""
        index %= self.size
        i = bisect.bisect_right(self._starts, index) - 1
        return chr(self.ranges[i][0] + index - self._starts[i])

    @cached_property
    def showcase(self) -> str:
        """Characters that walk the alphabet: each range's ends and middle, ASCII first."""
        chars: list[str] = []
        for lo, hi in self.ranges:
            for point in (lo, (lo + hi) // 2, hi):
                if chr(point) not in chars:
                    chars.append(chr(point))
        return "".join(sorted(chars, key=lambda c: (ord(c) > 0x7F, chars.index(c))))


#: Every BMP character but surrogates: text without a pattern.
TEXT = Alphabet(((0, SURROGATES[0] - 1), (SURROGATES[1] + 1, BMP)))
#: What ``.`` and negated classes may yield under every reading.
SAFE = TEXT.minus(Alphabet.of({ord(c) for c in JAVA_LINE_BREAKS}))


@cache
def unicode_class(name: str) -> Alphabet:
    """The BMP characters (no surrogates) the ``regex`` module puts in ``\\p{name}``."""
    probe = regex.compile(rf"\p{{{name}}}")
    return Alphabet.of({p for lo, hi in TEXT.ranges for p in range(lo, hi + 1)
                        if probe.fullmatch(chr(p))})


_PROPERTY = re.compile(r"\\([pP])\{([A-Za-z_&]+)\}")


def _spell(alphabet: Alphabet) -> str:
    return "".join(f"\\u{lo:04x}" if lo == hi else f"\\u{lo:04x}-\\u{hi:04x}"
                   for lo, hi in alphabet.ranges)


def translate(pattern: str) -> str:
    """``pattern`` with every ``\\p{X}`` / ``\\P{X}`` written out as explicit BMP ranges."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        match = _PROPERTY.match(pattern, i)
        if match:
            alphabet = unicode_class(match.group(2))
            if match.group(1) == "P":
                alphabet = TEXT.minus(alphabet)
            out.append(_spell(alphabet) if in_class else f"[{_spell(alphabet)}]")
            i = match.end()
            continue
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class and out[-1] not in ("[", "[^"):
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


class Picker(Protocol):
    """The choices an emitter makes."""

    def integer(self, low: int, high: int) -> int: ...

    def text(self, alphabet: Alphabet, size: int) -> str: ...


_CATEGORIES = {
    C.CATEGORY_DIGIT: Alphabet.of([(0x30, 0x39)]),
    C.CATEGORY_WORD: Alphabet.of([(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)]),
    C.CATEGORY_SPACE: Alphabet.of([(0x09, 0x0D), (0x20, 0x20)]),
}
_NEGATED = {C.CATEGORY_NOT_DIGIT: C.CATEGORY_DIGIT, C.CATEGORY_NOT_WORD: C.CATEGORY_WORD,
            C.CATEGORY_NOT_SPACE: C.CATEGORY_SPACE}


def _category(code: Any) -> Alphabet:
    if code in _CATEGORIES:
        return _CATEGORIES[code]
    if code in _NEGATED:
        return SAFE.minus(_CATEGORIES[_NEGATED[code]])
    raise ValueError(f"unsupported regex category {code}")


def _class(items: Sequence[tuple[Any, Any]]) -> Alphabet:
    negate = bool(items) and items[0][0] is C.NEGATE
    ranges: list[tuple[int, int]] = []
    extra = Alphabet(())
    for op, av in items[1:] if negate else items:
        if op is C.LITERAL:
            ranges.append((av, av))
        elif op is C.RANGE:
            ranges.append(av)
        elif op is C.CATEGORY:
            extra = extra | _category(av)
        else:
            raise ValueError(f"unsupported item {op} in a character class")
    alphabet = Alphabet.of(ranges) | extra
    return (SAFE.minus(alphabet) if negate else alphabet.minus(Alphabet.of(
        {ord(c) for c in JAVA_LINE_BREAKS} | set(range(SURROGATES[0], SURROGATES[1] + 1)))))


@dataclass(frozen=True)
class Node:
    """One parsed element: a character (``alphabet``), a sequence, a repeat or a branch."""

    kind: str  # "char" | "seq" | "repeat" | "branch"
    low: int
    high: int
    alphabet: Alphabet | None = None
    parts: tuple[Node, ...] = ()
    times: tuple[int, int] = (1, 1)
    anchors: tuple[bool, bool] = (False, False)  # seq only: starts with ^, ends with $


def _seq(parsed: Any) -> Node:
    parts: list[Node] = []
    start = end = False
    items = list(parsed)
    for index, (op, av) in enumerate(items):
        if op is C.AT:
            start |= index == 0 and av in (C.AT_BEGINNING, C.AT_BEGINNING_STRING)
            end |= index == len(items) - 1 and av in (C.AT_END, C.AT_END_STRING)
            continue
        parts.append(_node(op, av))
    return Node("seq", sum(p.low for p in parts), min(INF, sum(p.high for p in parts)),
                parts=tuple(parts), anchors=(start, end))


def _node(op: Any, av: Any) -> Node:
    if op is C.LITERAL:
        return Node("char", 1, 1, alphabet=Alphabet.of({av}))
    if op is C.NOT_LITERAL:
        return Node("char", 1, 1, alphabet=SAFE.minus(Alphabet.of({av})))
    if op is C.ANY:
        return Node("char", 1, 1, alphabet=SAFE)
    if op is C.IN:
        return Node("char", 1, 1, alphabet=_class(av))
    if op in (C.MAX_REPEAT, C.MIN_REPEAT):
        low, high, sub = av
        inner = _seq(sub)
        high = INF if high is C.MAXREPEAT else high
        return Node("repeat", low * inner.low, min(INF, high * inner.high),
                    parts=(inner,), times=(low, high))
    if op is C.SUBPATTERN:
        return _seq(av[-1])
    if op is C.BRANCH:
        alts = tuple(_seq(alt) for alt in av[1])
        return Node("branch", min(a.low for a in alts), max(a.high for a in alts), parts=alts)
    raise ValueError(f"unsupported regex construct {op}")


@cache
def parse(pattern: str) -> Node:
    """The pattern as a tree of :class:`Node` (``re.ASCII`` semantics for ``\\d\\w\\s``)."""
    return _seq(sre_parse.parse(translate(pattern), re.ASCII))


def emit(node: Node, size: int, pick: Picker) -> str:
    """A string of exactly ``size`` characters that ``node`` matches in full."""
    if not node.low <= size <= node.high:
        raise Infeasible(f"no match of length {size}")
    if node.kind == "char":
        return pick.text(node.alphabet, 1)  # type: ignore[arg-type]
    if node.kind == "seq":
        return _emit_all(node.parts, size, pick)
    if node.kind == "branch":
        fits = [a for a in node.parts if a.low <= size <= a.high]
        return emit(fits[pick.integer(0, len(fits) - 1)], size, pick)
    inner = node.parts[0]
    if inner.low == inner.high == 1 and len(inner.parts) == 1 and inner.parts[0].alphabet:
        return pick.text(inner.parts[0].alphabet, size)  # a repeated class: one draw
    low, high = node.times
    most = min(high, size // inner.low if inner.low else size or 1)
    least = max(low, -(-size // inner.high) if inner.high else 0)
    if least > most:
        raise Infeasible(f"no repeat count gives length {size}")
    count = pick.integer(least, most)
    return _emit_all((inner,) * count, size, pick)


def _emit_all(parts: Sequence[Node], size: int, pick: Picker) -> str:
    out, left = [], size
    lows = [p.low for p in parts]
    highs = [p.high for p in parts]
    for i, part in enumerate(parts):
        rest_low, rest_high = sum(lows[i + 1:]), min(INF, sum(highs[i + 1:]))
        low, high = max(part.low, left - rest_high), min(part.high, left - rest_low)
        if low > high:
            raise Infeasible(f"no split of length {size}")
        length = pick.integer(low, high)
        out.append(emit(part, length, pick))
        left -= length
    return "".join(out)


class Walker:
    """A deterministic :class:`Picker`: largest first pieces, characters walking the alphabet."""

    def __init__(self, offset: int = 0) -> None:
        self.offset = offset

    def integer(self, low: int, high: int) -> int:
        return high

    def text(self, alphabet: Alphabet, size: int) -> str:
        show = alphabet.showcase
        out = "".join(show[(self.offset + i) % len(show)] for i in range(size))
        self.offset += size
        return out


def fullmatch(pattern: str, value: str) -> bool:
    """Whether ``value`` matches ``pattern`` in full under the strictest reading."""
    return (not JAVA_LINE_BREAKS.intersection(value)
            and _strict(pattern).fullmatch(value) is not None)


@cache
def _strict(pattern: str) -> re.Pattern[str]:
    return re.compile(translate(pattern), re.ASCII)

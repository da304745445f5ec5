"""Strings of an exact length that match a schema ``pattern`` in full.

Hypothesis' ``from_regex`` cannot compile the ``\\p{L}`` classes AWS patterns use, and
it cannot aim at a length (filtering for exactly 1,024 characters never succeeds). So a
pattern is parsed here with the standard library's regex parser, after each ``\\p{X}`` has
been spelled out as explicit code point ranges of the Basic Multilingual Plane
(:func:`translate`), and strings are emitted for a chosen length.

Every choice goes through a :class:`Picker`, so the same emitter serves Hypothesis
(``draw``) and the fixed boundary vectors (deterministic, walking the whole alphabet).
Valid means valid under every reading: matched in full, ``\\d``, ``\\w`` and ``\\s`` ASCII,
``.`` matching no Java line break, no surrogates, and each ``\\p{X}`` class taken in every
Unicode version in range (ambiguity ``Pattern.unicodeVersion``).

**Unicode versions.** Which characters ``\\p{L}``, ``\\p{N}`` or ``\\p{Z}`` hold depends on
the Unicode database of the engine: the ``regex`` module (the validator's) has the newest
(16 or later), Python's ``unicodedata`` its Python's (14.0 on 3.11), a Java 8 service
Unicode 6.2. Characters assigned since an older version are unassigned there (``U+0C5C``
is a letter to ``regex``, nothing to Unicode 14), and a few changed class (``U+1885`` Lo
to Mn, ``U+2183`` Nl to Lu, ``U+200B`` Zs to Cf). The databases consulted
(:data:`UNICODE_DATABASES`) are the ``regex`` module's, ``unicodedata``'s and
``unicodedata.ucd_3_2_0`` (Unicode 3.2.0, older than any plausible service runtime: a
conservative lower bound standing in for Java 8's 6.2, whose data Python does not ship).
A character is drawn for a valid value of ``\\p{X}`` only if it has class X in every one
of them (:func:`stable_class`, the intersection); where a class is subtracted (``\\P{X}``,
``[^\\p{X}]``) the union over them (:func:`any_class`) is taken instead, so what is drawn
matches in every version. The most lenient reading, used to check that a value breaks a
pattern in every version (:func:`could_match`), takes each class the other way round.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Sequence
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

    def __and__(self, other: Alphabet) -> Alphabet:
        return self.minus(self.minus(other))

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


#: The Unicode databases consulted for a ``\\p{X}`` class: name -> the general category
#: of a character (``None``: the ``regex`` module's, read through :func:`unicode_class`).
UNICODE_DATABASES: dict[str, Callable[[str], str] | None] = {
    "regex": None,
    f"unicodedata {unicodedata.unidata_version}": unicodedata.category,
    f"unicodedata {unicodedata.ucd_3_2_0.unidata_version}": unicodedata.ucd_3_2_0.category,
}
#: General categories, by one-letter group (``\\p{L}``) and two-letter value (``\\p{Lu}``).
_GENERAL = {"L": "u l t m o", "M": "n c e", "N": "d l o", "P": "c d s e i f o",
            "S": "m c k o", "Z": "s l p", "C": "c f s o n"}
GENERAL_CATEGORIES = frozenset([*_GENERAL, "L&", "LC",
                                *(g + v for g, vs in _GENERAL.items() for v in vs.split())])
#: Classes whose members no Unicode version changes (``\\p{ASCII}``: U+0000 to U+007F).
VERSIONLESS = frozenset({"ASCII"})


def _in_category(name: str, category: str) -> bool:
    if name in ("L&", "LC"):
        return category in ("Lu", "Ll", "Lt")
    return category.startswith(name) if len(name) == 1 else category == name


@cache
def class_versions(name: str) -> dict[str, Alphabet]:
    """``\\p{name}`` in each database of :data:`UNICODE_DATABASES` (BMP, no surrogates);
    ``ValueError`` for a property that is neither a general category nor versionless."""
    newest = unicode_class(name)
    if name in VERSIONLESS:
        return dict.fromkeys(UNICODE_DATABASES, newest)
    if name not in GENERAL_CATEGORIES:
        raise ValueError(f"\\p{{{name}}}: no reading of it in every Unicode version "
                         "(only general categories and ASCII are supported)")
    out = {}
    for label, category in UNICODE_DATABASES.items():
        out[label] = newest if category is None else Alphabet.of(
            {p for lo, hi in TEXT.ranges for p in range(lo, hi + 1)
             if _in_category(name, category(chr(p)))})
    return out


@cache
def stable_class(name: str) -> Alphabet:
    """The characters in ``\\p{name}`` in every Unicode version consulted: what a valid
    value draws for it."""
    versions = list(class_versions(name).values())
    out = versions[0]
    for alphabet in versions[1:]:
        out = out & alphabet
    return out


@cache
def any_class(name: str) -> Alphabet:
    """The characters in ``\\p{name}`` in some Unicode version consulted: what a value
    must avoid to break it in every version."""
    versions = list(class_versions(name).values())
    out = versions[0]
    for alphabet in versions[1:]:
        out = out | alphabet
    return out


_PROPERTY = re.compile(r"\\([pP])\{([A-Za-z_&]+)\}")


def _spell(alphabet: Alphabet) -> str:
    return "".join(f"\\u{lo:04x}" if lo == hi else f"\\u{lo:04x}-\\u{hi:04x}"
                   for lo, hi in alphabet.ranges)


@cache
def translate(pattern: str, lenient: bool = False) -> str:
    """``pattern`` with every ``\\p{X}`` / ``\\P{X}`` written out as explicit BMP ranges:
    by default the strictest reading (what it matches, it matches in every Unicode version
    consulted); ``lenient``: the most lenient (what it matches in some version)."""
    out, i, in_class, negated = [], 0, False, False
    while i < len(pattern):
        match = _PROPERTY.match(pattern, i)
        if match:
            name, upper = match.group(2), match.group(1) == "P"
            # strict: a positive \p takes the intersection; negation (\P, [^...]) or the
            # lenient reading flips it to the union (each flip undoes the other)
            alphabet = (any_class(name) if lenient ^ (in_class and negated) ^ upper
                        else stable_class(name))
            if upper:
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
            negated = pattern.startswith("[^", i)
            if negated:
                out.append("[^")
                i += 2
                continue
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


@cache
def near_misses(pattern: str) -> str:
    """Characters most likely to slip through a pattern enforced almost right, to try
    before arbitrary ones: the neighbours of each range of each character class (one
    below its start, one above its end) and the characters some position admits (each
    class's range ends: admitted at one position, perhaps not at another)."""
    out: dict[str, None] = {}

    def walk(node: Node) -> None:
        if node.alphabet is not None:
            for lo, hi in node.alphabet.ranges:
                for point in (lo - 1, hi + 1, lo, hi):
                    if 0 <= point <= BMP and not SURROGATES[0] <= point <= SURROGATES[1]:
                        out[chr(point)] = None
        for part in node.parts:
            walk(part)

    walk(parse(pattern))
    return "".join(out)


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
    """Whether ``value`` matches ``pattern`` in full under the strictest reading (ASCII
    ``\\d``, no Java line break, each ``\\p{X}`` in every Unicode version): valid under
    every reading."""
    return (not JAVA_LINE_BREAKS.intersection(value)
            and _strict(pattern).fullmatch(value) is not None)


@cache
def _strict(pattern: str) -> re.Pattern[str]:
    return re.compile(translate(pattern), re.ASCII)


def could_match(pattern: str, value: str) -> bool:
    """Whether ``value`` matches ``pattern`` under some reading: searched (not anchored),
    with the ``regex`` module's Unicode ``\\d``, ``\\w`` and ``.``, each ``\\p{X}`` as in
    any Unicode version. A value for which this is false breaks the pattern under every
    reading."""
    return _lenient(pattern).search(value) is not None


@cache
def _lenient(pattern: str) -> regex.Pattern[str]:
    return regex.compile(translate(pattern, lenient=True))

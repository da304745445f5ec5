"""The numbers README.md and docs/ state are the tool's: clauses by kind and level (the
catalog, as ``list-clauses`` prints it), mutants and their categories (``list-mutants``),
register entries (the ambiguity register), and the totals of every verdict line shown."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from personalize_conformance.contracts import catalog
from personalize_conformance.targets import mutants

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: The catalog's kinds as the pages name them.
KIND_WORDS = {"shape": "shape", "behaviour": "behavioural", "protocol": "protocol",
              "semantics": "semantic"}


def facts() -> dict[str, int]:
    """What the tool says: ``clauses``, one per kind word and level, ``mutants``,
    ``categories``, ``entries``."""
    clauses = list(catalog())
    kinds = Counter(KIND_WORDS[c.kind] for c in clauses)
    levels = Counter(c.level for c in clauses)
    entries = mutants().values()
    return {"clauses": len(clauses), **kinds, **levels, "mutants": len(entries),
            "categories": len({e["category"] for e in entries}),
            "entries": len(catalog().ambiguities)}


#: (what is counted, a pattern whose groups are stated counts of it).
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("clauses", re.compile(r"\b(\d+)\s+clauses\b")),
    *[(word, re.compile(rf"\b(\d+)\s+{word}\b")) for word in KIND_WORDS.values()],
    *[(level, re.compile(rf"\b{level} \d+/(\d+)")) for level in ("MUST", "SHOULD", "MAY")],
    *[(level, re.compile(rf"\b(\d+) {level}[,;)]")) for level in ("MUST", "SHOULD", "MAY")],
    ("mutants", re.compile(r"\b(\d+)\s+(?:mutants|faulty targets)\b")),
    ("categories", re.compile(r"\b(\d+)\s+categories\b")),
    ("entries", re.compile(r"\b(\d+)\s+(?:register\s+)?entries\b")),
]


def stated(text: str) -> list[tuple[str, int, int]]:
    """Every count ``text`` states: (what, the number, its line)."""
    out = []
    for what, pattern in PATTERNS:
        for match in pattern.finditer(text):
            out.append((what, int(match.group(1)), text.count("\n", 0, match.start()) + 1))
    return out


def wrong(text: str, truth: dict[str, int]) -> list[str]:
    return [f"line {line}: {number} {what}, the tool says {truth[what]}"
            for what, number, line in stated(text) if number != truth[what]]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_stated_counts_are_the_tools(page: Path) -> None:
    assert wrong(page.read_text(encoding="utf-8"), facts()) == []


def test_the_readme_states_the_counts() -> None:
    """The README says how many clauses of each kind and level, mutants and register
    entries there are (so the check above has something to hold)."""
    said = {what for what, _, _ in stated((ROOT / "README.md").read_text(encoding="utf-8"))}
    assert set(facts()) - {"categories"} <= said


def test_a_wrong_count_is_caught() -> None:
    truth = facts()
    text = (f"{truth['clauses'] - 1} clauses, {truth['shape'] + 2} shape, "
            f"MUST 1/{truth['MUST'] + 1} passed, {truth['mutants'] - 21} mutants, "
            f"{truth['entries']} register entries")
    assert len(wrong(text, truth)) == 4


def test_the_readme_is_short() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").split()) < 1500


def test_drift_counts_every_shape_clause() -> None:
    """``drift``'s line counts the shape clauses ``list-clauses`` lists, not a part."""
    from personalize_conformance.contracts import drift

    counts = drift.summary()
    assert counts["shape_clauses"] + counts["prose_shape_clauses"] == facts()["shape"]

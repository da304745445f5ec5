"""Choosing clauses by pattern, and "did you mean" for a name the user mistyped.

``expand``: ``--clauses`` patterns (ids, or shell-style globs such as ``PutEvents.*`` and
``*.maxLength``) to the catalog ids they match, in catalog order. ``keyword``: the ids a
``-k`` expression keeps (pytest's syntax: words matched as substrings of the id, case
ignored, joined by ``and``, ``or``, ``not`` and parentheses). ``did_you_mean``: the nearest
choices to a word, by :mod:`difflib`; ``hint``: the same for an argparse error message
(an unknown option or an invalid choice); ``target_hint`` for a target. Mistakes are
``ValueError`` with one line. ``plural``: a count with its noun; ``known_failures``: the
clauses failing now that failed in a baseline too.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: The wildcards of a ``--clauses`` glob: ``*`` and ``?`` only (``[]`` is part of clause
#: ids, ``PutEvents.eventList[].eventType``, never a character class).
GLOB = re.compile(r"[*?]")


def _matching(pattern: str, ids: Sequence[str]) -> list[str]:
    """The ids a glob matches, ``*`` any run of characters, ``?`` one."""
    regex = re.compile("".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch)
                               for ch in pattern) + r"\Z")
    return [i for i in ids if regex.match(i)]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'X'?"`` (or ``'X' or 'Y'``) for the choices nearest ``word``, or
    ``""`` when none is near."""
    near = difflib.get_close_matches(word, list(dict.fromkeys(choices)), n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(map(repr, near))}?" if near else ""


def expand(patterns: Sequence[str], ids: Sequence[str]) -> tuple[str, ...]:
    """The ids matching any of ``patterns`` (an id, or a glob), in the order of ``ids``;
    a pattern matching none is a ``ValueError`` naming the nearest ids."""
    wanted: set[str] = set()
    for pattern in patterns:
        matched = set(_matching(pattern, ids) if GLOB.search(pattern) else
                      {pattern} & set(ids))
        if not matched:
            glob = GLOB.search(pattern)
            what = f"no clause matches {pattern}" if glob else f"no clause {pattern}"
            near = _near_glob(pattern, ids) if glob else did_you_mean(pattern, ids)
            raise ValueError(f"--clauses: {what} in the catalog{near} "
                             "(see 'personalize-conformance "
                             "list-clauses')")
        wanted |= matched
    return tuple(i for i in ids if i in wanted)


_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")
_OPERATORS = {"and", "or", "not", "(", ")"}


def keyword(expression: str, ids: Sequence[str]) -> tuple[str, ...]:
    """The ids ``expression`` (a ``-k`` expression) keeps; a malformed expression, or one
    keeping nothing, is a ``ValueError``."""
    tokens = _TOKEN.findall(expression)
    if not tokens or "".join(tokens) != re.sub(r"\s+", "", expression):
        raise ValueError(f"-k {expression!r}: not an expression of words, and, or, not")

    def holds(clause_id: str) -> bool:
        # only True, False, and, or, not and parentheses reach eval: nothing else can run
        code = " ".join(t if t in _OPERATORS else str(t.lower() in clause_id.lower())
                        for t in tokens)
        return bool(eval(code, {"__builtins__": {}}))

    try:
        compile(" ".join(t if t in _OPERATORS else "x" for t in tokens), "-k", "eval")
    except SyntaxError:
        raise ValueError(f"-k {expression!r}: not an expression of words, and, or, "
                         "not") from None
    kept = tuple(i for i in ids if holds(i))
    if not kept:
        raise ValueError(f"-k {expression!r} keeps no clause (see 'personalize-conformance "
                         "list-clauses')")
    return kept


def _near_glob(pattern: str, ids: Sequence[str]) -> str:
    """A glob like ``pattern`` that matches something: each literal part (between dots)
    that is no part of any id replaced by the nearest part ("" if none helps)."""
    parts = {p for i in ids for p in i.split(".")}
    fixed = []
    for part in pattern.split("."):
        near = ([] if GLOB.search(part) or part in parts
                else difflib.get_close_matches(part, parts, n=1, cutoff=0.6))
        fixed.append(near[0] if near else part)
    candidate = ".".join(fixed)
    return (f"; did you mean {candidate!r}?"
            if candidate != pattern and _matching(candidate, ids) else "")


_UNKNOWN_OPTION = re.compile(r"unrecognized arguments: (\S+)")
_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")


def hint(message: str, options: Iterable[str]) -> str:
    """``message``, an argparse error, with "did you mean" for an unknown option (among
    ``options``) or an invalid choice (among those it lists)."""
    if found := _UNKNOWN_OPTION.search(message):
        return message + did_you_mean(found.group(1).split("=")[0], options)
    if found := _INVALID_CHOICE.search(message):
        choices = re.findall(r"'([^']*)'", found.group(2))
        return message + did_you_mean(found.group(1), choices)
    return message


def target_hint(name: str) -> str:
    """"did you mean" for an unknown target ``name``: a built-in, registered or mutant name."""
    from personalize_conformance.targets import BUILTIN, mutants, registered

    if name.startswith("mutant:"):
        return did_you_mean(name, [f"mutant:{m}" for m in mutants()])
    return did_you_mean(name, [*BUILTIN, *registered()])


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 clause``, ``2 clauses`` (``many``: an irregular plural)."""
    return f"{n} {one}" if n == 1 else f"{n} {many or one + 's'}"


def known_failures(baseline: Mapping[str, str] | None, report: Mapping[str, Any]
                   ) -> list[str]:
    """The clauses failed in ``report`` that had failed in the baseline's statuses too."""
    return [c["id"] for c in report["clauses"]
            if c["status"] == "failed" and (baseline or {}).get(c["id"]) == "failed"]

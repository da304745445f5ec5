"""The conclusion of a run: its one-line ``verdict`` over the clause statuses (MUST,
SHOULD and MAY passed/total) and that verdict's kind as data, ``outcome``.

Only a run of the whole catalog may say ``conformant``: a run scoped by ``--clauses``,
``--replay`` or a pytest selection is ``partial``, and counts no clause outside its scope
as not checked. A MUST clause failed is ``not_conformant``; one not checked
(``UNCHECKED``: unsupported, untested or incomplete; any clause in scope, for a scoped
run) ``incomplete``; a failure that did not hold up against the contract, with nothing
failed or unchecked, ``suite_error``. A waiver on a MUST clause is part of the verdict
(``conformant except 1 waived MUST clause``); an interrupted run's verdict starts with
``interrupted: ``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from personalize_conformance.harness import outcomes

#: Statuses of a clause not checked: a MUST clause of a whole-catalog run, or any clause
#: a scoped run set out to check, in one leaves the verdict ``incomplete``.
UNCHECKED = (outcomes.UNSUPPORTED, outcomes.UNTESTED, outcomes.INCOMPLETE)


def _tally(clauses: list[dict[str, Any]], level: str) -> str:
    these = [c for c in clauses if c["level"] == level]
    passed = sum(c["status"] == outcomes.PASSED for c in these)
    return f"{level} {passed}/{len(these)} passed"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one}" if n == 1 else f"{n} {many or one + 's'}"


def verdict(clauses: list[dict[str, Any]], scope: Iterable[str] | None = None,
            interrupted: bool = False) -> str:
    """The one-line verdict over the clause results, with MUST, SHOULD and MAY
    passed/total (``outcome`` gives its kind as data).

    ``scope``: the clauses the run set out to check (``--clauses``, ``--replay``, a pytest
    selection); no other counts as not checked, and the verdict says the run is
    ``partial``: only a run of the whole catalog may say ``conformant``. A waiver on a
    MUST clause is part of the verdict (``conformant except 1 waived MUST clause``).
    ``interrupted``: the run was stopped before its end (the verdict then starts with
    ``interrupted: ``)."""
    kind = outcome(clauses, scope)
    must = [c for c in clauses if c["level"] == "MUST"]
    wanted = None if scope is None else set(scope)
    failed = sum(c["status"] == outcomes.FAILED for c in must)
    errors = sum(c["status"] == outcomes.ERROR for c in clauses)
    unchecked = len(_unchecked(clauses, wanted))
    waived_must = sum(c["status"] == outcomes.WAIVED for c in must)
    waived_other = sum(c["status"] == outcomes.WAIVED for c in clauses) - waived_must
    if failed:
        head = f"not conformant: {_plural(failed, 'MUST clause')} failed"
    elif unchecked:
        what = (("MUST clause",) if wanted is None
                else ("clause in scope", "clauses in scope"))
        head = (f"incomplete: {_plural(unchecked, *what)} not checked "
                "(unsupported, untested or incomplete)")
    elif kind == "suite_error":
        head = f"suite error: {_plural(errors, 'clause')}"
    else:
        head = "no failure" if wanted is not None else "conformant"
        if waived_must:
            head += f" except {_plural(waived_must, 'waived MUST clause')}"
    if errors and kind != "suite_error":
        head = f"{head}; suite error: {_plural(errors, 'clause')}"
    if waived_other:
        head = f"{head}; {_plural(waived_other, 'waived SHOULD or MAY clause')}"
    if wanted is not None:
        head = f"partial ({len(wanted)} of {len(clauses)} clauses in scope): {head}"
    if interrupted:
        head = f"interrupted: {head}"
    tallies = ", ".join(_tally(clauses, level) for level in ("MUST", "SHOULD", "MAY"))
    return f"{head} ({tallies})"


def _unchecked(clauses: list[dict[str, Any]], wanted: set[str] | None
               ) -> list[dict[str, Any]]:
    """The clauses whose being unchecked makes the verdict ``incomplete``: MUST clauses of
    a run of the whole catalog (``wanted`` None), every clause in a run's scope."""
    return [c for c in clauses if c["status"] in UNCHECKED
            and (c["level"] == "MUST" if wanted is None else c["id"] in wanted)]


def outcome(clauses: list[dict[str, Any]], scope: Iterable[str] | None = None) -> str:
    """What the verdict is, as data: ``not_conformant`` (a MUST clause failed),
    ``incomplete`` (none failed, a MUST clause in scope not checked), ``suite_error``
    (nothing failed or unchecked, but a failure did not hold up against the contract),
    ``partial`` (a scoped run with none of those) or ``conformant`` (the whole catalog,
    waivers aside)."""
    wanted = None if scope is None else set(scope)
    if any(c["status"] == outcomes.FAILED and c["level"] == "MUST" for c in clauses):
        return "not_conformant"
    if _unchecked(clauses, wanted):
        return "incomplete"
    if any(c["status"] == outcomes.ERROR for c in clauses):
        return "suite_error"
    return "conformant" if wanted is None else "partial"

"""One status per clause, from the records of the tests that name it: the one place a
clause's status is decided (``clause_status``; waivers are applied after, by
``document.build``).

``failed`` is dominant, then ``error`` (a failure that did not hold up against the
contract); ``passed`` once its checks ran, whatever other tests naming it could not do:
the coverage gate, for a shape clause both its accepted and its rejected side
(``BOTH_SIDES``), for any other clause one check; ``unsupported`` when its operation is
one the target lacks; ``incomplete`` when some of its checks ran, or a test passed
without running them; ``unsupported``/``not_applicable`` when no test could check it;
``untested`` when no test ran. A side counts only once an answer was received and
judged, and a skipped test credits nothing (the plugin records it so).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from personalize_conformance.harness import outcomes

#: The sides a shape clause must have had run to count as passed (the coverage gate).
BOTH_SIDES = ("accepted", "rejected")


def sides_ran(clause_id: str, tests: Iterable[Mapping[str, Any]]) -> set[str]:
    """The sides of ``clause_id`` the tests' checks ran."""
    return {side for r in tests for side in r.get("sides", {}).get(clause_id, [])}


def _complete(clause_kind: str, ran: set[str]) -> bool:
    """The coverage gate: a shape clause needs at least one accepted and one rejected
    case, any other clause at least one check."""
    return ran.issuperset(BOTH_SIDES) if clause_kind == "shape" else bool(ran)


def record_status(record: Mapping[str, Any], clause_id: str) -> str | None:
    """A test's status for one of its clauses; ``None`` (no verdict) when the test failed
    (or hit a suite error) on a ClauseFailure naming other clauses, so it did not finish
    checking this one."""
    if clause_id in (record.get("answer_failures") or {}):
        return outcomes.FAILED
    named = (record.get("failure") or {}).get("clauses")
    if record["status"] in (outcomes.FAILED, outcomes.ERROR) and named \
            and clause_id not in named:
        return None
    return record["status"]


def unexercised(kind: str, ran: set[str], tests: list[Mapping[str, Any]]) -> str:
    """What an incomplete clause lacked, when its tests recorded no reason."""
    names = ", ".join(r["test"].rsplit("::", 1)[-1] for r in tests) or "none"
    if kind == "shape" and ran:
        missing = " and ".join(sorted(set(BOTH_SIDES) - ran))
        return f"no {missing} case of it ran (its tests: {names})"
    return f"its tests passed without reaching a check of it (its tests: {names})"


def clause_status(clause: Any, tests: Iterable[Mapping[str, Any]],
                  lacking: Collection[str] = ()) -> str:
    """What the run observed for one clause, from the records of the tests that name it
    (or whose failure names it):

    - ``failed`` when some test failed it (dominant), else ``error`` when a failure of it
      did not hold up against the contract (a suite error);
    - ``passed`` when its checks ran (the coverage gate: for a shape clause an accepted and
      a rejected case, for any other clause one check), whatever other tests naming it
      could not do;
    - otherwise ``unsupported`` when the clause's operation is one the target lacks
      (``lacking``), whatever test would have checked it; ``incomplete`` when some of its
      checks ran, or a test passed without running them; ``unsupported``/
      ``not_applicable`` only when no test could check it (the worst of those);
      ``untested`` when no test ran.
    """
    tests = list(tests)
    present = {s for s in (record_status(r, clause.id) for r in tests) if s}
    if outcomes.FAILED in present:
        return outcomes.FAILED
    if outcomes.ERROR in present:
        return outcomes.ERROR
    ran = sides_ran(clause.id, tests)
    if _complete(clause.kind, ran):
        return outcomes.PASSED
    if tests and clause.operation in lacking:
        return outcomes.UNSUPPORTED
    if ran or outcomes.PASSED in present:
        return outcomes.INCOMPLETE
    return next((s for s in outcomes.ORDER if s in present), outcomes.UNTESTED)

"""The per-test :class:`Record`: what one test checked, for the report.

The checks write into it (which sides of each clause ran, how many cases, why a side
could not be run); the harness counts the Hypothesis examples that reached it, the first
failing one, the calls spent before and while shrinking it, and the answers that broke a
clause the test does not check itself (a protocol clause judged on the wire, or
``Errors.status400``). The plugin reads it from the test item (``RECORD``) and attaches it
to the test's report.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import currently_in_test_context
from hypothesis.control import cleanup
from hypothesis.errors import HypothesisException

from personalize_conformance.contracts import catalog
from personalize_conformance.targets.base import Exchange

#: Where a test item keeps its record (the plugin attaches it to the test's report).
RECORD = pytest.StashKey["Record"]()


@dataclass
class Record:
    """What one test recorded: which sides (``accepted``, ``rejected``, ``held``) of each
    clause its checks ran and how many checks (cases), why a side could not be run, and
    the Hypothesis examples (test cases) that reached the harness."""

    sides: dict[str, set[str]] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)
    #: Clause id -> why a side of it could not be run (``side: reason``, each once).
    reasons_not_exercised: dict[str, list[str]] = field(default_factory=dict)
    #: Hypothesis test cases in which the test used the harness or ran a check.
    examples: int = 0
    #: Of those, the first that raised an error (not Hypothesis' own control flow).
    first_failing_example: int | None = None
    #: Clauses an answer broke that the test does not check itself: the protocol clauses
    #: judged on each raw answer (capability ``wire``), and ``Errors.status400`` for a
    #: documented exception with another status. Clause id -> the first failure, as report
    #: data; each fails that clause alone, not the test.
    answer_failures: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Calls to the target the test made inside its Hypothesis test cases, and how many
    #: of them up to its first failure.
    example_calls: int = 0
    example_calls_at_failure: int | None = None
    #: Calls made while shrinking that failure (after it, before the final replay), the
    #: budget they had, and whether it ran out (the shrunk input is then the smallest
    #: failing one found within it).
    shrink_calls: int = 0
    shrink_budget: int | None = None
    shrink_exhausted: bool = False
    #: The first failure of each set of clauses (joined by ","): the input and the answer
    #: of the first failing example, shown beside the shrunk one's when they differ.
    first_failures: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Requests this test sent to the target, per operation (``spending``).
    calls: dict[str, int] = field(default_factory=dict)
    #: The example the budget stopped (its clean-up calls still go through).
    stopped_example: int | None = field(default=None, repr=False)
    _in_example: bool = field(default=False, repr=False)

    def ran(self, clause_id: str, side: str) -> None:
        """A ``side`` case of ``clause_id`` ran."""
        self.note_example()
        self.sides.setdefault(clause_id, set()).add(side)
        self.cases[clause_id] = self.cases.get(clause_id, 0) + 1

    def not_exercised(self, clause_id: str, side: str, reason: str) -> None:
        """No ``side`` case of ``clause_id`` could be made, because of ``reason``."""
        self.note_example()
        reasons = self.reasons_not_exercised.setdefault(clause_id, [])
        note = f"{side}: {reason}"[:300]
        if note not in reasons:
            reasons.append(note)

    def answer_failed(self, clause_id: str, failure: dict[str, Any]) -> None:
        """An answer broke ``clause_id``, which the running test does not check itself;
        ``failure`` is report data (the first kept)."""
        self.answer_failures.setdefault(clause_id, failure)

    def wire_failed(self, clause_id: str, problem: str, exchange: Exchange) -> None:
        """An answer on the wire broke the protocol clause ``clause_id`` (the first kept)."""
        if clause_id not in self.answer_failures:
            raw = exchange.as_dict()
            self.answer_failed(clause_id, {
                "operation": exchange.operation or None, "input": raw["request"],
                "expected": catalog()[clause_id].statement, "observed": problem,
                "reproduction": None, "exchange": raw})

    def sides_ran(self) -> dict[str, list[str]]:
        return {clause_id: sorted(sides) for clause_id, sides in self.sides.items()}

    def note_example(self) -> None:
        """Count the Hypothesis test case running now, once (nothing outside one)."""
        if self._in_example or not currently_in_test_context():
            return
        self._in_example = True
        self.examples += 1
        cleanup(self._end_example)

    def failed_here(self) -> None:
        """The running test case found a failure the test reports later (it goes on)."""
        if self.first_failing_example is None:
            self.first_failing_example = self.examples

    def _end_example(self) -> None:
        # Hypothesis runs the test case's cleanups while leaving it, so an error that
        # ends the test case is the exception being handled here.
        self._in_example = False
        error = sys.exc_info()[1]
        if (self.first_failing_example is None and isinstance(error, Exception)
                and not isinstance(error, HypothesisException)):
            self.first_failing_example = self.examples
            self.example_calls_at_failure = self.example_calls

    def shrink_summary(self) -> dict[str, Any] | None:
        """What shrinking the test's failure spent, for the report (``None``: no failure
        of a Hypothesis test)."""
        if self.shrink_budget is None:
            return None
        return {"calls": self.shrink_calls, "budget": self.shrink_budget,
                "exhausted": self.shrink_exhausted}

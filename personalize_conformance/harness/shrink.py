"""The Hypothesis shrink budget: how many target calls shrinking a failure may spend.

A failing Hypothesis test would spend up to Hypothesis' 500 shrinks, each a round of
target calls. The harness counts the calls of each example; once past the first failing
one, while shrinking (not the final replay of the shrunk input), a call beyond the budget
ends its example as an overrun instead of reaching the target (Hypothesis takes it as not
failing and records nothing of it, so no replay looks flaky), and the shrink ends with
the smallest failing input found. The budget is what the examples the test did not run
would have cost, so a failing test costs about what a passing one does.
"""

from __future__ import annotations

import math

from hypothesis import currently_in_test_context, settings
from hypothesis.control import current_build_context

from personalize_conformance.contracts import operation_kind
from personalize_conformance.harness.record import Record

#: The fewest target calls a test may spend shrinking its first failure
#: (``Harness.shrink_budget``).
SHRINK_MIN_CALLS = 5


class ShrinkBudget:
    """The part of the :class:`~personalize_conformance.harness.Harness` that counts calls
    and ends a shrink past its budget."""

    record: Record
    shrink_min_calls: int
    #: Set while ``undo`` deletes what a create made (its calls are not counted).
    _undoing: bool

    def is_shrinking(self) -> bool:
        """Whether the running Hypothesis test is shrinking a failure: past its first
        failing example, and not the final replay of the shrunk one."""
        if self.record.first_failing_example is None or not currently_in_test_context():
            return False
        return not current_build_context().is_final

    def shrink_budget(self) -> int:
        """The target calls a test may spend shrinking its failure: what the examples it
        did not run would have cost (its calls per example up to the failure, times the
        examples its settings allow, less those calls), at least ``shrink_min_calls``. So
        a failing test costs about what a passing one does, never Hypothesis' 500 shrinks
        (and a ``certify`` failure gets a budget forty times ``ci``'s)."""
        record = self.record
        spent = record.example_calls_at_failure or 0
        per_example = spent / max(1, record.first_failing_example or 1)
        planned = math.ceil(per_example * settings.default.max_examples)
        return max(self.shrink_min_calls, planned - spent)

    def stop_if_spent(self) -> None:
        """At the start of an example, before it draws anything: while shrinking past the
        budget, end it at once (an overrun, nothing drawn), so the shrinker's remaining
        attempts cost no generation either."""
        if self.record.shrink_exhausted and self.is_shrinking():
            current_build_context().data.mark_overrun()

    def _spend(self, operation: str) -> None:
        """Count a call; while shrinking, past the budget, end the example instead of
        calling the target, as if it had run out of data (an overrun: Hypothesis takes it
        as not failing and, unlike a rejection, records nothing of it, so no replay looks
        flaky); the shrink ends with the smallest failing input found. The example's
        clean-up calls after that, and deletes, go through."""
        record = self.record
        if not currently_in_test_context() or self._undoing:
            return
        if self.is_shrinking():
            record.shrink_budget = self.shrink_budget()
            if (record.shrink_calls >= record.shrink_budget
                    and operation_kind(operation) != "delete"
                    and record.stopped_example != record.examples):
                record.shrink_exhausted = True
                record.stopped_example = record.examples
                current_build_context().data.mark_overrun()
            record.shrink_calls += 1
        record.example_calls += 1

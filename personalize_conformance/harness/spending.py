"""What a harness spent on its target: calls per operation, resources created (accepted
creates), the peak of live resources, and seconds spent waiting for a status.

Every request that reaches the target is counted, whatever sent it (a test's call, a
throttling retry, a prerequisite, an undo, the cleanup's describes). A resource is
created when it first enters the ledger (``created``); live while it is there. A wait is
each :class:`~.waiting.Backoff` pause the harness hands out (:meth:`Spending.waiter`):
the seconds slept between polls of a status or retries of a refused delete. Each test's
record counts its own calls too (``Record.calls``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from personalize_conformance.harness.record import Record
from personalize_conformance.harness.waiting import Backoff


class Spending:
    """The part of the :class:`~personalize_conformance.harness.Harness` that counts."""

    wait_seconds: float
    record: Record
    created: dict[str, tuple[str, str | None]]

    def _init_spending(self) -> None:
        #: Requests sent to the target, per operation.
        self.calls: Counter[str] = Counter()
        #: Resources the target accepted a create of (each once).
        self.resources_created = 0
        #: The most resources live (created, not deleted) at once.
        self.peak_live = 0
        #: Seconds slept waiting for a status (or for a refused delete to be accepted).
        self.waited = 0.0

    def sent(self, operation: str) -> None:
        """A request for ``operation`` is going to the target."""
        self.calls[operation] += 1
        self.record.calls[operation] = self.record.calls.get(operation, 0) + 1

    def note_created(self, arn: str, entry: tuple[str, str | None]) -> None:
        """Put a resource the target accepted a create of in the ledger, counted."""
        if arn not in self.created:
            self.resources_created += 1
        self.created[arn] = entry
        self.peak_live = max(self.peak_live, len(self.created))

    def waiter(self, seconds: float | None = None, first: float = 0.01,
               most: float = 1.0) -> Backoff:
        """A :class:`Backoff` (``seconds``: ``wait_seconds`` unless given) whose pauses
        are counted as waiting."""
        return Backoff(self.wait_seconds if seconds is None else seconds, first, most,
                       spent=self._note_wait)

    def _note_wait(self, seconds: float) -> None:
        self.waited += seconds

    def spending(self) -> dict[str, Any]:
        """The figures, as the report takes them."""
        return {"calls": dict(sorted(self.calls.items())),
                "resources_created": self.resources_created,
                "peak_live_resources": self.peak_live,
                "wait_seconds": round(self.waited, 3)}

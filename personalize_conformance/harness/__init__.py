"""The harness between the tests and a target (the layer below the checks, above the
targets): one place for calls (timeouts, throttling retries, unsupported operations, wire
judging), the per-test record of what was checked, the shrink budget, status-order
judging, the resources a test needs and their deletion, and the harness of a pytest
process. Each module holds one of these; this front re-exports what the layers above use.

- :mod:`.calls`: :class:`Harness` (a test's calls), :class:`Call`, ``copy_request``.
- :mod:`.caller`: :class:`~.caller.Caller`, the per-call timeout thread.
- :mod:`.record`: :class:`Record`, what one test checked (``RECORD`` on its item).
- :mod:`.shrink`: the Hypothesis shrink budget.
- :mod:`.status`: status-order judging; :class:`StatusCheck`, the hook the suite passes.
- :mod:`.resources`: run-unique names, creates, waiting for ``ACTIVE``, prerequisites.
- :mod:`.deletes`: undo, deletes and the cleanup.
- :mod:`.spending`: calls, resources created, peak live and seconds waited, counted.
- :mod:`.pool`: ACTIVE resources shared by the tests that only need one.
- :mod:`.waiting`: :class:`Backoff`, the one wait with backoff.
- :mod:`.session`: :func:`session_harness`, :class:`HarnessSession` (``SESSION``), SIGTERM.
- :mod:`.outcomes`: the statuses and the skips that carry them.
- :mod:`.wire_judging`: the protocol clauses judged on a raw exchange.
"""

from personalize_conformance.harness.calls import (
    HISTORY_LIMIT,
    THROTTLING_CODES,
    THROTTLING_RETRIES,
    Call,
    Harness,
    copy_request,
    is_throttling,
)
from personalize_conformance.harness.record import RECORD, Record
from personalize_conformance.harness.session import (
    SESSION,
    HarnessSession,
    HarnessSettings,
    session_harness,
)
from personalize_conformance.harness.shrink import SHRINK_MIN_CALLS
from personalize_conformance.harness.status import StatusCheck
from personalize_conformance.harness.waiting import Backoff

__all__ = [
    "HISTORY_LIMIT", "RECORD", "SESSION", "SHRINK_MIN_CALLS", "THROTTLING_CODES",
    "THROTTLING_RETRIES", "Backoff", "Call", "Harness", "HarnessSession", "HarnessSettings",
    "Record", "StatusCheck", "copy_request", "is_throttling", "session_harness",
]

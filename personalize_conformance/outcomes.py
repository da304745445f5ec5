"""The verdicts a clause can get, and how a skipped test says which one it is."""

from __future__ import annotations

PASSED = "passed"
FAILED = "failed"
UNSUPPORTED = "unsupported"  # the target does not implement an operation the clause needs
NOT_APPLICABLE = "not_applicable"  # the target lacks a capability the clause needs
WAIVED = "waived"  # the user declared a known deviation; still run and shown
UNTESTED = "untested"  # no test of this run checked the clause
INCOMPLETE = "incomplete"  # passed, but not both its accepted and rejected sides ran

#: Report order, worst first (a clause checked by several tests gets the worst).
ORDER = (FAILED, UNSUPPORTED, NOT_APPLICABLE, UNTESTED, INCOMPLETE, PASSED)
SUMMARY_KEYS = (PASSED, FAILED, UNSUPPORTED, NOT_APPLICABLE, WAIVED, UNTESTED,
                INCOMPLETE)


def skip_reason(status: str, detail: str) -> str:
    """The reason a test is skipped with, so the report can read the status back."""
    return f"{status}: {detail}"


def status_of_skip(reason: str) -> str | None:
    """The status a skip reason names (``None`` for an ordinary skip)."""
    head = reason.partition(":")[0].strip()
    return head if head in (UNSUPPORTED, NOT_APPLICABLE) else None

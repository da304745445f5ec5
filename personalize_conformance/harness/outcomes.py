"""The verdicts a clause can get, and the exceptions a test is skipped with to say which.

A test that cannot run against a target raises ``UnsupportedSkip`` (the harness' answer
to a target's ``targets.Unsupported``) or ``NotApplicable``:
pytest reports it skipped (they are pytest's ``Skipped``), and the plugin reads the
status from the exception's type, not from its text.
"""

from __future__ import annotations

from typing import ClassVar

import pytest

PASSED = "passed"
FAILED = "failed"
#: A failure the contract does not back (its input, re-checked, is not what the check
#: claimed): a fault of the suite, shown with its input, never counted as ``failed``.
ERROR = "error"
UNSUPPORTED = "unsupported"  # the target does not implement an operation the clause needs
NOT_APPLICABLE = "not_applicable"  # the target lacks a capability the clause needs
WAIVED = "waived"  # the user declared a known deviation; still run and shown
UNTESTED = "untested"  # no test of this run checked the clause
INCOMPLETE = "incomplete"  # passed, but not both its accepted and rejected sides ran

#: Report order, worst first (a test's status over its phases is the worst).
ORDER = (FAILED, ERROR, UNSUPPORTED, NOT_APPLICABLE, UNTESTED, INCOMPLETE, PASSED)
SUMMARY_KEYS = (PASSED, FAILED, ERROR, UNSUPPORTED, NOT_APPLICABLE, WAIVED, UNTESTED,
                INCOMPLETE)


class StatusSkip(pytest.skip.Exception):
    """A skip that carries the clause status it means (``status``) and why (``detail``)."""

    status: ClassVar[str]

    def __init__(self, detail: str) -> None:
        super().__init__(f"{self.status}: {detail}")
        self.detail = detail


class UnsupportedSkip(StatusSkip):
    """The target does not implement an operation the test needs."""

    status = UNSUPPORTED


class NotApplicable(StatusSkip):
    """The target lacks a capability the test needs."""

    status = NOT_APPLICABLE


class Blocked(StatusSkip):
    """A resource the test needs could not be made: the target broke another clause on
    the way (a create's answer without what the test goes on with), which fails in its
    own test; this test's clauses are left ``incomplete``, not failed."""

    status = INCOMPLETE


def reason_of(error: BaseException) -> str:
    """Why a test got its status (``status_of``): the skip's detail, e.g. the operation
    the target lacks and what it answered."""
    return str(getattr(error, "detail", "") or error)


def status_of(error: BaseException | None) -> str | None:
    """The status a test's exception stands for (``None``: none, or an ordinary skip)."""
    return error.status if isinstance(error, StatusSkip) else None

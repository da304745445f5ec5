"""An earlier ``report.json`` read again: its clause statuses, the ratchet of a run
against them (``--baseline``: only a clause that passed there and does not now is a
regression, exit 1), and the tests that failed in it (``--replay`` re-runs them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from personalize_conformance.harness import outcomes


def statuses(report: Mapping[str, Any]) -> dict[str, str]:
    """A report's clause statuses: clause id -> status."""
    return {str(c["id"]): str(c["status"]) for c in report["clauses"]}


def ratchet(baseline: Mapping[str, str], report: Mapping[str, Any]
            ) -> tuple[dict[str, str], list[str]]:
    """Against a baseline's clause statuses: the clauses that passed there and do not now
    (id -> status now; a clause waived now is no regression), and those that newly pass."""
    now = statuses(report)
    kept = (outcomes.PASSED, outcomes.WAIVED)
    regressed = {cid: now.get(cid, "absent") for cid, status in baseline.items()
                 if status == outcomes.PASSED and now.get(cid) not in kept}
    promoted = [cid for cid, status in now.items()
                if status == outcomes.PASSED and baseline.get(cid) != outcomes.PASSED]
    return regressed, promoted


def failing_tests(report: Mapping[str, Any]) -> list[str]:
    """The node ids of the tests that failed in ``report`` (waived clauses included)."""
    return sorted({f["test"] for c in report["clauses"] for f in c["failures"]})

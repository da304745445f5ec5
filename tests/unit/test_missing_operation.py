"""A missing operation hides nothing else: against a target that implements every
tracker and dataset-group operation but not PutEvents, every clause of the operations it
does implement still gets a verdict (the tests that also send events go on without them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from benchmarks.power import run_suite
from personalize_conformance.contracts import catalog
from personalize_conformance.harness import outcomes
from personalize_conformance.targets import Target, Unsupported
from personalize_conformance.targets.reference import ReferenceTarget

#: The operations the tracker-only target implements.
TRACKER_OPERATIONS = {"CreateDatasetGroup", "DescribeDatasetGroup", "DeleteDatasetGroup",
                      "CreateEventTracker", "DescribeEventTracker", "ListEventTrackers",
                      "DeleteEventTracker"}


class TrackerOnlyTarget(Target):
    """The reference without PutEvents: an implementation of the tracker operations alone."""

    name = "tracker-only"

    def __init__(self) -> None:
        self.reference = ReferenceTarget()

    def start(self) -> None:
        self.reference.start()

    def stop(self) -> None:
        self.reference.stop()

    def invoke(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        if operation not in TRACKER_OPERATIONS:
            raise Unsupported(operation, "this target records no events")
        return self.reference.invoke(operation, request)


def test_a_missing_put_events_hides_no_clause_of_the_tracker_operations():
    run = run_suite(f"{__name__}:TrackerOnlyTarget", profile="ci-kill", quiet=True)
    assert run.exit_code == 0, sorted(run.failed_clauses)
    status = {c["id"]: c["status"] for c in run.report["clauses"]}
    implemented = [c.id for c in catalog() if c.operation in TRACKER_OPERATIONS]
    hidden = sorted(c for c in implemented if status[c] == outcomes.UNSUPPORTED)
    assert not hidden, f"unsupported although their operations are implemented: {hidden}"
    assert not [c for c in implemented if status[c] == outcomes.FAILED]
    # every clause of PutEvents is unsupported (none incomplete, none failed), whatever
    # test would have checked it
    put_events = {status[c.id] for c in catalog() if c.operation == "PutEvents"}
    assert put_events == {outcomes.UNSUPPORTED}
    # each carries why, once per operation: what the target lacks and what it answered
    reasons = {r for c in run.report["clauses"] if c["status"] == outcomes.UNSUPPORTED
               for r in c["reasons"]}
    assert reasons == {"PutEvents is not implemented by the target: this target records no events"}

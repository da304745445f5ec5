"""The lifecycle state machine draws the same data whenever Hypothesis replays a choice
sequence, although every create gets a fresh run-unique name (so fresh ARNs): its choices
among dataset groups and deleted trackers follow the order they were made in, never the
order of their ARNs. Drawn by ARN order, a replay picked another group and Hypothesis
stopped the test with ``FlakyStrategyDefinition``, a suite error on every clause only
the lifecycle checks (24 MUST clauses under ``certify``, so no run could certify; a
mutant's kill hidden behind the error)."""

from __future__ import annotations

from tests.unit.test_runner import report_of, run

#: A mutant whose lists still show a deleted tracker: under ``ci`` the machine finds it
#: after a step that chose the tracker to delete, and its shrinking replays that choice
#: (drawn by ARN order, a replay chose another one).
MUTANT = "mutant:deleted-tracker-still-listed"


def test_a_replayed_lifecycle_draws_what_it_drew(tmp_path):
    run("--target", MUTANT, "--clauses", "CreateEventTracker.oneTrackerPerDatasetGroup",
        "--report-dir", "report", cwd=tmp_path)
    statuses = {c["id"]: c["status"] for c in report_of(tmp_path / "report")["clauses"]}
    errors = sorted(c for c, status in statuses.items() if status == "error")
    assert not errors, errors
    assert statuses["DeleteEventTracker.thenNotFound"] == "failed"

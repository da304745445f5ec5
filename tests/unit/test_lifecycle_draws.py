"""The lifecycle state machine draws the same data whenever Hypothesis replays a choice
sequence, although every create gets a fresh run-unique name (so fresh ARNs): its choices
among dataset groups and deleted trackers follow the order they were made in, never the
order of their ARNs. Drawn by ARN order, a replay picked another group and Hypothesis
stopped the test with ``FlakyStrategyDefinition``, a suite error on every clause only
the lifecycle checks (24 MUST clauses under ``certify``, so no run could certify; a
mutant's kill hidden behind the error)."""

from __future__ import annotations

from tests.unit.test_runner import report_of, run

#: A mutant whose lists repeat a tracker across pages: under ``ci`` the machine's shrinking
#: replays the failure it finds, and drawn by ARN order the replay chose another group.
MUTANT = "mutant:paging-repeats-item"


def test_a_replayed_lifecycle_draws_what_it_drew(tmp_path):
    run("--target", MUTANT, "--clauses", "CreateEventTracker.oneTrackerPerDatasetGroup",
        "--report-dir", "report", cwd=tmp_path)
    statuses = {c["id"]: c["status"] for c in report_of(tmp_path / "report")["clauses"]}
    errors = sorted(c for c, status in statuses.items() if status == "error")
    assert not errors, errors
    assert statuses["ListEventTrackers.paging"] == "failed"

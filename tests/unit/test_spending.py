"""What a run spends on its target (``harness.spending``): calls per operation, resources
created, the peak of live resources and seconds waited, in the harness, in report.json
(also added up over xdist workers) and on the console's last lines."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from personalize_conformance import report
from personalize_conformance.harness import Harness
from personalize_conformance.harness.resources import BATCH
from personalize_conformance.targets import resolve
from personalize_conformance.targets.boto import BotoTarget
from tests.unit.test_targets import Hostile


def test_every_request_is_counted_retries_included():
    with Hostile() as hostile:
        hostile.plan["CreateDatasetGroup"] = ["throttle", "429", "ok"]
        harness = Harness(BotoTarget(hostile.url), run_id="h", backoff=0.001)
        harness.invoke("CreateDatasetGroup", {"name": "x"})
        assert dict(harness.calls) == {"CreateDatasetGroup": 3} == hostile.count
        assert harness.record.calls == {"CreateDatasetGroup": 3}
        assert harness.resources_created == 1


@pytest.fixture
def reference():
    target = resolve("reference")
    target.start()
    yield target
    target.stop()


def test_resources_created_and_the_peak_of_live_ones(reference):
    """Dataset groups are made ``BATCH`` (3) at a time: the three asked for are one batch."""
    harness = Harness(reference, run_id="s")
    group = harness.create_dataset_group()
    assert (harness.resources_created, harness.peak_live) == (BATCH, BATCH)
    harness.create_tracker(group)
    other = harness.create_dataset_group()
    harness.delete_dataset_group(other)
    harness.create_dataset_group()
    assert (harness.resources_created, harness.peak_live) == (4, 4)
    harness.create_dataset_group()  # a batch anew
    assert (harness.resources_created, harness.peak_live) == (4 + BATCH, 3 + BATCH)
    harness.cleanup()
    spent = harness.spending()
    assert (spent["resources_created"], spent["peak_live_resources"]) == (4 + BATCH, 3 + BATCH)
    assert spent["calls"]["CreateDatasetGroup"] == 2 * BATCH
    assert spent["calls"]["DeleteDatasetGroup"] == 2 * BATCH
    assert spent["calls"]["CreateEventTracker"] == spent["calls"]["DeleteEventTracker"] == 1


def test_the_pauses_of_a_harness_wait_are_counted(reference):
    harness = Harness(reference, run_id="w")
    wait = harness.waiter(first=0.02, most=0.02)
    wait.pause()
    wait.pause()
    assert harness.spending()["wait_seconds"] == pytest.approx(0.04, abs=0.001)


def test_two_workers_spending_is_added_up_in_the_report_and_printed(tmp_path):
    """Under xdist the controller runs no test: every figure comes from the workers."""
    out = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "personalize_conformance.suite", "-q",
         "-p", "no:cacheprovider", "--target", "reference", "--hypothesis-profile", "ci",
         "-n", "2", "-k", "test_event_tracker", "--report-dir", str(out)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    built = json.loads((out / "report.json").read_text())
    jsonschema.validate(built, report.schema())
    spent = built["spending"]
    assert spent["calls"] == sum(spent["calls_per_operation"].values()) > 0
    by_test = built["calls_by_test"]
    assert len(by_test) > 2
    assert sum(n for calls in by_test.values() for n in calls.values()) <= spent["calls"]
    assert spent["resources_created"] >= spent["peak_live_resources"] >= 2  # a worker each
    assert f"spent: {spent['calls']} calls" in done.stdout


def test_the_pool_hands_out_one_resource_until_a_test_may_have_changed_it(reference):
    harness = Harness(reference, run_id="p")
    first = harness.pooled("event-tracker")
    assert harness.pooled("event-tracker") == first
    group = harness.pooled("dataset-group")["datasetGroupArn"]
    assert group != first.get("datasetGroupArn")
    made = harness.resources_created
    harness.invoke("PutEvents", {"trackingId": first["trackingId"], "sessionId": "s",
                                 "eventList": [{"eventType": "e", "sentAt": 1}]})
    assert harness.pooled("event-tracker") == first  # events and their dataset: kept
    harness.invoke("DeleteEventTracker", {"eventTrackerArn": first["eventTrackerArn"]})
    assert harness.pooled("event-tracker")["eventTrackerArn"] != first["eventTrackerArn"]
    harness.create_tracker(group)  # a tracker made on the pooled group: a group anew
    assert harness.pooled("dataset-group")["datasetGroupArn"] != group
    assert harness.resources_created > made
    harness.cleanup()
    assert not harness.created and not harness.cleanup_failures


def test_a_groups_trackers_are_listed_before_its_delete_only_when_the_ledger_is_unsure(
        reference):
    harness = Harness(reference, run_id="u")
    known, unsure = harness.create_dataset_group(), harness.create_dataset_group()
    harness.create_tracker(known)
    harness.unsure("CreateEventTracker", {"datasetGroupArn": unsure})  # as if sent raw
    harness.delete_dataset_group(known)
    assert "ListEventTrackers" not in harness.calls
    harness.delete_dataset_group(unsure)
    assert harness.calls["ListEventTrackers"] == 1
    assert [kind for kind, _ in harness.created.values()] == ["dataset-group"] * (BATCH - 2)


def test_the_benchmark_estimates_the_real_service_from_the_counts_and_the_slow_mode():
    from benchmarks.economy import MODES, REAL_CHANGE, SLOW, estimate, lines

    fast, _, slow, _ = MODES
    rows = [{"mode": fast, "seconds": 10.0, "exit_code": 0, "calls": 1000, "ratio": 1.0,
             "resources_created": 20, "peak_live_resources": 3, "wait_seconds": 0.5},
            {"mode": slow, "seconds": 10.0 + 5 * SLOW, "exit_code": 0, "calls": 1100,
             "ratio": 2.0, "resources_created": 20, "peak_live_resources": 3,
             "wait_seconds": 10.0}]
    real = estimate(rows)
    assert real["serial_waits"] == 5 and real["calls"] == 1000
    assert real["seconds"] == round(max(1000 * 0.05, 1000 / 10) + 5 * REAL_CHANGE)
    printed = lines({"modes": rows, "real_service": real}, {"modes": rows[:1]})
    assert "1000 calls (previous: 1000)" in printed[0] and "2.0x" in printed[1]
    assert printed[-1].startswith(f"estimate, ci vs the real service: {real['minutes']} min")

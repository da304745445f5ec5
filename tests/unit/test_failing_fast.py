"""Failing is not slow: a status outside the documented create order fails at once (no
wait for ACTIVE), and shrinking a failure spends a bounded number of target calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personalize_conformance.harness import Harness
from personalize_conformance.harness.resources import BATCH
from personalize_conformance.targets import Target, TargetError, resolve


class ReadyForever(Target):
    """A target whose resources say READY (no documented status) and never ACTIVE; it
    rejects every PutEvents with an eventType longer than 3 characters."""

    name = "ready-forever"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def invoke(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        self.calls.append(operation)
        if operation == "CreateDatasetGroup":
            return {"datasetGroupArn": "arn:aws:personalize:us-east-1:1:dataset-group/x"}
        if operation == "DescribeDatasetGroup":
            return {"datasetGroup": {"status": "READY", **request}}
        if operation == "PutEvents":
            if any(len(e["eventType"]) > 3 for e in request["eventList"]):
                raise TargetError(400, "InvalidInputException", "too long")
            return {}
        return {}


def test_an_undocumented_status_fails_on_the_first_describe():
    target = ReadyForever()
    seen: list[tuple[str, str]] = []

    def check(h: Harness, clause_id: str, operation: str, request: Any,
              statuses: list[str]) -> None:
        seen.append((clause_id, *statuses))

    harness = Harness(target, run_id="t", wait_seconds=60.0, status_check=check)
    with pytest.raises(RuntimeError, match=r"DatasetGroup\.status\.createOrder"):
        harness.create_dataset_group()
    assert seen == [("DatasetGroup.status.createOrder", "READY")]
    # the batch's creates, then the first describe (dataset groups are made BATCH at once)
    assert target.calls == ["CreateDatasetGroup"] * BATCH + ["DescribeDatasetGroup"]


def test_a_status_going_back_fails_its_order_at_the_describe_that_shows_it():
    """mutant:active-then-create-in-progress describes a tracker ACTIVE, then CREATE
    IN_PROGRESS: the describe that goes back fails EventTracker.status.createOrder there
    (before any comparison of answers sees the disagreement); a new test, or a deleted
    and re-created resource, starts over."""
    seen: list[tuple[str, ...]] = []

    def check(h: Harness, clause_id: str, operation: str, request: Any,
              statuses: list[str]) -> None:
        seen.append((clause_id, *statuses))

    harness = Harness(resolve("mutant:active-then-create-in-progress"), run_id="t",
                      status_check=check)
    harness.target.start()
    tracker = harness.create_tracker(harness.create_dataset_group())
    assert seen == []
    request = {"eventTrackerArn": tracker["eventTrackerArn"]}
    harness.invoke("DescribeEventTracker", request)
    assert seen == [("EventTracker.status.createOrder", "ACTIVE", "CREATE IN_PROGRESS")]
    harness.begin_test()
    harness.invoke("DescribeEventTracker", request)
    assert len(seen) == 1
    reference = Harness(resolve("reference"), run_id="r", status_check=check)
    arn = reference.create_tracker(reference.create_dataset_group())["eventTrackerArn"]
    for _ in range(3):
        reference.invoke("DescribeEventTracker", {"eventTrackerArn": arn})
    assert len(seen) == 1


def test_shrinking_spends_at_most_its_budget():
    """Every example with a long eventType fails; the shrink stops at its budget (as many
    calls as finding the failure took, at least ``shrink_min_calls``), the budget and what
    was spent are recorded, and the final replay still fails."""
    target = ReadyForever()
    harness = Harness(target, run_id="t", shrink_min_calls=2)

    @settings(max_examples=8, database=None, derandomize=True, deadline=None)
    @given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=10))
    def property_(types: list[str]) -> None:
        events = [{"eventType": t, "sentAt": 1} for t in types]
        harness.invoke("PutEvents", {"trackingId": "t", "sessionId": "s", "eventList": events})

    with harness.running_test() as record, pytest.raises(TargetError):
        property_()
    shrinking = record.shrink_summary()
    assert shrinking is not None and shrinking["exhausted"]
    per_example = (record.example_calls_at_failure or 0) / record.first_failing_example
    planned = -(-per_example * 8 // 1)  # what the 8 examples would have cost
    assert shrinking["budget"] == max(2, planned - (record.example_calls_at_failure or 0))
    assert shrinking["calls"] <= shrinking["budget"] + 1
    assert record.example_calls <= planned + 2  # no more than a passing run, and the replay

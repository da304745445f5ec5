"""The Interactions dataset PutEvents may need (ambiguity PutEvents.interactionsDataset).

The guide lists "a dataset group that includes an Interactions dataset" among the
requirements for recording events; the API reference names no such condition. Under the
reading ``required`` the reference refuses events for a group without one, and the suite
still finds it conformant: before the first events with a tracking ID, the harness adds an
empty Interactions dataset (CreateSchema, CreateDataset) to the tracker's dataset group,
once per group, and deletes both before the group. A target without those operations gets
its events as before (the reading ``optional``), and the run names them unsupported.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pytest

from benchmarks.power import run_suite
from personalize_conformance import contracts
from personalize_conformance.targets import Target, TargetError, Unsupported
from personalize_conformance.targets.reference import Behaviour, ReferenceTarget
from personalize_conformance.targets.reference.service import ReferenceService, ServiceError

ENTRY = "PutEvents.interactionsDataset"
REQUIRED = Behaviour(readings={ENTRY: "required"})
#: The PutEvents tests (and the lifecycle, which deletes dataset groups it sent events to).
EVENT_CLAUSES = ["PutEvents.validRequest.accepted", "PutEvents.eventList.maxItems",
                 "PutEvents.deletedTrackingId", "PutEvents.beforeActive",
                 "DeleteDatasetGroup.thenNotFound"]
PREREQUISITES = ("CreateSchema", "CreateDataset", "DescribeDataset", "DeleteDataset",
                 "DeleteSchema")


def _refusal(service: ReferenceService, operation: str, body: dict) -> str | None:
    try:
        service.call(operation, body)
    except ServiceError as exc:
        return exc.code
    return None


def _with_interactions(service: ReferenceService, group: str) -> tuple[str, str]:
    facts = contracts.interactions_dataset()
    schema = service.call("CreateSchema", {"name": "s", "schema": json.dumps(facts["schema"])})
    dataset = service.call("CreateDataset", {
        "name": "d", "schemaArn": schema["schemaArn"], "datasetGroupArn": group,
        "datasetType": facts["datasetType"]})
    return schema["schemaArn"], dataset["datasetArn"]


@pytest.mark.parametrize("progressive", [False, True])
def test_required_refuses_events_until_the_group_has_an_active_interactions_dataset(
        progressive):
    service = ReferenceService(Behaviour(progressive=progressive, readings={ENTRY: "required"}))
    group = service.call("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
    tracker = service.call("CreateEventTracker", {"name": "t", "datasetGroupArn": group})
    while service.call("DescribeEventTracker", {"eventTrackerArn": tracker["eventTrackerArn"]}
                       )["eventTracker"]["status"] != "ACTIVE":
        pass
    events = {"trackingId": tracker["trackingId"], "sessionId": "s",
              "eventList": [{"eventType": "click", "sentAt": 1553631760}]}
    assert _refusal(service, "PutEvents", events) == "InvalidInputException"
    schema, dataset = _with_interactions(service, group)
    statuses = [service.call("DescribeDataset", {"datasetArn": dataset})["dataset"]["status"]
                for _ in range(4)]
    assert statuses[-1] == "ACTIVE" and (statuses[0] != "ACTIVE") == progressive
    assert _refusal(service, "PutEvents", events) is None
    # what holds the dataset cannot go first; in order, everything goes
    service.call("DeleteEventTracker", {"eventTrackerArn": tracker["eventTrackerArn"]})
    assert _refusal(service, "DeleteDatasetGroup", {"datasetGroupArn": group}) == (
        "ResourceInUseException")
    assert _refusal(service, "DeleteSchema", {"schemaArn": schema}) == "ResourceInUseException"
    for operation, body in [("DeleteDataset", {"datasetArn": dataset}),
                            ("DeleteSchema", {"schemaArn": schema}),
                            ("DeleteDatasetGroup", {"datasetGroupArn": group})]:
        assert _refusal(service, operation, body) is None, operation
    assert _refusal(service, "DescribeDataset", {"datasetArn": dataset}) == (
        "ResourceNotFoundException")


def test_the_optional_reading_accepts_events_without_a_dataset():
    service = ReferenceService()
    group = service.call("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
    tracking_id = service.call("CreateEventTracker", {"name": "t", "datasetGroupArn": group}
                               )["trackingId"]
    assert _refusal(service, "PutEvents", {"trackingId": tracking_id, "sessionId": "s",
                                           "eventList": [{"eventType": "c", "sentAt": 1}]}
                    ) is None


def test_the_prerequisites_are_outside_the_scope():
    """Their schemas are read like any operation's, but no clause and no in-scope table
    (drift coverage, the shape tests) lists them."""
    assert set(contracts.prerequisites()) == set(PREREQUISITES)
    assert not set(contracts.prerequisites()) & set(contracts.operations())
    assert not [c.id for c in contracts.catalog() if c.operation in PREREQUISITES]
    assert contracts.request_schema("CreateDataset") == "CreateDatasetRequest.json"
    assert contracts.catalog()["PutEvents.validRequest.accepted"].ambiguity == ENTRY


class CountingRequired(ReferenceTarget):
    """The reference under the reading ``required``, keeping its calls."""

    name = "counting-required"
    last: CountingRequired | None = None

    def __init__(self) -> None:
        super().__init__(REQUIRED)
        self.calls: list[tuple[str, dict, dict | None]] = []
        type(self).last = self

    def invoke(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        entry: tuple[str, dict, dict | None] = (operation, dict(request), None)
        self.calls.append(entry)
        response = super().invoke(operation, request)
        self.calls[-1] = (operation, dict(request), response)
        return response


def _passed(run: Any) -> dict[str, str]:
    status = {c["id"]: c["status"] for c in run.report["clauses"] if c["id"] in EVENT_CLAUSES}
    assert run.exit_code == 0 and set(status.values()) == {"passed"}, status
    return status


def test_the_suite_adds_one_dataset_per_group_before_its_events_and_deletes_it():
    _passed(run_suite(f"{__name__}:CountingRequired", clauses=EVENT_CLAUSES, quiet=True))
    target = CountingRequired.last
    assert target is not None
    group_of: dict[str, str] = {}
    ready: Counter[str] = Counter()
    for operation, request, response in target.calls:
        if operation == "CreateEventTracker" and response:
            group_of[response["trackingId"]] = request["datasetGroupArn"]
        elif operation == "CreateDataset":
            ready[request["datasetGroupArn"]] += 1
        elif operation == "PutEvents" and request.get("trackingId") in group_of:
            assert ready[group_of[request["trackingId"]]] == 1, "events before the dataset"
    assert ready and set(ready.values()) == {1}, ready
    counts = Counter(operation for operation, _, _ in target.calls)
    assert counts["CreateSchema"] == counts["CreateDataset"] == counts["DeleteDataset"] \
        == counts["DeleteSchema"]
    service = target.service
    assert not service._datasets and not service._schemas and not service._dataset_groups


class WithoutDatasets(Target):
    """The reference under ``optional``, without CreateDataset (as moto: its schemas
    only)."""

    name = "without-datasets"
    last: WithoutDatasets | None = None

    def __init__(self) -> None:
        self.reference = ReferenceTarget()
        type(self).last = self

    def start(self) -> None:
        self.reference.start()

    def stop(self) -> None:
        self.reference.stop()

    def invoke(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        if operation == "CreateDataset":
            raise Unsupported(operation, "this target has no datasets")
        return self.reference.invoke(operation, request)


def test_a_target_without_datasets_gets_its_events_and_the_run_says_so():
    run = run_suite(f"{__name__}:WithoutDatasets", clauses=EVENT_CLAUSES, quiet=True)
    _passed(run)
    assert run.report["unsupported_operations"] == ["CreateDataset"]
    assert WithoutDatasets.last is not None
    assert not WithoutDatasets.last.reference.service._schemas  # the one schema deleted


class RefusesSchemas(WithoutDatasets):
    """The reference under ``required``, refusing every schema it is given."""

    name = "refuses-schemas"

    def __init__(self) -> None:
        self.reference = ReferenceTarget(REQUIRED)

    def invoke(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        if operation == "CreateSchema":
            raise TargetError(400, "InvalidInputException", "not a schema of ours")
        return self.reference.invoke(operation, request)


def test_a_dataset_that_cannot_be_made_leaves_the_events_unchecked_not_failed():
    run = run_suite(f"{__name__}:RefusesSchemas", clauses=["PutEvents.validRequest.accepted"],
                    quiet=True)
    status = {c["id"]: c["status"] for c in run.report["clauses"]}
    assert status["PutEvents.validRequest.accepted"] == "incomplete", status
    assert not run.failed_clauses, sorted(run.failed_clauses)


def test_undoing_a_replayed_dataset_deletes_it_so_its_group_can_go():
    """A replay re-sends the steps of a failure, the Interactions dataset's among them;
    undoing each create deletes what it made (the dataset too, never as a tracker), so the
    group's delete that follows does not wait on a dataset no ledger knows."""
    from personalize_conformance.harness import Harness

    target = ReferenceTarget()
    target.start()
    try:
        harness = Harness(target, run_id="u", call_timeout=None, wait_seconds=2)
        group = harness.call("CreateDatasetGroup", {"name": "pcuundo"})["datasetGroupArn"]
        facts = contracts.interactions_dataset()
        schema = harness.call("CreateSchema", {"name": "pcuschema",
                                               "schema": json.dumps(facts["schema"])})
        dataset = harness.call("CreateDataset", {
            "name": "pcudataset", "schemaArn": schema["schemaArn"],
            "datasetGroupArn": group, "datasetType": facts["datasetType"]})
        for operation, response in [("CreateDataset", dataset), ("CreateSchema", schema)]:
            harness.undo(operation, response)
        with pytest.raises(TargetError) as gone:
            target.invoke("DescribeDataset", {"datasetArn": dataset["datasetArn"]})
        assert gone.value.code == "ResourceNotFoundException"
        harness.undo("CreateDatasetGroup", {"datasetGroupArn": group})
        assert harness.created == {}
        with pytest.raises(TargetError) as gone:
            target.invoke("DescribeDatasetGroup", {"datasetGroupArn": group})
        assert gone.value.code == "ResourceNotFoundException"
    finally:
        target.stop()

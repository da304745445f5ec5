"""The resources a test needs: run-unique names, creating, waiting for ``ACTIVE``, the
Interactions dataset events need, and the ledger of what the run created.

Every name starts with the run prefix ``pc<run_id>`` (so a cleanup, and a reproduction,
can tell the run's resources). A create's answer must hold what its response schema
requires, or the test is :class:`~personalize_conformance.harness.outcomes.Blocked`.
Waiting for ``ACTIVE`` judges each status against its create order (:mod:`.status`).
Before the first events of a tracker's dataset group, the group gets an empty
Interactions dataset, once (the ``prerequisite`` operations of ``operations.json``, whose
answers are not judged; ambiguity ``PutEvents.interactionsDataset``). The ledger
(``created``) maps each resource made and not deleted to its kind and dataset group; the
deletes (:mod:`.deletes`) read it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping
from typing import Any

from personalize_conformance.contracts import (
    described,
    interactions_dataset,
    name_length,
    response_schema,
    schema,
    status_order,
    status_order_clause,
)
from personalize_conformance.harness.outcomes import Blocked, UnsupportedSkip
from personalize_conformance.harness.waiting import Backoff
from personalize_conformance.targets import TargetError

#: Seconds before the second describe of a resource being made: a status is rarely ready
#: sooner (the first describe goes at once; then the delay doubles up to 1 s).
POLL_FIRST = 0.05
#: Dataset groups made at once when a test needs a new one and none made ahead is left:
#: their creates go together, so one wait for ACTIVE serves them all.
BATCH = 3


class Resources:
    """The part of the :class:`~personalize_conformance.harness.Harness` that makes the
    resources a test needs and keeps the ledger of them."""

    run_id: str
    worker: str
    wait_seconds: float
    unsupported: dict[str, str]
    #: Resources this run created and has not deleted: ARN -> (kind, dataset group).
    created: dict[str, tuple[str, str | None]]
    #: Dataset group -> the Interactions dataset added before events were sent to it
    #: (``None``: the target could not make one).
    interactions: dict[str, str | None]
    #: Tracking ID -> its tracker's dataset group.
    _tracker_groups: dict[str, str]
    _furthest: dict[str, tuple[int, str]]
    _names: itertools.count
    invoke: Callable[[str, Mapping[str, Any]], dict[str, Any]]
    undocumented: Callable[..., None]
    waiter: Callable[..., Backoff]
    note_created: Callable[[str, tuple[str, str | None]], None]
    history: list[Any]

    def _init_resources(self) -> None:
        self._tracker_groups = {}
        #: Dataset groups made ahead, ACTIVE and never given to a test: (ARN, the calls
        #: that made it).
        self._ahead: list[tuple[str, list[Any]]] = []

    def new_name(self, kind: str, size: int = 0) -> str:
        """A valid, run-unique resource name (``Name`` pattern, at most its maximum length),
        padded to ``size`` characters when shorter; every name starts with the run prefix
        ``pc<run_id>``. Every create the suite sends (drawn, shrunk or replayed) gets one."""
        base = f"pc{self.run_id}{self.worker}{kind}{next(self._names)}"[:name_length()[1]]
        return base + "x" * (min(size, name_length()[1]) - len(base))

    def wait_active(self, describe: str, arn: str) -> dict[str, Any]:
        """Poll ``describe`` until the resource is ACTIVE (bounded by ``wait_seconds``); a
        status outside the documented create order fails at once (:meth:`undocumented`)."""
        key, field = described(describe)
        wait = self.waiter(first=POLL_FIRST)
        order_clause = status_order_clause(describe)
        documented = {status for rank in status_order(order_clause) for status in rank}
        # the last step of the documented create order: ACTIVE, or CREATE FAILED
        active, *failed = status_order(order_clause)[-1]
        while True:
            body = self.invoke(describe, {field: arn})[key]
            if body.get("status") not in documented:
                self.undocumented(order_clause, describe, {field: arn}, body)
            if body.get("status") == active:
                return body
            if body.get("status") in failed:
                raise RuntimeError(f"{arn} is {body.get('status')}: {body}")
            if wait.overdue():
                raise TimeoutError(f"{arn} not ACTIVE after {self.wait_seconds}s: {body}")
            wait.pause()

    def create_dataset_group(self) -> str:
        """A new ACTIVE dataset group no test has had; its ARN. Made ``BATCH`` at a time
        (the creates sent together, then each waited for: one wait serves them all); the
        calls that made it join the history of the test that takes it (its reproductions
        make it), and only that test's."""
        while self._ahead:
            arn, calls = self._ahead.pop(0)
            if arn in self.created:
                self.history.extend(calls)
                return arn
        before = {id(call) for call in self.history}
        arns = [self.make("CreateDatasetGroup", {"name": self.new_name("dg")}
                          )["datasetGroupArn"] for _ in range(BATCH)]
        for arn in arns:
            self.wait_active("DescribeDatasetGroup", arn)
        made = [call for call in self.history if id(call) not in before]
        self.history[:] = [call for call in self.history if id(call) in before]
        self._ahead += [(arn, [c for c in made if arn in (
            c.request.get("datasetGroupArn"), (c.response or {}).get("datasetGroupArn"))])
            for arn in arns]
        return self.create_dataset_group()

    def make(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """A create's answer, holding the members its response schema requires; else the
        test is :class:`Blocked` (the create's response clause fails in its own test)."""
        created = self.invoke(operation, request)
        file = response_schema(operation)
        required = schema(file).get("required", ()) if file else ()
        missing = [m for m in required if not created.get(m)]
        if missing:
            raise Blocked(f"{operation} answered without {', '.join(missing)}: nothing to "
                          f"go on with (its response clause fails in its own test)")
        return created

    def create_tracker(self, dataset_group_arn: str) -> dict[str, Any]:
        """A new ACTIVE event tracker on the dataset group; the create response."""
        return self.create_trackers([dataset_group_arn])[0]

    def create_trackers(self, dataset_group_arns: list[str]) -> list[dict[str, Any]]:
        """A new ACTIVE event tracker on each dataset group, the creates sent together,
        then each waited for; the create responses."""
        made = [self.make("CreateEventTracker", {
            "name": self.new_name("et"), "datasetGroupArn": arn}) for arn in dataset_group_arns]
        for created in made:
            self.wait_active("DescribeEventTracker", created["eventTrackerArn"])
        return made

    def _ready_for_events(self, tracking_id: Any) -> None:
        """Before the first events with a tracking ID this run was issued: an empty
        Interactions dataset in its tracker's dataset group, made once per group, as the
        guide requires for recording events (ambiguity PutEvents.interactionsDataset).
        A target without CreateSchema or CreateDataset gets its events anyway (the reading
        ``optional``; the run lists the operation unsupported); one that refuses them
        leaves the test :class:`Blocked`."""
        group = self._tracker_groups.get(tracking_id) if isinstance(tracking_id, str) else None
        if group is None or group in self.interactions or group not in self.created:
            return
        self.interactions[group] = None
        if {"CreateSchema", "CreateDataset", "PutEvents"} & set(self.unsupported):
            return
        facts = interactions_dataset()
        try:
            schema_arn = self.invoke("CreateSchema", {
                "name": self.new_name("sc"), "schema": json.dumps(facts["schema"])}
            ).get("schemaArn")
            dataset_arn = schema_arn and self.invoke("CreateDataset", {
                "name": self.new_name("ds"), "schemaArn": schema_arn,
                "datasetGroupArn": group, "datasetType": facts["datasetType"]}
            ).get("datasetArn")
            if not dataset_arn:
                raise Blocked("CreateSchema or CreateDataset answered without its ARN: no "
                              "Interactions dataset to record events in")
            self._wait_dataset(dataset_arn)
        except UnsupportedSkip:
            return
        except TargetError as exc:
            raise Blocked(f"no Interactions dataset could be added to {group} to record "
                          f"events in: {exc}"[:300]) from None
        self.interactions[group] = dataset_arn

    def _wait_dataset(self, arn: str) -> None:
        """Describe a new dataset until ACTIVE (bounded by ``wait_seconds``): the statuses
        of a new dataset are documented as those of a dataset group (botocore's Dataset and
        DatasetGroup status documentation)."""
        active, *failed = status_order(status_order_clause("DescribeDataset"))[-1]
        wait = self.waiter(first=POLL_FIRST)
        while True:
            status = self.invoke("DescribeDataset", {"datasetArn": arn}).get(
                "dataset", {}).get("status")
            if status == active:
                return
            if status in failed or wait.overdue():
                raise Blocked(f"the Interactions dataset {arn} is {status!r}, not {active}")
            wait.pause()

    def _track(self, operation: str, request: Mapping[str, Any], response: Mapping) -> None:
        if operation == "CreateDatasetGroup" and "datasetGroupArn" in response:
            self.note_created(response["datasetGroupArn"], ("dataset-group", None))
        elif operation == "CreateEventTracker" and "eventTrackerArn" in response:
            self.note_created(response["eventTrackerArn"], (
                "event-tracker", request.get("datasetGroupArn")))
            if isinstance(response.get("trackingId"), str):
                self._tracker_groups[response["trackingId"]] = request.get("datasetGroupArn")
        elif operation in ("CreateSchema", "CreateDataset"):
            self._track_prerequisite(operation, request, response)
        elif operation in ("DeleteDataset", "DeleteSchema"):
            self.created.pop(request.get("datasetArn", request.get("schemaArn", "")), None)
        elif operation == "DeleteEventTracker":
            self.created.pop(request.get("eventTrackerArn", ""), None)
            self._furthest.pop(request.get("eventTrackerArn", ""), None)
        elif operation == "DeleteDatasetGroup":
            self.created.pop(request.get("datasetGroupArn", ""), None)
            self._furthest.pop(request.get("datasetGroupArn", ""), None)

    def _track_prerequisite(self, operation: str, request: Mapping[str, Any],
                            response: Mapping) -> None:
        """A schema, then the dataset of a dataset group made with it: both are the group's
        (deleted with it, the dataset first)."""
        if operation == "CreateSchema" and "schemaArn" in response:
            self.note_created(response["schemaArn"], ("schema", None))
        elif operation == "CreateDataset" and "datasetArn" in response:
            group = request.get("datasetGroupArn")
            self.note_created(response["datasetArn"], ("dataset", group))
            if request.get("schemaArn") in self.created:
                self.created[request["schemaArn"]] = ("schema", group)

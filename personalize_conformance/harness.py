"""The harness between the tests and a target: one place for call logging, unsupported
operations, capabilities, unique names and waiting for resources to become ACTIVE."""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from typing import Any

import pytest

from .outcomes import NOT_APPLICABLE, UNSUPPORTED, skip_reason
from .reproduce import Call
from .targets import Target, TargetError, Unsupported

HISTORY_LIMIT = 500
ACTIVE = "ACTIVE"


class Harness:
    """Wraps a ``Target`` for the tests of one pytest process (one xdist worker)."""

    def __init__(self, target: Target, *, run_id: str, worker: str = "gw0",
                 strict: bool = False, wait_seconds: float = 60.0) -> None:
        self.target = target
        self.strict = strict
        self.run_id = run_id
        self.worker = worker
        self.wait_seconds = wait_seconds
        self.history: list[Call] = []
        self.unsupported: dict[str, str] = {}
        self._names = itertools.count(1)

    # -- calls -----------------------------------------------------------------------------
    def invoke(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Call the target; an operation it lacks skips the test as ``unsupported``."""
        if operation in self.unsupported:
            pytest.skip(skip_reason(UNSUPPORTED, self.unsupported[operation]))
        request = dict(request)
        try:
            response = self.target.invoke(operation, request)
        except Unsupported as exc:
            self.unsupported[operation] = str(exc)
            pytest.skip(skip_reason(UNSUPPORTED, str(exc)))
        except TargetError:
            self._log(Call(operation, request))
            raise
        self._log(Call(operation, request, response))
        return response

    def _log(self, call: Call) -> None:
        self.history.append(call)
        if len(self.history) > HISTORY_LIMIT:
            cut = len(self.history) - HISTORY_LIMIT
            del self.history[:cut]

    def begin_test(self) -> None:
        """Forget earlier tests' calls (called before each test's fixtures)."""
        self.history.clear()

    def require(self, capability: str) -> None:
        """Skip as ``not_applicable`` unless the target declares ``capability``."""
        if capability not in self.target.capabilities:
            pytest.skip(skip_reason(NOT_APPLICABLE, f"the target lacks capability {capability!r}"))

    # -- resources -------------------------------------------------------------------------
    def new_name(self, kind: str) -> str:
        """A valid, run-unique resource name (``Name`` pattern, at most 63 characters)."""
        return f"pc{self.run_id}{self.worker}{kind}{next(self._names)}"[:63]

    def wait_active(self, describe: str, key: str, field: str, arn: str) -> dict[str, Any]:
        """Poll ``describe`` until the resource is ACTIVE (bounded by ``wait_seconds``)."""
        deadline = time.monotonic() + self.wait_seconds
        delay = 0.01
        while True:
            body = self.invoke(describe, {field: arn})[key]
            if body.get("status") == ACTIVE:
                return body
            if time.monotonic() > deadline:
                raise TimeoutError(f"{arn} not ACTIVE after {self.wait_seconds}s: {body}")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def create_dataset_group(self) -> str:
        """A new ACTIVE dataset group; its ARN."""
        arn = self.invoke("CreateDatasetGroup", {"name": self.new_name("dg")})["datasetGroupArn"]
        self.wait_active("DescribeDatasetGroup", "datasetGroup", "datasetGroupArn", arn)
        return arn

    def create_tracker(self, dataset_group_arn: str) -> dict[str, Any]:
        """A new ACTIVE event tracker on the dataset group; the create response."""
        created = self.invoke("CreateEventTracker", {
            "name": self.new_name("et"), "datasetGroupArn": dataset_group_arn,
        })
        self.wait_active("DescribeEventTracker", "eventTracker", "eventTrackerArn",
                         created["eventTrackerArn"])
        return created

    def delete_dataset_group(self, arn: str) -> None:
        """Delete the group's trackers, then the group; best effort (cleanup)."""
        try:
            trackers = self.target.invoke("ListEventTrackers", {"datasetGroupArn": arn})
            for tracker in trackers.get("eventTrackers", []):
                self.target.invoke("DeleteEventTracker",
                                   {"eventTrackerArn": tracker["eventTrackerArn"]})
            deadline = time.monotonic() + self.wait_seconds
            while time.monotonic() < deadline:
                try:
                    self.target.invoke("DeleteDatasetGroup", {"datasetGroupArn": arn})
                    return
                except TargetError as exc:
                    if exc.code != "ResourceInUseException":
                        return
                    time.sleep(0.2)
        except (TargetError, Unsupported):
            return

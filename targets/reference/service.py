"""The reference implementation: an in-memory Personalize event-tracking service.

Written from the contract: every request body is checked against its schema in
``contracts/`` (a failure is InvalidInputException), and each behavioural rule of the
clause catalog is a few lines below, naming its clause. It takes request bodies as they
arrive on the wire (JSON data) and returns response bodies as JSON data.

``Behaviour`` holds the knobs: how statuses progress, and the deliberate faults a
mutant switches on (``schema_patches`` and ``faults``).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ... import contracts

ACCOUNT = "123456789012"
REGION = "us-east-1"
ACTIVE = "ACTIVE"
CREATE_STEPS = ("CREATE PENDING", "CREATE IN_PROGRESS", ACTIVE)
DELETE_STEPS = ("DELETE PENDING", "DELETE IN_PROGRESS")


class ServiceError(Exception):
    """An error answer: the exception name and its message (HTTP 400 unless said)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Behaviour:
    """How the reference behaves.

    ``progressive``: a new resource passes through CREATE PENDING and CREATE IN_PROGRESS,
    one step per describe, before ACTIVE; a deleted tracker through DELETE PENDING and
    DELETE IN_PROGRESS before it is gone. Otherwise every change is immediate.
    ``schema_patches``: {"File.json#/pointer": value} applied to the request schemas.
    ``faults``: names of behavioural faults (see ``FAULTS``), for mutants only.
    """

    progressive: bool = False
    schema_patches: Mapping[str, Any] = field(default_factory=dict)
    faults: frozenset[str] = frozenset()


#: Behavioural faults a mutant may switch on, with the clause each one breaks.
FAULTS: dict[str, str] = {
    "second-tracker-allowed": "CreateEventTracker.oneTrackerPerDatasetGroup",
}


def _patched_schema(name: str, patches: Mapping[str, Any]) -> dict:
    schema = contracts.schema(name)
    for where, value in patches.items():
        file, _, pointer = where.partition("#")
        if file != name:
            continue
        *parents, last = [p for p in pointer.split("/") if p]
        node = schema
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return schema


def _describe_error(error: Any) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(request)"
    return f"1 validation error detected: Value at '{where}' failed to satisfy constraint: " + (
        error.message
    )


@dataclass
class _Resource:
    body: dict[str, Any]
    steps: list[str]

    def advance(self) -> None:
        """One describe later: move one step along the documented status order."""
        if len(self.steps) > 1:
            self.steps.pop(0)
            self.body["status"] = self.steps[0]
            self.body["lastUpdatedDateTime"] = time.time()


class ReferenceService:
    """The in-memory service. ``call(operation, body)`` is its only entry point."""

    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        self._lock = threading.RLock()
        self._dataset_groups: dict[str, _Resource] = {}
        self._trackers: dict[str, _Resource] = {}
        self._by_tracking_id: dict[str, str] = {}
        self._deleting: dict[str, _Resource] = {}
        self._events: dict[str, list[dict[str, Any]]] = {}
        self._validators: dict[str, Any] = {}

    # -- plumbing --------------------------------------------------------------------------
    def call(self, operation: str, body: Any) -> dict[str, Any]:
        handler = getattr(self, f"_op_{operation}", None)
        if handler is None:
            raise ServiceError("UnknownOperationException", f"unknown operation {operation}")
        if not isinstance(body, dict):
            raise ServiceError("SerializationException", "the request body is not a JSON object")
        self._validate(operation, body)
        with self._lock:
            return handler(body)

    def _validator(self, schema_name: str) -> Any:
        if schema_name not in self._validators:
            patches = self.behaviour.schema_patches
            if any(p.startswith(schema_name + "#") for p in patches):
                self._validators[schema_name] = contracts.Validator(
                    _patched_schema(schema_name, patches)
                )
            else:
                self._validators[schema_name] = contracts.validator(schema_name)
        return self._validators[schema_name]

    def _validate(self, operation: str, body: dict[str, Any]) -> None:
        schema_name = contracts.operations()[operation]["request"]
        errors = sorted(
            self._validator(schema_name).iter_errors(body),
            key=lambda e: [str(p) for p in e.absolute_path],
        )
        if errors:
            raise ServiceError("InvalidInputException", _describe_error(errors[0]))

    def _steps(self, steps: tuple[str, ...]) -> list[str]:
        return list(steps) if self.behaviour.progressive else [steps[-1]]

    @staticmethod
    def _arn(kind: str, name: str) -> str:
        return f"arn:aws:personalize:{REGION}:{ACCOUNT}:{kind}/{name}"

    def _dataset_group(self, arn: str) -> _Resource:
        if arn not in self._dataset_groups:
            raise ServiceError("ResourceNotFoundException", f"Could not find resource {arn}")
        return self._dataset_groups[arn]

    def _tracker(self, arn: str) -> _Resource:
        if arn not in self._trackers:
            raise ServiceError("ResourceNotFoundException", f"Could not find resource {arn}")
        return self._trackers[arn]

    # -- dataset groups --------------------------------------------------------------------
    def _op_CreateDatasetGroup(self, body: dict[str, Any]) -> dict[str, Any]:
        arn = self._arn("dataset-group", body["name"])
        if arn in self._dataset_groups:
            raise ServiceError("ResourceAlreadyExistsException", f"{arn} already exists")
        now = time.time()
        steps = self._steps(CREATE_STEPS)
        self._dataset_groups[arn] = _Resource(
            {"name": body["name"], "datasetGroupArn": arn, "status": steps[0],
             "creationDateTime": now, "lastUpdatedDateTime": now},
            steps,
        )
        self._events[arn] = []
        return {"datasetGroupArn": arn}

    def _op_DescribeDatasetGroup(self, body: dict[str, Any]) -> dict[str, Any]:
        group = self._dataset_group(body["datasetGroupArn"])
        snapshot = dict(group.body)
        group.advance()
        return {"datasetGroup": snapshot}

    def _op_DeleteDatasetGroup(self, body: dict[str, Any]) -> dict[str, Any]:
        arn = body["datasetGroupArn"]
        self._dataset_group(arn)
        if any(t.body["datasetGroupArn"] == arn for t in self._trackers.values()):
            raise ServiceError("ResourceInUseException", f"{arn} has an event tracker")
        del self._dataset_groups[arn]
        self._events.pop(arn, None)
        return {}

    # -- event trackers --------------------------------------------------------------------
    def _op_CreateEventTracker(self, body: dict[str, Any]) -> dict[str, Any]:
        group_arn = body["datasetGroupArn"]
        self._dataset_group(group_arn)
        # CreateEventTracker.oneTrackerPerDatasetGroup
        if "second-tracker-allowed" not in self.behaviour.faults and any(
            t.body["datasetGroupArn"] == group_arn for t in self._trackers.values()
        ):
            raise ServiceError(
                "ResourceAlreadyExistsException",
                f"An event tracker already exists for dataset group {group_arn}",
            )
        arn = self._arn("event-tracker", uuid.uuid4().hex[:8])
        tracking_id = str(uuid.uuid4())
        now = time.time()
        steps = self._steps(CREATE_STEPS)
        self._trackers[arn] = _Resource(
            {"name": body["name"], "eventTrackerArn": arn, "accountId": ACCOUNT,
             "trackingId": tracking_id, "datasetGroupArn": group_arn, "status": steps[0],
             "creationDateTime": now, "lastUpdatedDateTime": now},
            steps,
        )
        self._by_tracking_id[tracking_id] = arn
        return {"eventTrackerArn": arn, "trackingId": tracking_id}

    def _op_DescribeEventTracker(self, body: dict[str, Any]) -> dict[str, Any]:
        arn = body["eventTrackerArn"]
        if arn in self._deleting:
            gone = self._deleting[arn]
            snapshot = dict(gone.body)
            gone.advance()
            if len(gone.steps) == 1 and snapshot["status"] == DELETE_STEPS[-1]:
                del self._deleting[arn]
            return {"eventTracker": snapshot}
        tracker = self._tracker(arn)
        snapshot = dict(tracker.body)
        tracker.advance()
        return {"eventTracker": snapshot}

    def _op_ListEventTrackers(self, body: dict[str, Any]) -> dict[str, Any]:
        group_arn = body.get("datasetGroupArn")
        rows = [
            {k: t.body[k] for k in ("name", "eventTrackerArn", "status",
                                     "creationDateTime", "lastUpdatedDateTime")}
            for t in list(self._trackers.values()) + list(self._deleting.values())
            if group_arn is None or t.body["datasetGroupArn"] == group_arn
        ]
        rows.sort(key=lambda r: r["eventTrackerArn"])
        start = self._page_start(body.get("nextToken"), group_arn)
        size = body.get("maxResults", 100)
        page = rows[start:start + size]
        answer: dict[str, Any] = {"eventTrackers": page}
        if start + size < len(rows):
            answer["nextToken"] = self._token(start + size, group_arn)
        return answer

    @staticmethod
    def _token(offset: int, group_arn: str | None) -> str:
        return base64.urlsafe_b64encode(json.dumps([offset, group_arn]).encode()).decode()

    def _page_start(self, token: str | None, group_arn: str | None) -> int:
        if token is None:
            return 0
        try:
            offset, token_group = json.loads(base64.urlsafe_b64decode(token.encode()))
            if token_group != group_arn or not isinstance(offset, int) or offset < 0:
                raise ValueError(token)
        except (ValueError, TypeError) as exc:
            raise ServiceError("InvalidNextTokenException", "The next token is not valid") from exc
        return offset

    def _op_DeleteEventTracker(self, body: dict[str, Any]) -> dict[str, Any]:
        arn = body["eventTrackerArn"]
        tracker = self._tracker(arn)
        del self._trackers[arn]
        self._by_tracking_id.pop(tracker.body["trackingId"], None)
        if self.behaviour.progressive:
            tracker.steps = list(DELETE_STEPS)
            tracker.body["status"] = DELETE_STEPS[0]
            tracker.body["lastUpdatedDateTime"] = time.time()
            self._deleting[arn] = tracker
        return {}

    # -- events ----------------------------------------------------------------------------
    def _op_PutEvents(self, body: dict[str, Any]) -> dict[str, Any]:
        arn = self._by_tracking_id.get(body["trackingId"])
        if arn is None:
            raise ServiceError("InvalidInputException", "The tracking ID is not valid")
        tracker = self._trackers[arn].body
        if tracker["status"] != ACTIVE:
            raise ServiceError("InvalidInputException", "The event tracker is not ACTIVE")
        store = self._events.setdefault(tracker["datasetGroupArn"], [])
        for event in body["eventList"]:
            store.append({
                "eventId": event.get("eventId") or str(uuid.uuid4()),
                "eventIdGenerated": "eventId" not in event,
                "userId": body.get("userId"),
                "sessionId": body["sessionId"],
                "trackingId": body["trackingId"],
                "event": dict(event),
            })
        return {}

    # -- inspect ---------------------------------------------------------------------------
    def recorded_events(self, dataset_group_arn: str) -> list[dict[str, Any]]:
        """The events recorded for a dataset group, in arrival order, in the ``inspect``
        record format: the userId a session's events are associated with, whether each
        is used in training (the first of its eventId only) and the Interactions fields."""
        with self._lock:
            stored = [dict(e) for e in self._events.get(dataset_group_arn, [])]
        users: dict[str, str] = {}
        for record in stored:  # PutEvents.semantics.sessionAssociatesUser
            if record["userId"] is not None:
                users.setdefault(record["sessionId"], record["userId"])
        seen: set[str] = set()
        for record in stored:
            record["userId"] = record["userId"] or users.get(record["sessionId"])
            # PutEvents.semantics.duplicateEventIdNotTrained
            record["usedInTraining"] = record["eventId"] not in seen
            seen.add(record["eventId"])
            record["fields"] = _fields(record["event"], record["userId"])
        return stored


def _upper_snake(key: str) -> str:
    """``numRatings`` -> ``NUM_RATINGS`` (PutEvents.semantics.propertiesMapToFields)."""
    return "".join(f"_{c}" if c.isupper() else c for c in key).upper()


def _fields(event: Mapping[str, Any], user_id: str | None) -> dict[str, Any]:
    """The Interactions fields an event maps to."""
    fields: dict[str, Any] = {"TIMESTAMP": event.get("sentAt"),
                              "EVENT_TYPE": event.get("eventType")}
    if user_id is not None:
        fields["USER_ID"] = user_id
    for member, name in (("itemId", "ITEM_ID"), ("eventValue", "EVENT_VALUE")):
        if member in event:
            fields[name] = event[member]
    try:
        properties = json.loads(event.get("properties") or "{}")
    except ValueError:
        properties = {}
    if isinstance(properties, dict):
        for key, value in properties.items():
            fields.setdefault(_upper_snake(key), value)
    return fields

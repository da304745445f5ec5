"""The reference implementation: an in-memory Personalize event-tracking service.

Written from the contract: every request body is checked against its schema in
``contracts/`` (a failure is InvalidInputException), and each behavioural rule of the
clause catalog is a few lines below, naming its clause. It takes request bodies as they
arrive on the wire (JSON data) and returns response bodies as JSON data.

``Behaviour`` holds the knobs: how statuses progress (immediate, or one step per
describe: EventTracker.status.createOrder / deleteOrder), and the deliberate faults a
mutant switches on (``schema_patches`` and ``faults``). Accepted events are kept per
dataset group and read back by ``recorded_events`` (the ``inspect`` capability).
"""

from __future__ import annotations

import json
import re
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
        self._tokens: dict[str, tuple[str, str | None]] = {}

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
        # DescribeEventTracker.unknownIsNotFound / DeleteEventTracker.unknownIsNotFound
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
             "creationDateTime": now, "lastUpdatedDateTime": now,
             **{k: body[k] for k in ("roleArn", "kmsKeyArn", "domain") if k in body}},
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
        self._dataset_group(group_arn)  # CreateEventTracker.datasetGroupMustExist
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
        # ListEventTrackers.filterByDatasetGroup / .maxResults / .paging / .invalidNextToken
        group_arn = body.get("datasetGroupArn")
        after = self._page_after(body.get("nextToken"), group_arn)
        rows = sorted(
            (t.body for t in [*self._trackers.values(), *self._deleting.values()]
             if group_arn is None or t.body["datasetGroupArn"] == group_arn),
            key=lambda t: t["eventTrackerArn"],
        )
        rows = [r for r in rows if after is None or r["eventTrackerArn"] > after]
        page = rows[:body.get("maxResults", 100)]
        answer: dict[str, Any] = {"eventTrackers": [
            {k: r[k] for k in ("name", "eventTrackerArn", "status",
                               "creationDateTime", "lastUpdatedDateTime")} for r in page
        ]}
        if len(rows) > len(page):
            token = uuid.uuid4().hex + uuid.uuid4().hex  # opaque: only issued tokens work
            self._tokens[token] = (page[-1]["eventTrackerArn"], group_arn)
            answer["nextToken"] = token
        return answer

    def _page_after(self, token: str | None, group_arn: str | None) -> str | None:
        """The last ARN of the page a token was issued for (keyset paging)."""
        if token is None:
            return None
        issued = self._tokens.get(token)
        if issued is None or issued[1] != group_arn:
            raise ServiceError("InvalidNextTokenException", "The next token is not valid")
        return issued[0]

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
        # PutEvents.unknownTrackingId / PutEvents.deletedTrackingId: only live trackers'
        arn = self._by_tracking_id.get(body["trackingId"])
        if arn is None:
            raise ServiceError("InvalidInputException", "The tracking ID is not valid")
        tracker = self._trackers[arn].body
        if tracker["status"] != ACTIVE:
            raise ServiceError("InvalidInputException", "The event tracker is not ACTIVE")
        # PutEvents.semantics.recordedInDatasetGroup: the tracker's group, no other
        store = self._events.setdefault(tracker["datasetGroupArn"], [])
        for event in body["eventList"]:
            store.append({
                "event": json.loads(json.dumps(event)),
                "eventId": event.get("eventId") or str(uuid.uuid4()),
                "eventIdGenerated": "eventId" not in event,
                "userId": body.get("userId"),
                "sessionId": body["sessionId"],
                "trackingId": body["trackingId"],
            })
        return {}

    # -- inspect ---------------------------------------------------------------------------
    def recorded_events(self, dataset_group_arn: str) -> list[dict[str, Any]]:
        """The events recorded for a dataset group, in arrival order (the ``inspect`` format).

        Computed when read, so an anonymous event recorded before its session's first
        event with a userId is associated with that user too.
        """
        with self._lock:
            stored = [json.loads(json.dumps(e)) for e in self._events.get(dataset_group_arn, [])]
        # PutEvents.semantics.sessionAssociatesUser: the first userId a session carries
        session_user: dict[str, str] = {}
        for record in stored:
            if record["userId"] is not None:
                session_user.setdefault(record["sessionId"], record["userId"])
        seen: set[str] = set()
        out = []
        for record in stored:
            user = record["userId"] or session_user.get(record["sessionId"])
            # PutEvents.semantics.duplicateEventIdNotTrained: only the first of an eventId
            used = record["eventId"] not in seen
            seen.add(record["eventId"])
            out.append({**record, "userId": user, "usedInTraining": used,
                        "fields": interaction_fields(record["event"], user)})
        return out


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def upper_snake(key: str) -> str:
    """A camelCase properties key as its Interactions schema field: numRatings -> NUM_RATINGS."""
    return _CAMEL_BOUNDARY.sub("_", key).upper()


def interaction_fields(event: Mapping[str, Any], user_id: str | None) -> dict[str, Any]:
    """The Interactions fields an event maps to (PutEvents.semantics.propertiesMapToFields)."""
    fields: dict[str, Any] = {}
    try:
        properties = json.loads(event.get("properties") or "{}")
    except (TypeError, ValueError):
        properties = {}
    if isinstance(properties, dict):
        fields.update({upper_snake(str(k)): v for k, v in properties.items()})
    if user_id is not None:
        fields["USER_ID"] = user_id
    for key, name in (("itemId", "ITEM_ID"), ("sentAt", "TIMESTAMP"),
                      ("eventType", "EVENT_TYPE"), ("eventValue", "EVENT_VALUE")):
        if key in event:
            fields[name] = event[key]
    return fields

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
from collections.abc import Callable, Mapping
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


#: Behavioural faults a mutant may switch on (``targets/mutants.json``), with the clause
#: each one breaks. Each is one ``if`` below, at the line that keeps that clause.
FAULTS: dict[str, str] = {
    # resources and their errors
    "second-tracker-allowed": "CreateEventTracker.oneTrackerPerDatasetGroup",
    "second-tracker-as-invalid-input": "CreateEventTracker.oneTrackerPerDatasetGroup",
    "second-tracker-as-500": "CreateEventTracker.oneTrackerPerDatasetGroup",
    "tracker-on-missing-dataset-group": "CreateEventTracker.datasetGroupMustExist",
    "missing-dataset-group-with-status-200": "CreateEventTracker.datasetGroupMustExist",
    "describe-unknown-as-invalid-input": "DescribeEventTracker.unknownIsNotFound",
    "delete-unknown-as-invalid-input": "DeleteEventTracker.unknownIsNotFound",
    "delete-unknown-with-status-500": "DeleteEventTracker.unknownIsNotFound",
    # validation errors of one clause answered wrongly
    "name-too-long-as-validation-exception": "CreateEventTracker.name.maxLength",
    "event-type-too-long-as-500": "PutEvents.eventList[].eventType.maxLength",
    "too-many-tags-with-status-200": "CreateEventTracker.tags.maxItems",
    # describe and its responses
    "describe-wrong-name": "DescribeEventTracker.agreesWithCreate",
    "describe-wrong-tracking-id": "DescribeEventTracker.agreesWithCreate",
    "describe-wrong-dataset-group": "DescribeEventTracker.agreesWithCreate",
    "create-response-missing-tracking-id": "CreateEventTracker.response.valid",
    "describe-account-id-not-a-string": "DescribeEventTracker.response.valid",
    "list-status-not-a-string": "ListEventTrackers.response.valid",
    "describe-dataset-group-bad-domain": "DescribeDatasetGroup.response.valid",
    # statuses
    "create-status-goes-back": "EventTracker.status.createOrder",
    "active-then-create-in-progress": "EventTracker.status.createOrder",
    "status-ready": "EventTracker.status.createOrder",
    "delete-status-goes-back": "EventTracker.status.deleteOrder",
    # deletion
    "deleted-tracker-still-described": "DeleteEventTracker.thenNotFound",
    "deleted-tracker-still-listed": "DeleteEventTracker.thenNotFound",
    "deleted-tracker-accepts-events": "PutEvents.deletedTrackingId",
    "unknown-tracking-id-accepted": "PutEvents.unknownTrackingId",
    # listing
    "list-ignores-filter": "ListEventTrackers.filterByDatasetGroup",
    "list-ignores-max-results": "ListEventTrackers.maxResults",
    "paging-loses-item": "ListEventTrackers.paging",
    "paging-repeats-item": "ListEventTrackers.paging",
    "invalid-next-token-accepted": "ListEventTrackers.invalidNextToken",
    # what happens to accepted events (inspect)
    "events-recorded-elsewhere": "PutEvents.semantics.recordedInDatasetGroup",
    "generated-event-ids-repeat": "PutEvents.semantics.eventIdGenerated",
    "generated-event-ids-missing": "PutEvents.semantics.eventIdGenerated",
    "duplicate-event-ids-trained": "PutEvents.semantics.duplicateEventIdNotTrained",
    "session-not-associated": "PutEvents.semantics.sessionAssociatesUser",
    "properties-keys-unmapped": "PutEvents.semantics.propertiesMapToFields",
}
#: Where the events go under the fault ``events-recorded-elsewhere``.
ELSEWHERE = "arn:aws:personalize:us-east-1:123456789012:dataset-group/elsewhere"


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


def _at(clause_id: str) -> str | None:
    """The schema location of a shape clause."""
    return contracts.catalog()[clause_id].schema


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
        #: Deleted trackers' last bodies, by ARN; and trackers already shown ACTIVE (faults).
        self._retired: dict[str, dict[str, Any]] = {}
        self._shown_active: set[str] = set()

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
            raise self._invalid(contracts.pointer(errors[0], schema_name),
                                _describe_error(errors[0]))

    def _invalid(self, where: str, message: str) -> ServiceError:
        """A request failing its schema at ``where``: InvalidInputException, HTTP 400 (each
        shape clause; Errors.status400), unless a fault answers one clause otherwise."""
        faults = self.behaviour.faults
        if "name-too-long-as-validation-exception" in faults and where == _at(
                "CreateEventTracker.name.maxLength"):
            return ServiceError("ValidationException", message)
        if "event-type-too-long-as-500" in faults and where == _at(
                "PutEvents.eventList[].eventType.maxLength"):
            return ServiceError("InternalFailure", message, status=500)
        if "too-many-tags-with-status-200" in faults and where == _at(
                "CreateEventTracker.tags.maxItems"):
            return ServiceError("InvalidInputException", message, status=200)
        return ServiceError("InvalidInputException", message)

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
        if "describe-dataset-group-bad-domain" in self.behaviour.faults:
            snapshot["domain"] = "GENERAL"
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
        faults = self.behaviour.faults
        if group_arn not in self._dataset_groups:  # CreateEventTracker.datasetGroupMustExist
            missing = f"Could not find resource {group_arn}"
            if "missing-dataset-group-with-status-200" in faults:
                raise ServiceError("ResourceNotFoundException", missing, status=200)
            if "tracker-on-missing-dataset-group" not in faults:
                raise ServiceError("ResourceNotFoundException", missing)
        # CreateEventTracker.oneTrackerPerDatasetGroup
        if any(t.body["datasetGroupArn"] == group_arn for t in self._trackers.values()):
            taken = f"An event tracker already exists for dataset group {group_arn}"
            if "second-tracker-as-invalid-input" in faults:
                raise ServiceError("InvalidInputException", taken)
            if "second-tracker-as-500" in faults:
                raise ServiceError("InternalFailure", taken, status=500)
            if "second-tracker-allowed" not in faults:
                raise ServiceError("ResourceAlreadyExistsException", taken)
        arn = self._arn("event-tracker", uuid.uuid4().hex[:8])
        tracking_id = str(uuid.uuid4())
        now = time.time()
        steps = self._steps(CREATE_STEPS)  # EventTracker.status.createOrder
        if "create-status-goes-back" in faults:
            steps = ["CREATE IN_PROGRESS", "CREATE PENDING", ACTIVE]
        if "status-ready" in faults:
            steps = ["READY", ACTIVE]
        self._trackers[arn] = _Resource(
            {"name": body["name"], "eventTrackerArn": arn, "accountId": ACCOUNT,
             "trackingId": tracking_id, "datasetGroupArn": group_arn, "status": steps[0],
             "creationDateTime": now, "lastUpdatedDateTime": now},
            steps,
        )
        self._by_tracking_id[tracking_id] = arn
        answer = {"eventTrackerArn": arn, "trackingId": tracking_id}
        if "create-response-missing-tracking-id" in faults:
            del answer["trackingId"]
        return answer

    def _op_DescribeEventTracker(self, body: dict[str, Any]) -> dict[str, Any]:
        arn = body["eventTrackerArn"]
        faults = self.behaviour.faults
        if arn in self._deleting:
            gone = self._deleting[arn]
            snapshot = dict(gone.body)
            gone.advance()
            if len(gone.steps) == 1 and snapshot["status"] == gone.steps[-1]:
                del self._deleting[arn]
            return {"eventTracker": snapshot}
        if "deleted-tracker-still-described" in faults and arn in self._retired:
            return {"eventTracker": dict(self._retired[arn])}
        never = arn not in self._trackers and arn not in self._retired
        if "describe-unknown-as-invalid-input" in faults and never:
            raise ServiceError("InvalidInputException", f"Could not find resource {arn}")
        tracker = self._tracker(arn)
        snapshot = dict(tracker.body)
        tracker.advance()
        # DescribeEventTracker.agreesWithCreate, .response.valid, EventTracker.status.createOrder
        if "describe-wrong-name" in faults:
            snapshot["name"] = snapshot["name"][:-1] + "ab"[snapshot["name"].endswith("a")]
        if "describe-wrong-tracking-id" in faults:
            snapshot["trackingId"] = snapshot["trackingId"][::-1]
        if "describe-wrong-dataset-group" in faults:
            snapshot["datasetGroupArn"] += "-other"
        if "describe-account-id-not-a-string" in faults:
            snapshot["accountId"] = int(ACCOUNT)
        if "active-then-create-in-progress" in faults and snapshot["status"] == ACTIVE:
            if arn in self._shown_active:
                snapshot["status"] = "CREATE IN_PROGRESS"
            self._shown_active.add(arn)
        return {"eventTracker": snapshot}

    def _op_ListEventTrackers(self, body: dict[str, Any]) -> dict[str, Any]:
        # ListEventTrackers.filterByDatasetGroup / .maxResults / .paging / .invalidNextToken
        faults = self.behaviour.faults
        group_arn = body.get("datasetGroupArn")
        if "list-ignores-filter" in faults:
            group_arn = None
        after = self._page_after(body.get("nextToken"), group_arn)
        bodies = [t.body for t in [*self._trackers.values(), *self._deleting.values()]]
        if "deleted-tracker-still-listed" in faults:
            bodies += [b for a, b in self._retired.items() if a not in self._deleting]
        rows = sorted(
            (b for b in bodies if group_arn is None or b["datasetGroupArn"] == group_arn),
            key=lambda t: t["eventTrackerArn"],
        )
        rows = [r for r in rows if after is None or r["eventTrackerArn"] > after]
        if "paging-loses-item" in faults and after is not None:
            rows = rows[1:]
        size = body.get("maxResults", 100)
        if "list-ignores-max-results" in faults:
            size = 100
        page = rows[:size]
        answer: dict[str, Any] = {"eventTrackers": [
            {k: r[k] for k in ("name", "eventTrackerArn", "status",
                               "creationDateTime", "lastUpdatedDateTime")} for r in page
        ]}
        if "list-status-not-a-string" in faults:
            for summary in answer["eventTrackers"]:
                summary["status"] = 1
        if page and len(rows) > len(page):
            last = page[-1]
            if "paging-repeats-item" in faults and len(page) > 1:
                last = page[-2]
            token = uuid.uuid4().hex + uuid.uuid4().hex  # opaque: only issued tokens work
            self._tokens[token] = (last["eventTrackerArn"], group_arn)
            answer["nextToken"] = token
        return answer

    def _page_after(self, token: str | None, group_arn: str | None) -> str | None:
        """The last ARN of the page a token was issued for (keyset paging)."""
        if token is None:
            return None
        issued = self._tokens.get(token)
        if issued is None or issued[1] != group_arn:
            if "invalid-next-token-accepted" in self.behaviour.faults:
                return None
            raise ServiceError("InvalidNextTokenException", "The next token is not valid")
        return issued[0]

    def _op_DeleteEventTracker(self, body: dict[str, Any]) -> dict[str, Any]:
        arn = body["eventTrackerArn"]
        faults = self.behaviour.faults
        if arn not in self._trackers and arn not in self._retired:  # never existed
            if "delete-unknown-as-invalid-input" in faults:
                raise ServiceError("InvalidInputException", f"Could not find resource {arn}")
            if "delete-unknown-with-status-500" in faults:
                raise ServiceError("ResourceNotFoundException",
                                   f"Could not find resource {arn}", status=500)
        tracker = self._tracker(arn)
        del self._trackers[arn]
        self._retired[arn] = tracker.body
        self._by_tracking_id.pop(tracker.body["trackingId"], None)
        steps = list(DELETE_STEPS) if self.behaviour.progressive else []
        if "delete-status-goes-back" in faults:  # EventTracker.status.deleteOrder
            steps = [DELETE_STEPS[1], DELETE_STEPS[0]]
        if steps:
            tracker.steps = steps
            tracker.body["status"] = steps[0]
            tracker.body["lastUpdatedDateTime"] = time.time()
            self._deleting[arn] = tracker
        return {}

    # -- events ----------------------------------------------------------------------------
    def _op_PutEvents(self, body: dict[str, Any]) -> dict[str, Any]:
        faults = self.behaviour.faults
        arn = self._by_tracking_id.get(body["trackingId"])
        tracker = self._trackers[arn].body if arn else self._untracked(body["trackingId"])
        if tracker is None:
            return {}
        if tracker["status"] != ACTIVE:
            raise ServiceError("InvalidInputException", "The event tracker is not ACTIVE")
        # PutEvents.semantics.recordedInDatasetGroup: the tracker's group, no other
        group_arn = tracker["datasetGroupArn"]
        if "events-recorded-elsewhere" in faults:
            group_arn = ELSEWHERE
        store = self._events.setdefault(group_arn, [])
        for event in body["eventList"]:
            store.append({
                "event": json.loads(json.dumps(event)),
                "eventId": event.get("eventId") or self._generated_event_id(),
                "eventIdGenerated": "eventId" not in event,
                "userId": body.get("userId"),
                "sessionId": body["sessionId"],
                "trackingId": body["trackingId"],
            })
        return {}

    def _untracked(self, tracking_id: str) -> dict[str, Any] | None:
        """A tracking ID no live tracker has is rejected (PutEvents.unknownTrackingId,
        PutEvents.deletedTrackingId), unless a fault takes it (None: the events are dropped)."""
        faults = self.behaviour.faults
        deleted = next((b for b in self._retired.values() if b["trackingId"] == tracking_id),
                       None)
        if deleted is not None and "deleted-tracker-accepts-events" in faults:
            return deleted
        if deleted is None and "unknown-tracking-id-accepted" in faults:
            return None
        raise ServiceError("InvalidInputException", "The tracking ID is not valid")

    def _generated_event_id(self) -> str | None:
        """A new unique eventId (PutEvents.semantics.eventIdGenerated)."""
        if "generated-event-ids-repeat" in self.behaviour.faults:
            return "generated"
        if "generated-event-ids-missing" in self.behaviour.faults:
            return None
        return str(uuid.uuid4())

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
        faults = self.behaviour.faults
        field_name = str if "properties-keys-unmapped" in faults else upper_snake
        seen: set[str] = set()
        out = []
        for record in stored:
            user = record["userId"] or session_user.get(record["sessionId"])
            if "session-not-associated" in faults:
                user = record["userId"]
            # PutEvents.semantics.duplicateEventIdNotTrained: only the first of an eventId
            used = record["eventId"] not in seen or "duplicate-event-ids-trained" in faults
            seen.add(record["eventId"])
            out.append({**record, "userId": user, "usedInTraining": used,
                        "fields": interaction_fields(record["event"], user, field_name)})
        return out


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def upper_snake(key: str) -> str:
    """A camelCase properties key as its Interactions schema field: numRatings -> NUM_RATINGS."""
    return _CAMEL_BOUNDARY.sub("_", key).upper()


def interaction_fields(event: Mapping[str, Any], user_id: str | None,
                       field_name: Callable[[str], str] = upper_snake) -> dict[str, Any]:
    """The Interactions fields an event maps to (PutEvents.semantics.propertiesMapToFields)."""
    fields: dict[str, Any] = {}
    try:
        properties = json.loads(event.get("properties") or "{}")
    except (TypeError, ValueError):
        properties = {}
    if isinstance(properties, dict):
        fields.update({field_name(str(k)): v for k, v in properties.items()})
    if user_id is not None:
        fields["USER_ID"] = user_id
    for key, name in (("itemId", "ITEM_ID"), ("sentAt", "TIMESTAMP"),
                      ("eventType", "EVENT_TYPE"), ("eventValue", "EVENT_VALUE")):
        if key in event:
            fields[name] = event[key]
    return fields

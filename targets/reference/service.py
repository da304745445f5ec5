"""The reference implementation: an in-memory Personalize event-tracking service.

Written from the contract and nothing else: every request body is checked against its
schema in ``contracts/`` (a failure is InvalidInputException, tagged with the shape clause
it breaks), and each behavioural rule of the clause catalog is a few lines below, naming
its clause. Facts of the contract (the status orders, the properties-key mapping, schema
pointers) are read from :mod:`personalize_conformance.contracts`, not restated. It takes
request bodies as they arrive on the wire (JSON data) and returns response bodies as JSON
data. Accepted events are kept per dataset group and read back by ``recorded_events``
(the ``inspect`` capability).

``Behaviour`` holds what a correct implementation may vary: whether statuses progress one
step per describe, and which reading of each entry of the ambiguity register it takes
(``readings``: the register's reading ids; the code below branches on those ids only).
Everything else that changes the service comes from outside, through its structure: the
validators it checks requests with (``validators``, one per schema file), the one method
every refusal passes through (``_reject``, each error tagged with the clause it keeps), the
request handlers (``_op_<Operation>``), and a few small overridable steps
(``_creation_steps``, ``_deletion_steps``, ``_listed``, ``_page``, ``_recording_group``,
``_generated_event_id``, ``_user_of``, ``_used_in_training``, ``_field_name``).
"""

from __future__ import annotations

import json
import math
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jsonschema
import regex

from personalize_conformance import contracts
from personalize_conformance.targets.base import DEFAULT_REGION, TargetConfigError

ACCOUNT = "123456789012"
CREATE_ORDER = contracts.status_order_clause("DescribeEventTracker", "create")
DELETE_ORDER = contracts.status_order_clause("DescribeEventTracker", "delete")


def documented_steps(order: str) -> list[str]:
    """The statuses a resource passes through by the documented order ``order`` (a clause
    id), on its way to success: the first status of each rank."""
    return [rank[0] for rank in contracts.status_order(order)]


#: The status of a resource ready for use: where creation ends.
ACTIVE = documented_steps(CREATE_ORDER)[-1]


class ServiceError(Exception):
    """An error answer: the exception name and its message (HTTP 400 unless said), and the
    clause of the catalog whose rule the error keeps (``None``: a rule no clause names)."""

    def __init__(self, code: str, message: str, status: int = 400, *,
                 clause: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.clause = clause


@dataclass(frozen=True)
class Behaviour:
    """How the reference behaves, within the contract.

    ``progressive``: a new resource passes through the documented creation order (CREATE
    PENDING, CREATE IN_PROGRESS), one step per describe, before ACTIVE; a deleted tracker
    through the deletion order (DELETE PENDING, DELETE IN_PROGRESS) before it is gone.
    Otherwise every change is immediate.

    ``readings``: ambiguity id -> the id of the reading the reference takes (of the
    register, ``contracts.catalog().ambiguities``); an entry not given takes its first,
    default reading. Checked against the register (``TargetConfigError`` naming the
    choices).
    """

    progressive: bool = False
    readings: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        try:
            contracts.checked_readings(self.readings)
        except ValueError as exc:
            raise TargetConfigError(str(exc)) from None

    def reading(self, ambiguity: str) -> str:
        """The reading taken of the register entry ``ambiguity``."""
        entry = contracts.catalog().ambiguities[ambiguity]
        return self.readings.get(ambiguity, entry.default_reading)


# -- the alternative readings of the pattern and length rules ------------------------------
#: The register entry on a non-numeric float value (NaN, Infinity) for eventValue.
NON_NUMERIC = "Event.eventValue.nonNumeric"

#: Register entries whose readings change how a request is validated: the unanchored
#: patterns (which patterns each covers: its pattern clauses', :func:`_pattern_entry`)...
UNANCHORED = ("Name.pattern.unanchored", "Arn.pattern.unanchored",
              "NextToken.pattern.unanchored")
JAVA, UNITS, UNICODE = "Pattern.javaSemantics", "String.length.units", "Pattern.unicodeVersion"
#: Java's line terminators, none of which its '.' matches.
LINE_TERMINATORS = "\n\r\x85\u2028\u2029"


@cache
def _pattern_entry(pattern: str) -> str | None:
    """The unanchored-pattern entry of the register a schema pattern belongs to: the
    ambiguity of a pattern clause of the catalog with that pattern."""
    for clause in contracts.shape_clauses():
        at = clause.location
        if (clause.ambiguity in UNANCHORED and at is not None and at.keyword == "pattern"
                and at.node().get("pattern") == pattern):
            return clause.ambiguity
    return None


@cache
def java_pattern(pattern: str) -> str:
    """``pattern`` as Java / ECMA-262 evaluate it, for the regex module: ``\\d`` ASCII
    only, ``.`` matching no line terminator, ``$`` only at the very end."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append(("0-9" if in_class else "[0-9]") if nxt == "d" else c + nxt)
            i += 2
            continue
        if in_class:
            in_class = c != "]"
            out.append(c)
        elif c == "[":
            in_class = True
            out.append(c)
        else:
            out.append({".": f"[^{LINE_TERMINATORS}]", "$": "\\Z"}.get(c, c))
        i += 1
    return "".join(out)


_CLASSES = regex.compile(r"\\p\{([LZN])\}")


def older_unicode(pattern: str, value: str) -> str:
    """``value`` with every character a ``\\p{L}``/``\\p{Z}``/``\\p{N}`` class of
    ``pattern`` matches in the newest Unicode version but not in an older one
    (``unicodedata.ucd_3_2_0``, ``unicodedata``) put out of every class (U+FFFF)."""
    classes = set(_CLASSES.findall(pattern))
    if not classes:
        return value
    either = regex.compile("|".join(rf"\p{{{c}}}" for c in sorted(classes)))

    def kept(ch: str) -> bool:
        return (ch.isascii() or not either.fullmatch(ch)
                or (unicodedata.ucd_3_2_0.category(ch)[0] in classes
                    and unicodedata.category(ch)[0] in classes))

    return "".join(ch if kept(ch) else "\uffff" for ch in value)


def utf16_length(value: str) -> int:
    """The length of ``value`` in UTF-16 code units (Java's ``String.length()``)."""
    return len(value.encode("utf-16-le")) // 2


def reading_validator(behaviour: Behaviour) -> Any:
    """The contract's validator class with ``pattern``, ``minLength`` and ``maxLength``
    evaluated under ``behaviour``'s readings."""

    def matches(pattern: str, value: str) -> bool:
        entry = _pattern_entry(pattern)
        taken = behaviour.reading(entry) if entry else None
        if taken == "search" and entry == "NextToken.pattern.unanchored":
            return True  # matches the empty string inside any value
        if behaviour.reading(UNICODE) == "older":
            value = older_unicode(pattern, value)
        if behaviour.reading(JAVA) == "java":
            pattern = java_pattern(pattern)
        find = regex.fullmatch if taken == "full-match" else regex.search
        return bool(find(pattern, value))

    def length(value: str) -> int:
        return utf16_length(value) if behaviour.reading(UNITS) == "utf16" else len(value)

    def pattern_(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
        if isinstance(instance, str) and not matches(pattern, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")

    def min_length(validator: Any, bound: int, instance: Any, schema: Any) -> Iterator[Any]:
        if isinstance(instance, str) and length(instance) < bound:
            yield jsonschema.ValidationError(f"{instance!r} is shorter than {bound}")

    def max_length(validator: Any, bound: int, instance: Any, schema: Any) -> Iterator[Any]:
        if isinstance(instance, str) and length(instance) > bound:
            yield jsonschema.ValidationError(f"{instance!r} is longer than {bound}")

    return jsonschema.validators.extend(
        contracts.Validator,
        {"pattern": pattern_, "minLength": min_length, "maxLength": max_length})


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
        """One describe later: move one step along its statuses."""
        if len(self.steps) > 1:
            self.steps.pop(0)
            self.body["status"] = self.steps[0]
            self.body["lastUpdatedDateTime"] = time.time()


class ReferenceService:
    """The in-memory service. ``call(operation, body)`` is its only entry point.

    ``validators``: schema file name -> the validator its requests are checked with (the
    contract's own, :func:`personalize_conformance.contracts.validator`, for any other).
    """

    def __init__(self, behaviour: Behaviour | None = None, *,
                 validators: Mapping[str, Any] | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        self.validators = dict(validators or {})
        #: The account its ARNs and ``accountId`` name; the region of the call being served.
        self.account, self._region = ACCOUNT, DEFAULT_REGION
        #: The validator class requests are checked with, if a reading changes it.
        self._reading_class = (reading_validator(self.behaviour)
                               if any(self.behaviour.reading(e) != contracts.catalog()
                                      .ambiguities[e].default_reading
                                      for e in (*UNANCHORED, JAVA, UNITS, UNICODE))
                               else None)
        self._lock = threading.RLock()
        self._dataset_groups: dict[str, _Resource] = {}
        self._trackers: dict[str, _Resource] = {}
        self._by_tracking_id: dict[str, str] = {}
        #: Deleted trackers still passing through the deletion order, by ARN.
        self._deleting: dict[str, _Resource] = {}
        #: Every deleted tracker's last body, by ARN (to tell a deleted from an unknown one).
        self._deleted: dict[str, dict[str, Any]] = {}
        #: ... and by tracking ID (an ARN may come back: Arn.resourceId, reading ``name``).
        self._revoked: dict[str, dict[str, Any]] = {}
        self._events: dict[str, list[dict[str, Any]]] = {}
        #: Schemas and datasets, by ARN (an Interactions dataset for PutEvents, reading
        #: ``required`` of PutEvents.interactionsDataset).
        self._schemas: dict[str, dict[str, Any]] = {}
        self._datasets: dict[str, _Resource] = {}
        self._tokens: dict[str, tuple[str, str | None]] = {}

    # -- plumbing --------------------------------------------------------------------------
    def call(self, operation: str, body: Any, *, region: str | None = None) -> dict[str, Any]:
        """Serve one request; the ARNs it makes name ``region`` (the one the request was
        signed for; default ``us-east-1``)."""
        handler = getattr(self, f"_op_{operation}", None)
        if handler is None:
            raise ServiceError("UnknownOperationException", f"unknown operation {operation}")
        if not isinstance(body, dict):
            raise ServiceError("SerializationException", "the request body is not a JSON object")
        with self._lock:
            self._region = region or DEFAULT_REGION
            if self.reading("Errors.shapeAndBehaviour") == "behaviour-first":
                self._look_up_first(operation, body)
            self._validate(operation, body)
            return handler(body)

    def reading(self, ambiguity: str) -> str:
        """The reading the service takes of the register entry ``ambiguity``."""
        return self.behaviour.reading(ambiguity)

    def _reject(self, error: ServiceError) -> None:
        """Refuse the request with ``error``. Every refusal of a rule passes here, tagged
        with its clause; the code after a call runs only if an override lets the request
        through, and goes on as if the rule had not been broken."""
        raise error

    def _validator(self, schema_name: str) -> Any:
        found = self.validators.get(schema_name) or contracts.validator(schema_name)
        if self._reading_class is not None:
            return self._reading_class(found.schema)
        return found

    def _validate(self, operation: str, body: dict[str, Any]) -> None:
        """A request failing its schema: InvalidInputException, HTTP 400 (each shape
        clause; Errors.status400), tagged with the shape clause of the first failure;
        under the register's other readings SerializationException for a wrong type
        (Errors.typeMismatch), TooManyTagsException for too many tags (Tags.tooMany.error).
        A digit string for sentAt passes (Event.sentAt.string); a properties string that
        is no JSON object does not (Event.properties.json), nor one holding a reserved key
        (PutEvents.properties.reservedKeys) unless the reading ignores it
        (Event.properties.reservedKeys); a non-finite eventValue is refused under the
        reading ``refuse`` of Event.eventValue.nonNumeric."""
        schema_name = contracts.request_schema(operation)
        errors = sorted(
            (e for e in self._validator(schema_name).iter_errors(body)
             if not self._digit_sent_at(e, schema_name)),
            key=lambda e: [str(p) for p in e.absolute_path],
        )
        if errors:
            where = contracts.pointer(errors[0], schema_name)
            shape = contracts.catalog().by_schema(where)
            code = "InvalidInputException"
            if (errors[0].validator == "type"
                    and self.reading("Errors.typeMismatch") == "serialization"):
                code = "SerializationException"
            if (errors[0].validator == "maxItems" and list(errors[0].absolute_path) == ["tags"]
                    and self.reading("Tags.tooMany.error") == "too-many-tags"):
                code = "TooManyTagsException"
            self._reject(ServiceError(code, _describe_error(errors[0]),
                                      clause=shape.id if shape else None))
        if operation == "PutEvents" and self.reading(NON_NUMERIC) == "refuse":
            for event in body["eventList"]:
                if isinstance(event.get("eventValue"), float) and not math.isfinite(
                        event["eventValue"]):
                    self._reject(ServiceError(
                        "InvalidInputException", "eventValue is not a finite number"))
        if (operation == "PutEvents"
                and self.reading("Event.properties.json") == "json-object"):
            for event in body["eventList"]:
                if "properties" in event and not _json_object(event["properties"]):
                    self._reject(ServiceError(
                        "InvalidInputException", "properties is not a JSON object"))
        if self.reading("Event.properties.reservedKeys") == "reject":
            for where, key in contracts.reserved_keys_in(schema_name, body):
                self._reject(ServiceError(
                    "InvalidInputException",
                    f"{'/'.join(map(str, where))} may not hold the key {key!r}",
                    clause=contracts.RESERVED_KEYS))

    def _digit_sent_at(self, error: Any, schema_name: str) -> bool:
        """Whether ``error`` is a digit string given for sentAt, under the reading that
        accepts one (Event.sentAt.string)."""
        return (self.reading("Event.sentAt.string") == "digit-string"
                and error.validator == "type" and isinstance(error.instance, str)
                and regex.fullmatch("[0-9]+", error.instance) is not None
                and contracts.pointer(error, schema_name)
                == contracts.catalog()["PutEvents.eventList[].sentAt.type"].schema)

    def _look_up_first(self, operation: str, body: dict[str, Any]) -> None:
        """Behaviour first (Errors.shapeAndBehaviour): a member naming a resource of the
        service or a token it issues is looked up before the request's shape is checked;
        one naming nothing gets its behavioural error, whatever its shape."""
        resources = contracts.resource_members(operation)
        unknown = contracts.member_annotations(operation, "x-unknown")
        for member, value in body.items():
            if unknown.get(member) is None:
                continue
            key = value if isinstance(value, str) else json.dumps(value)
            if member in contracts.issued_by_service(operation):
                if key not in self._tokens:
                    self._page_after(key, body.get("datasetGroupArn"))
                continue
            kind = resources.get(member, {})
            if kind.get("attribute") == "trackingId":
                if key not in self._by_tracking_id:
                    self._sender(key)
            elif kind.get("kind") == "event-tracker":
                if key not in self._trackers and key not in self._deleting:
                    self._tracker(operation, key)
            elif kind.get("kind") == "dataset-group" and key not in self._dataset_groups:
                clause = unknown[member] if isinstance(unknown[member], str) else None
                self._reject(self._not_found(key, clause))

    def _creation_steps(self, kind: str) -> list[str]:
        """The statuses a new resource of ``kind`` shows, one per describe
        (EventTracker.status.createOrder): the whole order if progressive, else its end."""
        steps = documented_steps(CREATE_ORDER)
        return steps if self.behaviour.progressive else steps[-1:]

    def _deletion_steps(self, kind: str) -> list[str]:
        """The statuses a deleted resource of ``kind`` shows, one per describe, before it
        is gone (EventTracker.status.deleteOrder): none unless progressive."""
        return documented_steps(DELETE_ORDER) if self.behaviour.progressive else []

    def _arn(self, kind: str, name: str) -> str:
        return f"arn:aws:personalize:{self._region}:{self.account}:{kind}/{name}"

    def _new_arn(self, kind: str, name: str) -> str:
        """The ARN of a new resource of ``kind`` named ``name`` (Arn.resourceId): its name
        under the reading ``name`` (a deleted one's ARN comes back), else an id of its own."""
        if self.reading("Arn.resourceId") == "name":
            return self._arn(kind, name)
        return self._arn(kind, uuid.uuid4().hex[:8])

    def _name_in_use(self, operation: str, name: str, resources: Iterable[_Resource]) -> None:
        """A create with the name of one of ``resources`` is refused
        (``<operation>.sameName.noOverwrite``)."""
        if any(r.body["name"] == name for r in resources):
            self._reject(ServiceError("ResourceAlreadyExistsException",
                                      f"A resource named {name} already exists",
                                      clause=f"{operation}.sameName.noOverwrite"))

    @staticmethod
    def _not_found(arn: str, clause: str | None = None) -> ServiceError:
        return ServiceError("ResourceNotFoundException", f"Could not find resource {arn}",
                            clause=clause)

    def _dataset_group(self, arn: str) -> _Resource:
        if arn not in self._dataset_groups:
            self._reject(self._not_found(arn))
        return self._dataset_groups[arn]

    def _tracker(self, operation: str, arn: str) -> _Resource:
        """The live tracker ``arn``: one deleted is not found (DeleteEventTracker.thenNotFound),
        nor one that never existed (<operation>.unknownIsNotFound)."""
        if arn not in self._trackers:
            self._reject(self._not_found(arn, "DeleteEventTracker.thenNotFound"
                                         if arn in self._deleted
                                         else f"{operation}.unknownIsNotFound"))
        return self._trackers[arn]

    # -- dataset groups --------------------------------------------------------------------
    def _op_CreateDatasetGroup(self, body: dict[str, Any]) -> dict[str, Any]:
        self._name_in_use("CreateDatasetGroup", body["name"], self._dataset_groups.values())
        arn = self._new_arn("dataset-group", body["name"])
        now = time.time()
        steps = self._creation_steps("dataset-group")
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
            code = {"in-use": "ResourceInUseException",
                    "other-client-error": "InvalidInputException"}[
                self.reading("DeleteDatasetGroup.withTracker.error")]
            self._reject(ServiceError(code, f"{arn} has an event tracker"))
        if any(d.body["datasetGroupArn"] == arn for d in self._datasets.values()):
            self._reject(ServiceError("ResourceInUseException", f"{arn} has a dataset"))
        del self._dataset_groups[arn]
        self._events.pop(arn, None)
        return {}

    # -- schemas and datasets (prerequisites: an Interactions dataset for PutEvents) -------
    def _op_CreateSchema(self, body: dict[str, Any]) -> dict[str, Any]:
        arn = self._arn("schema", body["name"])
        if arn in self._schemas:
            self._reject(ServiceError("ResourceAlreadyExistsException", f"{arn} already exists"))
        if not _json_object(body["schema"]):
            self._reject(ServiceError("InvalidInputException", "the schema is not Avro JSON"))
        now = time.time()
        self._schemas[arn] = {"name": body["name"], "schemaArn": arn, "schema": body["schema"],
                              "creationDateTime": now, "lastUpdatedDateTime": now}
        return {"schemaArn": arn}

    def _op_DeleteSchema(self, body: dict[str, Any]) -> dict[str, Any]:
        arn = body["schemaArn"]
        if arn not in self._schemas:
            self._reject(self._not_found(arn))
        if any(d.body["schemaArn"] == arn for d in self._datasets.values()):
            self._reject(ServiceError("ResourceInUseException", f"a dataset uses {arn}"))
        del self._schemas[arn]
        return {}

    def _op_CreateDataset(self, body: dict[str, Any]) -> dict[str, Any]:
        group_arn = body["datasetGroupArn"]
        self._dataset_group(group_arn)
        if body["schemaArn"] not in self._schemas:
            self._reject(self._not_found(body["schemaArn"]))
        arn = self._arn("dataset", body["name"])
        if arn in self._datasets or any(
                d.body["datasetGroupArn"] == group_arn and d.body["datasetType"]
                == body["datasetType"] for d in self._datasets.values()):
            self._reject(ServiceError("ResourceAlreadyExistsException", f"{arn} already exists"))
        now = time.time()
        steps = self._creation_steps("dataset")
        self._datasets[arn] = _Resource(
            {"name": body["name"], "datasetArn": arn, "datasetGroupArn": group_arn,
             "datasetType": body["datasetType"], "schemaArn": body["schemaArn"],
             "status": steps[0], "creationDateTime": now, "lastUpdatedDateTime": now},
            steps,
        )
        return {"datasetArn": arn}

    def _dataset(self, arn: str) -> _Resource:
        if arn not in self._datasets:
            self._reject(self._not_found(arn))
        return self._datasets[arn]

    def _op_DescribeDataset(self, body: dict[str, Any]) -> dict[str, Any]:
        dataset = self._dataset(body["datasetArn"])
        snapshot = dict(dataset.body)
        dataset.advance()
        return {"dataset": snapshot}

    def _op_DeleteDataset(self, body: dict[str, Any]) -> dict[str, Any]:
        self._dataset(body["datasetArn"])
        del self._datasets[body["datasetArn"]]
        return {}

    def _has_interactions(self, group_arn: str) -> bool:
        """Whether the dataset group has an ACTIVE Interactions dataset."""
        kind = contracts.interactions_dataset()["datasetType"]
        return any(d.body["datasetGroupArn"] == group_arn and d.body["datasetType"] == kind
                   and d.body["status"] == ACTIVE for d in self._datasets.values())

    # -- event trackers --------------------------------------------------------------------
    def _op_CreateEventTracker(self, body: dict[str, Any]) -> dict[str, Any]:
        group_arn = body["datasetGroupArn"]
        if group_arn not in self._dataset_groups:
            self._reject(self._not_found(group_arn, "CreateEventTracker.datasetGroupMustExist"))
        if any(t.body["datasetGroupArn"] == group_arn for t in self._trackers.values()):
            self._reject(ServiceError(
                {"already-exists": "ResourceAlreadyExistsException",
                 "in-use": "ResourceInUseException",
                 "other-listed": "InvalidInputException"}[  # not a throttling code
                    self.reading("CreateEventTracker.secondTracker.error")],
                f"An event tracker already exists for dataset group {group_arn}",
                clause="CreateEventTracker.oneTrackerPerDatasetGroup"))
        if self.reading("Arn.resourceId") == "name":  # else a separate tracker
            # a name in use, or still being deleted, is its ARN in use
            self._name_in_use("CreateEventTracker", body["name"],
                              [*self._trackers.values(), *self._deleting.values()])
        arn = self._new_arn("event-tracker", body["name"])
        tracking_id = str(uuid.uuid4())
        now = time.time()
        steps = self._creation_steps("event-tracker")
        self._trackers[arn] = _Resource(
            {"name": body["name"], "eventTrackerArn": arn, "accountId": self.account,
             "trackingId": tracking_id, "datasetGroupArn": group_arn, "status": steps[0],
             "creationDateTime": now, "lastUpdatedDateTime": now},
            steps,
        )
        self._by_tracking_id[tracking_id] = arn
        return {"eventTrackerArn": arn, "trackingId": tracking_id}

    def _op_DescribeEventTracker(self, body: dict[str, Any]) -> dict[str, Any]:
        # DescribeEventTracker.agreesWithCreate, EventTracker.status.createOrder/deleteOrder
        arn = body["eventTrackerArn"]
        if arn in self._deleting:
            gone = self._deleting[arn]
            snapshot = dict(gone.body)
            gone.advance()
            if len(gone.steps) == 1 and snapshot["status"] == gone.steps[-1]:
                del self._deleting[arn]
            return {"eventTracker": snapshot}
        tracker = self._tracker("DescribeEventTracker", arn)
        snapshot = dict(tracker.body)
        tracker.advance()
        return {"eventTracker": snapshot}

    def _op_ListEventTrackers(self, body: dict[str, Any]) -> dict[str, Any]:
        # ListEventTrackers.filterByDatasetGroup / .maxResults / .paging / .invalidNextToken;
        # each summary with its trackingId under the reading "prose" (.summary.trackingId)
        group_arn = body.get("datasetGroupArn")
        after = self._page_after(body.get("nextToken"), group_arn)
        rows = sorted(
            (b for b in self._listed() if group_arn is None or b["datasetGroupArn"] == group_arn),
            key=lambda t: t["eventTrackerArn"],
        )
        rows = [r for r in rows if after is None or r["eventTrackerArn"] > after]
        page, last = self._page(rows, body.get("maxResults", 100), after)
        members = ("name", "eventTrackerArn", "status", "creationDateTime",
                   "lastUpdatedDateTime", *{"model": (), "prose": ("trackingId",)}[
                       self.reading("ListEventTrackers.summary.trackingId")])
        answer: dict[str, Any] = {"eventTrackers": [{k: r[k] for k in members} for r in page]}
        if last is not None:
            token = uuid.uuid4().hex + uuid.uuid4().hex  # opaque: only issued tokens work
            self._tokens[token] = (last["eventTrackerArn"], group_arn)
            answer["nextToken"] = token
        return answer

    def _listed(self) -> list[dict[str, Any]]:
        """The trackers a listing shows: live ones and those still being deleted."""
        return [t.body for t in [*self._trackers.values(), *self._deleting.values()]]

    def _page(self, rows: list[dict[str, Any]], size: int, after: str | None
              ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page of ``rows`` (the trackers listed after ``after``, in ARN order): at
        most ``size`` of them, and the row the next page follows (``None``: no more)."""
        page = rows[:size]
        return page, (page[-1] if page and len(rows) > len(page) else None)

    def _page_after(self, token: str | None, group_arn: str | None) -> str | None:
        """The last ARN of the page a token was issued for (keyset paging); a token never
        issued, or issued for another listing, is refused."""
        if token is None:
            return None
        issued = self._tokens.get(token)
        if issued is None or issued[1] != group_arn:
            code = {"invalid-next-token": "InvalidNextTokenException",
                    "other-client-error": "InvalidInputException"}[
                self.reading("ListEventTrackers.invalidNextToken.error")]
            self._reject(ServiceError(code, "The next token is not valid",
                                      clause="ListEventTrackers.invalidNextToken"))
            return None  # let through: listed from the start
        return issued[0]

    def _op_DeleteEventTracker(self, body: dict[str, Any]) -> dict[str, Any]:
        arn = body["eventTrackerArn"]
        tracker = self._tracker("DeleteEventTracker", arn)
        del self._trackers[arn]
        self._deleted[arn] = self._revoked[tracker.body["trackingId"]] = tracker.body
        self._by_tracking_id.pop(tracker.body["trackingId"], None)
        steps = self._deletion_steps("event-tracker")  # EventTracker.status.deleteOrder
        if steps:
            tracker.steps = steps
            tracker.body["status"] = steps[0]
            tracker.body["lastUpdatedDateTime"] = time.time()
            self._deleting[arn] = tracker
        return {}

    # -- events ----------------------------------------------------------------------------
    def _op_PutEvents(self, body: dict[str, Any]) -> dict[str, Any]:
        tracker = self._sender(body["trackingId"])
        if tracker is None:
            return {}
        if tracker["status"] != ACTIVE:
            self._reject(ServiceError("InvalidInputException", "The event tracker is not ACTIVE",
                                      clause="PutEvents.beforeActive"))
        if (self.reading("PutEvents.interactionsDataset") == "required"
                and not self._has_interactions(tracker["datasetGroupArn"])):
            self._reject(ServiceError("InvalidInputException",
                                      "The dataset group has no Interactions dataset"))
        # PutEvents.semantics.recordedInDatasetGroup: the tracker's group, no other
        store = self._events.setdefault(self._recording_group(tracker), [])
        for event in body["eventList"]:
            store.append({
                "event": self._kept(event),
                "eventId": event.get("eventId") or self._generated_event_id(),
                "eventIdGenerated": "eventId" not in event,
                "userId": body.get("userId"),
                "sessionId": body["sessionId"],
                "trackingId": body["trackingId"],
            })
        return {}

    @staticmethod
    def _kept(event: Mapping[str, Any]) -> dict[str, Any]:
        """What is recorded of an accepted event: a copy, without the reserved keys of its
        properties (reading ``ignore`` of Event.properties.reservedKeys)."""
        kept = json.loads(json.dumps(event))
        try:
            properties = json.loads(kept.get("properties") or "")
        except ValueError:
            return kept
        if isinstance(properties, dict) and any(map(contracts.is_reserved_key, properties)):
            kept["properties"] = json.dumps(
                {k: v for k, v in properties.items() if not contracts.is_reserved_key(k)})
        return kept

    def _sender(self, tracking_id: str) -> dict[str, Any] | None:
        """The live tracker a tracking ID belongs to. One no live tracker has is refused
        (PutEvents.deletedTrackingId, PutEvents.unknownTrackingId); let through, the events
        go to the tracker it was, or nowhere (``None``)."""
        arn = self._by_tracking_id.get(tracking_id)
        if arn is not None:
            return self._trackers[arn].body
        deleted = self._revoked.get(tracking_id)
        invalid = "The tracking ID is not valid"
        code = {"invalid-input": "InvalidInputException",
                "other-client-error": "ResourceNotFoundException"}[
            self.reading("PutEvents.unknownTrackingId.error")]
        if deleted is not None:
            self._reject(ServiceError(code, invalid, clause="PutEvents.deletedTrackingId"))
            return deleted
        self._reject(ServiceError(code, invalid, clause="PutEvents.unknownTrackingId"))
        return None

    def _recording_group(self, tracker: Mapping[str, Any]) -> str:
        """The dataset group a tracker's events are recorded in: its own."""
        return tracker["datasetGroupArn"]

    def _generated_event_id(self) -> str | None:
        """A new unique eventId (PutEvents.semantics.eventIdGenerated)."""
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
        seen: set[str] = set()
        out = []
        for record in stored:
            user = self._user_of(record, session_user)
            used = self._used_in_training(record["eventId"], seen)
            seen.add(record["eventId"])
            out.append({**record, "userId": user, "usedInTraining": used,
                        "fields": interaction_fields(record["event"], user, self._field_name)})
        return out

    def _user_of(self, record: Mapping[str, Any], session_user: Mapping[str, str]
                 ) -> str | None:
        """The user of a recorded event: its own userId, else its session's
        (PutEvents.semantics.sessionAssociatesUser)."""
        return record["userId"] or session_user.get(record["sessionId"])

    def _used_in_training(self, event_id: str, earlier: set[str]) -> bool:
        """Whether an event trains: only the first of an eventId
        (PutEvents.semantics.duplicateEventIdNotTrained)."""
        return event_id not in earlier

    def _field_name(self, key: str) -> str:
        """The Interactions field a properties key maps to
        (PutEvents.semantics.propertiesMapToFields)."""
        return contracts.interaction_field(key)


def _json_object(text: Any) -> bool:
    """Whether ``text`` is a JSON object serialized as a string."""
    try:
        return isinstance(json.loads(text), dict)
    except (TypeError, ValueError):
        return False


def interaction_fields(event: Mapping[str, Any], user_id: str | None,
                       field_name: Callable[[str], str] = contracts.interaction_field
                       ) -> dict[str, Any]:
    """The Interactions fields an event maps to (PutEvents.semantics.propertiesMapToFields)."""
    fields: dict[str, Any] = {}
    try:
        properties = json.loads(event.get("properties") or "{}")
    except (TypeError, ValueError):
        properties = {}
    if isinstance(properties, dict):
        fields.update({field_name(str(k)): v for k, v in properties.items()})
    names = contracts.event_fields()  # the request's userId, then an event's members
    user_field = names.pop("userId")
    if user_id is not None:
        fields[user_field] = user_id
    for key, name in names.items():
        if key in event:
            fields[name] = event[key]
    return fields

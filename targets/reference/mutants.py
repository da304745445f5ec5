"""Mutants as data: the reference with one clause broken, built from an entry of
``targets/mutants.json``.

The reference (:mod:`personalize_conformance.targets.reference.service`) knows no fault.
An entry breaks it from outside, by data:

- ``schema_patches``: ``{"File.json#/pointer": value}`` (``null`` removes the keyword) on
  the request schemas it validates with (:func:`personalize_conformance.contracts.patched_schema`);
- ``error_remaps``: ``[{"clause": id, "answer": {"status": 500, "code": "InternalFailure"}}]``:
  when the reference refuses a request by that clause's rule (a shape clause: the request
  fails its schema there first), it answers ``status`` and ``code`` instead (each kept when
  absent; the message stays); ``{"accept": true}`` lets the request through, as if the
  rule had not been broken;
- ``response_patches``: ``[{"operation": name, "patch": [ops]}]``: JSON Patch operations
  (RFC 6902 ``add``, ``replace``, ``remove``; a ``*`` step stands for every item of a
  list) applied to each successful response of that operation;
- ``service``: for a fault that needs state or a step of its own, the name of a small
  subclass of the reference below (:data:`SERVICES`), named after its mutant, that
  overrides one handler or hook;
- ``wire``: faults of the HTTP layer
  (:func:`personalize_conformance.targets.reference.wire_faults.wire_handler`), for the
  protocol clauses; such a mutant is served over HTTP (``reference-http``), the only way
  its faults show.

:func:`mutant` builds one.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from personalize_conformance import contracts
from personalize_conformance.targets.base import DEFAULT_REGION
from personalize_conformance.targets.reference.service import (
    ACTIVE,
    CREATE_ORDER,
    DELETE_ORDER,
    Behaviour,
    ReferenceService,
    ServiceError,
    documented_steps,
)

#: Where EventsRecordedElsewhere records every event.
ELSEWHERE = f"arn:aws:personalize:{DEFAULT_REGION}:123456789012:dataset-group/elsewhere"


# -- faults that need state or a step of their own: one subclass each ----------------------
class CreateStatusGoesBack(ReferenceService):
    """A new tracker shows CREATE IN_PROGRESS before CREATE PENDING."""

    def _creation_steps(self, kind: str) -> list[str]:
        if kind != "event-tracker":
            return super()._creation_steps(kind)
        pending, in_progress, *rest = documented_steps(CREATE_ORDER)
        return [in_progress, pending, *rest]


class StatusReady(ReferenceService):
    """A new tracker shows READY, a status no order has, before ACTIVE."""

    def _creation_steps(self, kind: str) -> list[str]:
        if kind != "event-tracker":
            return super()._creation_steps(kind)
        return ["READY", ACTIVE]


class ActiveThenCreateInProgress(ReferenceService):
    """A tracker once described ACTIVE is described CREATE IN_PROGRESS after."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown_active: set[str] = set()

    def _op_DescribeEventTracker(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = super()._op_DescribeEventTracker(body)
        snapshot, arn = answer["eventTracker"], body["eventTrackerArn"]
        if snapshot["status"] == ACTIVE:
            if arn in self._shown_active:
                snapshot["status"] = documented_steps(CREATE_ORDER)[1]
            self._shown_active.add(arn)
        return answer


class DeleteStatusGoesBack(ReferenceService):
    """A deleted tracker shows DELETE IN_PROGRESS before DELETE PENDING."""

    def _deletion_steps(self, kind: str) -> list[str]:
        return documented_steps(DELETE_ORDER)[::-1]


class DeletedTrackerStillDescribed(ReferenceService):
    """A deleted tracker, once answered not found, is described again as it was (a stale
    record that comes back; its delete statuses were in order)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answered_gone: set[str] = set()

    def _op_DescribeEventTracker(self, body: dict[str, Any]) -> dict[str, Any]:
        arn = body["eventTrackerArn"]
        if arn in self._answered_gone:
            return {"eventTracker": dict(self._deleted[arn])}
        try:
            return super()._op_DescribeEventTracker(body)
        except ServiceError:
            if arn in self._deleted:
                self._answered_gone.add(arn)
            raise


class DeletedTrackerStillListed(ReferenceService):
    """A deleted tracker is still listed, as it was."""

    def _listed(self) -> list[dict[str, Any]]:
        return [*super()._listed(),
                *(b for a, b in self._deleted.items() if a not in self._deleting)]


class ListIgnoresFilter(ReferenceService):
    """ListEventTrackers lists every tracker, whatever its datasetGroupArn."""

    def _op_ListEventTrackers(self, body: dict[str, Any]) -> dict[str, Any]:
        return super()._op_ListEventTrackers(
            {k: v for k, v in body.items() if k != "datasetGroupArn"})


class ListIgnoresMaxResults(ReferenceService):
    """ListEventTrackers pages by its default size, whatever maxResults says."""

    def _op_ListEventTrackers(self, body: dict[str, Any]) -> dict[str, Any]:
        return super()._op_ListEventTrackers(
            {k: v for k, v in body.items() if k != "maxResults"})


class PagingLosesItem(ReferenceService):
    """Each page after the first skips the tracker it should start with."""

    def _page(self, rows: list[dict[str, Any]], size: int, after: str | None
              ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        return super()._page(rows[1:] if after is not None else rows, size, after)


class PagingRepeatsItem(ReferenceService):
    """Each next page starts again with the last tracker of the page before."""

    def _page(self, rows: list[dict[str, Any]], size: int, after: str | None
              ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        page, last = super()._page(rows, size, after)
        if last is not None and len(page) > 1:
            last = page[-2]
        return page, last


class EventsRecordedElsewhere(ReferenceService):
    """Accepted events are recorded in a dataset group of no tracker."""

    def _recording_group(self, tracker: Mapping[str, Any]) -> str:
        return ELSEWHERE


class GeneratedEventIdsRepeat(ReferenceService):
    """Every generated eventId is the same."""

    def _generated_event_id(self) -> str | None:
        return "generated"


class GeneratedEventIdsMissing(ReferenceService):
    """No eventId is generated for an event without one."""

    def _generated_event_id(self) -> str | None:
        return None


class DuplicateEventIdsTrained(ReferenceService):
    """Every event trains, a repeated eventId too."""

    def _used_in_training(self, event_id: str, earlier: set[str]) -> bool:
        return True


class SessionNotAssociated(ReferenceService):
    """An anonymous event stays anonymous, whoever its session belongs to."""

    def _user_of(self, record: Mapping[str, Any], session_user: Mapping[str, str]
                 ) -> str | None:
        return record["userId"]


class PropertiesKeysUnmapped(ReferenceService):
    """A properties key is recorded as its field unchanged (numRatings, not NUM_RATINGS)."""

    def _field_name(self, key: str) -> str:
        return key


class SameNameOverwritesDatasetGroup(ReferenceService):
    """CreateDatasetGroup with the name of a dataset group replaces it with a new one."""

    def _op_CreateDatasetGroup(self, body: dict[str, Any]) -> dict[str, Any]:
        for arn in [a for a, g in self._dataset_groups.items() if g.body["name"] == body["name"]]:
            del self._dataset_groups[arn]
        return super()._op_CreateDatasetGroup(body)


class SameNameOverwritesTracker(ReferenceService):
    """CreateEventTracker with the name of a live tracker moves that tracker to the dataset
    group of the request (where it may go), and answers with its ARN and tracking ID."""

    def _op_CreateEventTracker(self, body: dict[str, Any]) -> dict[str, Any]:
        group = body["datasetGroupArn"]
        same = next((t.body for t in self._trackers.values() if t.body["name"] == body["name"]),
                    None)
        if (same is None or group not in self._dataset_groups
                or any(t.body["datasetGroupArn"] == group for t in self._trackers.values())):
            return super()._op_CreateEventTracker(body)
        same["datasetGroupArn"] = group
        return {"eventTrackerArn": same["eventTrackerArn"], "trackingId": same["trackingId"]}


class DatasetGroupDeletedWithTracker(ReferenceService):
    """DeleteDatasetGroup deletes a dataset group that has an event tracker, which stays."""

    def _op_DeleteDatasetGroup(self, body: dict[str, Any]) -> dict[str, Any]:
        arn = body["datasetGroupArn"]
        self._dataset_group(arn)
        del self._dataset_groups[arn]
        return {}


class DeletedTrackerTakesEvents(ReferenceService):
    """Deleting an event tracker deletes the events recorded in its dataset group."""

    def _op_DeleteEventTracker(self, body: dict[str, Any]) -> dict[str, Any]:
        tracker = self._trackers.get(body["eventTrackerArn"])
        answer = super()._op_DeleteEventTracker(body)
        if tracker is not None:
            self._events[tracker.body["datasetGroupArn"]] = []
        return answer


class DatasetGroupStatusGoesBack(ReferenceService):
    """A new dataset group shows CREATE IN_PROGRESS before CREATE PENDING."""

    def _creation_steps(self, kind: str) -> list[str]:
        if kind != "dataset-group":
            return super()._creation_steps(kind)
        pending, in_progress, *rest = documented_steps(CREATE_ORDER)
        return [in_progress, pending, *rest]


class DeletedDatasetGroupStillDescribed(ReferenceService):
    """A deleted dataset group is still described, as it was."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gone_groups: dict[str, dict[str, Any]] = {}

    def _op_DeleteDatasetGroup(self, body: dict[str, Any]) -> dict[str, Any]:
        group = self._dataset_groups.get(body["datasetGroupArn"])
        answer = super()._op_DeleteDatasetGroup(body)
        if group is not None:
            self._gone_groups[body["datasetGroupArn"]] = dict(group.body)
        return answer

    def _op_DescribeDatasetGroup(self, body: dict[str, Any]) -> dict[str, Any]:
        gone = self._gone_groups.get(body["datasetGroupArn"])
        if gone is not None and body["datasetGroupArn"] not in self._dataset_groups:
            return {"datasetGroup": dict(gone)}
        return super()._op_DescribeDatasetGroup(body)


#: The subclasses an entry's ``service`` may name: name -> class.
SERVICES: dict[str, type[ReferenceService]] = {cls.__name__: cls for cls in (
    CreateStatusGoesBack, StatusReady, ActiveThenCreateInProgress, DeleteStatusGoesBack,
    DeletedTrackerStillDescribed, DeletedTrackerStillListed, ListIgnoresFilter,
    ListIgnoresMaxResults, PagingLosesItem, PagingRepeatsItem, EventsRecordedElsewhere,
    GeneratedEventIdsRepeat, GeneratedEventIdsMissing, DuplicateEventIdsTrained,
    SessionNotAssociated, PropertiesKeysUnmapped, SameNameOverwritesDatasetGroup,
    SameNameOverwritesTracker, DatasetGroupDeletedWithTracker, DeletedTrackerTakesEvents,
    DatasetGroupStatusGoesBack, DeletedDatasetGroupStillDescribed,
)}


# -- the data ---------------------------------------------------------------------------------
def schema_validators(patches: Mapping[str, Any]) -> dict[str, Any]:
    """Schema file -> a validator of it with ``patches`` applied, for each file patched."""
    names = {contracts.split_pointer(where)[0] for where in patches}
    return {name: contracts.Validator(contracts.patched_schema(name, patches))
            for name in sorted(names)}


def _steps(path: str) -> list[str]:
    if not path.startswith("/"):
        raise ValueError(f"a JSON Patch path starts with '/': {path!r}")
    return contracts.pointer_steps(path)


def _apply(node: Any, steps: list[str], op: Mapping[str, Any]) -> None:
    step, rest = steps[0], steps[1:]
    if step == "*" and rest:  # every item of a list
        for item in node:
            _apply(item, rest, op)
        return
    key: Any = step
    if isinstance(node, list):
        key = len(node) if step == "-" else int(step)
    if rest:
        _apply(node[key], rest, op)
    elif op["op"] == "remove":
        del node[key]
    elif op["op"] == "replace":
        if key not in (node if isinstance(node, dict) else range(len(node))):
            raise KeyError(f"JSON Patch replace: nothing at {op['path']!r}")
        node[key] = copy.deepcopy(op["value"])
    elif op["op"] == "add" and isinstance(node, list):
        node.insert(key, copy.deepcopy(op["value"]))
    elif op["op"] == "add":
        node[key] = copy.deepcopy(op["value"])
    else:
        raise ValueError(f"unsupported JSON Patch operation {op['op']!r}")


def apply_patch(document: Any, patch: list[Mapping[str, Any]]) -> Any:
    """``document`` with the JSON Patch ``patch`` applied (a new copy): ``add``, ``replace``
    and ``remove`` (RFC 6902), and ``*`` as a step for every item of a list."""
    out = copy.deepcopy(document)
    for op in patch:
        _apply(out, _steps(op["path"]), op)
    return out


class MutantService(ReferenceService):
    """The reference (or a subclass of :data:`SERVICES`, which it is mixed with) with an
    entry's ``schema_patches``, ``error_remaps`` and ``response_patches`` applied."""

    def __init__(self, behaviour: Behaviour | None = None, *,
                 validators: Mapping[str, Any] | None = None) -> None:
        entry: Mapping[str, Any] = getattr(behaviour, "entry", {})
        super().__init__(behaviour, validators={
            **schema_validators(entry.get("schema_patches", {})), **(validators or {})})
        self.entry = entry
        self.remaps: dict[str, Mapping[str, Any]] = {
            r["clause"]: r["answer"] for r in entry.get("error_remaps", [])}
        self.response_patches: list[Mapping[str, Any]] = list(
            entry.get("response_patches", []))

    def call(self, operation: str, body: Any) -> dict[str, Any]:
        answer = super().call(operation, body)
        for patch in self.response_patches:
            if patch["operation"] == operation:
                answer = apply_patch(answer, patch["patch"])
        return answer

    def _reject(self, error: ServiceError) -> None:
        answer = self.remaps.get(error.clause or "")
        if answer is None:
            raise error
        if answer.get("accept"):
            return
        raise ServiceError(answer.get("code", error.code), error.message,
                           answer.get("status", error.status), clause=error.clause)


@cache
def mutant_class(service: str | None = None) -> type[MutantService]:
    """:class:`MutantService`, mixed with the subclass ``service`` names (if any)."""
    if service is None:
        return MutantService
    base = SERVICES[service]
    return type("Mutant" + service, (MutantService, base),
                {"__module__": __name__, "__doc__": base.__doc__})


@dataclass(frozen=True)
class MutantBehaviour(Behaviour):
    """A mutant's behaviour: the reference's, and the mutant's catalog entry."""

    entry: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)



def mutant(entry: Mapping[str, Any], *, progressive: bool = False,
           readings: Mapping[str, str] | None = None) -> ReferenceService:
    """The service of a ``targets/mutants.json`` entry (taking ``readings`` of the
    ambiguity register, as the reference does)."""
    return mutant_class(entry.get("service"))(
        MutantBehaviour(progressive=progressive, readings=dict(readings or {}), entry=entry))

"""What happens to accepted events (capability ``inspect``; not_applicable elsewhere)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from personalize_conformance.checks import accepted, holds
from personalize_conformance.contracts import event_fields, interaction_field, is_reserved_key
from personalize_conformance.harness import Harness
from personalize_conformance.harness.outcomes import Blocked
from personalize_conformance.strategies import put_events
from personalize_conformance.suite.support import delete_and_wait

SENT_AT = 1553631760
#: camelCase keys as the guide writes them: a lowercase word, then capitalised words.
#: properties keys, none reserved (PutEvents.properties.reservedKeys: userId, eventType...)
CAMEL_KEYS = st.from_regex(r"[a-z]{1,8}(?:[A-Z][a-z]{1,8}){0,3}", fullmatch=True).filter(
    lambda key: not is_reserved_key(key))


def inspect(harness: Harness, dataset_group_arn: str) -> list[dict[str, Any]]:
    harness.require("inspect")
    return harness.target.inspect(dataset_group_arn)


def recorded(harness: Harness, dataset_group_arn: str, sent: int) -> list[dict[str, Any]]:
    """The dataset group's records, holding at least the ``sent`` events the test had
    accepted; else the test is ``Blocked``: events not recorded in the tracker's dataset
    group fail PutEvents.semantics.recordedInDatasetGroup, in its own test."""
    records = inspect(harness, dataset_group_arn)
    if len(records) < sent:
        raise Blocked(f"{sent} events accepted, {len(records)} recorded in the tracker's "
                      f"dataset group ({CLAUSE} fails in its own test)")
    return records


def put(harness: Harness, clause: str, tracking_id: str, events: list[dict[str, Any]],
        session: str, user: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"trackingId": tracking_id, "sessionId": session,
                            "eventList": events}
    if user is not None:
        body["userId"] = user
    accepted(harness, [clause], "PutEvents", body, whole=True)
    return body


def event(**members: Any) -> dict[str, Any]:
    return {"eventType": "click", "sentAt": SENT_AT, **members}


@pytest.fixture(autouse=True)
def _needs_inspect(harness: Harness) -> None:
    harness.require("inspect")


CLAUSE = "PutEvents.semantics.recordedInDatasetGroup"


@pytest.mark.clause(CLAUSE)
@given(data=st.data())
def test_events_are_recorded_in_the_trackers_dataset_group(harness: Harness, tracker,
                                                           dataset_group, data):
    other = harness.create_dataset_group()
    try:
        harness.create_tracker(other)
        before = len(inspect(harness, dataset_group))
        body = data.draw(put_events(tracker["trackingId"]), label="request")
        accepted(harness, [CLAUSE], "PutEvents", body, whole=True)
        records = inspect(harness, dataset_group)[before:]
        got = [r["event"] for r in records]
        holds(harness, CLAUSE, got == body["eventList"] and
              all(r["trackingId"] == tracker["trackingId"] for r in records),
              "the request's events, in order, in the tracker's dataset group",
              {"recorded": got}, "PutEvents", body)
        elsewhere = inspect(harness, other)
        holds(harness, CLAUSE, not elsewhere, "nothing recorded in another dataset group",
              {"other": other, "recorded": elsewhere}, "PutEvents", body)
    finally:
        harness.delete_dataset_group(other)


GENERATED = "PutEvents.semantics.eventIdGenerated"


@pytest.mark.clause(GENERATED)
def test_absent_event_ids_are_generated_and_unique(harness: Harness, tracker, dataset_group):
    given_id = f"pc-{uuid.uuid4()}"
    body = {}
    for _ in range(3):
        body = put(harness, GENERATED, tracker["trackingId"],
                   [event(), event(), event(eventId=given_id)], "session-1")
    records = recorded(harness, dataset_group, 9)
    generated = [r for r in records if "eventId" not in r["event"]]
    ids = [r["eventId"] for r in generated]
    holds(harness, GENERATED,
          len(generated) == 6 and all(r["eventIdGenerated"] for r in generated)
          and all(isinstance(i, str) and i for i in ids) and len(set(ids)) == len(ids)
          and given_id not in ids,
          "6 generated, non-empty, unique eventIds", {"eventIds": ids}, "PutEvents", body)
    kept = [r for r in records if "eventId" in r["event"]]
    holds(harness, GENERATED,
          all(r["eventId"] == given_id and not r["eventIdGenerated"] for r in kept),
          f"a given eventId ({given_id}) kept as given",
          [(r["eventId"], r["eventIdGenerated"]) for r in kept], "PutEvents", body)


DUPLICATE = "PutEvents.semantics.duplicateEventIdNotTrained"


@pytest.mark.clause(DUPLICATE)
def test_repeated_event_ids_are_not_used_in_training(harness: Harness, tracker, dataset_group):
    body = put(harness, DUPLICATE, tracker["trackingId"],
               [event(eventId="e1"), event(eventId="e2"), event(eventId="e1")], "session-1")
    body = put(harness, DUPLICATE, tracker["trackingId"],
               [event(eventId="e2"), event(eventId="e3"), event()], "session-2")
    trained = [(r["eventId"], r["usedInTraining"])
               for r in recorded(harness, dataset_group, 6)]
    want = [("e1", True), ("e2", True), ("e1", False), ("e2", False), ("e3", True)]
    holds(harness, DUPLICATE, trained[:5] == want and trained[5][1] is True,
          f"only the first of each eventId used in training: {want} + (generated, True)",
          trained, "PutEvents", body)


SESSION = "PutEvents.semantics.sessionAssociatesUser"


@pytest.mark.clause(SESSION)
def test_anonymous_session_events_are_associated_with_the_user(harness: Harness, tracker,
                                                               dataset_group):
    tid = tracker["trackingId"]
    put(harness, SESSION, tid, [event(eventId="a1"), event(eventId="a2")], "session-a")
    put(harness, SESSION, tid, [event(eventId="b1")], "session-b")
    body = put(harness, SESSION, tid, [event(eventId="a3")], "session-a", user="user-1")
    users = {r["eventId"]: r["userId"] for r in recorded(harness, dataset_group, 4)}
    want = {"a1": "user-1", "a2": "user-1", "a3": "user-1", "b1": None}
    holds(harness, SESSION, users == want,
          "session-a's earlier anonymous events carry user-1; session-b stays anonymous",
          users, "PutEvents", body)


FIELDS = "PutEvents.semantics.propertiesMapToFields"


@pytest.mark.clause(FIELDS)
@given(keys=st.lists(CAMEL_KEYS, min_size=1, max_size=5, unique_by=interaction_field))
def test_property_keys_map_to_schema_fields(harness: Harness, tracker, dataset_group, keys):
    before = len(inspect(harness, dataset_group))
    properties = {"itemId": "item-1", "numRatings": 13, **{k: f"v-{k}" for k in keys}}
    body = put(harness, FIELDS, tracker["trackingId"],
               [event(properties=json.dumps(properties))], "session-1", user="user-1")
    record = recorded(harness, dataset_group, before + 1)[before]
    fields = record.get("fields", {})
    want = {interaction_field(k): v for k, v in properties.items()}
    got = {k: fields.get(k) for k in want}
    named = event_fields()
    given_too = {named["userId"]: "user-1", named["eventType"]: "click",
                 named["sentAt"]: SENT_AT}
    holds(harness, FIELDS, got == want and all(fields.get(k) == v for k, v in given_too.items()),
          f"fields {want} (ITEM_ID, NUM_RATINGS...), {', '.join(given_too)}",
          fields, "PutEvents", body)


EVENTS_KEPT = "DeleteEventTracker.semantics.eventsKept"


@pytest.mark.clause(EVENTS_KEPT)
def test_deleting_the_tracker_keeps_its_events(harness: Harness, tracker, dataset_group):
    put(harness, EVENTS_KEPT, tracker["trackingId"],
        [event(eventId="k1"), event(eventId="k2")], "session-1")
    before = [r["eventId"] for r in recorded(harness, dataset_group, 2)]
    delete_and_wait(harness, tracker["eventTrackerArn"])
    after = [r["eventId"] for r in inspect(harness, dataset_group)]
    holds(harness, EVENTS_KEPT, after == before and before[-2:] == ["k1", "k2"],
          f"the events recorded before the delete, still recorded: {before}", after,
          "DeleteEventTracker", {"eventTrackerArn": tracker["eventTrackerArn"]})

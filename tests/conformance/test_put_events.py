"""PutEvents: the eventList bounds, and which tracking IDs are accepted."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from personalize_conformance.checks import accepted, rejected
from personalize_conformance.contracts import catalog, schema
from personalize_conformance.harness import Harness
from personalize_conformance.strategies import from_node, put_events, reserved_key_requests
from personalize_conformance.suite.support import accepted_or_refused, delete_and_wait

EVENT = from_node(schema("Event.json"))
SIZE_CLAUSES = ("PutEvents.eventList.minItems", "PutEvents.eventList.maxItems")
#: The fewest and the most events a request may carry (1 and 10), as the contract says.
MIN_EVENTS, MAX_EVENTS = (catalog()[c].location.bound  # type: ignore[union-attr]
                          for c in SIZE_CLAUSES)


def _with_events(tracking_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"trackingId": tracking_id, "sessionId": "session-1", "eventList": events}


def _events(count: int) -> list[dict[str, Any]]:
    return [{"eventType": "click", "sentAt": 1553631760 + i} for i in range(count)]


@pytest.mark.clause(*SIZE_CLAUSES)
@pytest.mark.parametrize("size", [MIN_EVENTS, MAX_EVENTS])
@given(data=st.data())
def test_event_list_at_its_bounds_is_accepted(harness: Harness, active_tracker, size, data):
    """Exactly the fewest and exactly the most events allowed (1, 10) are accepted."""
    events = data.draw(st.lists(EVENT, min_size=size, max_size=size), label="eventList")
    accepted(harness, SIZE_CLAUSES, "PutEvents", _with_events(active_tracker["trackingId"], events))


@pytest.mark.clause("PutEvents.eventList.minItems")
def test_empty_event_list_is_rejected(harness: Harness, active_tracker):
    """One event fewer than allowed (none) is rejected."""
    rejected(harness, "PutEvents.eventList.minItems", "PutEvents",
             _with_events(active_tracker["trackingId"], _events(MIN_EVENTS - 1)))


@pytest.mark.clause("PutEvents.eventList.maxItems")
def test_eleven_events_are_rejected(harness: Harness, active_tracker):
    """One event more than allowed (11) is rejected."""
    rejected(harness, "PutEvents.eventList.maxItems", "PutEvents",
             _with_events(active_tracker["trackingId"], _events(MAX_EVENTS + 1)))


@pytest.mark.clause("PutEvents.validRequest.accepted")
@given(data=st.data())
def test_valid_requests_with_an_active_tracker_are_accepted(harness: Harness, active_tracker, data):
    body = data.draw(put_events(active_tracker["trackingId"]), label="request")
    accepted(harness, ["PutEvents.validRequest.accepted"], "PutEvents", body)


@pytest.mark.clause("PutEvents.unknownTrackingId")
@given(data=st.data())
def test_unknown_tracking_ids_are_rejected(harness: Harness, active_tracker, data):
    """A fresh, never-issued tracking ID (same form as a real one) is rejected."""
    body = data.draw(put_events(str(uuid.uuid4())), label="request")
    rejected(harness, "PutEvents.unknownTrackingId", "PutEvents", body)


@pytest.mark.clause("PutEvents.deletedTrackingId")
def test_a_deleted_trackers_tracking_id_is_rejected(harness: Harness, tracker):
    body = _with_events(tracker["trackingId"], [{"eventType": "click", "sentAt": 1553631760}])
    accepted(harness, ["PutEvents.validRequest.accepted"], "PutEvents", body)
    delete_and_wait(harness, tracker["eventTrackerArn"])
    rejected(harness, "PutEvents.deletedTrackingId", "PutEvents", body, whole=True)


BEFORE_ACTIVE = "PutEvents.beforeActive"


@pytest.mark.clause(BEFORE_ACTIVE)
def test_events_before_active_are_accepted_or_rejected_with_a_client_error(
        harness: Harness, dataset_group):
    """Right after CreateEventTracker (no waiting), events with the new tracking ID are
    accepted or rejected with a 4xx; nothing else (a 5xx, a hang)."""
    created = harness.make("CreateEventTracker", {"name": harness.new_name("et"),
                                                  "datasetGroupArn": dataset_group})
    body = _with_events(created["trackingId"], [{"eventType": "click", "sentAt": 1553631760}])
    accepted_or_refused(harness, BEFORE_ACTIVE, "PutEvents", body,
                        "accepted, or rejected with a client error (4xx)")


RESERVED = "PutEvents.properties.reservedKeys"


@pytest.mark.clause(RESERVED)
@given(data=st.data())
def test_reserved_properties_keys_are_refused_or_ignored(harness: Harness, active_tracker, data):
    """An event whose properties hold userId, eventType... (any case), valid otherwise, is
    rejected with InvalidInputException; unless --strict it may be accepted (the key
    ignored: ambiguity Event.properties.reservedKeys); nothing else (a 5xx)."""
    body = data.draw(reserved_key_requests(active_tracker["trackingId"]), label="request").request
    if harness.strict:
        rejected(harness, RESERVED, "PutEvents", body)
        return
    accepted_or_refused(harness, RESERVED, "PutEvents", body, "accepted (the key ignored), "
                        "or rejected with HTTP 400 InvalidInputException")

"""PutEvents: the eventList bounds, and which tracking IDs are accepted."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from personalize_conformance.checks import accepted, rejected
from personalize_conformance.contracts import schema
from personalize_conformance.harness import Harness
from personalize_conformance.strategies import put_events
from personalize_conformance.strategies.valid import from_node

from .support import delete_and_wait

EVENT = from_node(schema("Event.json"))
SIZE_CLAUSES = ("PutEvents.eventList.minItems", "PutEvents.eventList.maxItems")


def _with_events(tracking_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"trackingId": tracking_id, "sessionId": "session-1", "eventList": events}


@pytest.mark.clause(*SIZE_CLAUSES)
@pytest.mark.parametrize("size", [1, 10])
@given(data=st.data())
def test_event_list_at_its_bounds_is_accepted(harness: Harness, tracker, size, data):
    """Exactly 1 and exactly 10 events are accepted."""
    events = data.draw(st.lists(EVENT, min_size=size, max_size=size), label="eventList")
    accepted(harness, SIZE_CLAUSES, "PutEvents", _with_events(tracker["trackingId"], events))


@pytest.mark.clause("PutEvents.eventList.minItems")
def test_empty_event_list_is_rejected(harness: Harness, tracker):
    rejected(harness, "PutEvents.eventList.minItems", "PutEvents",
             _with_events(tracker["trackingId"], []))


@pytest.mark.clause("PutEvents.eventList.maxItems")
def test_eleven_events_are_rejected(harness: Harness, tracker):
    events = [{"eventType": "click", "sentAt": 1553631760 + i} for i in range(11)]
    rejected(harness, "PutEvents.eventList.maxItems", "PutEvents",
             _with_events(tracker["trackingId"], events))


@pytest.mark.clause("PutEvents.validRequest.accepted")
@given(data=st.data())
def test_valid_requests_with_an_active_tracker_are_accepted(harness: Harness, tracker, data):
    body = data.draw(put_events(tracker["trackingId"]), label="request")
    accepted(harness, ["PutEvents.validRequest.accepted"], "PutEvents", body)


@pytest.mark.clause("PutEvents.unknownTrackingId")
@given(data=st.data())
def test_unknown_tracking_ids_are_rejected(harness: Harness, tracker, data):
    """A fresh, never-issued tracking ID (same form as a real one) is rejected."""
    body = data.draw(put_events(str(uuid.uuid4())), label="request")
    rejected(harness, "PutEvents.unknownTrackingId", "PutEvents", body)


@pytest.mark.clause("PutEvents.deletedTrackingId")
def test_a_deleted_trackers_tracking_id_is_rejected(harness: Harness, tracker):
    body = _with_events(tracker["trackingId"], [{"eventType": "click", "sentAt": 1553631760}])
    accepted(harness, ["PutEvents.validRequest.accepted"], "PutEvents", body)
    delete_and_wait(harness, tracker["eventTrackerArn"])
    rejected(harness, "PutEvents.deletedTrackingId", "PutEvents", body, whole=True)

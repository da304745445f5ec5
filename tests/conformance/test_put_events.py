"""PutEvents: valid requests are accepted, and each shape clause's violations rejected."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from personalize_conformance.checks import accepted, rejected
from personalize_conformance.contracts import schema
from personalize_conformance.harness import Harness
from personalize_conformance.strategies import put_events, violations
from personalize_conformance.strategies.invalid import shape_clauses, supported
from personalize_conformance.strategies.valid import from_node

EVENT = from_node(schema("Event.json"))
SIZE_CLAUSES = ("PutEvents.eventList.minItems", "PutEvents.eventList.maxItems")


def _with_events(tracker: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"trackingId": tracker["trackingId"], "sessionId": "session-1", "eventList": events}


@pytest.mark.clause(*SIZE_CLAUSES)
@pytest.mark.parametrize("size", [1, 10])
@given(data=st.data())
def test_event_list_at_its_bounds_is_accepted(harness: Harness, tracker, size, data):
    """Exactly 1 and exactly 10 events are accepted."""
    events = data.draw(st.lists(EVENT, min_size=size, max_size=size), label="eventList")
    accepted(harness, SIZE_CLAUSES, "PutEvents", _with_events(tracker, events))


@pytest.mark.clause(*SIZE_CLAUSES)
@given(data=st.data())
def test_valid_put_events_are_accepted(harness: Harness, tracker, data):
    """Any valid request (1 to 10 events, optional members present or absent) is accepted."""
    body = data.draw(put_events(tracker["trackingId"]), label="request")
    accepted(harness, SIZE_CLAUSES, "PutEvents", body)


@pytest.mark.clause("PutEvents.eventList.minItems")
def test_empty_event_list_is_rejected(harness: Harness, tracker):
    rejected(harness, "PutEvents.eventList.minItems", "PutEvents", _with_events(tracker, []))


@pytest.mark.clause("PutEvents.eventList.maxItems")
def test_eleven_events_are_rejected(harness: Harness, tracker):
    events = [{"eventType": "click", "sentAt": 1553631760 + i} for i in range(11)]
    rejected(harness, "PutEvents.eventList.maxItems", "PutEvents", _with_events(tracker, events))


@pytest.mark.parametrize("clause_id", [
    pytest.param(c.id, marks=pytest.mark.clause(c.id), id=c.id)
    for c in shape_clauses("PutEvents") if supported(c)
])
@given(data=st.data())
def test_shape_violations_are_rejected(harness: Harness, tracker, clause_id, data):
    """Generated requests that break only ``clause_id`` are rejected as it says."""
    case = data.draw(violations("PutEvents", {"trackingId": tracker["trackingId"]}, clause_id),
                     label="violation")
    rejected(harness, case.clause, "PutEvents", case.request)

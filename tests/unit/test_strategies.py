"""The strategies are sound: valid inputs validate, violations break only their clause."""

from __future__ import annotations

from hypothesis import given, settings

from personalize_conformance import contracts
from personalize_conformance.strategies import put_events, violations
from personalize_conformance.strategies.invalid import only_breaks, shape_clauses, supported
from personalize_conformance.strategies.wire import on_the_wire


@given(put_events())
def test_valid_put_events_validate_as_sent(request):
    body = on_the_wire("PutEvents", request)
    assert body is not None
    contracts.validator("PutEventsRequest.json").validate(body)
    assert 1 <= len(body["eventList"]) <= 10


@settings(max_examples=60)
@given(violations("PutEvents"))
def test_violations_fail_only_at_their_clause(case):
    clause = contracts.catalog()[case.clause]
    file = clause.schema.partition("#")[0]
    body = on_the_wire("PutEvents", case.request)
    errors = list(contracts.validator(file).iter_errors(body))
    assert {contracts.pointer(e, file) for e in errors} == {clause.schema}
    assert case.old != case.new


def test_every_put_events_bound_clause_has_an_operator():
    """Bounds have operators; pattern, type, required and enum clauses are yet to get theirs."""
    bounds = {"minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum"}
    clauses = [c for c in shape_clauses("PutEvents") if c.keyword in bounds]
    assert clauses and all(supported(c) for c in clauses)


def test_a_value_valid_on_the_wire_is_not_a_violation():
    """A string timestamp becomes a number on the wire: no violation there."""
    from personalize_conformance.strategies import Violation

    case = Violation("PutEvents.eventList.maxItems", "PutEvents",
                     {"trackingId": "t", "sessionId": "s",
                      "eventList": [{"eventType": "e", "sentAt": "1553631760"}]},
                     ("eventList",), "maxItems", [], [])
    assert not only_breaks(case)

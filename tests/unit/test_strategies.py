"""The strategies are sound and complete on the shipped catalog: valid inputs validate as
sent, violations break only their clause (or what it entails), every shape clause has an
operator, a boundary vector and a fixed violation, and ambiguous inputs pass only the
lenient reading. Runs under the ``ci`` profile; ``STRATEGIES_EXAMPLES=2000`` runs the
soundness tests with that many examples each (not part of the default run)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from personalize_conformance import contracts
from personalize_conformance.contracts import broken_at, request_schema, shape_clauses
from personalize_conformance.strategies import (
    Violation,
    ambiguous,
    boundary_for,
    boundary_vectors,
    invalid_vectors,
    put_events,
    requests,
    violations,
    violations_of,
)
from personalize_conformance.strategies.ambiguous import ambiguous_kinds
from personalize_conformance.strategies.invalid import (
    OPERATORS,
    fixed,
    has_operator,
    only_breaks,
    supported,
    wire_unbreakable,
)
from personalize_conformance.strategies.patterns import fullmatch
from personalize_conformance.strategies.wire import as_sent, on_the_wire
from personalize_conformance.targets.base import RawBody

OPERATIONS = sorted(contracts.operations())
SHAPE = [c.id for c in shape_clauses()]
_N = int(os.environ.get("STRATEGIES_EXAMPLES", "0"))
many = settings(max_examples=_N) if _N else (lambda f: f)
_CHECKS = [HealthCheck.filter_too_much, HealthCheck.too_slow]
#: ``many``, and no health check for the filtering a violation's wire check does.
lenient = settings(suppress_health_check=_CHECKS, **({"max_examples": _N} if _N else {}))


def _valid_as_sent(operation: str, request: dict) -> dict:
    body = on_the_wire(operation, request)
    assert body is not None, request
    contracts.validator(request_schema(operation)).validate(body)
    return body


@many
@given(put_events())
def test_valid_put_events_validate_as_sent(request):
    body = _valid_as_sent("PutEvents", request)
    assert 1 <= len(body["eventList"]) <= 10


@pytest.mark.parametrize("operation", OPERATIONS)
@many
@given(data=st.data())
def test_valid_requests_validate_as_sent(operation, data):
    _valid_as_sent(operation, data.draw(requests(request_schema(operation))))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_boundary_vectors_validate_as_sent(operation):
    vectors = boundary_vectors(operation)
    assert vectors
    for clause_id, request in vectors:
        assert contracts.catalog()[clause_id].operation == operation
        _valid_as_sent(operation, request)


def _sound(case: Violation) -> None:
    clause = contracts.catalog()[case.clause]
    broken = broken_at(clause.location.file, as_sent(case.operation, case.request))
    assert clause.schema in broken
    assert broken - {clause.schema} <= clause.entails, broken
    assert set(case.also) == broken - {clause.schema}
    assert only_breaks(case)
    assert case.keyword == clause.keyword
    assert repr(case.old) != repr(case.new) or case.keyword == "required"
    # the path names the value the clause constrains, list items by their index
    assert [s if isinstance(s, str) else contracts.ITEMS for s in case.path] == list(
        clause.location.path)


@pytest.mark.parametrize("operation", OPERATIONS)
@lenient
@given(data=st.data())
def test_violations_fail_only_at_their_clause(operation, data):
    _sound(data.draw(violations(operation)))


def test_every_shape_clause_has_an_operator_and_a_boundary_vector():
    assert len(SHAPE) >= 100
    vectors = {cid for op in OPERATIONS for cid, _ in boundary_vectors(op)}
    missing = [f"{c.id}: no operator for {c.keyword!r}" for c in shape_clauses()
               if not has_operator(c)]
    missing += [f"{cid}: no boundary vector" for cid in SHAPE if cid not in vectors]
    assert not missing, "\n".join(missing)
    assert {c.keyword for c in shape_clauses()} == set(OPERATORS)


@pytest.mark.parametrize("clause_id", SHAPE)
def test_every_shape_clause_has_a_fixed_violation(clause_id):
    """Botocore cannot send some wrong types (a list or object member given a scalar, a
    timestamp given a string): only those come as raw bodies, sent past botocore."""
    clause = contracts.catalog()[clause_id]
    assert boundary_for(clause)
    found = invalid_vectors(clause, count=1)
    assert found and supported(clause), f"{clause_id}: no violation"
    raw = isinstance(found[0].request, RawBody)
    assert raw == wire_unbreakable(clause)
    assert not raw or clause.keyword == "type", clause_id
    _sound(found[0])


@pytest.mark.parametrize("operation", OPERATIONS)
@lenient
@given(data=st.data())
def test_ambiguous_inputs_pass_only_the_lenient_reading(operation, data):
    if not ambiguous_kinds(operation):
        pytest.skip(f"{operation} has no ambiguous input")
    case = data.draw(ambiguous(operation))
    _valid_as_sent(operation, case.request)  # the validator's (lenient) reading accepts it
    clause = contracts.catalog()[case.clause]
    node = clause.location.node()
    if "pattern" in node:
        assert not fullmatch(node["pattern"], case.value)
    else:
        assert len(case.value.encode("utf-16-le")) // 2 > node["maxLength"]
    assert case.ambiguity in contracts.catalog().ambiguities


def test_a_value_valid_on_the_wire_is_not_a_violation():
    """A string timestamp becomes a number on the wire: no violation there."""
    case = Violation("PutEvents.eventList[].sentAt.type", "PutEvents",
                     {"trackingId": "t", "sessionId": "s",
                      "eventList": [{"eventType": "e", "sentAt": "1553631760"}]},
                     ("eventList", 0, "sentAt"), "type", 1553631760, "1553631760")
    assert not only_breaks(case)


def test_name_minimum_length_breaks_only_what_it_entails():
    case = invalid_vectors("CreateEventTracker.name.minLength", count=1)[0]
    assert case.new == ""
    assert case.also == ("CreateEventTrackerRequest.json#/properties/name/pattern",)


def test_pattern_violations_hit_start_middle_and_end():
    seen: set[str] = set()

    @settings(max_examples=150, database=None, deadline=None, phases=[Phase.generate],
              derandomize=True)
    @given(violations_of("CreateEventTracker.tags[].tagKey.pattern"))
    def collect(case):
        bad = [i for i, (a, b) in enumerate(zip(case.old, case.new, strict=False)) if a != b]
        if bad and len(case.new) > 2:
            where = bad[0]
            seen.add("start" if where == 0 else "end" if where == len(case.new) - 1
                     else "middle")

    collect()
    assert seen == {"start", "middle", "end"}


def test_unicode_classes_reach_valid_tags():
    """``\\p{L}`` etc.: valid tag values hold non-ASCII letters, digits and spaces."""
    seen: set[bool] = set()

    @settings(max_examples=30, database=None, deadline=None, phases=[Phase.generate])
    @given(requests("CreateEventTrackerRequest.json"))
    def collect(request):
        _valid_as_sent("CreateEventTracker", request)
        text = "".join(t["tagKey"] + t["tagValue"] for t in request.get("tags", []))
        seen.add(any(ord(c) > 0x7F for c in text))

    collect()
    assert True in seen


def test_fixed_examples_are_the_same_on_every_run_and_distinct():
    strategy = violations_of("PutEvents.eventList[].eventType.maxLength")
    first, again = fixed(strategy, 3), fixed(strategy, 3)
    assert len(first) == 3
    assert [repr(v) for v in first] == [repr(v) for v in again]
    assert len({repr(v) for v in first}) == 3
    assert fixed(st.nothing(), 2) == []  # nothing to draw: none, no error
    assert sorted(fixed(st.sampled_from([1, 2]), 5)) == [1, 2]  # fewer than asked: all

"""The strategies are sound and complete, on the shipped contract and on a richer
test-only one (``rich_contract``): valid inputs validate as sent, violations break only
their clause (and ``also``), every shape clause has an operator, a boundary vector and
an actual violation, and ambiguous inputs pass only the lenient reading.

``STRATEGIES_EXAMPLES=2000`` runs the soundness tests with that many examples each."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable

from personalize_conformance import contracts
from personalize_conformance.strategies import (
    Violation,
    ambiguous,
    boundary_vectors,
    put_events,
    requests,
    violations,
)
from personalize_conformance.strategies.ambiguous import ambiguous_kinds
from personalize_conformance.strategies.invalid import (
    OPERATORS,
    only_breaks,
    shape_clauses,
    site,
    supported,
    wire_unbreakable,
)
from personalize_conformance.strategies.patterns import fullmatch
from personalize_conformance.strategies.valid import request_schema
from personalize_conformance.strategies.wire import on_the_wire

from . import rich_contract

OPERATIONS = sorted(contracts.operations())
_N = int(os.environ.get("STRATEGIES_EXAMPLES", "0"))
many = settings(max_examples=_N) if _N else (lambda f: f)


@pytest.fixture(params=["shipped", "rich"])
def contract(request, monkeypatch) -> str:
    """Run against the shipped contract and the rich test-only one."""
    if request.param == "rich":
        rich_contract.install(monkeypatch)
    return request.param


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
def test_valid_requests_validate_as_sent(contract, operation, data):
    request = data.draw(requests(request_schema(operation)))
    _valid_as_sent(operation, request)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_boundary_vectors_validate_as_sent(contract, operation):
    for clause_id, request in boundary_vectors(operation):
        assert contracts.catalog()[clause_id].operation == operation
        _valid_as_sent(operation, request)


@pytest.mark.parametrize("operation", OPERATIONS)
@many
@settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_violations_fail_only_at_their_clause(contract, operation, data):
    if not shape_clauses(operation):
        pytest.skip(f"{operation} has no shape clause in this contract")
    case = data.draw(violations(operation))
    clause = contracts.catalog()[case.clause]
    body = on_the_wire(operation, case.request)
    errors = list(contracts.validator(site(clause).file).iter_errors(body))
    assert errors and clause.schema in {contracts.pointer(e, site(clause).file) for e in errors}
    assert only_breaks(case)
    assert repr(case.old) != repr(case.new) or case.keyword == "required"
    for other in case.also:  # a forced companion: same node, same expected outcome
        assert contracts.catalog()[other].expected == clause.expected


def test_every_shape_clause_has_an_operator_a_vector_and_a_violation(contract):
    vectors = {cid for op in OPERATIONS for cid, _ in boundary_vectors(op)}
    missing = []
    for clause in shape_clauses():
        if not supported(clause):
            missing.append(f"{clause.id}: no operator for {site(clause).keyword!r}")
        if clause.id not in vectors:
            missing.append(f"{clause.id}: no boundary vector")
        if wire_unbreakable(clause):
            continue  # documented: botocore cannot send it (README, Strategies)
        try:
            find(violations(clause.operation, clause=clause.id), lambda v: True,
                 settings=settings(max_examples=50, database=None, deadline=None))
        except (NoSuchExample, Unsatisfiable):
            missing.append(f"{clause.id}: no violation survives serialization")
    assert not missing, "\n".join(missing)


def test_only_wrong_types_are_ever_unbreakable_on_the_wire(contract):
    for clause in shape_clauses():
        if wire_unbreakable(clause):
            assert site(clause).keyword == "type"


def test_rich_contract_exercises_every_operator(monkeypatch):
    rich_contract.install(monkeypatch)
    assert {site(c).keyword for c in shape_clauses()} == set(OPERATORS)


@pytest.mark.parametrize("operation", OPERATIONS)
@many
@settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_ambiguous_inputs_pass_only_the_lenient_reading(contract, operation, data):
    if not ambiguous_kinds(operation):
        pytest.skip(f"{operation} has no ambiguous input in this contract")
    case = data.draw(ambiguous(operation))
    _valid_as_sent(operation, case.request)  # the validator's (lenient) reading accepts it
    node = contracts.schema(site(contracts.catalog()[case.clause]).file)
    for step in site(contracts.catalog()[case.clause]).steps:
        node = node[step]
    if "pattern" in node:
        assert not fullmatch(node["pattern"], case.value)
    else:
        assert len(case.value.encode("utf-16-le")) // 2 > node["maxLength"]
    assert case.ambiguity


def test_a_value_valid_on_the_wire_is_not_a_violation():
    """A string timestamp becomes a number on the wire: no violation there."""
    case = Violation("PutEvents.eventList.maxItems", "PutEvents",
                     {"trackingId": "t", "sessionId": "s",
                      "eventList": [{"eventType": "e", "sentAt": "1553631760"}]},
                     ("eventList",), "maxItems", [], [])
    assert not only_breaks(case)


def test_name_minimum_length_also_breaks_its_pattern(monkeypatch):
    rich_contract.install(monkeypatch)
    case = find(violations("CreateEventTracker", clause="CreateEventTracker.name.minLength"),
                lambda v: True, settings=settings(database=None))
    assert case.new == "" and case.also == ("CreateEventTracker.name.pattern",)


def test_pattern_violations_hit_start_middle_and_end(monkeypatch):
    rich_contract.install(monkeypatch)
    clause = "CreateEventTracker.tags[].tagKey.pattern"
    seen: set[str] = set()

    @settings(max_examples=30, database=None, deadline=None)
    @given(violations("CreateEventTracker", clause=clause))
    def collect(case):
        bad = [i for i, (a, b) in enumerate(zip(case.old, case.new)) if a != b]
        if bad and len(case.new) > 2:
            where = bad[0]
            seen.add("start" if where == 0 else "end" if where == len(case.new) - 1
                     else "middle")

    collect()
    assert seen == {"start", "middle", "end"}

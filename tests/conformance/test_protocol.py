"""The wire protocols (AWS JSON 1.1, restJson1) on raw HTTP: the clauses of kind
``protocol``, judged on the bytes of each exchange (capability ``wire``; other targets
report them ``not_applicable``). One clause per test, so one deviation fails one clause.

Every call of every test is judged as well (``Harness._judge_wire``); these tests make
sure each clause is exercised on success and error answers of both protocols, and send
the requests botocore would not build (``Harness.send_raw``): the malformed requests of the
first clauses, and the cases of the clauses sourced to Smithy's protocol tests (a clause's
``wire.cases``, :func:`test_requests_boto3_never_sends`)."""

from __future__ import annotations

import contextlib
import json
import time

import pytest

from personalize_conformance.checks import holds, not_exercised
from personalize_conformance.contracts import (
    RAW_OPERATIONS,
    catalog,
    error_code,
    protocol_of,
    wire,
)
from personalize_conformance.harness import Harness
from personalize_conformance.harness.wire_judging import ERROR, EVERY, SUCCESS, applies, judge
from personalize_conformance.suite.support import never_seen
from personalize_conformance.targets import TargetError
from personalize_conformance.targets.base import Exchange


@pytest.fixture
def live_tracker(harness: Harness) -> dict:
    """On a ``wire`` target only (else not_applicable before anything is created): the
    harness' shared ACTIVE tracker (its making answers, a create's among them, join the
    test's exchanges)."""
    harness.require("wire")
    return harness.pooled("event-tracker")


def _events(tracking_id: str) -> dict:
    return {"trackingId": tracking_id, "sessionId": "pc-session",
            "eventList": [{"eventType": "click", "sentAt": time.time()}]}


def _judged(harness: Harness, clause_id: str, exchanges: list[Exchange]) -> None:
    """``clause_id`` holds on every exchange it applies to (at least one)."""
    checked = 0
    for exchange in exchanges:
        found = judge(exchange, strict=harness.strict)
        if clause_id not in found:
            continue
        checked += 1
        problem = found[clause_id]
        holds(harness, clause_id, problem is None, catalog()[clause_id].statement,
              {"status": exchange.status, "detail": problem, "exchange": exchange.as_dict()},
              exchange.operation, {})
    if not checked:
        not_exercised(harness, clause_id, "held", "no answer of the test it applies to")


@pytest.mark.clause(*SUCCESS, *EVERY)
@pytest.mark.parametrize("clause_id", [*SUCCESS, *EVERY])
def test_success_answers_on_the_wire(harness: Harness, live_tracker: dict, clause_id: str):
    """A create, describe, list and PutEvents answer of each protocol, judged raw."""
    harness.invoke("ListEventTrackers", {})
    harness.invoke("DescribeEventTracker", {"eventTrackerArn": live_tracker["eventTrackerArn"]})
    harness.invoke("PutEvents", _events(live_tracker["trackingId"]))
    _judged(harness, clause_id, [e for e in harness.exchanges if 200 <= e.status <= 299])


@pytest.mark.clause(*ERROR, *EVERY)
@pytest.mark.parametrize("clause_id", [*ERROR, *EVERY])
def test_error_answers_on_the_wire(harness: Harness, live_tracker: dict, clause_id: str):
    """A not-found and an invalid-input error of each protocol, judged raw."""
    unknown = never_seen(live_tracker["eventTrackerArn"], "event-tracker")
    for operation, request in [("DescribeEventTracker", {"eventTrackerArn": unknown}),
                               ("CreateDatasetGroup", {"name": ""}),
                               ("PutEvents", {**_events(live_tracker["trackingId"]),
                                              "eventList": []})]:
        with pytest.raises(TargetError):
            harness.invoke(operation, request)
    _judged(harness, clause_id, [e for e in harness.exchanges if not 200 <= e.status <= 299])


def _probe(harness: Harness, operation: str) -> None:
    """A well-formed call of ``operation`` first: a target that lacks it skips the test as
    ``unsupported`` (its answers to malformed requests say nothing of the protocol)."""
    harness.require("wire")
    probe = {} if protocol_of(operation) == "json" else _events("pc-probe-unknown")
    with contextlib.suppress(TargetError):
        harness.invoke(operation, probe)


def _refused(harness: Harness, clause_id: str, exchange: Exchange, what: str,
             *, or_served: bool = False) -> None:
    """The answer to a malformed request is the error ``clause_id`` expects (or, with
    ``or_served`` outside ``--strict``, a 200)."""
    clause = catalog()[clause_id]
    code = error_code(protocol_of(exchange.operation), exchange.headers, exchange.body)
    ok = clause.accepts_error(exchange.status, code, strict=harness.strict) or (
        or_served and not harness.strict and exchange.status == 200)
    expected = clause.expected_for(harness.strict)
    holds(harness, clause_id, ok,
          f"{what}: HTTP {expected['status']} {' or '.join(expected['errors']) or 'any code'}"
          + (" (or served, 200)" if or_served and not harness.strict else ""),
          {"status": exchange.status, "code": code,
           "message": exchange.body[:300].decode("utf-8", "replace")},
          exchange.operation, {"raw": exchange.as_dict()["request"]})


@pytest.mark.clause("Protocol.request.notJson", "Protocol.request.notObject")
@pytest.mark.parametrize("clause_id", ["Protocol.request.notJson", "Protocol.request.notObject"])
@pytest.mark.parametrize("protocol", sorted(RAW_OPERATIONS))
def test_bodies_that_are_no_json_object_are_refused(harness: Harness, clause_id: str,
                                                    protocol: str):
    operation = RAW_OPERATIONS[protocol]
    _probe(harness, operation)
    for body in wire(clause_id)["bodies"]:
        exchange = harness.send_raw(operation, body.encode("latin-1"))
        _refused(harness, clause_id, exchange, f"{operation} with the body {body!r} refused")


@pytest.mark.clause("Protocol.request.unknownTarget")
def test_unknown_target_is_an_unknown_operation(harness: Harness):
    _probe(harness, "ListEventTrackers")
    for target in wire("Protocol.request.unknownTarget")["targets"]:
        exchange = harness.send_raw("ListEventTrackers", b"{}", {"X-Amz-Target": target})
        _refused(harness, "Protocol.request.unknownTarget", exchange,
                 f"X-Amz-Target {target} refused")


@pytest.mark.clause("Protocol.request.missingTarget")
def test_json_request_without_target_is_refused(harness: Harness):
    _probe(harness, "ListEventTrackers")
    exchange = harness.send_raw("ListEventTrackers", b"{}", {"X-Amz-Target": None})
    _refused(harness, "Protocol.request.missingTarget", exchange,
             "a request without X-Amz-Target refused")


@pytest.mark.clause("Protocol.request.wrongContentType")
def test_wrong_request_content_type_is_served_or_refused(harness: Harness, live_tracker: dict):
    clause_id = "Protocol.request.wrongContentType"
    kind = wire(clause_id)["content_type"]
    for operation, body in [("ListEventTrackers", b"{}"),
                            ("PutEvents", json.dumps(_events(live_tracker["trackingId"])).encode(
                                )),
                            ]:
        assert applies(clause_id, operation)
        exchange = harness.send_raw(operation, body, {"Content-Type": kind})
        _refused(harness, clause_id, exchange, f"{operation} sent as {kind} refused",
                 or_served=True)


#: The protocol clauses judged on requests boto3 never sends: each ``wire`` entry lists its
#: ``cases`` (an operation, a body with ``$trackingId``/``$sentAt`` to fill in, headers to
#: change) and the ``answer`` it asks (``served``, or ``refused`` as ``expected`` says).
MALFORMED = [c.id for c in catalog() if c.kind == "protocol" and "cases" in c.extra["wire"]]


def _readings_answer(clause_id: str, status: int, code: str) -> bool:
    """Whether a reading of the clause's register entry has the answer as its outcome."""
    entry = catalog().ambiguities.get(catalog()[clause_id].ambiguity or "")
    return any(
        (want := reading.outcome)
        and (want["status"] == status or (want["status"] == "4xx" and 400 <= status <= 499))
        and (not want["errors"] or code in want["errors"])
        for reading in (entry.readings if entry else ()))


def _served(harness: Harness, clause_id: str, exchange: Exchange, what: str) -> None:
    """The request is served (200), or outside ``--strict`` answered as a reading of the
    clause's register entry answers it."""
    code = error_code(protocol_of(exchange.operation), exchange.headers, exchange.body)
    ok = exchange.status == 200 or (not harness.strict
                                    and _readings_answer(clause_id, exchange.status, code))
    holds(harness, clause_id, ok, f"{what}: served (HTTP 200)",
          {"status": exchange.status, "code": code,
           "message": exchange.body[:300].decode("utf-8", "replace")},
          exchange.operation, {"raw": exchange.as_dict()["request"]})


def _filled(body: str, tracking_id: str) -> bytes:
    return body.replace("$trackingId", tracking_id).replace(
        "$sentAt", str(int(time.time()))).encode()


@pytest.mark.clause(*MALFORMED)
@pytest.mark.parametrize("clause_id", MALFORMED)
def test_requests_boto3_never_sends(harness: Harness, request: pytest.FixtureRequest,
                                    clause_id: str):
    """Each case of the clause sent raw (Smithy's malformed-request and server tests, on
    the operations in scope), in an otherwise valid request of a live tracker."""
    harness.require("wire")
    facts = wire(clause_id)
    tracking_id = "pc-no-tracker"
    if any(case["operation"] == "PutEvents" for case in facts["cases"]):
        tracking_id = request.getfixturevalue("live_tracker")["trackingId"]
    else:
        _probe(harness, facts["cases"][0]["operation"])
    may_serve = _readings_answer(clause_id, 200, "")
    for case in facts["cases"]:
        body = _filled(case["body"], tracking_id)
        exchange = harness.send_raw(case["operation"], body, case.get("headers"))
        what = f"{case['operation']} with the body {body[:120]!r}" + (
            f" and the headers {case['headers']}" if case.get("headers") else "")
        if facts["answer"] == "served":
            _served(harness, clause_id, exchange, what)
        else:
            _refused(harness, clause_id, exchange, what + " refused", or_served=may_serve)

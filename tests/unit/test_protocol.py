"""The protocol clauses: judged on raw exchanges (one deviation, one clause), held by the
reference over HTTP under every reading of their register entries, ``not_applicable`` in
process, and every answer of a run counted as validated."""

from __future__ import annotations

import json

import pytest

from benchmarks.power import run_suite
from personalize_conformance.contracts import catalog, error_code, error_codes, sanitize
from personalize_conformance.harness.wire_judging import RESPONSE_CLAUSES, judge
from personalize_conformance.targets.base import Exchange

#: A fixed "now" (parameter ids must be the same on every xdist worker).
NOW = 1_790_000_000.0
PROTOCOL = sorted(c.id for c in catalog() if c.kind == "protocol")
GROUP = {"datasetGroup": {"name": "g", "status": "ACTIVE",
                          "datasetGroupArn": "arn:aws:personalize:us-east-1:1:dataset-group/g",
                          "creationDateTime": NOW - 5, "lastUpdatedDateTime": NOW - 1}}
JSON_11 = {"content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "r1"}


def _answer(body: object, *, status: int = 200, headers: dict | None = None,
            operation: str = "DescribeDatasetGroup") -> Exchange:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange("POST", "http://x/", {}, b"{}", status,
                    JSON_11 if headers is None else headers, raw, operation)


def _broken(exchange: Exchange, **kwargs) -> set[str]:
    return {k for k, v in judge(exchange, now=NOW, **kwargs).items() if v}


def test_every_response_clause_is_in_the_catalog():
    assert set(RESPONSE_CLAUSES) <= set(PROTOCOL)
    assert all(catalog()[c].capability == "wire" for c in PROTOCOL)


def test_a_conformant_answer_breaks_nothing():
    assert _broken(_answer(GROUP)) == set()
    assert _broken(_answer(b"", headers={"x-amzn-requestid": "r"}, operation="PutEvents")) == set()


@pytest.mark.parametrize(("change", "clause"), [
    ({"headers": {**JSON_11, "content-type": "text/html"}}, "Protocol.success.contentType"),
    ({"headers": {**JSON_11, "content-type": "application/json"}},
     "Protocol.success.contentType"),
    ({"status": 201}, "Protocol.success.status200"),
    ({"headers": {"content-type": JSON_11["content-type"]}}, "Protocol.response.requestId"),
])
def test_one_header_or_status_deviation_breaks_one_clause(change, clause):
    assert _broken(_answer(GROUP, **change)) == {clause}


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00Z", (NOW - 5) * 1000, NOW + 7 * 86400,
                                   True, 12.0], ids=["iso", "milliseconds", "a-week-ahead",
                                                     "boolean", "1970"])
def test_a_timestamp_off_the_wire_format_breaks_the_timestamp_clause_alone(value):
    body = {"datasetGroup": {**GROUP["datasetGroup"], "creationDateTime": value}}
    assert _broken(_answer(body)) == {"Protocol.success.timestamps"}


def test_a_member_of_the_wrong_type_and_a_body_that_is_no_object():
    wrong = {"datasetGroup": {**GROUP["datasetGroup"], "status": 1}}
    assert _broken(_answer(wrong)) == {"Protocol.success.memberTypes"}
    # a value of the right type the schema refuses otherwise: the response clause's
    off_enum = {"datasetGroup": {**GROUP["datasetGroup"], "domain": "GENERAL"}}
    assert _broken(_answer(off_enum)) == set()
    assert _broken(_answer([GROUP])) == {"Protocol.success.jsonObject"}
    assert _broken(_answer(b"<html>")) == {"Protocol.success.jsonObject"}


@pytest.mark.parametrize(("value", "code"), [
    ("FooError", "FooError"),
    ("FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/", "FooError"),
    ("aws.protocoltests.restjson#FooError", "FooError"),
    ("aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/", "FooError"),
])
def test_error_types_are_sanitized_as_the_specifications_say(value, code):
    assert sanitize(value) == code


def test_the_error_code_is_read_from_every_place_the_protocol_allows():
    body = json.dumps({"message": "m"}).encode()
    header = {"x-amzn-errortype": "InvalidInputException:http://x/"}
    assert error_code("json", header, body) == "InvalidInputException"
    typed = json.dumps({"__type": "ns#ResourceNotFoundException", "message": "m"}).encode()
    assert error_code("rest-json", {}, typed) == "ResourceNotFoundException"
    both = error_codes("json", {"x-amzn-errortype": "A"}, json.dumps({"__type": "B"}).encode())
    assert [code for _, code in both] == ["B", "A"]  # JSON 1.1: __type first
    assert error_code("rest-json", {"x-amzn-errortype": "A"},
                      json.dumps({"code": "B"}).encode()) == "A"  # restJson1: header first


def test_an_error_answer_breaks_what_it_lacks():
    good = {"__type": "InvalidInputException", "message": "m"}
    assert _broken(_answer(good, status=400)) == set()
    hidden = {"Error": {"Code": "InvalidInputException", "Message": "m"}}
    # one fault, one clause: where the message of an unreadable error is, is moot
    assert _broken(_answer(hidden, status=400)) == {"Protocol.error.code"}
    assert _broken(_answer({"__type": "X"}, status=400)) == {"Protocol.error.message"}
    assert _broken(_answer(good, status=302)) == {"Protocol.error.status"}


def test_an_empty_body_is_a_success_without_output_parameters():
    """"When an operation has no modeled output or no output parameters are provided,
    server implementations SHOULD send an empty response body": an empty page of
    ListEventTrackers, with its Content-Type (a missing required member is the operation's
    response clause's)."""
    assert _broken(_answer(b"", operation="ListEventTrackers")) == set()
    assert _broken(_answer(b"", operation="DescribeDatasetGroup")) == set()


def test_an_error_code_that_is_no_shape_name_fails_only_under_strict():
    """The component MUST be given; that it holds the shape name is a SHOULD."""
    answer = _answer({"__type": "com.amazon.coral.validate.Error-1", "message": "m"},
                     status=400)
    assert _broken(answer) == set()
    assert _broken(answer, strict=True) == {"Protocol.error.code"}
    assert _broken(_answer({"__type": "", "message": "m"}, status=400)) == {
        "Protocol.error.code"}


def test_codes_that_disagree_fail_only_under_strict():
    answer = _answer({"__type": "A", "message": "m"}, status=400,
                     headers={**JSON_11, "x-amzn-errortype": "B"})
    assert _broken(answer) == set()
    assert _broken(answer, strict=True) == {"Protocol.error.code"}


def _statuses(report: dict) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["clauses"] if c["kind"] == "protocol"}


def test_the_reference_over_http_passes_every_protocol_clause_and_validates_every_answer():
    run = run_suite("reference-http", clauses=PROTOCOL, quiet=True)
    assert run.exit_code == 0, sorted(run.failed_clauses)
    assert set(_statuses(run.report).values()) == {"passed"}, _statuses(run.report)
    validated, _, calls = run.report["responses_validated"].partition(" of ")
    assert int(calls) > 0 and validated == calls, run.report["responses_validated"]


def test_in_process_the_protocol_clauses_are_not_applicable():
    run = run_suite("reference", clauses=PROTOCOL, quiet=True)
    assert set(_statuses(run.report).values()) == {"not_applicable"}, _statuses(run.report)
    assert run.report["responses_validated"].startswith("0 of ")


@pytest.mark.parametrize("readings", [
    "Protocol.request.contentType=lenient",
    "Protocol.error.codeInHeaderAndBody=one-place",
    "Protocol.request.refusal=other-client-error",
])
def test_the_reference_takes_each_reading_of_the_protocol_ambiguities(readings):
    run = run_suite("reference-http", clauses=PROTOCOL, quiet=True,
                    extra=["--readings", readings])
    assert run.exit_code == 0 and not run.failed_clauses, sorted(run.failed_clauses)


def test_exported_protocol_exchanges_get_their_expected_answer_from_the_reference(tmp_path):
    """``Protocol.json`` as a vendor replays it (resources filled in), against the
    reference's HTTP layer: the expected answer every time."""
    import base64

    from personalize_conformance.contracts import protocol_of
    from personalize_conformance.report import vectors
    from personalize_conformance.targets.reference import ReferenceService
    from personalize_conformance.targets.reference.http_layer import handle

    written = vectors.export(tmp_path)
    raw = json.loads((tmp_path / vectors.PROTOCOL_FILE).read_text())
    assert tmp_path / vectors.PROTOCOL_FILE in written and raw["exchanges"]
    assert {e["clause"] for e in raw["exchanges"]} | {r["clause"] for r in raw["responses"]} \
        == set(PROTOCOL)
    service = ReferenceService()
    group = service.call("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
    tracking = service.call("CreateEventTracker", {"name": "t", "datasetGroupArn": group})
    for exchange in raw["exchanges"]:
        request = exchange["request"]
        body = base64.b64decode(request["body_base64"])
        if exchange["fill"]:
            body = json.dumps({**json.loads(body), "trackingId": tracking["trackingId"]}
                              ).encode()
        for stand_in in exchange.get("replace", {}):
            body = body.replace(stand_in.encode(), tracking["trackingId"].encode())
        headers = {k: v for k, v in request["headers"].items() if v is not None}
        status, answer_headers, answer = handle(service, request["method"],
                                                "http://x" + request["path"], headers, body)
        want = exchange["expected"]
        code = error_code(protocol_of(exchange["operation"]), answer_headers, answer)
        assert any(_answers(status, code, outcome) for outcome in [
            want, *want.get("or_readings", ()), *([{"status": 200}] if want["or_served"] else [])
        ]), (exchange["id"], status, code)


def _answers(status: int, code: str, outcome: dict) -> bool:
    """Whether (status, code) is an answer ``outcome`` (a status, error codes) allows."""
    if not (status == outcome["status"]
            or (outcome["status"] == "4xx" and 400 <= status <= 499)):
        return False
    return status == 200 or not outcome.get("errors") or code in outcome["errors"]


def test_a_raw_exchange_in_a_report_carries_no_credentials():
    exchange = Exchange("POST", "http://x/", {"Authorization": "AWS4-HMAC-SHA256 sig",
                                              "X-Amz-Security-Token": "t", "x-amz-date": "d"},
                        b"{}")
    headers = exchange.as_dict()["request"]["headers"]
    assert headers == {"Authorization": "<redacted>", "X-Amz-Security-Token": "<redacted>",
                       "x-amz-date": "d"}


def _put_events(service, body: bytes, headers: dict) -> tuple[int, bytes]:
    from personalize_conformance.targets.reference.http_layer import handle

    status, _, answer = handle(service, "POST", "http://x/events", headers, body)
    return status, answer


@pytest.mark.parametrize("reading, want", [("reject", 415), ("lenient", 200)])
def test_a_put_events_body_without_content_type_is_refused_under_reject(reading, want):
    from personalize_conformance.targets.reference import ReferenceService
    from personalize_conformance.targets.reference.service import Behaviour

    service = ReferenceService(Behaviour(readings={"Protocol.request.contentType": reading}))
    group = service.call("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
    tracking = service.call("CreateEventTracker", {"name": "t", "datasetGroupArn": group})
    body = json.dumps({"trackingId": tracking["trackingId"], "sessionId": "s",
                       "eventList": [{"eventType": "click", "sentAt": 1}]}).encode()
    assert _put_events(service, body, {})[0] == want
    assert _put_events(service, b"", {})[0] == 400  # no body: no Content-Type asked


def test_the_reference_reads_bodies_as_smithys_deserializers_do():
    """A null member absent, "NaN" a float for a number (not a timestamp), a null list
    item kept, the NaN literal no JSON."""
    from personalize_conformance.targets.reference.http_layer import read_body
    from personalize_conformance.targets.reference.service import ServiceError

    event = {"eventType": "click", "sentAt": "NaN", "eventValue": "-Infinity",
             "itemId": None}
    read = read_body("PutEvents", json.dumps(
        {"userId": None, "eventList": [event, None]}).encode())
    assert set(read) == {"eventList"} and read["eventList"][1] is None
    assert read["eventList"][0]["sentAt"] == "NaN" and "itemId" not in read["eventList"][0]
    assert read["eventList"][0]["eventValue"] == float("-inf")
    assert read_body("ListEventTrackers", b"") == {}
    assert read_body("ListEventTrackers", b'{"maxResults": 10.0}') == {"maxResults": 10}
    with pytest.raises(ServiceError, match="not JSON"):
        read_body("ListEventTrackers", b'{"maxResults": NaN}')


CASES = [(c.id, n) for c in catalog() if c.kind == "protocol"
         for n in range(len(c.extra["wire"].get("cases", ())))]


def _case(clause_id: str, index: int, tracking_id: str) -> tuple[dict, bytes]:
    case = catalog()[clause_id].extra["wire"]["cases"][index]
    body = case["body"].replace("$trackingId", tracking_id).replace("$sentAt", "1700000000")
    return case, body.encode()


@pytest.mark.parametrize("clause_id, index", CASES)
def test_each_case_breaks_its_clause_alone(clause_id: str, index: int):
    """Read as the reference reads it, a case's body is valid but for one wrong type (a
    case refused by type, Errors.typeMismatch), valid (a case to serve), or no JSON."""
    from personalize_conformance.contracts import broken_at, request_schema
    from personalize_conformance.targets.reference.http_layer import read_body
    from personalize_conformance.targets.reference.service import ServiceError

    case, body = _case(clause_id, index, "t-1")
    clause = catalog()[clause_id]
    try:
        read = read_body(case["operation"], body)
    except ServiceError:
        assert clause_id == "Protocol.request.lenientJson"
        return
    broken = broken_at(request_schema(case["operation"]), read)
    if clause.extra["wire"]["answer"] == "served":
        assert not broken
    elif clause.ambiguity == "Errors.typeMismatch":
        assert len(broken) == 1 and next(iter(broken)).endswith("/type"), broken
    elif clause_id == "Protocol.request.integerOverflow":
        # above the maximum, below the minimum (and 1e400, an infinite float, no integer)
        assert broken and all("/properties/maxResults/" in p for p in broken), broken


@pytest.mark.parametrize("readings", ["default", "all-alt", "strict"])
def test_the_reference_answers_every_case_as_its_clause_asks(readings: str):
    """Over its HTTP layer, under the default readings, every alternative and --strict's."""
    from personalize_conformance.contracts import (
        parse_readings,
        protocol_of,
        strict_readings,
    )
    from personalize_conformance.targets.reference import ReferenceService
    from personalize_conformance.targets.reference.http_layer import handle
    from personalize_conformance.targets.reference.service import Behaviour

    taken = {"default": {}, "all-alt": parse_readings("all-alt"),
             "strict": strict_readings()}[readings]
    taken.pop("PutEvents.interactionsDataset", None)  # a tracker of a group without one
    service = ReferenceService(Behaviour(readings=taken))
    group = service.call("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
    tracking = service.call("CreateEventTracker", {"name": "t", "datasetGroupArn": group})
    strict = readings == "strict"
    for clause_id, index in CASES:
        case, body = _case(clause_id, index, tracking["trackingId"])
        url = "http://x/events" if case["operation"] == "PutEvents" else "http://x/"
        headers = {"Content-Type": "application/json" if url.endswith("events")
                   else "application/x-amz-json-1.1"}
        if not url.endswith("events"):
            headers["X-Amz-Target"] = f"AmazonPersonalize.{case['operation']}"
        sent = {**headers, **case.get("headers", {})}
        status, answer_headers, answer = handle(
            service, "POST", url, {k: v for k, v in sent.items() if v is not None}, body)
        code = error_code(protocol_of(case["operation"]), answer_headers, answer)
        clause = catalog()[clause_id]
        if clause.extra["wire"]["answer"] == "served":
            register = catalog().ambiguities.get(clause.ambiguity or "")
            allowed = [r.outcome for r in register.readings if r.outcome] if register else []
            assert status == 200 or (not strict and any(
                o["status"] == status and code in o["errors"] for o in allowed)), (
                clause_id, index, status, code, answer)
        else:
            assert clause.accepts_error(status, code, strict=strict) or (
                status == 200 and not strict and readings != "default"
                and clause.ambiguity == "Protocol.request.contentType"), (
                clause_id, index, status, code)

"""Readings as data: the reference takes any reading of any entry of the ambiguity
register (``Behaviour.readings``, ``--readings``), and the suite finds it conformant under
each, so it raises no false failure on an implementation that reads the documents another
way the documents allow.

The first tests pin what each alternative reading changes in the reference (one request
answered differently from the default reading). The suite runs (in-process, ``ci``
profile, as ``benchmarks.power.run_suite`` does) then take each entry's alternative
reading on the clauses the entry bears on (those naming it, its ``affects``, and the
behavioural ones it interacts with), all alternatives at once on the whole suite, and
``--strict`` (the entries' strict readings) on the clauses with an ambiguity.
"""

from __future__ import annotations

import inspect
import re
import uuid
from types import SimpleNamespace

import pytest

from benchmarks.power import run_suite
from personalize_conformance import contracts
from personalize_conformance.report import verdict
from personalize_conformance.run.options import OptionError
from personalize_conformance.run.session import prepare
from personalize_conformance.targets import TargetConfigError, reference_service, resolve
from personalize_conformance.targets.reference import service as service_module
from personalize_conformance.targets.reference.service import (
    Behaviour,
    ReferenceService,
    ServiceError,
)

REGISTER = contracts.catalog().ambiguities
ARN = "arn:aws:personalize:us-east-1:123456789012:dataset-group/"


# -- the register as data ----------------------------------------------------------------
def test_every_entry_names_a_strict_reading_among_its_readings():
    for entry in REGISTER.values():
        assert entry.strict_reading in entry.reading_ids, entry.id
        assert not set(entry.rejected) & set(entry.reading_ids), entry.id
        assert len(entry.readings) >= 2 or entry.rejected, entry.id


def test_docs_versions_per_page_is_rejected_with_its_reason():
    docs = REGISTER["Docs.versions"]
    assert docs.reading_ids == ("union",) and "silent" in docs.rejected["per-page"]
    with pytest.raises(ValueError, match=r"rejected: .*choose one of: union"):
        contracts.parse_readings("Docs.versions=per-page")


def test_all_alt_is_every_entrys_last_reading():
    assert contracts.parse_readings("all-alt") == {
        a.id: a.readings[-1].id for a in REGISTER.values()}
    assert contracts.parse_readings(" String.length.units=utf16 ,Event.properties.json="
                                    "json-object") == {"String.length.units": "utf16",
                                                       "Event.properties.json": "json-object"}


@pytest.mark.parametrize("readings, match", [
    ({"No.such": "x"}, "no ambiguity 'No.such'.*choose one of: Name.pattern.unanchored"),
    ({"String.length.units": "bytes"}, "no reading 'bytes'.*choose one of: code-points, utf16"),
])
def test_the_reference_refuses_a_reading_the_register_lacks(readings, match):
    with pytest.raises(TargetConfigError, match=match):
        Behaviour(readings=readings)
    with pytest.raises(TargetConfigError, match=match):
        reference_service("reference", readings=readings)


def test_readings_configure_the_reference_targets_only():
    for name in ("reference", "reference-progressive", "mutant:eventType-accepts-257"):
        target = resolve(name, readings={"String.length.units": "utf16"})
        assert target.service.reading("String.length.units") == "utf16"
    with pytest.raises(TargetConfigError, match="--readings configures the reference only"):
        resolve("moto", readings={"String.length.units": "utf16"})


@pytest.mark.parametrize("value, match", [
    ("String.length.units", "is not ID=READING"),
    ("String.length.units=bytes", "no reading 'bytes'"),
])
def test_a_bad_readings_option_is_a_usage_error(value, match):
    with pytest.raises(OptionError, match=f"--readings: .*{match}"):
        prepare({"readings": value}, runner=False)
    with pytest.raises(OptionError, match="configures the reference only"):
        prepare({"readings": "all-alt", "target": "moto"}, runner=False)


def test_strict_runs_of_the_reference_take_the_strict_readings():
    run = prepare({"strict": True, "readings": "Errors.typeMismatch=serialization"},
                  runner=False)
    service = run.target.service
    for entry in REGISTER.values():
        want = "serialization" if entry.id == "Errors.typeMismatch" else entry.strict_reading
        assert service.reading(entry.id) == want, entry.id


def test_the_reference_branches_on_reading_ids_of_the_register_only():
    """Every ``reading(<entry>) == "<reading>"`` and ``{"<reading>": ...}[reading(...)]``
    in the reference names an entry of the register and one of its readings."""
    source = inspect.getsource(service_module)
    compared = re.findall(r'reading\((?:"([^"]+)"|([A-Z]+))\) == "([^"]+)"', source)
    assert len(compared) >= 8
    for literal, constant, reading in compared:
        entry = literal or getattr(service_module, constant)
        assert reading in REGISTER[entry].reading_ids, (entry, reading)
    for table, entry in re.findall(r'\{("[^}]+)\}\[\s*self\.reading\("([^"]+)"\)\]', source):
        assert set(re.findall(r'"([a-z-]+)":', table)) == set(REGISTER[entry].reading_ids)
    patterns = {c.ambiguity for c in contracts.shape_clauses() if c.keyword == "pattern"}
    for entry in service_module.UNANCHORED:  # each covers the patterns of its clauses
        assert entry in REGISTER and entry in patterns, entry
    assert {service_module.JAVA, service_module.UNITS, service_module.UNICODE} <= set(REGISTER)


# -- what each alternative reading changes in the reference --------------------------------
def _answer(service: ReferenceService, operation: str, body: dict) -> str:
    try:
        service.call(operation, body)
    except ServiceError as exc:
        return exc.code
    return "accepted"


def _events(tracking_id: str, **event: object) -> dict:
    return {"trackingId": tracking_id, "sessionId": "s",
            "eventList": [{"eventType": "click", "sentAt": 1553631760, **event}]}


#: entry -> (operation, body maker(group arn, tracking id), default answer, alternative's)
DIFFERENCES = {
    "Name.pattern.unanchored": (
        "CreateDatasetGroup", lambda g, t: {"name": "a!b"}, "accepted",
        "InvalidInputException"),
    "Arn.pattern.unanchored": (
        "DescribeDatasetGroup", lambda g, t: {"datasetGroupArn": "x" + g},
        "ResourceNotFoundException", "InvalidInputException"),
    "NextToken.pattern.unanchored": (
        "ListEventTrackers", lambda g, t: {"nextToken": "\u00e9"}, "InvalidInputException",
        "InvalidNextTokenException"),
    "Pattern.javaSemantics": (
        "DescribeDatasetGroup",
        lambda g, t: {"datasetGroupArn": "arn:\u0661:personalize:r:a:x"},
        "ResourceNotFoundException", "InvalidInputException"),
    "String.length.units": (
        "CreateDatasetGroup",
        lambda g, t: {"name": "u", "tags": [{"tagKey": "k", "tagValue": "\U00010400" * 200}]},
        "accepted", "InvalidInputException"),
    "PutEvents.unknownTrackingId.error": (
        "PutEvents", lambda g, t: _events("no-such-tracker"), "InvalidInputException",
        "ResourceNotFoundException"),
    "CreateEventTracker.secondTracker.error": (
        "CreateEventTracker", lambda g, t: {"name": "second", "datasetGroupArn": g},
        "ResourceAlreadyExistsException", "InvalidInputException"),
    "DeleteDatasetGroup.withTracker.error": (
        "DeleteDatasetGroup", lambda g, t: {"datasetGroupArn": g}, "ResourceInUseException",
        "InvalidInputException"),
    "Tags.tooMany.error": (
        "CreateDatasetGroup",
        lambda g, t: {"name": "many", "tags": [{"tagKey": f"k{i}", "tagValue": "v"}
                                               for i in range(201)]},
        "TooManyTagsException", "InvalidInputException"),
    "Event.properties.json": (
        "PutEvents", lambda g, t: _events(t, properties="not json"), "accepted",
        "InvalidInputException"),
    "Event.sentAt.string": (
        "PutEvents", lambda g, t: _events(t, sentAt="1553631760"), "InvalidInputException",
        "accepted"),
    "Event.eventValue.nonNumeric": (
        "PutEvents", lambda g, t: _events(t, eventValue=float("nan")), "accepted",
        "InvalidInputException"),
    "Errors.typeMismatch": (
        "CreateDatasetGroup", lambda g, t: {"name": 5}, "InvalidInputException",
        "SerializationException"),
    "ListEventTrackers.invalidNextToken.error": (
        "ListEventTrackers", lambda g, t: {"nextToken": "never-issued"},
        "InvalidNextTokenException", "InvalidInputException"),
    "Pattern.unicodeVersion": (
        "CreateDatasetGroup",
        lambda g, t: {"name": "u", "tags": [{"tagKey": "k", "tagValue": "\u0221"}]},
        "accepted", "InvalidInputException"),
    "Errors.shapeAndBehaviour": (
        "DescribeDatasetGroup", lambda g, t: {"datasetGroupArn": ARN + "x" * 300},
        "InvalidInputException", "ResourceNotFoundException"),
    "Event.properties.reservedKeys": (
        "PutEvents", lambda g, t: _events(t, properties='{"n": 1, "USERID": "u"}'),
        "InvalidInputException", "accepted"),
    "PutEvents.interactionsDataset": (  # the group has no Interactions dataset here
        "PutEvents", lambda g, t: _events(t), "accepted", "InvalidInputException"),
}


#: Entries whose readings change a successful answer: (operation, body maker, what of the
#: answer is compared (given the tracking ID), under the default reading, under the last).
ANSWER_DIFFERENCES = {
    "ListEventTrackers.summary.trackingId": (
        "ListEventTrackers", lambda g, t: {"datasetGroupArn": g},
        lambda answer, t: [s.get("trackingId") == t for s in answer["eventTrackers"]],
        [False], [True]),
    "Arn.resourceId": (
        "ListEventTrackers", lambda g, t: {"datasetGroupArn": g},
        lambda answer, t: [s["eventTrackerArn"].endswith(":event-tracker/t")
                           for s in answer["eventTrackers"]],
        [False], [True]),
}


#: Entries whose readings change the reference's HTTP layer: (Content-Type, body, and
#: X-Amz-Target, ListEventTrackers when not given) of a request -> (status, whether
#: X-Amzn-ErrorType is sent) under the default reading and under the last one.
WIRE_DIFFERENCES = {
    "Protocol.request.contentType": ("text/plain", b"{}", (415, True), (200, False)),
    "Protocol.error.codeInHeaderAndBody": ("application/x-amz-json-1.1", b"[]",
                                           (400, True), (400, False)),
    "Protocol.request.refusal": ("application/x-amz-json-1.1", b"{}", (400, True),
                                 (404, True), "NoSuchService.CreateDatasetGroup"),
}


def test_every_entry_with_two_readings_has_a_difference_pinned():
    assert set(DIFFERENCES) | set(WIRE_DIFFERENCES) | set(ANSWER_DIFFERENCES) == {
        a.id for a in REGISTER.values() if len(a.readings) > 1}


@pytest.mark.parametrize("entry", sorted(WIRE_DIFFERENCES))
def test_the_alternative_reading_answers_differently_on_the_wire(entry):
    from personalize_conformance.targets.reference.http_layer import handle

    kind, body, default, alternative, *target = WIRE_DIFFERENCES[entry]
    headers = {"X-Amz-Target": (target or ["AmazonPersonalize.ListEventTrackers"])[0],
               "Content-Type": kind}
    for reading, want in ((REGISTER[entry].readings[0].id, default),
                          (REGISTER[entry].readings[-1].id, alternative)):
        service = ReferenceService(Behaviour(readings={entry: reading}))
        status, answer_headers, _ = handle(service, "POST", "http://x/", headers, body)
        got = (status, "x-amzn-ErrorType" in answer_headers)
        assert got == want, f"{entry}={reading}: {got}, not {want}"


@pytest.mark.parametrize("entry", sorted(DIFFERENCES))
def test_the_alternative_reading_answers_differently(entry):
    operation, body, default, alternative = DIFFERENCES[entry]
    for reading, want in ((REGISTER[entry].readings[0].id, default),
                          (REGISTER[entry].readings[-1].id, alternative)):
        service = ReferenceService(Behaviour(readings={entry: reading}))
        group = service.call("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
        tracker = service.call("CreateEventTracker", {"name": "t", "datasetGroupArn": group})
        got = _answer(service, operation, body(group, tracker["trackingId"]))
        assert got == want, f"{entry}={reading}: {got}, not {want}"


@pytest.mark.parametrize("entry", sorted(ANSWER_DIFFERENCES))
def test_the_alternative_reading_answers_with_other_members(entry):
    operation, body, shown, default, alternative = ANSWER_DIFFERENCES[entry]
    for reading, want in ((REGISTER[entry].readings[0].id, default),
                          (REGISTER[entry].readings[-1].id, alternative)):
        service = ReferenceService(Behaviour(readings={entry: reading}))
        group = service.call("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
        tracking_id = service.call("CreateEventTracker", {"name": "t", "datasetGroupArn": group}
                                   )["trackingId"]
        got = shown(service.call(operation, body(group, tracking_id)), tracking_id)
        assert got == want, f"{entry}={reading}: {got}, not {want}"


@pytest.mark.parametrize("reading", REGISTER["Arn.resourceId"].reading_ids)
def test_a_deleted_resources_arn_comes_back_under_the_name_reading_only(reading):
    """Arn.resourceId: a tracker and a dataset group created again with a deleted one's
    name get its ARN under ``name`` (which then names the new one; the old tracking ID stays
    refused), a new ARN under ``random``; under ``name`` a name in use is refused."""
    service = ReferenceService(Behaviour(readings={"Arn.resourceId": reading}))
    group = service.call("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
    first = service.call("CreateEventTracker", {"name": "t", "datasetGroupArn": group})
    service.call("DeleteEventTracker", {"eventTrackerArn": first["eventTrackerArn"]})
    service.call("DeleteDatasetGroup", {"datasetGroupArn": group})
    again = service.call("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
    second = service.call("CreateEventTracker", {"name": "t", "datasetGroupArn": again})
    named = reading == "name"
    assert (again == group, second["eventTrackerArn"] == first["eventTrackerArn"]) == (
        named, named)
    shown = service.call("DescribeEventTracker",
                         {"eventTrackerArn": second["eventTrackerArn"]})["eventTracker"]
    assert shown["trackingId"] == second["trackingId"] != first["trackingId"]
    with pytest.raises(ServiceError) as refused:
        service.call("PutEvents", _events(first["trackingId"]))
    assert refused.value.clause == "PutEvents.deletedTrackingId"
    other = service.call("CreateDatasetGroup", {"name": "other"})["datasetGroupArn"]
    same_name = _answer(service, "CreateEventTracker", {"name": "t", "datasetGroupArn": other})
    assert same_name == ("ResourceAlreadyExistsException" if named else "accepted")
    assert _answer(service, "CreateDatasetGroup", {"name": "g"}) == (
        "ResourceAlreadyExistsException")


class OpaqueArns(ReferenceService):
    """The reference with ARNs that match the model's Arn pattern and nothing more: no
    resource kind, no name, in them."""

    @staticmethod
    def _arn(kind: str, name: str) -> str:
        return f"arn:aws:personalize:us-east-1:123456789012:{uuid.uuid4().hex}"


def test_no_check_reads_a_resources_kind_from_its_arn():
    """The suite waits for a new dataset group and a new tracker by describing them with
    the describe of their create order, whatever their ARNs look like (once told apart by
    ``dataset-group/`` in the ARN: 24 clauses were ``error`` against such ARNs)."""
    from personalize_conformance.harness import Harness
    from personalize_conformance.suite.support import GROUP_CREATE_ORDER, watch_create
    from personalize_conformance.targets.reference import ReferenceTarget

    harness = Harness(ReferenceTarget(service=OpaqueArns()), run_id="t")
    group = harness.invoke("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
    assert "dataset-group" not in group
    assert watch_create(harness, group, GROUP_CREATE_ORDER) == ["ACTIVE"]
    tracker = harness.invoke("CreateEventTracker", {"name": "t", "datasetGroupArn": group})
    assert watch_create(harness, tracker["eventTrackerArn"]) == ["ACTIVE"]


def test_the_summary_tracking_id_is_read_where_the_parser_drops_it():
    """Through boto3 a summary's trackingId (in no model) is dropped: the check of
    ListEventTrackers.summary.trackingId reads the raw answer, which keeps it."""
    from personalize_conformance.suite.support import as_answered
    from personalize_conformance.targets.reference import ReferenceTarget

    target = ReferenceTarget(Behaviour(readings={"ListEventTrackers.summary.trackingId":
                                                 "prose"}))
    group = target.invoke("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
    tracker = target.invoke("CreateEventTracker", {"name": "t", "datasetGroupArn": group})
    parsed = target.invoke("ListEventTrackers", {"datasetGroupArn": group})
    assert "trackingId" not in parsed["eventTrackers"][0]
    raw = as_answered(SimpleNamespace(target=target), parsed)  # type: ignore[arg-type]
    assert raw["eventTrackers"][0]["trackingId"] == tracker["trackingId"]
    assert contracts.validator("ListEventTrackersResponse.json").is_valid(raw)


def test_a_rejected_request_with_a_reserved_key_is_not_a_failure():
    """A request holding a reserved properties key is valid under one reading only: its
    rejection, checked as ``accepted``, is a suite error (the contract does not back it)."""
    from personalize_conformance.checks import _not_backed

    def why(properties: str) -> str | None:
        return _not_backed(["PutEvents.validRequest.accepted"], "PutEvents",
                           _events("t", properties=properties), side="accepted")

    assert why('{"a": 1}') is None
    assert "eventTYPE (PutEvents.properties.reservedKeys)" in (why('{"eventTYPE": 1}') or "")


# -- the suite under each reading ------------------------------------------------------------
def _named(entry: str) -> set[str]:
    return {c.id for c in contracts.catalog() if c.ambiguity == entry}


#: Clauses an entry's readings interact with besides those naming it and its ``affects``.
INTERACTS = {
    "Name.pattern.unanchored": [f"{op}.name.{k}" for op in ("CreateDatasetGroup",
                                                            "CreateEventTracker")
                                for k in ("minLength", "maxLength")],
    "Arn.pattern.unanchored": ["CreateEventTracker.datasetGroupMustExist",
                               "DescribeEventTracker.unknownIsNotFound",
                               "DeleteEventTracker.unknownIsNotFound",
                               "ListEventTrackers.filterByDatasetGroup"],
    "NextToken.pattern.unanchored": ["ListEventTrackers.nextToken.maxLength",
                                     "ListEventTrackers.invalidNextToken",
                                     "ListEventTrackers.paging"],
    "Pattern.javaSemantics": ["DescribeEventTracker.unknownIsNotFound"],
    "PutEvents.unknownTrackingId.error": ["PutEvents.trackingId.type",
                                          "PutEvents.trackingId.maxLength",
                                          "PutEvents.beforeActive"],
    "Event.properties.json": ["PutEvents.validRequest.accepted",
                              "PutEvents.semantics.propertiesMapToFields"],
    "Event.sentAt.string": ["PutEvents.validRequest.accepted"],
    "ListEventTrackers.invalidNextToken.error": ["ListEventTrackers.nextToken.type",
                                                 "ListEventTrackers.nextToken.maxLength",
                                                 "ListEventTrackers.nextToken.pattern",
                                                 "ListEventTrackers.paging"],
    "Event.properties.reservedKeys": ["PutEvents.validRequest.accepted",
                                      "PutEvents.semantics.propertiesMapToFields"],
    "ListEventTrackers.summary.trackingId": ["ListEventTrackers.response.valid",
                                             "ListEventTrackers.agreesWithDescribe",
                                             "ListEventTrackers.paging"],
    "PutEvents.interactionsDataset": ["PutEvents.eventList.minItems",
                                      "PutEvents.eventList.maxItems",
                                      "PutEvents.deletedTrackingId", "PutEvents.beforeActive",
                                      "PutEvents.properties.reservedKeys",
                                      "PutEvents.semantics.recordedInDatasetGroup",
                                      "DeleteDatasetGroup.thenNotFound"],
    "Arn.resourceId": ["ListEventTrackers.filterByDatasetGroup", "ListEventTrackers.paging",
                       "DescribeEventTracker.agreesWithCreate",
                       "DescribeDatasetGroup.agreesWithCreate", "PutEvents.deletedTrackingId",
                       "DeleteEventTracker.unknownIsNotFound"],
    "Errors.shapeAndBehaviour": ["DescribeEventTracker.unknownIsNotFound",
                                 "DeleteEventTracker.unknownIsNotFound",
                                 "CreateEventTracker.datasetGroupMustExist",
                                 "PutEvents.unknownTrackingId",
                                 "ListEventTrackers.invalidNextToken"],
}


def clauses_of(entry: str) -> set[str]:
    """The clauses a run under one of ``entry``'s readings is restricted to."""
    found = _named(entry) | set(REGISTER[entry].affects) | set(INTERACTS.get(entry, ()))
    assert found, entry
    for clause_id in found:
        contracts.catalog()[clause_id]  # every id is the catalog's
    return found


def _conformant_on(run, wanted: set[str] | None) -> str:
    clauses = [c for c in run.report.get("clauses", []) if wanted is None or c["id"] in wanted]
    return verdict(clauses)


def test_the_suite_finds_the_reference_conformant_under_every_alternative_at_once():
    run = run_suite("reference", quiet=True, seed=0, extra=("--readings", "all-alt"))
    assert run.report["readings"] == contracts.parse_readings("all-alt")
    assert run.exit_code == 0 and run.report["verdict"].startswith("conformant"), (
        f"{run.report['verdict']}; failed: {sorted(run.failed_clauses)}")


def test_the_strict_reference_is_conformant_where_strict_mode_holds_a_reading():
    """Where ``--strict`` expects one error (``expected.strict``, an ambiguous clause's
    first error: too many tags), or its reading is not the default one (Java semantics,
    JSON properties). The whole strict suite is run by ``personalize-conformance run
    --strict``."""
    differs = {a.id for a in REGISTER.values() if a.strict_reading != a.default_reading}
    wanted = {c.id for c in contracts.catalog()
              if c.ambiguity and ("strict" in c.expected or c.ambiguity == "Tags.tooMany.error")
              } | set().union(*(clauses_of(e) for e in differs))
    run = run_suite("reference", clauses=wanted, quiet=True, seed=0,
                    extra=("--strict-readings",))
    assert run.report["strict"] and run.report["readings"] == contracts.strict_readings()
    found = _conformant_on(run, wanted)
    assert run.exit_code == 0 and found.startswith("conformant"), (
        f"{found}; failed: {sorted(run.failed_clauses)}")


ALTERNATIVES = [(a.id, r.id) for a in REGISTER.values() for r in a.readings[1:]]


@pytest.mark.parametrize(("entry", "reading"), ALTERNATIVES)
def test_the_suite_finds_the_reference_conformant_under_each_reading(entry, reading):
    wanted = clauses_of(entry)
    # the protocol clauses need the wire: the reference over HTTP
    wire = any(contracts.catalog()[c].kind == "protocol" for c in wanted)
    run = run_suite("reference-http" if wire else "reference", clauses=wanted, quiet=True,
                    seed=0, extra=("--readings", f"{entry}={reading}"))
    assert run.report["readings"] == {entry: reading}
    found = _conformant_on(run, wanted)
    assert run.exit_code == 0 and found.startswith("conformant"), (
        f"{entry}={reading}: {found}; failed: {sorted(run.failed_clauses)}")

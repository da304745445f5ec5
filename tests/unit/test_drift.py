"""The drift check: passes on the installed botocore, fails (naming what) on any change."""

from __future__ import annotations

import copy

import pytest

from personalize_conformance import contracts
from personalize_conformance.contracts import drift
from personalize_conformance.run import cli


def _at(clause_id: str) -> str:
    """The schema location of a shape clause (``File.json#/.../keyword``)."""
    return contracts.clause(clause_id).schema


def _patched(name: str, patches: dict) -> dict:
    """The inlined schema ``name`` with ``patches`` (location -> new value) applied."""
    return contracts.patched_schema(name, patches)


def test_no_drift_against_the_installed_botocore():
    assert drift.check() == []


def test_the_catalog_has_a_shape_clause_per_botocore_constraint():
    counts = drift.summary()
    assert counts["shape_clauses"] == counts["botocore_effective"] > 100
    assert counts["botocore_raw"] >= counts["botocore_effective"]


def test_a_changed_bound_is_drift_naming_shape_member_and_values():
    document = _patched("PutEventsRequest.json",
                        {_at("PutEvents.eventList[].eventType.maxLength"): 255})
    ours = drift.schema_constraints("PutEvents", "request", document)
    assert drift.constraint_drift("PutEvents", "request", ours) == [
        "PutEvents request: member eventList[].eventType (botocore shape StringType) "
        "maxLength: ours 255, botocore 256"
    ]


@pytest.mark.parametrize("patches, expected", [
    ({_at("CreateEventTracker.name.pattern"): "^[a-z]+$"},
     "member name (botocore shape Name) pattern"),
    ({"CreateEventTrackerRequest.json#/required": ["name"]},
     "member (body) (botocore shape CreateEventTrackerRequest) required"),
    ({_at("CreateEventTracker.tags.maxItems"): 50},
     "member tags (botocore shape Tags) maxItems: ours 50, botocore 200"),
    ({"CreateEventTrackerRequest.json#/properties/tags/minItems": 1},
     "member tags (no botocore constraint; ours at /properties/tags/minItems) minItems: "
     "ours 1, botocore (none)"),
])
def test_other_changes_are_drift(patches, expected):
    document = _patched("CreateEventTrackerRequest.json", patches)
    ours = drift.schema_constraints("CreateEventTracker", "request", document)
    problems = drift.constraint_drift("CreateEventTracker", "request", ours)
    assert len(problems) == 1 and expected in problems[0], problems


def test_a_changed_enum_and_integer_range_are_drift():
    document = _patched("CreateDatasetGroupRequest.json",
                        {_at("CreateDatasetGroup.domain.enum"): ["ECOMMERCE"]})
    ours = drift.schema_constraints("CreateDatasetGroup", "request", document)
    assert len(drift.constraint_drift("CreateDatasetGroup", "request", ours)) == 1
    document = _patched("ListEventTrackersRequest.json",
                        {_at("ListEventTrackers.maxResults.maximum"): 1000})
    ours = drift.schema_constraints("ListEventTrackers", "request", document)
    assert drift.constraint_drift("ListEventTrackers", "request", ours) == [
        "ListEventTrackers request: member maxResults (botocore shape MaxResults) "
        "maximum: ours 1000, botocore 100"
    ]


def test_an_allowance_covers_only_its_values():
    assert drift.constraint_drift("ListEventTrackers", "request") == []  # allowed pattern
    document = _patched("ListEventTrackersRequest.json",
                        {_at("ListEventTrackers.nextToken.pattern"): "^[a-z]*$"})
    ours = drift.schema_constraints("ListEventTrackers", "request", document)
    assert len(drift.constraint_drift("ListEventTrackers", "request", ours)) == 1


def test_error_lists_and_clause_codes_are_checked(monkeypatch):
    ops = {k: dict(v) for k, v in contracts.operations().items()}
    ops["PutEvents"]["errors"] = []
    monkeypatch.setattr(drift, "operations", lambda: ops)
    problems = drift.error_drift()
    assert "PutEvents errors: ours [], botocore ['InvalidInputException']" in problems
    assert any(p.startswith("clause PutEvents.eventList.maxItems expects InvalidInputException")
               for p in problems)


def test_the_codes_an_unknown_value_adds_are_checked(monkeypatch):
    """The error a violation naming nothing may also get (``x-unknown``) must be listed
    by the operation's model too."""
    assert "ResourceNotFoundException" in contracts.clause(
        "DescribeDatasetGroup.datasetGroupArn.pattern").expected_for()["errors"]
    ops = {k: dict(v) for k, v in contracts.operations().items()}
    ops["DescribeDatasetGroup"]["errors"] = ["InvalidInputException"]
    monkeypatch.setattr(drift, "operations", lambda: ops)
    problems = drift.error_drift()
    assert ("clause DescribeDatasetGroup.datasetGroupArn.pattern expects "
            "ResourceNotFoundException, which botocore does not list for "
            "DescribeDatasetGroup") in problems


def test_the_drift_command_exits_0_then_1_naming_the_change(monkeypatch, capsys):
    assert cli.main(["drift"]) == 0
    assert "0 differences" in capsys.readouterr().out
    monkeypatch.setattr(drift, "schema", lambda name: _patched(
        name, {_at("PutEvents.eventList.maxItems"): 11}))
    assert cli.main(["drift"]) == 1
    out = capsys.readouterr().out
    assert ("drift: PutEvents request: member eventList (botocore shape EventList) "
            "maxItems: ours 11, botocore 10") in out


def test_a_prose_rule_whose_documentation_changed_is_drift(monkeypatch):
    """A clause citing one botocore documentation string (the reserved properties keys)
    is drift once the string no longer holds its sentence, word for word."""
    assert drift.prose_drift() == []
    real = drift.model

    def edited(service: str) -> dict:
        found = copy.deepcopy(real(service))
        if service == "personalize-events":
            member = found["shapes"]["Event"]["members"]["properties"]
            member["documentation"] = member["documentation"].replace("impression", "")
        return found

    monkeypatch.setattr(drift, "model", edited)
    assert drift.prose_drift() == [
        "clause PutEvents.properties.reservedKeys: botocore's shapes.Event.members.properties"
        ".documentation no longer says \"The following can't be included as a keyword for "
        "properties (case insensitive). userId, sessionId, eventType, timestamp, "
        "recommendationId, impression\""]

"""The contract files: well-formed, consistent with each other, and the catalog's
clauses and ambiguity register whole. The seed documents' examples are in
``test_contract_examples.py``, a violation of each shape clause in
``test_contract_violations.py``, the model read from the files in
``test_contract_model.py``, each expectation's backing in ``test_contract_backing.py``.
"""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from personalize_conformance import contracts

SCHEMAS = sorted(p.name for p in (contracts.ROOT / "schemas").iterdir()
                 if p.name.endswith(".json"))
SHAPE_CLAUSES = [c for c in contracts.catalog() if c.kind == "shape"]
ARN = "arn:aws:personalize:us-west-2:acct-id:dataset-group/MovieClickGroup"
TRACKER_ARN = "arn:aws:personalize:us-west-2:acct-id:event-tracker/MovieClickTracker"


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_schema_is_draft07(name):
    raw = contracts.raw_schema(name)
    assert raw["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert raw["$id"] == name
    contracts.check_schema(contracts.schema(name))


def test_every_operation_names_existing_schemas():
    for operation, entry in contracts.operations().items():
        for key in ("request", "response", "error"):
            if entry[key]:
                assert entry[key] in SCHEMAS, f"{operation}.{key}: {entry[key]}"


def test_every_shape_clause_points_at_a_keyword_of_its_schema():
    assert SHAPE_CLAUSES
    for clause in SHAPE_CLAUSES:
        assert clause.schema, clause.id
        at = clause.location
        value = at.bound  # raises KeyError if the location does not exist
        assert contracts.request_schema(clause.operation) == at.file, clause.id
        assert clause.id.endswith("." + clause.keyword), clause.id
        if clause.keyword == "required":  # .../required/<i> names the member in the id
            assert clause.id.endswith(f".{value}.required"), clause.id
        # the id names the member the clause constrains, as the location reads it
        assert clause.id == f"{clause.operation}.{at.dotted}.{clause.keyword}", clause.id


def test_clause_ids_are_unique_and_ambiguities_exist():
    data = json.loads((contracts.ROOT / "clauses.json").read_text())
    ids = [c["id"] for c in data["clauses"]]
    assert len(ids) == len(set(ids))
    catalog = contracts.catalog()
    for clause in catalog:
        if clause.ambiguity:
            assert clause.ambiguity in catalog.ambiguities, clause.id
        assert clause.operation in contracts.operations() or clause.operation == "*"
    for ambiguity in catalog.ambiguities.values():
        assert set(ambiguity.affects) <= set(catalog.clauses), ambiguity.id
        named = [c.id for c in catalog if c.ambiguity == ambiguity.id]
        assert named or ambiguity.affects, f"{ambiguity.id} bears on no clause"


#: The behavioural and semantic ids agreed with the suites and targets layers.
AGREED = {
    "behaviour": [
        "CreateEventTracker.oneTrackerPerDatasetGroup", "CreateEventTracker.datasetGroupMustExist",
        "CreateEventTracker.response.valid", "DescribeEventTracker.agreesWithCreate",
        "DescribeEventTracker.response.valid", "DescribeEventTracker.unknownIsNotFound",
        "EventTracker.status.createOrder", "EventTracker.status.deleteOrder",
        "DeleteEventTracker.thenNotFound", "DeleteEventTracker.unknownIsNotFound",
        "ListEventTrackers.filterByDatasetGroup", "ListEventTrackers.maxResults",
        "ListEventTrackers.paging", "ListEventTrackers.response.valid",
        "ListEventTrackers.invalidNextToken", "PutEvents.validRequest.accepted",
        "PutEvents.unknownTrackingId", "PutEvents.deletedTrackingId",
        "CreateDatasetGroup.response.valid", "DescribeDatasetGroup.response.valid",
        "Errors.status400",
    ],
    "semantics": [
        "PutEvents.semantics.recordedInDatasetGroup", "PutEvents.semantics.eventIdGenerated",
        "PutEvents.semantics.duplicateEventIdNotTrained",
        "PutEvents.semantics.sessionAssociatesUser", "PutEvents.semantics.propertiesMapToFields",
    ],
}
REGISTER = ["Name.pattern.unanchored", "Arn.pattern.unanchored",
            "PutEvents.unknownTrackingId.error", "CreateEventTracker.secondTracker.error",
            "Tags.tooMany.error", "Event.properties.json", "Event.sentAt.string",
            "Docs.versions", "String.length.units", "Pattern.javaSemantics",
            "Pattern.unicodeVersion", "Errors.shapeAndBehaviour"]


@pytest.mark.parametrize("kind", sorted(AGREED))
def test_the_agreed_clauses_are_in_the_catalog(kind):
    catalog = contracts.catalog()
    for clause_id in AGREED[kind]:
        clause = catalog[clause_id]
        assert clause.kind == kind and clause.schema is None, clause_id
        assert clause.capability == ("inspect" if kind == "semantics" else None), clause_id


def test_the_register_holds_the_known_ambiguities():
    assert set(REGISTER) <= set(contracts.catalog().ambiguities)


def test_every_reading_has_an_id_unique_in_its_entry():
    catalog = contracts.catalog()
    for ambiguity in catalog.ambiguities.values():
        assert isinstance(ambiguity, contracts.Ambiguity)
        ids = ambiguity.reading_ids
        assert len(set(ids)) == len(ids) and (len(ids) >= 2 or ambiguity.rejected), (
            ambiguity.id)
        for reading in ambiguity.readings:
            assert isinstance(reading, contracts.Reading) and reading.text, ambiguity.id
            assert ambiguity.reading(reading.id) is reading
    units = catalog.ambiguities["String.length.units"]
    assert units.reading_ids == ("code-points", "utf16")
    assert catalog.ambiguities["Event.properties.json"].reading_ids == ("any-string",
                                                                        "json-object")
    with pytest.raises(KeyError, match="readings: code-points, utf16"):
        units.reading("bytes")


def test_the_register_readings_are_objects_in_the_file():
    data = json.loads((contracts.ROOT / "clauses.json").read_text())
    for entry in data["ambiguities"]:
        assert all({"id", "text"} <= set(r) <= {"id", "text", "outcome"}
                   for r in entry["readings"]), entry["id"]
    broken = {**data, "ambiguities": [{**data["ambiguities"][0], "readings": ["a", "b"]}]}
    schema = json.loads((contracts.ROOT / "catalog.schema.json").read_text())
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


#: Request members that name a resource or that only the service issues.
NAMING = ("x-resource", "x-names-resource", "x-issued-by-service")


def test_every_member_naming_something_says_what_answers_an_unknown_value():
    """``x-unknown``: a behavioural clause of the operation, an outcome, or null (an
    unknown value is no error: ListEventTrackers' datasetGroupArn filter)."""
    for operation in contracts.all_operations():
        unknown = contracts.member_annotations(operation, "x-unknown")
        naming = {m for a in NAMING for m in contracts.member_annotations(operation, a)}
        assert set(unknown) == naming, operation
        codes = set(contracts.operations()[operation]["errors"])
        for member, given in unknown.items():
            if isinstance(given, str):
                clause = contracts.clause(given)
                assert clause.kind == "behaviour" and clause.operation == operation, given
                assert clause.expected["status"] != 200, given
            elif given is not None:
                assert 400 <= given["status"] <= 499 and set(given["errors"]) <= codes, member
    assert contracts.member_annotations("ListEventTrackers", "x-unknown") == {
        "datasetGroupArn": None, "nextToken": "ListEventTrackers.invalidNextToken"}


def test_a_violation_naming_nothing_also_expects_the_unknown_values_error():
    """A malformed ARN names no resource, a malformed nextToken was never issued: the
    default mode accepts either clause's error, --strict the shape clause's own."""
    catalog = contracts.catalog()
    for clause_id in ("ListEventTrackers.nextToken.maxLength",
                      "ListEventTrackers.nextToken.pattern"):
        token = catalog[clause_id]
        assert token.accepts_error(400, "InvalidNextTokenException")
        assert token.accepts_error(400, "InvalidInputException")
        assert not token.accepts_error(400, "InvalidNextTokenException", strict=True)
        assert token.accepts_error(400, "InvalidInputException", strict=True)
    for clause_id in ("DescribeDatasetGroup.datasetGroupArn.pattern",
                      "DescribeDatasetGroup.datasetGroupArn.maxLength",
                      "DescribeEventTracker.eventTrackerArn.pattern",
                      "CreateEventTracker.datasetGroupArn.pattern"):
        arn = catalog[clause_id]
        assert arn.accepts_error(400, "ResourceNotFoundException"), clause_id
        assert arn.accepts_error(400, "InvalidInputException"), clause_id
        assert not arn.accepts_error(400, "ResourceNotFoundException", strict=True), clause_id
        assert not arn.accepts_error(500, "ResourceNotFoundException"), clause_id
    tracking = catalog["PutEvents.trackingId.maxLength"]  # unknown tracking ID: any 4xx
    assert tracking.expected_for() == {"status": "4xx", "errors": []}
    assert tracking.expected_for(strict=True) == tracking.expected
    # a missing member names nothing; a filter naming nothing is no error
    assert catalog["DescribeDatasetGroup.datasetGroupArn.required"].expected_for() == \
        catalog["DescribeDatasetGroup.datasetGroupArn.required"].expected
    listed = catalog["ListEventTrackers.datasetGroupArn.pattern"]
    assert not listed.accepts_error(400, "ResourceNotFoundException")
    role = catalog["CreateDatasetGroup.roleArn.pattern"]
    assert role.expected_for() == {"status": 400, "errors": ["InvalidInputException"]}


def test_the_register_lists_every_clause_the_union_changes():
    changed = sorted(c.id for c in contracts.shape_clauses()
                     if c.expected_for() != c.expected)
    entry = contracts.catalog().ambiguities["Errors.shapeAndBehaviour"]
    assert sorted(entry.affects) == changed and len(changed) == 21
    assert entry.reading_ids == ("shape-first", "behaviour-first")


def test_the_register_lists_every_clause_on_a_unicode_class():
    from personalize_conformance.strategies.patterns import VERSIONLESS

    def versioned(node: dict) -> bool:
        names = re.findall(r"\\[pP]\{([^}]+)\}", node.get("pattern", ""))
        return any(name not in VERSIONLESS for name in names)

    on_classes = sorted(c.id for c in contracts.shape_clauses()
                        if c.keyword in ("pattern", "minLength", "maxLength")
                        and versioned(c.location.node()))
    entry = contracts.catalog().ambiguities["Pattern.unicodeVersion"]
    assert sorted(entry.affects) == on_classes and len(on_classes) == 10
    assert entry.reading_ids == ("newest", "older")


@pytest.mark.parametrize("first, second, both", [
    ({"status": 400, "errors": ["A"]}, {"status": 400, "errors": ["B", "A"]},
     {"status": 400, "errors": ["A", "B"]}),
    ({"status": 400, "errors": ["A"]}, {"status": "4xx", "errors": []},
     {"status": "4xx", "errors": []}),
    ({"status": 400, "errors": []}, {"status": 400, "errors": ["B"]},
     {"status": 400, "errors": []}),
])
def test_the_union_of_two_outcomes_accepts_what_either_does(first, second, both):
    assert contracts.union(first, second) == both


def test_strict_narrows_the_expected_outcome():
    catalog = contracts.catalog()
    second = catalog["CreateEventTracker.oneTrackerPerDatasetGroup"]
    assert second.accepts_error(400, "ResourceInUseException")
    assert not second.accepts_error(400, "ResourceInUseException", strict=True)
    unknown = catalog["PutEvents.unknownTrackingId"]
    assert unknown.accepts_error(403, "AccessDeniedException")
    assert not unknown.accepts_error(403, "AccessDeniedException", strict=True)
    assert unknown.accepts_error(400, "InvalidInputException", strict=True)
    bound = catalog["PutEvents.eventList.maxItems"]
    assert bound.expected_for(True) == bound.expected_for(False)

"""The contract files: well-formed, consistent with each other, and true to the seeds.

The seed examples are copied here (each cites its file and section) so that the tests do
not depend on ``../shared`` being present.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest

from personalize_conformance import contracts
from personalize_conformance.strategies import on_the_wire

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


# -- the seed documents' examples validate ------------------------------------------------

def _valid(schema_name: str, body: Any) -> None:
    contracts.validator(schema_name).validate(body)


def test_the_guide_create_event_tracker_example_validates():
    """000 'Getting a Tracking ID': the Python/CLI call and its sample response."""
    _valid("CreateEventTrackerRequest.json", {"name": "MovieClickTracker",
                                              "datasetGroupArn": ARN})
    _valid("CreateEventTrackerResponse.json", {
        "eventTrackerArn": TRACKER_ARN, "trackingId": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
    })


def test_the_boto3_and_api_reference_syntax_validates():
    """003 'Request Syntax' (tags included) and 004 'Request Syntax'; their 'string'
    placeholders for ARNs filled with 000's sample ARNs (a bare 'string' is no ARN)."""
    _valid("CreateEventTrackerRequest.json", {
        "name": "string", "datasetGroupArn": ARN,
        "tags": [{"tagKey": "string", "tagValue": "string"}],
    })
    _valid("CreateEventTrackerRequest.json", {"datasetGroupArn": ARN, "name": "string"})
    _valid("CreateEventTrackerResponse.json", {"eventTrackerArn": TRACKER_ARN,
                                               "trackingId": "string"})


def _put_events(events: list[dict], user: str | None = "user555",
                session: str = "session1") -> dict:
    body = {"trackingId": "tracking_id", "sessionId": session, "eventList": events}
    return {**body, "userId": user} if user else body


#: (citation, request as the document writes it, before botocore serializes it)
PUT_EVENTS_EXAMPLES = [
    ("000 'PutEvents Operation', first Python example (TIMESTAMP: the sample row's 1543631760)",
     _put_events([{"sentAt": 1543631760, "eventType": "EVENT_TYPE",
                   "properties": "{\"itemId\": \"ITEM_ID\"}"}], "USER_ID", "session_id")),
    ("000 'PutEvents Operation', first CLI example (sentAt given as a string)",
     _put_events([{"sentAt": "1543631760", "eventType": "EVENT_TYPE",
                   "properties": "{\"itemId\": \"ITEM_ID\"}"}], "USER_ID", "session_id")),
    ("000 'PutEvents Operation', second Python example (sentAt as strings)",
     _put_events([
         {"eventId": "event1", "sentAt": "1553631760", "eventType": "like",
          "properties": json.dumps({"itemId": "choc-panama", "eventValue": 4, "numRatings": 0})},
         {"eventId": "event2", "sentAt": "1553631782", "eventType": "rating",
          "properties": json.dumps({"itemId": "movie_ten", "eventValue": 3, "numRatings": 13})},
     ])),
    ("000 'PutEvents Operation', second CLI example",
     _put_events([
         {"eventId": "event1", "sentAt": "1553631760", "eventType": "like",
          "properties": "{\"itemId\": \"choc-panama\", \"eventValue\": \"true\"}"},
         {"eventId": "event2", "sentAt": "1553631782", "eventType": "rating",
          "properties": "{\"itemId\": \"movie_ten\", \"eventValue\": \"4\", "
                        "\"numRatings\": \"13\"}"},
     ])),
    ("001 '--event-list' JSON Syntax, placeholders filled ('string', float, timestamp), "
     "with 001's properties example {\"numberOfRatings\": \"12\"}",
     _put_events([{"eventId": "string", "eventType": "string", "eventValue": 1.5,
                   "itemId": "string", "properties": "{\"numberOfRatings\": \"12\"}",
                   "sentAt": 1553631760, "recommendationId": "string",
                   "impression": ["string"]}])),
    ("002 'Contents': impression example [\"itemId1\", \"itemId2\", \"itemId3\"] and a "
     "metricAttribution",
     _put_events([{"eventType": "click", "sentAt": 1553631760,
                   "impression": ["itemId1", "itemId2", "itemId3"],
                   "metricAttribution": {"eventAttributionSource": "email"}}])),
]


@pytest.mark.parametrize("citation, request_", PUT_EVENTS_EXAMPLES,
                         ids=[c.split(",")[0] + c.split(",")[1][:20] for c, _ in
                              PUT_EVENTS_EXAMPLES])
def test_the_put_events_examples_validate_as_sent(citation, request_):
    body = on_the_wire("PutEvents", request_)
    assert body is not None, citation
    _valid("PutEventsRequest.json", body)


RESPONSES = [
    ("DescribeEventTrackerResponse.json", {"eventTracker": {
        "name": "MovieClickTracker", "eventTrackerArn": TRACKER_ARN, "accountId": "acct-id",
        "trackingId": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", "datasetGroupArn": ARN,
        "status": "ACTIVE", "creationDateTime": 1553631760.5,
        "lastUpdatedDateTime": 1553631790}}),
    ("ListEventTrackersResponse.json", {"eventTrackers": [{
        "name": "MovieClickTracker", "eventTrackerArn": TRACKER_ARN,
        "status": "CREATE IN_PROGRESS", "creationDateTime": 1553631760,
        "lastUpdatedDateTime": 1553631760}], "nextToken": "opaque-token"}),
    ("ListEventTrackersResponse.json", {}),
    ("CreateDatasetGroupResponse.json", {"datasetGroupArn": ARN, "domain": "ECOMMERCE"}),
    ("DescribeDatasetGroupResponse.json", {"datasetGroup": {
        "name": "MovieClickGroup", "datasetGroupArn": ARN, "status": "ACTIVE",
        "roleArn": "arn:aws:iam::123456789012:role/PersonalizeRole",
        "kmsKeyArn": "arn:aws:kms:us-west-2:123456789012:key/1234abcd",
        "creationDateTime": 1553631760, "lastUpdatedDateTime": 1553631760,
        "failureReason": "", "domain": "VIDEO_ON_DEMAND"}}),
    ("Json11ErrorBody.json", {"__type": "ResourceNotFoundException",
                              "message": "Could not find the specified resource."}),
    ("Json11ErrorBody.json", {"__type": "com.amazonaws.personalize#InvalidInputException"}),
    # the code may travel in X-Amzn-Errortype or the body's code instead of __type
    ("Json11ErrorBody.json", {"message": "the code in the X-Amzn-Errortype header"}),
    ("Json11ErrorBody.json", {"code": "InvalidInputException", "message": "m"}),
    ("RestJsonErrorBody.json", {"message": "Provide a valid value for the field or parameter."}),
]


@pytest.mark.parametrize("name, body", RESPONSES, ids=[n for n, _ in RESPONSES])
def test_response_and_error_samples_validate(name, body):
    """The response shapes of the model, filled as 004 and 000 describe them."""
    _valid(name, body)


@pytest.mark.parametrize("name, body", [
    ("CreateEventTrackerResponse.json", {"eventTrackerArn": TRACKER_ARN}),
    ("DescribeEventTrackerResponse.json", {"eventTracker": {"trackingId": "t"}}),
    ("DescribeEventTrackerResponse.json", {"eventTracker": {"status": "ACTIVE",
                                                            "trackingId": "t",
                                                            "creationDateTime": "2019"}}),
    ("Json11ErrorBody.json", {"__type": ""}),
    ("Json11ErrorBody.json", {"__type": "InvalidInputException", "message": 1}),
])
def test_responses_missing_what_the_documents_promise_fail(name, body):
    assert list(contracts.validator(name).iter_errors(body))


# -- every shape clause has an invalid counterpart failing at its location ----------------

#: One valid request per operation with every optional member present, so that every
#: clause's location exists in it.
FULL = {
    "CreateDatasetGroup": {
        "name": "MovieClickGroup", "roleArn": "arn:aws:iam::123456789012:role/PersonalizeRole",
        "kmsKeyArn": "arn:aws:kms:us-west-2:123456789012:key/1234abcd", "domain": "ECOMMERCE",
        "tags": [{"tagKey": "team", "tagValue": "recs"}]},
    "DescribeDatasetGroup": {"datasetGroupArn": ARN},
    "DeleteDatasetGroup": {"datasetGroupArn": ARN},
    "CreateEventTracker": {"name": "MovieClickTracker", "datasetGroupArn": ARN,
                           "tags": [{"tagKey": "team", "tagValue": "recs"}]},
    "DescribeEventTracker": {"eventTrackerArn": TRACKER_ARN},
    "ListEventTrackers": {"datasetGroupArn": ARN, "nextToken": "token", "maxResults": 10},
    "DeleteEventTracker": {"eventTrackerArn": TRACKER_ARN},
    "PutEvents": {"trackingId": "tracking_id", "userId": "user555", "sessionId": "session1",
                  "eventList": [{"eventId": "event1", "eventType": "rating", "eventValue": 4.5,
                                 "itemId": "movie_ten", "properties": "{\"numRatings\": 13}",
                                 "sentAt": 1553631760, "recommendationId": "rid-1",
                                 "impression": ["movie_ten", "movie_one"],
                                 "metricAttribution": {"eventAttributionSource": "email"}}]},
}

#: A value of each pattern that contains no match of it (invalid under every reading).
NO_MATCH = {
    "^[a-zA-Z0-9][a-zA-Z0-9\\-_]*": "-starts-with-a-dash",
    "arn:([a-z\\d-]+):personalize:.*:.*:.+": "not-an-arn",
    "arn:([a-z\\d-]+):iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+": "arn:aws:iam::12345:role/r",
    "arn:aws.*:kms:.*:[0-9]{12}:key/.*": "arn:aws:kms:us-west-2:12345:key/k",
    "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$": "no!exclamation",
    "^\\p{ASCII}*$": "t\u00f6k\u00e9n",
    "^[\\x20-\\x7E]*[\\x21-\\x7E]+[\\x20-\\x7E]*$": "   ",
}
#: A value of another JSON type, per the type a clause requires.
OTHER_TYPE = {"string": 12345, "number": "12", "integer": "12", "array": "x", "object": "x",
              "boolean": "x"}


def _break(clause: contracts.Clause) -> dict:
    """FULL[clause.operation] with the clause's keyword broken (in the first item of each
    list on the way), and nothing else."""
    at = clause.location
    body = FULL[clause.operation]
    where = at.concrete()
    if at.keyword == "required":
        return contracts.put(body, where, contracts.DELETE)
    if at.keyword == "dependencies":  # the member it needs gone
        return contracts.put(body, (*where[:-1], at.needs), contracts.DELETE)
    keyword, bound, value = at.keyword, at.bound, contracts.get(body, where)
    if keyword == "minLength":
        new: Any = value[: bound - 1]
    elif keyword == "maxLength":
        new = value + "a" * (bound + 1 - len(value))
    elif keyword == "pattern":
        new = NO_MATCH[bound]
    elif keyword == "enum":
        new = "NOT_" + value
    elif keyword == "minItems":
        new = value[: bound - 1]
    elif keyword == "maxItems":
        new = [value[j % len(value)] for j in range(bound + 1)]
    elif keyword == "minimum":
        new = bound - 1
    elif keyword == "maximum":
        new = bound + 1
    elif keyword == "type":
        new = OTHER_TYPE[bound]
    else:
        raise AssertionError(f"{clause.id}: no way to break {keyword!r}")
    return contracts.put(body, where, new)


@pytest.mark.parametrize("operation", sorted(FULL))
def test_the_full_requests_are_valid(operation):
    _valid(contracts.operations()[operation]["request"], FULL[operation])


@pytest.mark.parametrize("clause", SHAPE_CLAUSES, ids=[c.id for c in SHAPE_CLAUSES])
def test_each_shape_clause_has_a_violation_failing_exactly_there(clause):
    body = _break(clause)
    assert contracts.broken_at(clause.location.file, body) == {clause.schema} | clause.entails
    assert contracts.catalog().by_schema(clause.schema) == clause
    expected = {clause.id, *(contracts.catalog().by_schema(p).id for p in clause.entails)}
    assert contracts.violated(clause.location.file, body) == expected


@pytest.mark.parametrize("clause_id, body", [
    ("PutEvents.eventList.minItems", {"trackingId": "t", "sessionId": "s", "eventList": []}),
    ("PutEvents.eventList.maxItems", {"trackingId": "t", "sessionId": "s",
                                      "eventList": [{"eventType": "e", "sentAt": 1}] * 11}),
    ("CreateEventTracker.name.pattern", {"name": "_x", "datasetGroupArn": ARN}),
    ("CreateEventTracker.name.required", {"datasetGroupArn": ARN}),
    ("CreateEventTracker.tags[].tagKey.pattern",
     {"name": "n", "datasetGroupArn": ARN, "tags": [{"tagKey": "a#b", "tagValue": ""}]}),
    ("PutEvents.eventList[].sentAt.type",
     {"trackingId": "t", "sessionId": "s", "eventList": [{"eventType": "e", "sentAt": "1"}]}),
])
def test_hand_written_violations_fail_at_their_clause(clause_id, body):
    clause = contracts.catalog()[clause_id]
    assert contracts.broken_at(clause.location.file, body) == {clause.schema}
    assert contracts.violated(clause.location.file, body) == {clause_id}


@pytest.mark.parametrize("value", ["caf\u00e9", "\u0627\u0644\u0641", "a b", "x_y.z:/=+-@",
                                   "\u0663"])
def test_unicode_tag_patterns_accept_letters_and_numbers(value):
    """TagKey/TagValue use \\p{L}, \\p{Z}, \\p{N}: contracts.Validator knows them."""
    _valid("CreateEventTrackerRequest.json", {"name": "n", "datasetGroupArn": ARN,
                                              "tags": [{"tagKey": value, "tagValue": value}]})


def test_digest_is_a_stable_sha256():
    first = contracts.digest()
    assert len(first) == 64 and first == contracts.digest()


# -- the contract model: locations, request paths, and the facts read from the data -----


def test_a_location_parses_a_plain_keyword():
    at = contracts.Location.parse(
        "PutEventsRequest.json#/properties/eventList/items/properties/eventType/maxLength")
    assert at.file == "PutEventsRequest.json"
    assert at.steps == ("properties", "eventList", "items", "properties", "eventType")
    assert (at.keyword, at.member, at.bound) == ("maxLength", None, 256)
    assert at.path == at.holder_path == ("eventList", contracts.ITEMS, "eventType")
    assert (at.subject, at.dotted) == ("eventList", "eventList[].eventType")
    assert at.node() == {"type": "string", "minLength": 1, "maxLength": 256}
    assert at.concrete() == ("eventList", 0, "eventType")
    assert at.concrete({1: 3}) == ("eventList", 3, "eventType")
    assert [step for step, _ in at.trail()] == ["eventList", contracts.ITEMS, "eventType"]
    assert at.trail()[-1][1] == at.node()


def test_a_location_parses_a_required_member_by_its_index():
    at = contracts.Location.parse(
        "PutEventsRequest.json#/properties/eventList/items/required/1")
    assert (at.keyword, at.member, at.bound) == ("required", "sentAt", "sentAt")
    assert at.steps == ("properties", "eventList", "items")
    assert at.holder_path == ("eventList", contracts.ITEMS)
    assert at.path == ("eventList", contracts.ITEMS, "sentAt")
    assert at.dotted == "eventList[].sentAt"
    top = contracts.Location.parse("CreateEventTrackerRequest.json#/required/0")
    assert (top.steps, top.holder_path, top.member) == ((), (), "name")
    assert (top.subject, top.path) == ("name", ("name",))
    assert contracts.catalog()["PutEvents.eventList[].sentAt.required"].location == at


def test_split_pointer_undoes_json_pointer_escapes():
    assert contracts.split_pointer("F.json#/a~1b/c~0d/") == ("F.json", ["a/b", "c~d"])
    assert contracts.split_pointer("F.json#") == ("F.json", [])


def test_values_and_present_follow_lists_into_their_items():
    pattern = contracts.clause("PutEvents.eventList[].impression[].maxLength").location
    request = {"eventList": [{"impression": ["a", "b"]}, {"eventType": "e"},
                             {"impression": ["c"]}]}
    assert pattern.values(request) == ["a", "b", "c"]
    assert pattern.present(request)
    assert not pattern.present({"eventList": [{"eventType": "e"}]})
    assert pattern.values({"eventList": "not a list"}) == []
    assert pattern.located(request) == [(("eventList", 0, "impression", 0), "a"),
                                        (("eventList", 0, "impression", 1), "b"),
                                        (("eventList", 2, "impression", 0), "c")]
    required = contracts.clause("PutEvents.eventList[].eventType.required").location
    assert required.values(request) == request["eventList"]  # the objects that must hold it
    assert required.present(request)  # the second event has it
    assert not required.present({"eventList": [{"sentAt": 1}]})
    assert not required.present({})


def test_put_and_get_work_on_a_copy():
    request = {"eventList": [{"eventType": "a"}, {"eventType": "b", "sentAt": 1}]}
    path = ("eventList", 1, "eventType")
    assert contracts.get(request, path) == "b"
    changed = contracts.put(request, path, "c")
    assert contracts.get(changed, path) == "c" and contracts.get(request, path) == "b"
    removed = contracts.put(request, ("eventList", 1, "sentAt"), contracts.DELETE)
    assert removed["eventList"][1] == {"eventType": "b"}
    assert request["eventList"][1] == {"eventType": "b", "sentAt": 1}
    assert contracts.put(request, (), [1]) == [1]


def test_the_status_orders_are_read_from_the_clauses():
    create = contracts.status_rank("EventTracker.status.createOrder")
    assert create == {"CREATE PENDING": 0, "CREATE IN_PROGRESS": 1, "ACTIVE": 2,
                      "CREATE FAILED": 2}
    assert contracts.status_order("EventTracker.status.deleteOrder") == (
        ("DELETE PENDING",), ("DELETE IN_PROGRESS",))
    assert contracts.status_rank("EventTracker.status.deleteOrder")["DELETE IN_PROGRESS"] == 1


@pytest.mark.parametrize("key, field", [
    ("itemId", "ITEM_ID"), ("numRatings", "NUM_RATINGS"), ("eventValue", "EVENT_VALUE"),
    ("numberOfRatings", "NUMBER_OF_RATINGS"), ("price", "PRICE"), ("userID", "USER_ID"),
    ("item2Id", "ITEM2_ID"), ("HTMLPage", "HTML_PAGE"),
])
def test_interaction_field_maps_camel_case_keys(key, field):
    assert contracts.interaction_field(key) == field


def test_resource_members_are_read_from_the_annotations():
    assert contracts.resource_members("PutEvents") == {"trackingId": {
        "kind": "event-tracker", "attribute": "trackingId",
        "stand-in": "00000000-0000-0000-0000-000000000000"}}
    group = contracts.resource_members("CreateEventTracker")["datasetGroupArn"]
    assert (group["kind"], group["attribute"]) == ("dataset-group", "datasetGroupArn")
    assert set(contracts.resource_members("DescribeEventTracker")) == {"eventTrackerArn"}
    assert contracts.resource_members("CreateDatasetGroup") == {}
    for operation in contracts.all_operations():  # every stand-in is a valid value
        for member, annotation in contracts.resource_members(operation).items():
            body = {member: annotation["stand-in"]}
            assert not {p for p in contracts.broken_at(contracts.request_schema(operation), body)
                        if f"/{member}/" in p}, (operation, member)
    assert contracts.names_resource("CreateDatasetGroup") == ("roleArn", "kmsKeyArn")
    assert contracts.names_resource("ListEventTrackers") == ("datasetGroupArn",)


def test_only_the_service_issues_a_next_token():
    assert contracts.issued_by_service("ListEventTrackers") == ("nextToken",)
    assert all(contracts.issued_by_service(op) == () for op in contracts.all_operations()
               if op != "ListEventTrackers")


def test_name_length_is_read_from_the_name_schema():
    assert contracts.name_length() == (1, 63)
    name = contracts.clause("CreateEventTracker.name.maxLength").location
    assert name.bound == contracts.name_length()[1]


def test_the_schema_visitor_dispatches_on_enum_const_and_type():
    class Kinds(contracts.SchemaVisitor[str]):
        makes = "kind"

        def _visit_enum(self, node):
            return "enum"

        def _visit_string(self, node):
            return "string"

        def _visit_object(self, node):
            return ",".join(self.visit(v) for v in node["properties"].values())

    kinds = Kinds()
    assert kinds.visit({"type": "object", "properties": {
        "a": {"type": "string"}, "b": {"type": "string", "enum": ["x"]}}}) == "string,enum"
    with pytest.raises(ValueError, match="no kind for schema type 'integer'"):
        kinds.visit({"type": "integer"})
    with pytest.raises(ValueError, match="no kind for a const"):
        kinds.visit({"const": 1})


def test_nodes_visit_every_subschema_with_its_steps():
    found = dict(contracts.nodes(contracts.schema("PutEventsRequest.json")))
    assert () in found
    assert ("properties", "eventList", "items", "properties", "impression", "items") in found
    assert found[("properties", "trackingId")]["maxLength"] == 256


# -- every expectation backed by its sentence, or by a lenient register entry -------------

#: The clause whose sentence says what status a successful answer has.
SUCCESS_CLAUSE = "Protocol.success.status200"


def _cited(clause: contracts.Clause) -> str:
    """The text a clause cites: its section (``Errors, ResourceNotFoundException``: the
    sentence is that error's documentation) and sentence and, for a protocol clause, its
    ``also``."""
    also = clause.extra.get("wire", {}).get("also", {})
    return " ".join([clause.source["section"], clause.source["sentence"],
                     also.get("sentence", "")])


def _admits(expected: dict, outcome: dict) -> bool:
    """Whether every answer ``outcome`` allows is one ``expected`` allows."""
    want, got = expected["status"], outcome["status"]
    status_ok = (got == "4xx" or (isinstance(got, int) and 400 <= got <= 499)
                 if want == "4xx" else got == want)
    codes_ok = not expected["errors"] or (
        bool(outcome["errors"]) and set(outcome["errors"]) <= set(expected["errors"]))
    return status_ok and codes_ok


def _tokens(outcome: dict) -> list[str]:
    """What is specific in an outcome: an exact error status, each error code."""
    status = outcome["status"]
    specific = [str(status)] if isinstance(status, int) and status != 200 else []
    return specific + list(outcome["errors"])


def _validation_error(operation: str, code: str) -> bool:
    """Whether ``code`` is an exception the operation's model lists whose documentation
    is about an invalid value ("Provide a valid value for the field or parameter."): the
    refusal of a request breaking a shape of the model."""
    import botocore.session

    service = contracts.operations()[operation]["service"]
    model = botocore.session.get_session().get_service_model(service)
    documented = contracts.operations()[operation]["errors"]
    return code in documented and "valid value" in model.shape_for(code).documentation


def _entries_of(clause: contracts.Clause) -> list[contracts.Ambiguity]:
    register = contracts.catalog().ambiguities
    return [a for a in register.values()
            if a.id == clause.ambiguity or clause.id in a.affects]


def unbacked(clause: contracts.Clause) -> list[str]:
    """What of a clause's expected outcomes (default and ``--strict``) neither its cited
    text nor a lenient register entry it names backs.

    A token (an exact error status, an error code) is backed when the cited sentence holds
    it; for a shape clause, when it is the operation's validation error; for the status,
    when every expected code is a documented exception of the operation (each is HTTP 400:
    ``Errors.status400``'s sentence); or by an entry naming the clause whose readings'
    outcomes hold it, provided the default admits every refusing reading's outcome and the
    strict outcome is the strict reading's."""
    text = _cited(clause)
    status_text = contracts.catalog()[contracts.STATUS_CLAUSE].source["sentence"]
    documented = set(contracts.operations().get(clause.operation, {}).get("errors", ()))
    problems = []
    for mode, outcome in (("default", clause.expected),
                          ("strict", clause.expected_for(True))):
        for token in _tokens(outcome):
            if token in text:
                continue
            if clause.kind == "shape" and _validation_error(clause.operation, token):
                continue
            if (token.isdigit() and outcome["errors"] and set(outcome["errors"]) <= documented
                    and f"HTTP Status Code: {token}" in status_text):
                continue
            if any(_lenient_for(entry, clause, token, mode) for entry in _entries_of(clause)):
                continue
            problems.append(f"{clause.id} ({mode}): {token} is in neither its sentence nor "
                            "a lenient register entry it names")
    return problems


def _lenient_for(entry: contracts.Ambiguity, clause: contracts.Clause, token: str,
                 mode: str) -> bool:
    """Whether ``entry`` backs ``token`` of ``clause``'s outcome in ``mode``: a reading's
    outcome holds it, the default admits every refusing reading's outcome, and under
    --strict the outcome is within the strict reading's."""
    outcomes = {r.id: r.outcome for r in entry.readings if r.outcome}
    if not any(token in _tokens(o) for o in outcomes.values()):
        return False
    refusing = [o for o in outcomes.values() if o["status"] != 200]
    if not all(_admits(clause.expected, o) for o in refusing):
        return False
    strict = outcomes.get(entry.strict_reading)
    return mode == "default" or (strict is not None
                                 and _admits(strict, clause.expected_for(True)))


def test_every_expectation_is_backed_by_its_sentence_or_a_lenient_entry():
    assert "200" in contracts.catalog()[SUCCESS_CLAUSE].source["sentence"]
    problems = [p for clause in contracts.catalog() for p in unbacked(clause)]
    assert not problems, "\n".join(problems)


def _clause_like(clause_id: str, **changes: Any) -> contracts.Clause:
    from dataclasses import replace

    return replace(contracts.catalog()[clause_id], **changes)


def test_the_backing_rule_can_fail():
    """A code no sentence names, an entry whose default names one reading only, a status
    the sentence does not give: each is reported."""
    named = _clause_like("DeleteEventTracker.unknownIsNotFound",
                         expected={"status": 400, "errors": ["ResourceInUseException"]})
    assert unbacked(named) == []  # the cited errors list names it
    unnamed = _clause_like("DeleteEventTracker.thenNotFound",
                           expected={"status": 400, "errors": ["ResourceInUseException"]})
    assert [p.split(": ", 1)[1].split()[0] for p in unbacked(unnamed)] == [
        "ResourceInUseException"] * 2
    narrow = _clause_like("CreateEventTracker.oneTrackerPerDatasetGroup",
                          expected={"status": 400, "errors": ["ResourceAlreadyExistsException",
                                                              "ResourceInUseException"]})
    assert unbacked(narrow)  # the entry's other readings are not admitted
    status = _clause_like("Protocol.request.missingTarget",
                          expected={"status": 400, "errors": []})
    assert unbacked(status) == [
        f"Protocol.request.missingTarget ({mode}): 400 is in neither its sentence nor a "
        "lenient register entry it names" for mode in ("default", "strict")]

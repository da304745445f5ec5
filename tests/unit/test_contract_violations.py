"""Every shape clause has an invalid counterpart failing its schema at its location, and
nowhere else (hand-made, independent of the strategies)."""

from __future__ import annotations

from typing import Any

import pytest

from personalize_conformance import contracts

SCHEMAS = sorted(p.name for p in (contracts.ROOT / "schemas").iterdir()
                 if p.name.endswith(".json"))
SHAPE_CLAUSES = [c for c in contracts.catalog() if c.kind == "shape"]
ARN = "arn:aws:personalize:us-west-2:acct-id:dataset-group/MovieClickGroup"
TRACKER_ARN = "arn:aws:personalize:us-west-2:acct-id:event-tracker/MovieClickTracker"


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
    contracts.validator(contracts.operations()[operation]["request"]).validate(FULL[operation])


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
    contracts.validator("CreateEventTrackerRequest.json").validate(
        {"name": "n", "datasetGroupArn": ARN, "tags": [{"tagKey": value, "tagValue": value}]})


def test_digest_is_a_stable_sha256():
    first = contracts.digest()
    assert len(first) == 64 and first == contracts.digest()


@pytest.mark.parametrize("clause_id, encoding", [
    ("PutEvents.eventList[].eventValue.type", "123"),
    ("ListEventTrackers.maxResults.type", "10"),
    ("PutEvents.eventList[].sentAt.type", "2019-03-26T20:22:40Z"),
])
def test_type_violations_include_plausible_wrong_encodings(clause_id: str, encoding: str):
    """A number as a JSON string, a timestamp as RFC 3339: drawn among a type's
    violations, sent raw (botocore would convert them)."""
    from personalize_conformance.strategies import RawBody, fixed, violations_of

    found = [v for v in fixed(violations_of(clause_id), 20, tries=200) if v.new == encoding]
    assert found and all(isinstance(v.request, RawBody) for v in found)

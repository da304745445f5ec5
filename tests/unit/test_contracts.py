"""The contract files: well-formed, consistent with each other, and true to the seeds."""

from __future__ import annotations

import json

import jsonschema
import pytest

from personalize_conformance import contracts

SCHEMAS = sorted(p.name for p in (contracts._ROOT / "schemas").iterdir()
                 if p.name.endswith(".json"))


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_schema_is_draft07(name):
    raw = contracts.raw_schema(name)
    assert raw["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(contracts.schema(name))


def test_every_operation_names_existing_schemas():
    for operation, entry in contracts.operations().items():
        for key in ("request", "response"):
            if entry[key]:
                assert entry[key] in SCHEMAS, f"{operation}.{key}: {entry[key]}"


def _resolve(pointer: str):
    file, _, path = pointer.partition("#")
    node = contracts.schema(file)
    for part in [p for p in path.split("/") if p]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def test_every_shape_clause_points_at_a_keyword_of_its_schema():
    shape = [c for c in contracts.catalog() if c.kind == "shape"]
    assert shape
    for clause in shape:
        assert clause.schema, clause.id
        _resolve(clause.schema)  # raises KeyError if the location does not exist
        file = clause.schema.partition("#")[0]
        assert contracts.operations()[clause.operation]["request"] == file, clause.id


def test_clause_ids_are_unique_and_ambiguities_exist():
    ids = [c["id"] for c in json.loads((contracts._ROOT / "clauses.json").read_text())["clauses"]]
    assert len(ids) == len(set(ids))
    catalog = contracts.catalog()
    for clause in catalog:
        if clause.ambiguity:
            assert clause.ambiguity in catalog.ambiguities, clause.id


def test_the_guide_put_events_example_validates():
    """000 'PutEvents Operation', second Python example (sentAt as the wire number)."""
    body = {
        "trackingId": "tracking_id", "userId": "user555", "sessionId": "session1",
        "eventList": [
            {"eventId": "event1", "sentAt": 1553631760, "eventType": "like",
             "properties": json.dumps({"itemId": "choc-panama", "eventValue": 4,
                                       "numRatings": 0})},
            {"eventId": "event2", "sentAt": 1553631782, "eventType": "rating",
             "properties": json.dumps({"itemId": "movie_ten", "eventValue": 3,
                                       "numRatings": 13})},
        ],
    }
    contracts.validator("PutEventsRequest.json").validate(body)


def test_the_guide_create_event_tracker_example_validates():
    """000 'Getting a Tracking ID' and its sample response."""
    contracts.validator("CreateEventTrackerRequest.json").validate({
        "name": "MovieClickTracker",
        "datasetGroupArn": "arn:aws:personalize:us-west-2:acct-id:dataset-group/MovieClickGroup",
    })
    contracts.validator("CreateEventTrackerResponse.json").validate({
        "eventTrackerArn": "arn:aws:personalize:us-west-2:acct-id:event-tracker/MovieClickTracker",
        "trackingId": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
    })


@pytest.mark.parametrize("clause_id, body", [
    ("PutEvents.eventList.minItems", {"trackingId": "t", "sessionId": "s", "eventList": []}),
    ("PutEvents.eventList.maxItems", {"trackingId": "t", "sessionId": "s",
                                      "eventList": [{"eventType": "e", "sentAt": 1}] * 11}),
])
def test_hand_written_violations_fail_at_their_clause(clause_id, body):
    clause = contracts.catalog()[clause_id]
    file = clause.schema.partition("#")[0]
    errors = list(contracts.validator(file).iter_errors(body))
    assert {contracts.pointer(e, file) for e in errors} == {clause.schema}


def test_digest_is_a_stable_sha256():
    first = contracts.digest()
    assert len(first) == 64 and first == contracts.digest()

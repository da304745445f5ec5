"""The seed documents' examples validate against the contract (requests as sent, responses,
errors), and responses missing what the documents promise do not.

The seed examples are copied here (each cites its file and section) so that the tests do
not depend on ``../shared`` being present.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from personalize_conformance import contracts
from personalize_conformance.strategies import on_the_wire

SCHEMAS = sorted(p.name for p in (contracts.ROOT / "schemas").iterdir()
                 if p.name.endswith(".json"))
SHAPE_CLAUSES = [c for c in contracts.catalog() if c.kind == "shape"]
ARN = "arn:aws:personalize:us-west-2:acct-id:dataset-group/MovieClickGroup"
TRACKER_ARN = "arn:aws:personalize:us-west-2:acct-id:event-tracker/MovieClickTracker"


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

"""The reference obeys the behavioural and semantic rules, and speaks the real wire
protocols: unmodified boto3 clients work against ``reference-http``, errors included."""

from __future__ import annotations

import json

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from personalize_conformance.contracts import interaction_field, status_order
from personalize_conformance.targets import TargetError
from personalize_conformance.targets.reference import (
    Behaviour,
    ReferenceHttpTarget,
    ReferenceService,
    ReferenceTarget,
)
from personalize_conformance.targets.reference.service import ServiceError

MISSING_GROUP = "arn:aws:personalize:us-east-1:123456789012:dataset-group/nowhere"
MISSING_TRACKER = "arn:aws:personalize:us-east-1:123456789012:event-tracker/nothing"


def error_of(target, operation: str, request: dict) -> TargetError:
    with pytest.raises(TargetError) as caught:
        target.invoke(operation, request)
    return caught.value


def new_group(target, name: str = "g1") -> str:
    return target.invoke("CreateDatasetGroup", {"name": name})["datasetGroupArn"]


def new_tracker(target, group: str, name: str = "t1") -> dict:
    return target.invoke("CreateEventTracker", {"name": name, "datasetGroupArn": group})


@pytest.fixture
def ref() -> ReferenceTarget:
    return ReferenceTarget()


def test_missing_and_unknown_resources_are_not_found(ref):
    for operation, request in [
        ("CreateEventTracker", {"name": "t", "datasetGroupArn": MISSING_GROUP}),
        ("DescribeDatasetGroup", {"datasetGroupArn": MISSING_GROUP}),
        ("DescribeEventTracker", {"eventTrackerArn": MISSING_TRACKER}),
        ("DeleteEventTracker", {"eventTrackerArn": MISSING_TRACKER}),
    ]:
        error = error_of(ref, operation, request)
        assert (error.status, error.code) == (400, "ResourceNotFoundException"), operation


def test_one_tracker_per_group_and_deleted_tracking_id_rejected(ref):
    group = new_group(ref)
    tracker = new_tracker(ref, group)
    assert error_of(ref, "CreateEventTracker", {"name": "t2", "datasetGroupArn": group}
                    ).code == "ResourceAlreadyExistsException"
    put = {"trackingId": tracker["trackingId"], "sessionId": "s",
           "eventList": [{"eventType": "click", "sentAt": 1}]}
    assert ref.invoke("PutEvents", put) == {}
    ref.invoke("DeleteEventTracker", {"eventTrackerArn": tracker["eventTrackerArn"]})
    assert error_of(ref, "DescribeEventTracker",
                    {"eventTrackerArn": tracker["eventTrackerArn"]}).status == 400
    assert ref.invoke("ListEventTrackers", {"datasetGroupArn": group})["eventTrackers"] == []
    assert error_of(ref, "PutEvents", put).status == 400
    unknown = {**put, "trackingId": "00000000-0000-0000-0000-000000000000"}
    assert error_of(ref, "PutEvents", unknown).status == 400


def test_list_filters_pages_and_rejects_foreign_tokens(ref):
    groups = [new_group(ref, f"g{i}") for i in range(5)]
    arns = {new_tracker(ref, g, f"t{i}")["eventTrackerArn"] for i, g in enumerate(groups)}
    only = ref.invoke("ListEventTrackers", {"datasetGroupArn": groups[2]})["eventTrackers"]
    assert len(only) == 1 and only[0]["eventTrackerArn"] in arns
    seen, token = [], None
    while True:
        body = {"maxResults": 2, **({"nextToken": token} if token else {})}
        page = ref.invoke("ListEventTrackers", body)
        assert len(page["eventTrackers"]) <= 2
        seen += [t["eventTrackerArn"] for t in page["eventTrackers"]]
        token = page.get("nextToken")
        if token is None:
            break
        # a token is bound to the listing it was issued for
        assert error_of(ref, "ListEventTrackers", {"nextToken": token,
                        "datasetGroupArn": groups[0]}).code == "InvalidNextTokenException"
    assert sorted(seen) == sorted(arns)
    assert error_of(ref, "ListEventTrackers", {"nextToken": "never-issued"}
                    ).code == "InvalidNextTokenException"


def test_progressive_statuses_follow_the_documented_orders():
    ref = ReferenceTarget(Behaviour(progressive=True))
    group = new_group(ref)
    group_states = [ref.invoke("DescribeDatasetGroup", {"datasetGroupArn": group})
                    ["datasetGroup"]["status"] for _ in range(4)]
    assert group_states == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE", "ACTIVE"]
    tracker = new_tracker(ref, group)
    arn = {"eventTrackerArn": tracker["eventTrackerArn"]}
    put = {"trackingId": tracker["trackingId"], "sessionId": "s",
           "eventList": [{"eventType": "click", "sentAt": 1}]}
    assert error_of(ref, "PutEvents", put).status == 400  # not ACTIVE yet
    states = [ref.invoke("DescribeEventTracker", arn)["eventTracker"]["status"]
              for _ in range(3)]
    assert states == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    assert ref.invoke("PutEvents", put) == {}
    ref.invoke("DeleteEventTracker", arn)
    gone = [ref.invoke("DescribeEventTracker", arn)["eventTracker"]["status"]
            for _ in range(2)]
    assert gone == ["DELETE PENDING", "DELETE IN_PROGRESS"]
    assert error_of(ref, "DescribeEventTracker", arn).code == "ResourceNotFoundException"


def test_inspect_records_events_with_the_documented_semantics(ref):
    group, other = new_group(ref, "g1"), new_group(ref, "g2")
    tracking_id = new_tracker(ref, group)["trackingId"]
    new_tracker(ref, other)
    props = json.dumps({"itemId": "choc-panama", "eventValue": 4, "numRatings": 0})
    ref.invoke("PutEvents", {"trackingId": tracking_id, "sessionId": "s1", "eventList": [
        {"eventType": "like", "sentAt": 1553631760, "properties": props},
        {"eventId": "e1", "eventType": "like", "sentAt": 1553631761},
    ]})
    ref.invoke("PutEvents", {"trackingId": tracking_id, "sessionId": "s1", "userId": "u555",
                             "eventList": [{"eventId": "e1", "eventType": "rating",
                                            "sentAt": 1553631782, "itemId": "movie_ten"}]})
    records = ref.inspect(group)
    assert ref.inspect(other) == []
    assert [r["eventIdGenerated"] for r in records] == [True, False, False]
    assert records[0]["eventId"] not in ("", "e1")
    assert [r["usedInTraining"] for r in records] == [True, True, False]
    assert {r["userId"] for r in records} == {"u555"}  # earlier anonymous events too
    assert {r["sessionId"] for r in records} == {"s1"}
    assert {r["trackingId"] for r in records} == {tracking_id}
    assert records[0]["fields"] == {"USER_ID": "u555", "ITEM_ID": "choc-panama",
                                    "EVENT_VALUE": 4, "NUM_RATINGS": 0,
                                    "TIMESTAMP": 1553631760, "EVENT_TYPE": "like"}
    assert records[2]["fields"]["ITEM_ID"] == "movie_ten"
    assert records[1]["event"] == {"eventId": "e1", "eventType": "like", "sentAt": 1553631761}


@pytest.mark.parametrize("key, field", [("numRatings", "NUM_RATINGS"), ("itemId", "ITEM_ID"),
                                        ("numberOfRatings", "NUMBER_OF_RATINGS"),
                                        ("eventValue", "EVENT_VALUE"), ("x", "X")])
def test_property_keys_map_to_upper_snake_fields(ref, key, field):
    assert interaction_field(key) == field
    group = new_group(ref)
    tracking_id = new_tracker(ref, group)["trackingId"]
    ref.invoke("PutEvents", {"trackingId": tracking_id, "sessionId": "s", "eventList": [
        {"eventType": "e", "sentAt": 1, "properties": json.dumps({key: 1})}]})
    assert ref.inspect(group)[0]["fields"][field] == 1


def test_statuses_are_the_contracts_orders():
    """The progressive statuses are read from the catalog's orders, not restated."""
    ref = ReferenceTarget(Behaviour(progressive=True))
    group = new_group(ref)
    arn = {"eventTrackerArn": new_tracker(ref, group)["eventTrackerArn"]}
    create = [ref.invoke("DescribeEventTracker", arn)["eventTracker"]["status"]
              for _ in range(3)]
    assert create == [rank[0] for rank in status_order("EventTracker.status.createOrder")]
    ref.invoke("DeleteEventTracker", arn)
    delete = [ref.invoke("DescribeEventTracker", arn)["eventTracker"]["status"]
              for _ in range(2)]
    assert delete == [rank[0] for rank in status_order("EventTracker.status.deleteOrder")]


def refusal(service: ReferenceService, operation: str, body: dict) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        service.call(operation, body)
    return caught.value


def test_each_refusal_names_the_clause_it_keeps():
    service = ReferenceService()
    group = service.call("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
    tracker = service.call("CreateEventTracker", {"name": "t", "datasetGroupArn": group})
    arn = {"eventTrackerArn": tracker["eventTrackerArn"]}
    put = {"trackingId": tracker["trackingId"], "sessionId": "s",
           "eventList": [{"eventType": "click", "sentAt": 1}]}
    cases = [
        ("CreateEventTracker", {"name": "t2", "datasetGroupArn": group},
         "CreateEventTracker.oneTrackerPerDatasetGroup"),
        ("CreateEventTracker", {"name": "t2", "datasetGroupArn": MISSING_GROUP},
         "CreateEventTracker.datasetGroupMustExist"),
        ("DescribeEventTracker", {"eventTrackerArn": MISSING_TRACKER},
         "DescribeEventTracker.unknownIsNotFound"),
        ("DeleteEventTracker", {"eventTrackerArn": MISSING_TRACKER},
         "DeleteEventTracker.unknownIsNotFound"),
        ("ListEventTrackers", {"nextToken": "never-issued"},
         "ListEventTrackers.invalidNextToken"),
        ("PutEvents", {**put, "trackingId": "unknown"}, "PutEvents.unknownTrackingId"),
        ("CreateEventTracker", {"name": "n" * 64, "datasetGroupArn": group},
         "CreateEventTracker.name.maxLength"),
        ("PutEvents", {**put, "eventList": []}, "PutEvents.eventList.minItems"),
        ("DescribeDatasetGroup", {"datasetGroupArn": MISSING_GROUP}, None),
    ]
    for operation, body, clause in cases:
        assert refusal(service, operation, body).clause == clause, (operation, body)
    service.call("DeleteEventTracker", arn)
    assert refusal(service, "DescribeEventTracker", arn).clause == (
        "DeleteEventTracker.thenNotFound")
    assert refusal(service, "PutEvents", put).clause == "PutEvents.deletedTrackingId"
    progressive = ReferenceService(Behaviour(progressive=True))
    group = progressive.call("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
    tracker = progressive.call("CreateEventTracker", {"name": "t", "datasetGroupArn": group})
    assert refusal(progressive, "PutEvents", {**put, "trackingId": tracker["trackingId"]}
                   ).clause == "PutEvents.beforeActive"


def test_unmodified_boto3_clients_work_against_reference_http():
    target = ReferenceHttpTarget()
    target.start()
    try:
        make = {"region_name": "us-east-1", "endpoint_url": target.endpoint_url,
                "aws_access_key_id": "x", "aws_secret_access_key": "x",
                "config": botocore.config.Config(retries={"total_max_attempts": 1})}
        personalize = boto3.client("personalize", **make)
        events = boto3.client("personalize-events", **make)
        group = personalize.create_dataset_group(name="boto3group")["datasetGroupArn"]
        assert personalize.describe_dataset_group(datasetGroupArn=group)[
            "datasetGroup"]["status"] == "ACTIVE"
        created = personalize.create_event_tracker(name="boto3tracker", datasetGroupArn=group)
        described = personalize.describe_event_tracker(
            eventTrackerArn=created["eventTrackerArn"])["eventTracker"]
        assert described["trackingId"] == created["trackingId"]
        assert described["creationDateTime"].year >= 2024  # a timestamp botocore parsed
        listed = personalize.list_event_trackers(datasetGroupArn=group)["eventTrackers"]
        assert [t["eventTrackerArn"] for t in listed] == [created["eventTrackerArn"]]
        answer = events.put_events(trackingId=created["trackingId"], sessionId="s",
                                   eventList=[{"eventType": "click", "sentAt": 1553631760}])
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
        for call, code in [
            (lambda: personalize.describe_event_tracker(eventTrackerArn=MISSING_TRACKER),
             "ResourceNotFoundException"),
            (lambda: personalize.list_event_trackers(nextToken="forged"),
             "InvalidNextTokenException"),
            (lambda: events.put_events(trackingId="unknown", sessionId="s", eventList=[
                {"eventType": "click", "sentAt": 1}]), "InvalidInputException"),
        ]:
            with pytest.raises(ClientError) as caught:
                call()
            assert caught.value.response["Error"]["Code"] == code
            assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert target.inspect(group)[0]["event"]["eventType"] == "click"
    finally:
        target.stop()

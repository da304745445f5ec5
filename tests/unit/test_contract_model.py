"""The contract model: locations, request paths, and the facts read from the data."""

from __future__ import annotations

import pytest

from personalize_conformance import contracts

SCHEMAS = sorted(p.name for p in (contracts.ROOT / "schemas").iterdir()
                 if p.name.endswith(".json"))
SHAPE_CLAUSES = [c for c in contracts.catalog() if c.kind == "shape"]
ARN = "arn:aws:personalize:us-west-2:acct-id:dataset-group/MovieClickGroup"
TRACKER_ARN = "arn:aws:personalize:us-west-2:acct-id:event-tracker/MovieClickTracker"


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

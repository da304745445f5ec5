"""What each operation does, read from ``operations.json`` (``kind``, ``resource``,
``statusOrders``), is complete and agrees with the catalog."""

from __future__ import annotations

from personalize_conformance import contracts

KINDS = {"create", "describe", "list", "delete", "put"}


def _every() -> list[str]:
    return [*contracts.operations(), *contracts.prerequisites()]


def test_every_operation_has_a_kind_and_a_resource():
    for operation in _every():
        assert contracts.operation_kind(operation) in KINDS, operation
        assert contracts.operation_resource(operation), operation
    assert contracts.operation_kind("NoSuchOperation") is None


def test_each_created_resource_has_one_delete_naming_it_by_one_member():
    for operation in _every():
        if contracts.operation_kind(operation) != "create":
            continue
        delete = contracts.operation_on(contracts.operation_resource(operation), "delete")
        assert contracts.operation_kind(delete) == "delete"
        required = contracts.schema(contracts.request_schema(delete))["required"]
        assert len(required) == 1, delete
    assert contracts.operation_on("event-tracker", "delete") == "DeleteEventTracker"


def test_status_orders_name_clauses_that_state_statuses():
    for operation in _every():
        for after in ("create", "delete"):
            clause_id = contracts.status_order_clause(operation, after)
            if clause_id is None:
                continue
            assert contracts.operation_kind(operation) == "describe", operation
            assert contracts.status_order(clause_id), clause_id
    assert contracts.status_describes() == {"DescribeEventTracker", "DescribeDatasetGroup"}
    assert contracts.status_order_clause("DescribeEventTracker") == (
        "EventTracker.status.createOrder")
    assert contracts.status_order_clause("DescribeDatasetGroup", "delete") == (
        "DeleteDatasetGroup.thenNotFound")

"""Shape clauses of every operation: valid requests are accepted (and answered with a valid
response), and each clause's violations are rejected as the clause says.

Each example gets the resources its operation needs (``_pinned``), cleaned up after it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from personalize_conformance.checks import accepted, rejected
from personalize_conformance.contracts import operations
from personalize_conformance.harness import Harness
from personalize_conformance.strategies import requests, violations
from personalize_conformance.strategies.invalid import shape_clauses, supported

from .support import check_response, response_clause

NAME_MAX = 63
#: Members a valid request cannot carry as generated: only the service issues a nextToken.
ISSUED_BY_SERVICE = {"ListEventTrackers": ("nextToken",)}


def _name(harness: Harness, draw: st.DrawFn, kind: str) -> str:
    """A run-unique valid name whose length leans to the edges (short and 63)."""
    base = harness.new_name(kind)
    size = draw(st.one_of(st.just(len(base)), st.just(NAME_MAX),
                          st.integers(len(base), NAME_MAX)), label=f"{kind} name length")
    return base + "x" * (size - len(base))


@contextlib.contextmanager
def _pinned(harness: Harness, operation: str, draw: st.DrawFn) -> Iterator[dict[str, Any]]:
    """The members that must name live (or unique) resources for ``operation``."""
    groups: list[str] = []

    def group() -> str:
        groups.append(harness.create_dataset_group())
        return groups[-1]

    try:
        if operation == "CreateDatasetGroup":
            yield {"name": _name(harness, draw, "dg")}
        elif operation in ("DescribeDatasetGroup", "DeleteDatasetGroup"):
            yield {"datasetGroupArn": group()}
        elif operation == "CreateEventTracker":
            yield {"name": _name(harness, draw, "et"), "datasetGroupArn": group()}
        elif operation in ("DescribeEventTracker", "DeleteEventTracker"):
            yield {"eventTrackerArn": harness.create_tracker(group())["eventTrackerArn"]}
        elif operation == "ListEventTrackers":
            yield {"datasetGroupArn": group()}
        elif operation == "PutEvents":
            yield {"trackingId": harness.create_tracker(group())["trackingId"]}
        else:
            raise ValueError(f"no resources known for {operation}")
    finally:
        for arn in groups:
            harness.delete_dataset_group(arn)


def _cleanup(harness: Harness, operation: str, response: dict[str, Any]) -> None:
    """Delete what a successful create made."""
    if operation == "CreateDatasetGroup" and "datasetGroupArn" in response:
        harness.delete_dataset_group(response["datasetGroupArn"])


def _ids(operation: str) -> list[str]:
    return [c.id for c in shape_clauses(operation)]


def _valid_params() -> list[Any]:
    params = []
    for operation in operations():
        ids = _ids(operation)
        if not ids:
            continue
        extra = [response_clause(operation)] if response_clause(operation) else []
        params.append(pytest.param(operation, marks=pytest.mark.clause(*ids, *extra),
                                   id=operation))
    return params


def _invalid_params() -> list[Any]:
    return [pytest.param(c.operation, c.id, marks=pytest.mark.clause(c.id), id=c.id)
            for c in shape_clauses() if supported(c)]


@pytest.mark.parametrize("operation", _valid_params())
@given(data=st.data())
def test_valid_requests_are_accepted(harness: Harness, operation: str, data):
    """Valid requests (every member at its edges, optional ones present or absent) are
    accepted, naming every shape clause of the operation; the response validates."""
    with _pinned(harness, operation, data.draw) as pinned:
        drop = ISSUED_BY_SERVICE.get(operation, ())
        request = data.draw(requests(operations()[operation]["request"], pinned).map(
            lambda r: {k: v for k, v in r.items() if k not in drop}), label="request")
        response = accepted(harness, _ids(operation), operation, request)
        try:
            check_response(harness, operation, request, response)
        finally:
            _cleanup(harness, operation, response)


@pytest.mark.parametrize("operation, clause_id", _invalid_params())
@given(data=st.data())
def test_shape_violations_are_rejected(harness: Harness, operation: str, clause_id: str,
                                       data):
    """Generated requests that break only ``clause_id`` are rejected as it says."""
    with _pinned(harness, operation, data.draw) as pinned:
        case = data.draw(violations(operation, pinned, clause_id), label="violation")
        rejected(harness, case.clause, operation, case.request)


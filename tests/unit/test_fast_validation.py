"""``contracts.broken_at`` takes jsonschema-rs' word for a valid body: it must never call
valid what the contract's own validator (jsonschema, patterns with ``regex``) rejects."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from personalize_conformance.contracts import files, operations, request_schema
from personalize_conformance.strategies import as_sent, requests, violations

OPERATIONS = sorted(op for op in operations() if request_schema(op))


def _agree(operation: str, body: object) -> None:
    file = request_schema(operation)
    slow = {files.pointer(e, file) for e in files.validator(file).iter_errors(body)}
    assert files.broken_at(file, body) == slow
    if files._surely_valid(file, body):
        assert not slow, f"jsonschema-rs calls valid what the contract rejects: {slow}"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_request_schema_compiles_for_the_fast_path(operation):
    assert files._fast(request_schema(operation)) is not None


@pytest.mark.parametrize("operation", OPERATIONS)
@settings(max_examples=40, database=None, deadline=None, phases=[Phase.generate],
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_fast_path_agrees_on_valid_and_invalid_requests(operation, data):
    valid = data.draw(requests(request_schema(operation)))
    _agree(operation, as_sent(operation, valid))
    case = data.draw(violations(operation))
    _agree(operation, as_sent(operation, case.request))


@pytest.mark.parametrize("value", ["ab\n", "a\u0663", "a\U00010400", "\u0378a", "x" * 64])
def test_the_fast_path_agrees_on_reading_edges(value):
    """A trailing newline (``$``), a non-ASCII digit (``\\d``), an astral letter, an
    unassigned code point, one character too many."""
    for operation in ("CreateDatasetGroup", "CreateEventTracker"):
        _agree(operation, {"name": value, "datasetGroupArn": "arn:aws:personalize:x:1:dg/a",
                           "tags": [{"tagKey": value, "tagValue": value}]})

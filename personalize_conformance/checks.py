"""Assertions of the suite. Each names the catalog clause(s) it checks; a failure carries
the input, what the clause expected, what the target did, and a reproduction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .contracts import Clause, catalog
from .harness import Harness
from .reproduce import Call, boto3_snippet, chain, cli_script
from .targets import TargetError


class ClauseFailure(AssertionError):
    """A target broke a clause. ``details`` is JSON data for the report."""

    def __init__(self, clauses: Sequence[str], details: dict[str, Any]) -> None:
        self.clauses = list(clauses)
        self.details = details
        repro = details["reproduction"]
        super().__init__(
            f"{', '.join(self.clauses)} broken by {details['operation']}\n"
            f"  expected: {details['expected']}\n  observed: {details['observed']}\n"
            f"  input: {json.dumps(details['input'], default=str)[:2000]}\n"
            f"--- reproduce with boto3 ---\n{repro['boto3']}"
            f"--- reproduce with the AWS CLI ---\n{repro['cli']}"
        )


def _failure(harness: Harness, clauses: Sequence[str], operation: str, request: Mapping,
             expected: str, observed: dict[str, Any], *, whole: bool) -> ClauseFailure:
    history = harness.history[:-1]  # the last entry is the failing call itself
    calls = chain(history, Call(operation, dict(request)), whole=whole)
    region = getattr(harness.target, "region", "us-east-1")
    observed_text = (f"HTTP {observed['status']} {observed.get('code', '')}".strip()
                     if "code" in observed else f"HTTP {observed['status']} (accepted)")
    return ClauseFailure(clauses, {
        "operation": operation,
        "input": dict(request),
        "expected": expected,
        "observed": observed,
        "reproduction": {
            "boto3": boto3_snippet(calls, harness.target.endpoint_url, region,
                                   expected, observed_text),
            "cli": cli_script(calls, harness.target.endpoint_url, region),
        },
    })


def expected_errors(clause: Clause, strict: bool) -> list[str]:
    """The error codes a violation of ``clause`` may yield (under --strict, the strict reading)."""
    return list(clause.expected_for(strict)["errors"])


def describe_expected(clause: Clause, strict: bool) -> str:
    status = clause.expected_for(strict)["status"]
    codes = " or ".join(expected_errors(clause, strict)) or "any error code"
    return f"rejected: HTTP {status} {codes}"


def accepted(harness: Harness, clauses: Sequence[str], operation: str,
             request: Mapping[str, Any], *, whole: bool = False) -> dict[str, Any]:
    """The target accepts ``request``; returns the response body."""
    for clause_id in clauses:
        catalog()[clause_id]
    try:
        return harness.invoke(operation, request)
    except TargetError as exc:
        raise _failure(harness, clauses, operation, request, "accepted: HTTP 200",
                       exc.as_dict(), whole=whole) from None


def rejected(harness: Harness, clause_id: str, operation: str,
             request: Mapping[str, Any], *, whole: bool = False) -> TargetError:
    """The target rejects ``request`` with the error ``clause_id`` expects."""
    clause = catalog()[clause_id]
    expected = describe_expected(clause, harness.strict)
    try:
        response = harness.invoke(operation, request)
    except TargetError as exc:
        if clause.accepts_error(exc.status, exc.code, strict=harness.strict):
            return exc
        raise _failure(harness, [clause_id], operation, request, expected, exc.as_dict(),
                       whole=whole) from None
    raise _failure(harness, [clause_id], operation, request, expected,
                   {"status": 200, "body": response}, whole=whole)

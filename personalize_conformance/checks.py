"""Assertions of the suite. Each names the catalog clause(s) it checks and is recorded in
the harness' record of the running test (``Harness.record``); a failure carries the
input, what the clause expected, what the target did, and a reproduction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from personalize_conformance.contracts import Clause, catalog
from personalize_conformance.harness import Harness, copy_request
from personalize_conformance.reproduce import Call, boto3_snippet, chain, cli_script
from personalize_conformance.targets import TargetError


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
    history = harness.history
    if history and history[-1].operation == operation and history[-1].request == request:
        history = history[:-1]  # the last entry is the failing call itself
    calls = chain(history, Call(operation, copy_request(request)), whole=whole)
    region = getattr(harness.target, "region", "us-east-1")
    if "detail" in observed:
        observed_text = f"HTTP {observed['status']}: {observed['detail']}"[:500]
    elif "code" in observed:
        observed_text = f"HTTP {observed['status']} {observed['code']}".strip()
    else:
        observed_text = f"HTTP {observed['status']} (accepted)"
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


def ran(harness: Harness, clause_id: str, side: str) -> None:
    """Record that a ``side`` (``accepted``/``rejected``) case of ``clause_id`` ran, for a
    check made without ``accepted``/``rejected`` naming the clause."""
    catalog()[clause_id]
    harness.record.ran(clause_id, side)


def not_exercised(harness: Harness, clause_id: str, side: str, reason: str) -> None:
    """Record that no ``side`` case of ``clause_id`` could be made (e.g. the strategies
    cannot generate one yet): the clause is reported ``incomplete``, never ``passed``."""
    catalog()[clause_id]
    harness.record.not_run(clause_id, side, reason)


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
        harness.record.ran(clause_id, "accepted")
    try:
        return harness.invoke(operation, request)
    except TargetError as exc:
        raise _failure(harness, clauses, operation, request, "accepted: HTTP 200",
                       exc.as_dict(), whole=whole) from None


def rejected(harness: Harness, clause_id: str, operation: str,
             request: Mapping[str, Any], *, whole: bool = False) -> TargetError:
    """The target rejects ``request`` with the error ``clause_id`` expects."""
    clause = catalog()[clause_id]
    harness.record.ran(clause_id, "rejected")
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


def holds(harness: Harness, clause_id: str, condition: bool, expected: str, observed: Any,
          operation: str, request: Mapping[str, Any], *, whole: bool = True) -> None:
    """``clause_id`` holds when ``condition`` is true; otherwise a failure whose
    reproduction replays the test's calls up to ``operation`` (``request``), the call that
    showed it, and reports ``observed`` (what the target answered, as JSON data)."""
    catalog()[clause_id]
    harness.record.ran(clause_id, "held")
    if condition:
        return
    if not (isinstance(observed, dict) and "status" in observed):
        observed = {"status": 200, "detail": observed}
    raise _failure(harness, [clause_id], operation, request, expected, observed, whole=whole)

"""Assertions of the suite. Each names the catalog clause(s) it checks and is recorded in
the harness' record of the running test (``Harness.record``); a failure carries the
input, what the clause expected, what the target did, and a reproduction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import currently_in_test_context
from hypothesis.control import current_build_context

from personalize_conformance.checks import blame
from personalize_conformance.checks.replay import shortest
from personalize_conformance.contracts import (
    RESERVED_KEYS,
    STATUS_CLAUSE,
    Clause,
    catalog,
    issued_by_service,
    operation_kind,
    request_schema,
    reserved_keys_in,
    resource_members,
    violated,
)
from personalize_conformance.harness import Call, Harness, copy_request
from personalize_conformance.harness.outcomes import Blocked
from personalize_conformance.report.reproduce import (
    Expect,
    boto3_snippet,
    chain,
    cli_script,
    replay_of,
)
from personalize_conformance.strategies import as_sent
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


class SuiteError(ClauseFailure):
    """A failure the contract does not back: its input, re-checked against the contract,
    is not what the check claims (a request ``accepted`` calls valid that is not, a
    request ``rejected`` calls a violation of one clause that breaks others or none).
    Reported as the status ``error`` of its clauses, never ``failed``, with its input;
    ``details["suite_error"]`` says what did not hold up."""


def _not_backed(clause_ids: Sequence[str], operation: str, request: Mapping, *,
                side: str) -> str | None:
    """Why the contract does not back a failure of ``side`` for ``request`` (``None``: it
    does). ``accepted``: the request as sent is valid. ``rejected`` of a shape clause: the
    request as sent breaks that clause, and besides it only what it entails; of a clause
    of another kind (a behavioural rule): it breaks no shape clause."""
    try:
        file = request_schema(operation)
    except (KeyError, FileNotFoundError):
        return None
    if file is None:
        return None
    body = as_sent(operation, request)
    if body is None:
        return "the request cannot be sent as the contract describes it"
    broken = violated(file, body)
    if side == "accepted":
        if broken is None:
            return "the request breaks a rule of the schema no clause names"
        if broken:
            return f"the request is not valid: it breaks {', '.join(sorted(broken))}"
        reserved = reserved_keys_in(file, body)
        if reserved:
            return (f"the request is not valid under every reading: its properties hold "
                    f"{', '.join(k for _, k in reserved)} ({RESERVED_KEYS})")
        return None
    clause = catalog()[clause_ids[0]]
    if broken is None:
        return "the request breaks a rule of the schema no clause names"
    if clause.kind != "shape" or not clause.schema:  # a rule of another kind: nothing else
        return (f"the request breaks shape clauses besides {clause.id}: {sorted(broken)}"
                if broken else None)
    allowed = {clause.id} | {c.id for c in map(catalog().by_schema, clause.entails) if c}
    if clause.id not in broken:
        return f"the request does not break {clause.id} (it breaks: {sorted(broken) or 'none'})"
    if broken - allowed:
        return f"the request breaks more than {clause.id}: {sorted(broken - allowed)}"
    return None


def rooted(failure: ClauseFailure) -> list[str]:
    """The shape clauses minimization blamed for a wrongly rejected valid request (empty:
    no root cause found, or a failure of another kind)."""
    if isinstance(failure, SuiteError):
        return []
    return list((failure.details.get("blame") or {}).get("clauses") or [])


def one_failure(failures: Sequence[ClauseFailure]) -> ClauseFailure:
    """The failures of one property, each of its own root cause, as one: the first's
    details, naming every failure's clauses; the others' inputs, answers and root causes
    under ``details["also"]``."""
    first, others = failures[0], failures[1:]
    if not others:
        return first
    clauses = list(dict.fromkeys(c for f in failures for c in f.clauses))
    also = [{key: f.details.get(key) for key in ("input", "observed", "blame")}
            for f in others]
    return ClauseFailure(clauses, {**first.details, "also": also})


def _readable(harness: Harness, clauses: Sequence[str], operation: str,
              observed: Mapping[str, Any]) -> None:
    """Raise ``Blocked`` when the last answer broke the protocol so that no SDK can read
    it (that clause fails, in the record): ``clauses`` are not judged on it."""
    if harness.unreadable:
        raise Blocked(f"{operation}'s answer (HTTP {observed.get('status')}) breaks "
                      f"{', '.join(harness.unreadable)}: no answer an SDK can read, so "
                      f"{', '.join(clauses)} not judged on it")


def _failure(harness: Harness, clauses: Sequence[str], operation: str, request: Mapping,
             expected: str, observed: dict[str, Any], *, whole: bool,
             side: str | None = None, extra: Mapping[str, Any] | None = None,
             expect: Expect | None = None) -> ClauseFailure:
    _readable(harness, clauses, operation, observed)
    history = harness.history
    if history and history[-1].operation == operation and history[-1].request == request:
        history = history[:-1]  # the last entry is the failing call itself
    expect = expect or Expect("held", text=expected)
    failing = Call(operation, copy_request(request))
    calls = chain(history, failing, whole=whole)
    if whole and len(calls) > 1 and _final(harness):  # the steps the failure needs
        calls = shortest(harness, chain(history, failing, whole=True, reads=True),
                         expect) or calls
    replay = replay_of(harness.target, harness.run_id)
    # the answer of the clauses' first failing example, shown when the shrunk one differs
    first = harness.record.first_failures.setdefault(
        ",".join(clauses), {"input": dict(request), "observed": observed})
    shown = [_observed_text(observed)]
    if _gist(first["observed"]) != _gist(observed):
        shown.append(f"{_observed_text(first['observed'])} (the first failing example)")
    details = {
        "operation": operation,
        "input": dict(request),
        "expected": expected,
        "observed": observed,
        **({"first": first} if len(shown) > 1 else {}),
        "reproduction": {
            "boto3": boto3_snippet(calls, replay, expected, shown, expect),
            "cli": cli_script(calls, replay, expect, shown),
        },
        **(extra or {}),
    }
    shrinking = harness.record.shrink_summary()
    if shrinking:
        details["shrinking"] = shrinking  # the budget the shrunk input was found within
    problem = _not_backed(clauses, operation, request, side=side) if side else None
    if problem:
        return SuiteError(clauses, {**details, "suite_error": problem})
    return ClauseFailure(clauses, details)


def _observed_text(observed: Mapping[str, Any]) -> str:
    if "detail" in observed:
        return f"HTTP {observed['status']}: {observed['detail']}"[:500]
    if "code" in observed:
        return f"HTTP {observed['status']} {observed['code']}".strip()
    return f"HTTP {observed['status']} (accepted)"


def _gist(observed: Mapping[str, Any]) -> tuple[Any, ...]:
    """What makes two answers the same deviation: status and error code (not the message
    or the body, which name resources)."""
    return observed.get("status"), observed.get("code"), "detail" in observed


def _final(harness: Harness) -> bool:
    """Whether the failure found now is the one reported: outside Hypothesis, or in its
    final replay of the shrunk example (not the first failing one, nor a shrink)."""
    if not currently_in_test_context():
        return True
    return bool(current_build_context().is_final)


def _violation_alone(harness: Harness, clause: Clause, operation: str,
                     request: Mapping[str, Any], observed: dict[str, Any]
                     ) -> tuple[Mapping[str, Any], dict[str, Any]]:
    """A shape violation tried once more inside the minimal valid request (the members
    naming resources, and a create's name, kept; :func:`blame.smallest`): that request
    and its answer when the deviation persists (the same status and code), else the
    request and answer given."""
    if clause.kind != "shape" or not clause.schema or not _final(harness):
        return request, observed
    keep = {*resource_members(operation), *issued_by_service(operation), blame.NAME}
    small = blame.smallest(operation, request, lambda r: _not_backed(
        [clause.id], operation, r, side="rejected") is None, keep)
    if small == request:
        return request, observed
    if operation_kind(operation) == "create" and isinstance(small.get(blame.NAME), str) \
            and (clause.location is None or clause.location.subject != blame.NAME):
        small[blame.NAME] = harness.new_name("v", len(small[blame.NAME]))
    _readable(harness, [clause.id], operation, observed)
    try:
        response: dict[str, Any] | None = harness.invoke(operation, small)
        answer = {"status": 200, "body": response}
    except TargetError as exc:
        response, answer = None, exc.as_dict()
    if response is not None:
        harness.undo(operation, response)
    if harness.unreadable or _gist(answer) != _gist(observed):
        harness.unreadable = []  # the failing answer was readable; this one is not used
        return request, observed
    return small, answer


#: What a failing ``accepted`` call should have got.
ACCEPT = Expect("accepted", text="accepted: HTTP 200")


def ran(harness: Harness, clause_id: str, side: str) -> None:
    """Record that a ``side`` (``accepted``/``rejected``) case of ``clause_id`` ran, for a
    check made without ``accepted``/``rejected`` naming the clause."""
    catalog()[clause_id]
    harness.record.ran(clause_id, side)


def not_exercised(harness: Harness, clause_id: str, side: str, reason: str) -> None:
    """Record that no ``side`` case of ``clause_id`` could be made (e.g. the strategies
    cannot generate one yet): the clause is reported ``incomplete``, never ``passed``."""
    catalog()[clause_id]
    harness.record.not_exercised(clause_id, side, reason)


def expected_errors(clause: Clause, strict: bool) -> list[str]:
    """The error codes a violation of ``clause`` may yield (under --strict, the strict reading)."""
    return list(clause.expected_for(strict)["errors"])


def describe_expected(clause: Clause, strict: bool) -> str:
    status = clause.expected_for(strict)["status"]
    codes = " or ".join(expected_errors(clause, strict)) or "any error code"
    return f"rejected: HTTP {status} {codes}"


def accepted(harness: Harness, clauses: Sequence[str], operation: str,
             request: Mapping[str, Any], *, whole: bool = False,
             pinned: Sequence[str] = ()) -> dict[str, Any]:
    """The target accepts ``request`` (valid: it fills ``clauses``); returns the response
    body, and credits the accepted side of ``clauses``.

    A rejection fails one root cause: the request is minimized member by member
    (:func:`blame.responsible`; ``pinned`` members, and those naming live resources, are
    never changed) and the failure names the clauses of the member whose change made the
    rejection go away, with their catalog ``dependents``; only when no member is found
    does it name ``clauses``. A request the contract does not call valid is a suite error."""
    for clause_id in clauses:
        catalog()[clause_id]
    try:
        response = harness.invoke(operation, request)
    except TargetError as exc:
        observed = exc.as_dict()
        if _not_backed(clauses, operation, request, side="accepted"):
            raise _failure(harness, clauses, operation, request, "accepted: HTTP 200",
                           observed, whole=whole, side="accepted", expect=ACCEPT) from None
        # while Hypothesis shrinks, a failing example only has to fail again: the
        # re-sends are for the final replay of the shrunk one
        cause = blame.responsible(harness, operation, request, pinned,
                                  budget=0 if harness.is_shrinking() else blame.MAX_RESENDS,
                                  rejection=(exc.status, exc.code))
        named = blame.with_dependents(cause.clauses) if cause.clauses else list(clauses)
        raise _failure(harness, named, operation, request, "accepted: HTTP 200", observed,
                       whole=whole, extra={"blame": cause.as_dict()}, expect=ACCEPT) from None
    for clause_id in clauses:
        harness.record.ran(clause_id, "accepted")
    return response


def rejected(harness: Harness, clause_id: str, operation: str,
             request: Mapping[str, Any], *, whole: bool = False) -> TargetError:
    """The target rejects ``request`` with the error ``clause_id`` expects."""
    clause = catalog()[clause_id]
    expected = describe_expected(clause, harness.strict)
    expect = Expect("rejected", tuple(expected_errors(clause, harness.strict)), expected)
    try:
        response = harness.invoke(operation, request)
    except TargetError as exc:
        if clause.accepts_error(exc.status, exc.code, strict=harness.strict):
            harness.record.ran(clause_id, "rejected")  # credited once an answer was judged
            return exc
        if clause.status_judged_apart(exc.status, exc.code, strict=harness.strict):
            harness.record.ran(clause_id, "rejected")
            status = catalog()[STATUS_CLAUSE].expected["status"]
            failure = _failure(harness, [STATUS_CLAUSE], operation, request,
                               f"rejected: HTTP {status} {exc.code}", exc.as_dict(),
                               whole=whole)
            harness.record.answer_failed(STATUS_CLAUSE, failure.details)
            return exc
        observed = exc.as_dict()
    else:  # what the wrongly accepted request made goes before the next call
        observed = {"status": 200, "body": response}
        _readable(harness, [clause_id], operation, observed)
        harness.undo(operation, response)
    request, observed = _violation_alone(harness, clause, operation, request, observed)
    raise _failure(harness, [clause_id], operation, request, expected, observed,
                   whole=whole, side="rejected", expect=expect) from None


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

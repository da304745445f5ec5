"""Helpers the suite's tests share: response validation, never-seen ARNs, list walking."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import pytest

from personalize_conformance.checks import (
    accepted,
    describe_expected,
    holds,
    ran,
    rejected,
)
from personalize_conformance.contracts import (
    catalog,
    described,
    issued_by_service,
    response_schema,
    shape_clauses,
    status_order,
    status_order_clause,
    status_rank,
    validator,
)
from personalize_conformance.harness import Harness
from personalize_conformance.targets import TargetError

#: The clauses stating the order of statuses a tracker's and a dataset group's describe
#: report after a create and after a delete (``operations.json``'s ``statusOrders``).
CREATE_ORDER = status_order_clause("DescribeEventTracker", "create")
DELETE_ORDER = status_order_clause("DescribeEventTracker", "delete")
GROUP_CREATE_ORDER = status_order_clause("DescribeDatasetGroup", "create")
GROUP_DELETED = status_order_clause("DescribeDatasetGroup", "delete")


def _stated(clause_id: str) -> str:
    """A clause's order of statuses as the documents write it: ``A > B > C -or- D``."""
    return " > ".join(" -or- ".join(rank) for rank in status_order(clause_id))


def undocumented_status(harness: Harness, clause_id: str, operation: str,
                        request: Mapping[str, Any], statuses: list[Any]) -> None:
    """The suite's ``StatusCheck`` (given to ``session_harness``): a status outside
    ``clause_id``'s order, or one going back in it, fails it at once (waiting for ACTIVE
    would last the harness' whole wait, on every resource; an answer that went back would
    fail the clauses comparing answers)."""
    holds(harness, clause_id, False, _stated(clause_id), {"statuses": statuses},
          operation, request)


def response_clause(operation: str) -> str | None:
    """``<Operation>.response.valid`` if the catalog has it and its schema exists."""
    clause_id = f"{operation}.response.valid"
    ok = clause_id in catalog().clauses and response_schema(operation)
    return clause_id if ok else None


def response_clauses(*operations: str) -> list[str]:
    """The response clauses of ``operations`` this contract can check (for marks)."""
    return [c for c in map(response_clause, operations) if c]


def require_response_schema(operation: str) -> str:
    """The response schema of ``operation``; skips the test when the contract lacks it."""
    name = response_schema(operation)
    if name is None:
        pytest.skip(f"the contract has no {operation}Response.json yet")
    return name


def check_response(harness: Harness, operation: str, request: Mapping[str, Any],
                   response: Mapping[str, Any]) -> None:
    """``<Operation>.response.valid``: the response validates against its schema (when the
    clause and schema exist)."""
    clause_id = response_clause(operation)
    if clause_id is None:
        return
    name = response_schema(operation)
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(response)'}: {e.message}"
              for e in validator(name).iter_errors(dict(response))]
    holds(harness, clause_id, not errors, f"a response valid against {name}",
          {"response": dict(response), "errors": errors[:5]}, operation, request)


def agrees(harness: Harness, clause_id: str, operation: str, request: Mapping[str, Any],
           body: Mapping[str, Any], key: str, want: Mapping[str, Any]) -> None:
    """``clause_id``: the answer's ``key`` object shows ``want``, compared on the members
    it gives whose values are valid against the response schema. The model makes these
    members optional: only a value given that differs disagrees (a member left out, or
    one of a wrong type, is ``<Operation>.response.valid``'s fault alone: one fault, one
    failed clause)."""
    name = response_schema(operation)
    condemned = ({tuple(e.absolute_path)[:2] for e in validator(name).iter_errors(dict(body))}
                 if name else set())
    shown = body.get(key) if isinstance(body.get(key), Mapping) else {}
    keys = [k for k in want if k in shown and (key, k) not in condemned]
    got = {k: shown.get(k) for k in keys}
    expected = {k: want[k] for k in keys}
    holds(harness, clause_id, got == expected, f"describe shows {expected}", got, operation,
          request)


def as_answered(harness: Harness, response: Mapping[str, Any]) -> Mapping[str, Any]:
    """The body of the last answer as the target sent it, when the target keeps its raw
    exchange (members the model lacks, which botocore's parser drops, kept: a summary's
    trackingId); else ``response``, as parsed."""
    exchange = harness.target.last_exchange()
    try:
        body = json.loads(exchange.body) if exchange is not None and exchange.body else None
    except ValueError:
        body = None
    return body if isinstance(body, dict) else response


def arn_account(arn: str) -> str | None:
    """The account field of an ARN (``arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE``)."""
    fields = arn.split(":", 5)
    return fields[4] if len(fields) == 6 and fields[0] == "arn" else None


def never_seen(like_arn: str, kind: str) -> str:
    """An ARN of ``kind`` (``event-tracker``, ``dataset-group``) in the partition, region
    and account of ``like_arn`` that no resource has ever had."""
    prefix = like_arn.rsplit(":", 1)[0]
    return f"{prefix}:{kind}/pcnever{uuid.uuid4().hex[:16]}"


#: The shape clauses of ListEventTrackers' nextToken: their valid side is a token the
#: service issued, sent back with the query that issued it (only it can make one).
NEXT_TOKEN = [c.id for c in shape_clauses("ListEventTrackers")
              if c.location and c.location.subject in issued_by_service("ListEventTrackers")]


def walk(harness: Harness, request: Mapping[str, Any], max_results: int | None,
         *, limit: int = 200, tokens: bool = False) -> list[dict[str, Any]]:
    """Every event tracker ListEventTrackers yields for ``request``, following nextToken;
    checks maxResults and each page's response schema on the way; with ``tokens``, each
    page asked for with a token credits the accepted side of ``NEXT_TOKEN``."""
    items: list[dict[str, Any]] = []
    base = dict(request)
    if max_results is not None:
        base["maxResults"] = max_results
    token = None
    for _ in range(limit):
        page_request = {**base, **({"nextToken": token} if token else {})}
        credited = [*NEXT_TOKEN] if tokens and token else []
        page = accepted(harness, ["ListEventTrackers.paging", *credited], "ListEventTrackers",
                        page_request, whole=True)
        check_response(harness, "ListEventTrackers", page_request, page)
        trackers = page.get("eventTrackers", [])
        if max_results is not None:
            holds(harness, "ListEventTrackers.maxResults", len(trackers) <= max_results,
                  f"at most {max_results} event trackers on a page",
                  {"count": len(trackers)}, "ListEventTrackers", page_request)
        items += trackers
        token = page.get("nextToken")
        if not token:
            return items
    holds(harness, "ListEventTrackers.paging", False, f"the last page within {limit} pages",
          {"pages": limit, "items": len(items)}, "ListEventTrackers", base)
    return items


def arns(items: list[dict[str, Any]]) -> list[str]:
    return [item.get("eventTrackerArn") for item in items]


#: Walks of the account-wide list before a discrepancy counts: other clients of a shared
#: target may create or delete trackers while one walk pages through.
ACCOUNT_WALKS = 3


def check_account_list(harness: Harness, max_results: int | None, live: set[str],
                       gone: set[str] = frozenset(), *, tokens: bool = False) -> None:
    """Walking the unfiltered list yields each tracker of ``live`` exactly once
    (ListEventTrackers.paging) and none of ``gone`` (DeleteEventTracker.thenNotFound).

    Only this run's trackers are judged, and a discrepancy must show on every one of
    ``ACCOUNT_WALKS`` walks, so concurrent changes by others cannot fail a target.
    ``tokens``: as :func:`walk`'s."""
    request = {"maxResults": max_results} if max_results else {}
    for attempt in range(ACCOUNT_WALKS):
        listed = arns(walk(harness, {}, max_results, tokens=tokens))
        counts = {arn: listed.count(arn) for arn in sorted(live)}
        listed_gone = sorted(gone & set(listed))
        paging_ok = all(n == 1 for n in counts.values())
        if (paging_ok and not listed_gone) or attempt == ACCOUNT_WALKS - 1:
            break
    holds(harness, "ListEventTrackers.paging", paging_ok,
          "every live tracker of the run exactly once across the pages",
          {"counts": counts, "walks": attempt + 1}, "ListEventTrackers", request)
    holds(harness, "DeleteEventTracker.thenNotFound", not listed_gone,
          "deleted trackers not listed", {"listed": listed_gone, "walks": attempt + 1},
          "ListEventTrackers", request)


def describe(harness: Harness, arn: str) -> dict[str, Any]:
    return harness.invoke("DescribeEventTracker", {"eventTrackerArn": arn})["eventTracker"]


def delete_and_wait(harness: Harness, arn: str) -> list[str]:
    """Delete the tracker and describe it until not found; the statuses seen on the way.

    Checks EventTracker.status.deleteOrder (the order of the delete statuses) and
    DeleteEventTracker.thenNotFound (not found in the end; a tracker shown deleting, then
    live again, is one that was not deleted)."""
    request = {"eventTrackerArn": arn}
    accepted(harness, [DELETE_ORDER], "DeleteEventTracker", request, whole=True)
    rank = status_rank(DELETE_ORDER)
    seen: list[str] = []
    wait = harness.waiter()
    while True:
        try:
            status = describe(harness, arn).get("status")
        except TargetError as exc:
            if exc.code != "ResourceNotFoundException":
                rejected(harness, "DeleteEventTracker.thenNotFound", "DescribeEventTracker",
                         request, whole=True)
            return seen
        if status not in rank and seen:  # deleting, then described as live again
            holds(harness, "DeleteEventTracker.thenNotFound", False,
                  f"{_stated(DELETE_ORDER)}, then not found", {"statuses": [*seen, status]},
                  "DescribeEventTracker", request)
        order_ok = status in rank and (not seen or rank[status] >= rank[seen[-1]])
        seen.append(status)
        holds(harness, DELETE_ORDER, order_ok, _stated(DELETE_ORDER),
              {"statuses": seen}, "DescribeEventTracker", request)
        if wait.overdue():
            holds(harness, "DeleteEventTracker.thenNotFound", False,
                  f"not found within {harness.wait_seconds}s of the delete",
                  {"statuses": seen}, "DescribeEventTracker", request)
        wait.pause()


def watch_create(harness: Harness, arn: str, order: str = CREATE_ORDER) -> list[str]:
    """Describe a new resource (a tracker; a dataset group for ``DatasetGroup.*``) until
    ACTIVE or CREATE FAILED, checking the order of statuses ``order`` states (a clause);
    the statuses seen. The describe is the clause's operation: an ARN's form says nothing
    of its resource's kind (Arn.resourceId)."""
    operation = catalog()[order].operation
    key, member = described(operation)
    request = {member: arn}
    rank = status_rank(order)
    final = len(status_order(order)) - 1
    seen: list[str] = []
    wait = harness.waiter()
    while True:
        status = harness.invoke(operation, request)[key].get("status")
        ok = status in rank and (not seen or rank[status] >= rank[seen[-1]])
        seen.append(status)
        holds(harness, order, ok, _stated(order), {"statuses": seen}, operation, request)
        if rank[status] == final:
            return seen
        if wait.overdue():
            raise TimeoutError(f"{arn} not ACTIVE after {harness.wait_seconds}s: {seen}")
        wait.pause()

#: A create operation -> the describe operation of its resource, and the members a create
#: of another resource (with the same name) must leave as they were.
DESCRIBED_BY: dict[str, tuple[str, tuple[str, ...]]] = {
    "CreateDatasetGroup": ("DescribeDatasetGroup",
                           ("name", "datasetGroupArn", "status", "creationDateTime", "domain",
                            "roleArn", "kmsKeyArn")),
    "CreateEventTracker": ("DescribeEventTracker",
                           ("name", "eventTrackerArn", "trackingId", "datasetGroupArn",
                            "status", "creationDateTime", "accountId")),
}


def accepted_or_refused(harness: Harness, clause_id: str, operation: str,
                        request: Mapping[str, Any], expected: str) -> None:
    """``clause_id`` allows either outcome: ``request`` accepted, or refused as the clause
    expects (another refusal, a 5xx, fails it); the side that ran is recorded."""
    try:
        harness.invoke(operation, request)
        ran(harness, clause_id, "accepted")
    except TargetError as exc:
        ran(harness, clause_id, "rejected")
        holds(harness, clause_id,
              catalog()[clause_id].accepts_error(exc.status, exc.code, harness.strict),
              expected, exc.as_dict(), operation, request)


def create_with_name_in_use(harness: Harness, clause_id: str, operation: str,
                            request: Mapping[str, Any], first_arn: str
                            ) -> dict[str, Any] | None:
    """``operation`` (a create) with the name of the live resource ``first_arn``: rejected
    with the error ``clause_id`` expects, or a separate resource (an ARN of its own); either
    way ``first_arn`` is described as it was. The create response, ``None`` if rejected."""
    describe_op, kept = DESCRIBED_BY[operation]
    key, arn_member = described(describe_op)
    first = {arn_member: first_arn}
    before = harness.invoke(describe_op, first)[key]
    created: dict[str, Any] | None = None
    try:
        created = harness.invoke(operation, request)
    except TargetError as exc:
        ok = catalog()[clause_id].accepts_error(exc.status, exc.code, strict=harness.strict)
        holds(harness, clause_id, ok, describe_expected(catalog()[clause_id], harness.strict)
              + ", or a separate resource", exc.as_dict(), operation, request)
    else:
        holds(harness, clause_id, created.get(arn_member) != first_arn,
              f"rejected, or a separate resource: an ARN other than {first_arn}",
              {arn_member: created.get(arn_member)}, operation, request)
    after = accepted(harness, [clause_id], describe_op, first, whole=True)[key]
    changed = {k: {"before": before.get(k), "after": after.get(k)} for k in kept
               if before.get(k) != after.get(k)}
    holds(harness, clause_id, not changed, f"{first_arn} described as before the create",
          {"changed": changed}, describe_op, first)
    return created


def delete_group_and_wait(harness: Harness, arn: str) -> list[str]:
    """Delete a dataset group without trackers and describe it until not found, checking
    DeleteDatasetGroup.thenNotFound (DELETE PENDING, if anything, then not found); the
    statuses seen on the way. The Interactions dataset the harness added before events
    were sent to the group is deleted first."""
    request = {"datasetGroupArn": arn}
    harness.delete_datasets(arn)
    accepted(harness, [GROUP_DELETED], "DeleteDatasetGroup", request, whole=True)
    rank = status_rank(GROUP_DELETED)
    seen: list[str] = []
    wait = harness.waiter()
    while True:
        try:
            status = harness.invoke("DescribeDatasetGroup", request)["datasetGroup"].get("status")
        except TargetError:
            rejected(harness, GROUP_DELETED, "DescribeDatasetGroup", request, whole=True)
            return seen
        seen.append(status)
        holds(harness, GROUP_DELETED, status in rank, f"{_stated(GROUP_DELETED)}, then not found",
              {"statuses": seen}, "DescribeDatasetGroup", request)
        if wait.overdue():
            holds(harness, GROUP_DELETED, False,
                  f"not found within {harness.wait_seconds}s of the delete",
                  {"statuses": seen}, "DescribeDatasetGroup", request)
        wait.pause()

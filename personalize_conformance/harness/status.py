"""Status-order judging: a describe's status against the documented order of statuses.

A resource's describes report statuses in the order a clause states
(``operations.json``'s ``statusOrders``: ``EventTracker.status.createOrder``). A status
outside that order, met while waiting for ``ACTIVE``, and a describe showing a step
earlier than one it showed before in the same test, fail the order's clause at once
(neither waits the harness' whole wait, nor leaves the going back to fail the clauses that
compare answers). Failing a clause is the checks' work, above the harness: the suite
passes it in as a :class:`StatusCheck`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from personalize_conformance.contracts import (
    described,
    status_order,
    status_order_clause,
    status_rank,
)


class StatusCheck(Protocol):
    """Fails ``clause_id`` (a status order) for ``statuses``, the statuses that show a
    status outside it or one going back in it; ``harness`` is the
    :class:`~personalize_conformance.harness.Harness` that saw them, ``operation`` and
    ``request`` the describe that showed the last."""

    def __call__(self, harness: Any, clause_id: str, operation: str,
                 request: Mapping[str, Any], statuses: list[Any]) -> None: ...


class StatusOrders:
    """The part of the :class:`~personalize_conformance.harness.Harness` that judges the
    statuses its describes show."""

    status_check: StatusCheck | None
    #: ARN -> the furthest step of its create order a describe showed in this test.
    _furthest: dict[str, tuple[int, str]]

    def _went_back(self, operation: str, request: Mapping[str, Any],
                   response: Mapping[str, Any]) -> None:
        """A describe showing a resource at an earlier step of its create order than one
        shown before in this test fails that order at once (``status_check``), before
        anything else compares the answers the going back made disagree."""
        key, member = described(operation)
        body = response.get(key)
        arn = request.get(member)
        if not isinstance(body, Mapping) or not isinstance(arn, str):
            return
        clause_id = status_order_clause(operation)
        rank = status_rank(clause_id).get(body.get("status"))
        if rank is None:  # a deletion's status, or one judged where it is waited on
            return
        furthest = self._furthest.get(arn)
        if furthest is not None and rank < furthest[0] and self.status_check is not None:
            self.status_check(self, clause_id, operation, request,
                              [furthest[1], body.get("status")])
        if furthest is None or rank > furthest[0]:
            self._furthest[arn] = (rank, body.get("status"))

    def undocumented(self, clause_id: str, operation: str, request: Mapping[str, Any],
                     body: Mapping[str, Any]) -> None:
        """A resource in a status its create order does not have: ``status_check`` (the
        suite's: a failure of ``clause_id``) or a ``RuntimeError``; never a wait for
        ``ACTIVE`` that cannot come."""
        if self.status_check is not None:
            self.status_check(self, clause_id, operation, request, [body.get("status")])
        raise RuntimeError(f"{clause_id}: status {body.get('status')!r} is not one of "
                           f"{status_order(clause_id)}: {dict(body)}")

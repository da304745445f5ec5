"""Calls to the target: the :class:`Harness` a test calls through, and the :class:`Call`
history reproductions are built from.

``Harness.invoke`` is a test's call: an operation the target lacks skips the test as
``unsupported`` (detected once, then skipped without calling); the call is logged; a
describe's status is judged against its order (:mod:`.status`). ``Harness.call`` is the
call itself: the timeout (:mod:`.caller`), throttling retries with backoff (a 429 or a
throttling code, ``THROTTLING_RETRIES`` times), an exception the target's own
implementation raised in process answered as its HTTP 500 (``Target.raised_in``; the
adapter's or the suite's stays an error), and the ledger of created resources kept up to
date. On a target with capability ``wire`` every answer's raw exchange is judged against
the ``protocol`` clauses (:mod:`.wire_judging`): a broken clause is noted in the test's
record and fails that clause alone, and an answer an SDK cannot read (``unreadable``) is
not judged by the check it was for. The harness is the sum of its parts: shrink budget
(:mod:`.shrink`), status orders (:mod:`.status`), resources (:mod:`.resources`) and
deletes (:mod:`.deletes`), spending (:mod:`.spending`) and the pool of shared resources
(:mod:`.pool`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from personalize_conformance.contracts import prerequisites, status_describes
from personalize_conformance.harness.caller import Caller
from personalize_conformance.harness.deletes import Deletes
from personalize_conformance.harness.outcomes import NotApplicable, UnsupportedSkip
from personalize_conformance.harness.pool import Pool
from personalize_conformance.harness.record import RECORD, Record
from personalize_conformance.harness.resources import Resources
from personalize_conformance.harness.shrink import SHRINK_MIN_CALLS, ShrinkBudget
from personalize_conformance.harness.spending import Spending
from personalize_conformance.harness.status import StatusCheck, StatusOrders
from personalize_conformance.harness.wire_judging import is_unreadable, judge
from personalize_conformance.targets import NoAnswer, Target, TargetError, Unsupported
from personalize_conformance.targets.base import DEFAULT_CALL_TIMEOUT, Exchange, Raised

HISTORY_LIMIT = 500
#: Error answers that mean "slow down": retried with backoff and counted.
THROTTLING_CODES = frozenset({"ThrottlingException", "LimitExceededException",
                              "TooManyRequestsException", "Throttling", "RequestLimitExceeded"})
THROTTLING_RETRIES = 5


@dataclass(frozen=True)
class Call:
    """One call the suite made: operation, request, and the response if it succeeded."""

    operation: str
    request: dict[str, Any]
    response: dict[str, Any] | None = None


def is_throttling(error: TargetError) -> bool:
    return error.status == 429 or error.code in THROTTLING_CODES


def copy_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """A shallow copy that keeps the request's kind (a plain dict, or a RawBody)."""
    return type(request)(request) if isinstance(request, dict) else dict(request)


class Harness(ShrinkBudget, StatusOrders, Resources, Deletes, Spending, Pool):
    """Wraps a ``Target`` for the tests of one pytest process (one xdist worker)."""

    def __init__(self, target: Target, *, run_id: str, worker: str = "gw0",
                 strict: bool = False, wait_seconds: float = 60.0,
                 call_timeout: float | None = DEFAULT_CALL_TIMEOUT,
                 throttling_retries: int = THROTTLING_RETRIES,
                 backoff: float = 0.05, shrink_min_calls: int = SHRINK_MIN_CALLS,
                 status_check: StatusCheck | None = None) -> None:
        self.target = target
        self.shrink_min_calls = shrink_min_calls
        self.strict = strict
        self.run_id = run_id
        self.worker = worker
        self.wait_seconds = wait_seconds
        self.call_timeout = call_timeout
        self.max_throttling_retries = throttling_retries
        self.backoff = backoff
        self.history: list[Call] = []
        #: The raw exchanges of the current test's calls (capability ``wire``).
        self.exchanges: list[Exchange] = []
        self.unsupported: dict[str, str] = {}
        #: How many calls were retried because the target throttled.
        self.throttling_retries = 0
        #: Answers received, and of those judged on the wire (capability ``wire``).
        self.responses = 0
        self.responses_validated = 0
        #: The protocol clauses the last answer broke that make it unreadable
        #: (``wire_judging.is_unreadable``): a check does not judge that answer.
        self.unreadable: list[str] = []
        #: Resources this run created and has not deleted: ARN -> (kind, dataset group).
        self.created: dict[str, tuple[str, str | None]] = {}
        #: Dataset group -> the Interactions dataset added before events were sent to it
        #: (``None``: the target could not make one).
        self.interactions: dict[str, str | None] = {}
        #: What ``cleanup`` could not delete: {"arn", "error"}.
        self.cleanup_failures: list[dict[str, str]] = []
        self._cleaned = False
        self._names = itertools.count(1)
        self._caller = Caller()
        #: What the current test recorded; a fresh one per test (``running_test``).
        self.record = Record()
        #: Fails a clause for a status outside its create order, or going back in it (the
        #: suite's, which owns the checks; ``None``: a ``RuntimeError`` where waited on).
        self.status_check = status_check
        #: ARN -> the furthest step of its create order a describe showed in this test.
        self._furthest: dict[str, tuple[int, str]] = {}
        #: Set while ``undo`` deletes what a create made (its calls are not counted).
        self._undoing = False
        self._init_spending()
        self._init_resources()
        self._init_pool()
        self._init_deletes()

    # -- calls -----------------------------------------------------------------------------
    def invoke(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Call the target; an operation it lacks skips the test as ``unsupported``.

        Detected once: later calls of an unsupported operation skip without calling it.
        """
        self.record.note_example()
        if operation in self.unsupported:
            raise UnsupportedSkip(self.unsupported[operation])
        request = copy_request(request)
        if operation == "PutEvents":
            self._ready_for_events(request.get("trackingId"))
        try:
            response = self.call(operation, request)
        except Unsupported as exc:
            self.unsupported[operation] = str(exc)
            raise UnsupportedSkip(str(exc)) from None
        except TargetError:
            self._log(Call(operation, request))
            raise
        self._log(Call(operation, request, response))
        if operation in status_describes():
            self._went_back(operation, request, response)
        return response

    def call(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """One call with the timeout and throttling retries, no skipping or logging;
        keeps the ledger of created resources up to date."""
        self.record.note_example()
        self._spend(operation)
        attempt = 0
        while True:
            try:
                response = self._caller.call(
                    lambda: self._answer(operation, request), self.call_timeout)
                self._judge_wire()
                break
            except KeyboardInterrupt:  # a create that came back is still deleted; a
                # tracker's that did not may still be made: its group's list tells
                if isinstance(self._caller.late, Mapping):
                    self._track(operation, request, self._caller.late)
                else:
                    self.unsure(operation, request)
                raise
            except TargetError as exc:
                if not isinstance(exc, (NoAnswer, Raised)):
                    self._judge_wire()
                if not is_throttling(exc) or attempt >= self.max_throttling_retries:
                    self.unsure(operation, request, exc)
                    raise
                self.throttling_retries += 1
                time.sleep(self.backoff * 2 ** attempt * (1 + random.random()))
                attempt += 1
        self._track(operation, request, response)
        self.spoil(operation, request)
        return response

    def _answer(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """The target's answer; an exception its own implementation raised in this process
        is its answer too, HTTP 500 (``Target.raised_in``), judged by the checks as any
        server's 500. What the adapter or the suite raised goes on as it is (an error)."""
        self.sent(operation)
        try:
            return self.target.invoke(operation, copy_request(request))
        except (TargetError, Unsupported):
            raise
        except Exception as exc:
            answer = self.target.raised_in(exc)
            if answer is None:
                raise
            raise answer from exc

    def _judge_wire(self) -> None:
        """Count the answer just received and, on a target with capability ``wire``, judge
        its raw exchange against the protocol's response clauses (``wire_judging.judge``): a
        broken clause is noted in the record and fails that clause alone. The answer of a
        prerequisite (an operation outside the scope) is neither counted nor judged."""
        self.unreadable = []
        exchange = self.target.last_exchange() if "wire" in self.target.capabilities else None
        if exchange is not None and exchange.operation in prerequisites():
            return
        self.responses += 1
        if exchange is None or not exchange.operation:
            return
        self.responses_validated += 1
        self.exchanges.append(exchange)
        del self.exchanges[:-HISTORY_LIMIT]
        for clause_id, problem in judge(exchange, strict=self.strict).items():
            if problem:
                self.record.wire_failed(clause_id, problem, exchange)
                if is_unreadable(clause_id):
                    self.unreadable.append(clause_id)

    def send_raw(self, operation: str, body: bytes,
                 headers: Mapping[str, str | None] | None = None) -> Exchange:
        """Send a request botocore would not build (capability ``wire``; else the test is
        ``not_applicable``): ``body`` as ``operation``'s, ``headers`` changed, signed; its
        answer is counted and judged like any other."""
        self.require("wire")
        self.record.note_example()
        if operation == "PutEvents":
            with contextlib.suppress(ValueError, AttributeError):
                self._ready_for_events(json.loads(body).get("trackingId"))
        self.unsure(operation, {"datasetGroupArn": "*"})
        self.sent(operation)
        exchange = self._caller.call(
            lambda: self.target.send_raw(operation, body, headers), self.call_timeout)
        self._judge_wire()
        return exchange

    def _log(self, call: Call) -> None:
        self.history.append(call)
        if len(self.history) > HISTORY_LIMIT:
            cut = len(self.history) - HISTORY_LIMIT
            del self.history[:cut]

    def begin_test(self) -> None:
        """Forget earlier calls: each test (and each run of a state machine) starts its
        reproductions from its own calls."""
        self.history.clear()
        self.exchanges.clear()
        self._furthest.clear()

    @contextlib.contextmanager
    def running_test(self, item: pytest.Item | None = None) -> Iterator[Record]:
        """Around one test (its fixtures and call): earlier calls forgotten, and a fresh
        ``record`` that the checks write into, kept on ``item`` for the plugin. Dataset
        groups whose delete was refused as in use are tried again first."""
        self.settle()
        self.begin_test()
        record = self.record = Record()
        if item is not None:
            item.stash[RECORD] = record
        yield record

    def require(self, capability: str) -> None:
        """Skip as ``not_applicable`` unless the target declares ``capability``."""
        self.record.note_example()
        if capability not in self.target.capabilities:
            raise NotApplicable(f"the target lacks capability {capability!r}")

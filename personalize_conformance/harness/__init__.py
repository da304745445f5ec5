"""The harness between the tests and a target: one place for call logging, unsupported
operations, capabilities, unique names, per-call timeouts, throttling retries, waiting for
resources to become ACTIVE, deleting everything a run created, and the record of what
the running test checked."""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import math
import os
import queue
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest
from hypothesis import currently_in_test_context, settings
from hypothesis.control import cleanup, current_build_context
from hypothesis.errors import HypothesisException

from personalize_conformance.contracts import (
    catalog,
    described,
    interactions_dataset,
    name_length,
    prerequisites,
    response_schema,
    schema,
    status_order,
    status_rank,
)
from personalize_conformance.harness.outcomes import Blocked, NotApplicable
from personalize_conformance.harness.outcomes import Unsupported as UnsupportedSkip
from personalize_conformance.harness.wire_judging import is_unreadable, judge
from personalize_conformance.report.reproduce import Call
from personalize_conformance.targets import NoAnswer, Target, TargetError, Unsupported
from personalize_conformance.targets.base import Exchange, Raised
from personalize_conformance.targets.boto import DEFAULT_CALL_TIMEOUT

HISTORY_LIMIT = 500
#: Error answers that mean "slow down": retried with backoff and counted.
THROTTLING_CODES = frozenset({"ThrottlingException", "LimitExceededException",
                              "TooManyRequestsException", "Throttling", "RequestLimitExceeded"})
THROTTLING_RETRIES = 5
#: The fewest target calls a test may spend shrinking its first failure
#: (``Harness.shrink_budget``).
SHRINK_MIN_CALLS = 5
#: The documented statuses of a new dataset, as of a dataset group (botocore's Dataset and
#: DatasetGroup status documentation): where waiting for an Interactions dataset ends.
DATASET_ORDER = "DatasetGroup.status.createOrder"
#: Where a test item keeps its record (the plugin attaches it to the test's report).
RECORD = pytest.StashKey["Record"]()


@dataclass
class Record:
    """What one test recorded: which sides (``accepted``, ``rejected``, ``held``) of each
    clause its checks ran and how many checks (cases), why a side could not be run, and
    the Hypothesis examples (test cases) that reached the harness."""

    sides: dict[str, set[str]] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)
    not_exercised: dict[str, list[str]] = field(default_factory=dict)
    #: Hypothesis test cases in which the test used the harness or ran a check.
    examples: int = 0
    #: Of those, the first that raised an error (not Hypothesis' own control flow).
    first_failing_example: int | None = None
    #: Clauses an answer broke that the test does not check itself: the protocol clauses
    #: judged on each raw answer (capability ``wire``), and ``Errors.status400`` for a
    #: documented exception with another status. Clause id -> the first failure, as report
    #: data; each fails that clause alone, not the test.
    answer_failures: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Calls to the target the test made inside its Hypothesis test cases, and how many
    #: of them up to its first failure.
    example_calls: int = 0
    example_calls_at_failure: int | None = None
    #: Calls made while shrinking that failure (after it, before the final replay), the
    #: budget they had, and whether it ran out (the shrunk input is then the smallest
    #: failing one found within it).
    shrink_calls: int = 0
    shrink_budget: int | None = None
    shrink_exhausted: bool = False
    #: The first failure of each set of clauses (joined by ","): the input and the answer
    #: of the first failing example, shown beside the shrunk one's when they differ.
    first_failures: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The example the budget stopped (its clean-up calls still go through).
    stopped_example: int | None = field(default=None, repr=False)
    _in_example: bool = field(default=False, repr=False)

    def ran(self, clause_id: str, side: str) -> None:
        """A ``side`` case of ``clause_id`` ran."""
        self.note_example()
        self.sides.setdefault(clause_id, set()).add(side)
        self.cases[clause_id] = self.cases.get(clause_id, 0) + 1

    def not_run(self, clause_id: str, side: str, reason: str) -> None:
        """No ``side`` case of ``clause_id`` could be made, because of ``reason``."""
        self.note_example()
        reasons = self.not_exercised.setdefault(clause_id, [])
        note = f"{side}: {reason}"[:300]
        if note not in reasons:
            reasons.append(note)

    def answer_failed(self, clause_id: str, failure: dict[str, Any]) -> None:
        """An answer broke ``clause_id``, which the running test does not check itself;
        ``failure`` is report data (the first kept)."""
        self.answer_failures.setdefault(clause_id, failure)

    def wire_failed(self, clause_id: str, problem: str, exchange: Exchange) -> None:
        """An answer on the wire broke the protocol clause ``clause_id`` (the first kept)."""
        if clause_id not in self.answer_failures:
            raw = exchange.as_dict()
            self.answer_failed(clause_id, {
                "operation": exchange.operation or None, "input": raw["request"],
                "expected": catalog()[clause_id].statement, "observed": problem,
                "reproduction": None, "exchange": raw})

    def sides_ran(self) -> dict[str, list[str]]:
        return {clause_id: sorted(sides) for clause_id, sides in self.sides.items()}

    def note_example(self) -> None:
        """Count the Hypothesis test case running now, once (nothing outside one)."""
        if self._in_example or not currently_in_test_context():
            return
        self._in_example = True
        self.examples += 1
        cleanup(self._end_example)

    def failed_here(self) -> None:
        """The running test case found a failure the test reports later (it goes on)."""
        if self.first_failing_example is None:
            self.first_failing_example = self.examples

    def _end_example(self) -> None:
        # Hypothesis runs the test case's cleanups while leaving it, so an error that
        # ends the test case is the exception being handled here.
        self._in_example = False
        error = sys.exc_info()[1]
        if (self.first_failing_example is None and isinstance(error, Exception)
                and not isinstance(error, HypothesisException)):
            self.first_failing_example = self.examples
            self.example_calls_at_failure = self.example_calls

    def shrinking(self) -> dict[str, Any] | None:
        """What shrinking the test's failure spent, for the report (``None``: no failure
        of a Hypothesis test)."""
        if self.shrink_budget is None:
            return None
        return {"calls": self.shrink_calls, "budget": self.shrink_budget,
                "exhausted": self.shrink_exhausted}


def is_throttling(error: TargetError) -> bool:
    return error.status == 429 or error.code in THROTTLING_CODES


class _Caller:
    """Runs calls on a daemon thread with a timeout; an overrunning call's thread is
    abandoned (it finishes or hangs on its own) and a fresh one serves the next call."""

    #: Seconds an interrupted caller still waits for the call in flight to come back.
    GRACE = 5.0

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue | None = None
        #: The answer of a call that came back after an interrupt (its caller is gone).
        self.late: Any = None

    @staticmethod
    def _serve(jobs: queue.SimpleQueue) -> None:
        while True:
            fn, box, done = jobs.get()
            try:
                box["value"] = fn()
            except BaseException as exc:  # handed back to the caller's thread
                box["error"] = exc
            finally:
                done.set()

    def call(self, fn: Callable[[], Any], timeout: float | None) -> Any:
        if not timeout:
            return fn()
        if self._queue is None:
            self._queue = queue.SimpleQueue()
            threading.Thread(target=self._serve, args=(self._queue,), daemon=True,
                             name="pc-call").start()
        box: dict[str, Any] = {}
        done = threading.Event()
        self._queue.put((fn, box, done))
        try:
            finished = done.wait(timeout)
        except KeyboardInterrupt:  # the call is in flight: what it made must be known
            self.late = box.get("value") if done.wait(min(timeout, self.GRACE)) else None
            raise
        if not finished:
            self._queue = None
            raise NoAnswer(timeout)
        if "error" in box:
            raise box["error"]
        return box["value"]


class Harness:
    """Wraps a ``Target`` for the tests of one pytest process (one xdist worker)."""

    def __init__(self, target: Target, *, run_id: str, worker: str = "gw0",
                 strict: bool = False, wait_seconds: float = 60.0,
                 call_timeout: float | None = DEFAULT_CALL_TIMEOUT,
                 throttling_retries: int = THROTTLING_RETRIES,
                 backoff: float = 0.05, shrink_min_calls: int = SHRINK_MIN_CALLS) -> None:
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
        #: (``protocol.is_unreadable``): a check does not judge that answer.
        self.unreadable: list[str] = []
        #: Resources this run created and has not deleted: ARN -> (kind, dataset group).
        self.created: dict[str, tuple[str, str | None]] = {}
        #: Dataset group -> the Interactions dataset added before events were sent to it
        #: (``None``: the target could not make one); tracking ID -> its tracker's group.
        self.interactions: dict[str, str | None] = {}
        self._tracker_groups: dict[str, str] = {}
        #: What ``cleanup`` could not delete: {"arn", "error"}.
        self.cleanup_failures: list[dict[str, str]] = []
        self._cleaned = False
        self._names = itertools.count(1)
        self._caller = _Caller()
        #: What the current test recorded; a fresh one per test (``running_test``).
        self.record = Record()
        #: Fails a clause for a status outside its create order, or going back in it (set
        #: by the suite, which owns the checks): ``(harness, clause_id, operation,
        #: request, statuses)``, the statuses that show it.
        self.status_check: Callable[..., None] | None = None
        #: ARN -> the furthest step of its create order a describe showed in this test.
        self._furthest: dict[str, tuple[int, str]] = {}
        #: Set while ``undo`` deletes what a create made (its calls are not counted).
        self._undoing = False

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
        clause_id = create_order_clause(operation)
        rank = status_rank(clause_id).get(body.get("status"))
        if rank is None:  # a deletion's status, or one judged where it is waited on
            return
        furthest = self._furthest.get(arn)
        if furthest is not None and rank < furthest[0] and self.status_check is not None:
            self.status_check(self, clause_id, operation, request,
                              [furthest[1], body.get("status")])
        if furthest is None or rank > furthest[0]:
            self._furthest[arn] = (rank, body.get("status"))

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
            except KeyboardInterrupt:  # a create that came back is still deleted
                if isinstance(self._caller.late, Mapping):
                    self._track(operation, request, self._caller.late)
                raise
            except TargetError as exc:
                if not isinstance(exc, (NoAnswer, Raised)):
                    self._judge_wire()
                if not is_throttling(exc) or attempt >= self.max_throttling_retries:
                    raise
                self.throttling_retries += 1
                time.sleep(self.backoff * 2 ** attempt * (1 + random.random()))
                attempt += 1
        self._track(operation, request, response)
        return response

    def _answer(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """The target's answer; an exception its own implementation raised in this process
        is its answer too, HTTP 500 (``Target.raised_in``), judged by the checks as any
        server's 500. What the adapter or the suite raised goes on as it is (an error)."""
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
        its raw exchange against the protocol's response clauses (``protocol.judge``): a
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
        exchange = self._caller.call(
            lambda: self.target.send_raw(operation, body, headers), self.call_timeout)
        self._judge_wire()
        return exchange

    def shrinking(self) -> bool:
        """Whether the running Hypothesis test is shrinking a failure: past its first
        failing example, and not the final replay of the shrunk one."""
        if self.record.first_failing_example is None or not currently_in_test_context():
            return False
        return not current_build_context().is_final

    def shrink_budget(self) -> int:
        """The target calls a test may spend shrinking its failure: what the examples it
        did not run would have cost (its calls per example up to the failure, times the
        examples its settings allow, less those calls), at least ``shrink_min_calls``. So
        a failing test costs about what a passing one does, never Hypothesis' 500 shrinks
        (and a ``certify`` failure gets a budget forty times ``ci``'s)."""
        record = self.record
        spent = record.example_calls_at_failure or 0
        per_example = spent / max(1, record.first_failing_example or 1)
        planned = math.ceil(per_example * settings.default.max_examples)
        return max(self.shrink_min_calls, planned - spent)

    def stop_if_spent(self) -> None:
        """At the start of an example, before it draws anything: while shrinking past the
        budget, end it at once (an overrun, nothing drawn), so the shrinker's remaining
        attempts cost no generation either."""
        if self.record.shrink_exhausted and self.shrinking():
            current_build_context().data.mark_overrun()

    def _spend(self, operation: str) -> None:
        """Count a call; while shrinking, past the budget, end the example instead of
        calling the target, as if it had run out of data (an overrun: Hypothesis takes it
        as not failing and, unlike a rejection, records nothing of it, so no replay looks
        flaky); the shrink ends with the smallest failing input found. The example's
        clean-up calls after that, and deletes, go through."""
        record = self.record
        if not currently_in_test_context() or self._undoing:
            return
        if self.shrinking():
            record.shrink_budget = self.shrink_budget()
            if (record.shrink_calls >= record.shrink_budget
                    and not operation.startswith("Delete")
                    and record.stopped_example != record.examples):
                record.shrink_exhausted = True
                record.stopped_example = record.examples
                current_build_context().data.mark_overrun()
            record.shrink_calls += 1
        record.example_calls += 1

    def _track(self, operation: str, request: Mapping[str, Any], response: Mapping) -> None:
        if operation == "CreateDatasetGroup" and "datasetGroupArn" in response:
            self.created[response["datasetGroupArn"]] = ("dataset-group", None)
        elif operation == "CreateEventTracker" and "eventTrackerArn" in response:
            self.created[response["eventTrackerArn"]] = (
                "event-tracker", request.get("datasetGroupArn"))
            if isinstance(response.get("trackingId"), str):
                self._tracker_groups[response["trackingId"]] = request.get("datasetGroupArn")
        elif operation in ("CreateSchema", "CreateDataset"):
            self._track_prerequisite(operation, request, response)
        elif operation in ("DeleteDataset", "DeleteSchema"):
            self.created.pop(request.get("datasetArn", request.get("schemaArn", "")), None)
        elif operation == "DeleteEventTracker":
            self.created.pop(request.get("eventTrackerArn", ""), None)
            self._furthest.pop(request.get("eventTrackerArn", ""), None)
        elif operation == "DeleteDatasetGroup":
            self.created.pop(request.get("datasetGroupArn", ""), None)
            self._furthest.pop(request.get("datasetGroupArn", ""), None)

    def _track_prerequisite(self, operation: str, request: Mapping[str, Any],
                            response: Mapping) -> None:
        """A schema, then the dataset of a dataset group made with it: both are the group's
        (deleted with it, the dataset first)."""
        if operation == "CreateSchema" and "schemaArn" in response:
            self.created[response["schemaArn"]] = ("schema", None)
        elif operation == "CreateDataset" and "datasetArn" in response:
            group = request.get("datasetGroupArn")
            self.created[response["datasetArn"]] = ("dataset", group)
            if request.get("schemaArn") in self.created:
                self.created[request["schemaArn"]] = ("schema", group)

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
        ``record`` that the checks write into, kept on ``item`` for the plugin."""
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

    # -- resources -------------------------------------------------------------------------
    def new_name(self, kind: str, size: int = 0) -> str:
        """A valid, run-unique resource name (``Name`` pattern, at most its maximum length),
        padded to ``size`` characters when shorter; every name starts with the run prefix
        ``pc<run_id>``. Every create the suite sends (drawn, shrunk or replayed) gets one."""
        base = f"pc{self.run_id}{self.worker}{kind}{next(self._names)}"[:name_length()[1]]
        return base + "x" * (min(size, name_length()[1]) - len(base))

    def undo(self, operation: str, response: Mapping[str, Any]) -> None:
        """Delete at once what a create just made (one the suite expected to be refused,
        or a replay's): the next call meets the state the create met. Best effort; what
        is left stays in the ledger for ``cleanup``."""
        arn = next((v for v in response.values() if isinstance(v, str) and v in self.created),
                   None)  # the resource the ledger has from the create's answer
        if not operation.startswith("Create") or arn is None:
            return
        self._undoing = True  # uncounted: no shrinking budget ends a clean-up
        unreadable = self.unreadable  # of the create's answer, which a check judges
        try:
            with contextlib.suppress(TargetError, Unsupported, TimeoutError):
                kind = self.created[arn][0]
                if kind == "dataset-group":
                    self._delete_group(arn)
                elif kind in ("dataset", "schema"):  # a replay's Interactions dataset
                    self._delete_prerequisite(arn, wait=True)
                else:
                    self._delete_tracker(arn)
                    self._gone("DescribeEventTracker", {"eventTrackerArn": arn})
        finally:
            self._undoing = False
            self.unreadable = unreadable

    def _gone(self, describe: str, request: Mapping[str, Any]) -> None:
        """Describe until not found (bounded by ``wait_seconds``), uncounted: a deletion's
        end, waited for outside any check."""
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline:
            try:
                self._caller.call(lambda: self.target.invoke(describe, dict(request)),
                                  self.call_timeout)
            except TargetError as exc:
                if exc.code == "ResourceNotFoundException" or exc.status >= 500:
                    return
                raise
            time.sleep(0.05)

    def wait_active(self, describe: str, arn: str) -> dict[str, Any]:
        """Poll ``describe`` until the resource is ACTIVE (bounded by ``wait_seconds``); a
        status outside the documented create order fails at once (:meth:`undocumented`)."""
        key, field = described(describe)
        deadline = time.monotonic() + self.wait_seconds
        delay = 0.01
        order_clause = create_order_clause(describe)
        documented = {status for rank in status_order(order_clause) for status in rank}
        # the last step of the documented create order: ACTIVE, or CREATE FAILED
        active, *failed = status_order(order_clause)[-1]
        while True:
            body = self.invoke(describe, {field: arn})[key]
            if body.get("status") not in documented:
                self.undocumented(order_clause, describe, {field: arn}, body)
            if body.get("status") == active:
                return body
            if body.get("status") in failed:
                raise RuntimeError(f"{arn} is {body.get('status')}: {body}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{arn} not ACTIVE after {self.wait_seconds}s: {body}")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def undocumented(self, clause_id: str, operation: str, request: Mapping[str, Any],
                     body: Mapping[str, Any]) -> None:
        """A resource in a status its create order does not have: ``status_check`` (the
        suite's: a failure of ``clause_id``) or a ``RuntimeError``; never a wait for
        ``ACTIVE`` that cannot come."""
        if self.status_check is not None:
            self.status_check(self, clause_id, operation, request, [body.get("status")])
        raise RuntimeError(f"{clause_id}: status {body.get('status')!r} is not one of "
                           f"{status_order(clause_id)}: {dict(body)}")

    def create_dataset_group(self) -> str:
        """A new ACTIVE dataset group; its ARN."""
        created = self.make("CreateDatasetGroup", {"name": self.new_name("dg")})
        arn = created["datasetGroupArn"]
        self.wait_active("DescribeDatasetGroup", arn)
        return arn

    def make(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """A create's answer, holding the members its response schema requires; else the
        test is :class:`Blocked` (the create's response clause fails in its own test)."""
        created = self.invoke(operation, request)
        file = response_schema(operation)
        required = schema(file).get("required", ()) if file else ()
        missing = [m for m in required if not created.get(m)]
        if missing:
            raise Blocked(f"{operation} answered without {', '.join(missing)}: nothing to "
                          f"go on with (its response clause fails in its own test)")
        return created

    def create_tracker(self, dataset_group_arn: str) -> dict[str, Any]:
        """A new ACTIVE event tracker on the dataset group; the create response."""
        created = self.make("CreateEventTracker", {
            "name": self.new_name("et"), "datasetGroupArn": dataset_group_arn,
        })
        self.wait_active("DescribeEventTracker", created["eventTrackerArn"])
        return created

    def _ready_for_events(self, tracking_id: Any) -> None:
        """Before the first events with a tracking ID this run was issued: an empty
        Interactions dataset in its tracker's dataset group, made once per group, as the
        guide requires for recording events (ambiguity PutEvents.interactionsDataset).
        A target without CreateSchema or CreateDataset gets its events anyway (the reading
        ``optional``; the run lists the operation unsupported); one that refuses them
        leaves the test :class:`Blocked`."""
        group = self._tracker_groups.get(tracking_id) if isinstance(tracking_id, str) else None
        if group is None or group in self.interactions or group not in self.created:
            return
        self.interactions[group] = None
        if {"CreateSchema", "CreateDataset", "PutEvents"} & set(self.unsupported):
            return
        facts = interactions_dataset()
        try:
            schema_arn = self.invoke("CreateSchema", {
                "name": self.new_name("sc"), "schema": json.dumps(facts["schema"])}
            ).get("schemaArn")
            dataset_arn = schema_arn and self.invoke("CreateDataset", {
                "name": self.new_name("ds"), "schemaArn": schema_arn,
                "datasetGroupArn": group, "datasetType": facts["datasetType"]}
            ).get("datasetArn")
            if not dataset_arn:
                raise Blocked("CreateSchema or CreateDataset answered without its ARN: no "
                              "Interactions dataset to record events in")
            self._wait_dataset(dataset_arn)
        except UnsupportedSkip:
            return
        except TargetError as exc:
            raise Blocked(f"no Interactions dataset could be added to {group} to record "
                          f"events in: {exc}"[:300]) from None
        self.interactions[group] = dataset_arn

    def _wait_dataset(self, arn: str) -> None:
        """Describe a new dataset until ACTIVE (bounded by ``wait_seconds``)."""
        active, *failed = status_order(DATASET_ORDER)[-1]
        deadline = time.monotonic() + self.wait_seconds
        delay = 0.01
        while True:
            status = self.invoke("DescribeDataset", {"datasetArn": arn}).get(
                "dataset", {}).get("status")
            if status == active:
                return
            if status in failed or time.monotonic() > deadline:
                raise Blocked(f"the Interactions dataset {arn} is {status!r}, not {active}")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def delete_datasets(self, group: str, *, wait: bool = True) -> None:
        """Delete the datasets this run added to ``group``, and their schemas; with
        ``wait``, describe each dataset until not found (a dataset group with a dataset
        cannot be deleted; the cleanup retries the group's delete instead)."""
        self.interactions.pop(group, None)
        for wanted in ("dataset", "schema"):
            for arn, (kind, owner) in list(self.created.items()):
                if kind == wanted and owner == group:
                    with contextlib.suppress(Unsupported):  # the cleanup lists it
                        self._delete_prerequisite(arn, wait=wait)

    def _delete_prerequisite(self, arn: str, *, wait: bool = False) -> None:
        """Delete a schema (retried while a dataset being deleted still uses it) or a
        dataset, then, with ``wait``, describe the dataset until not found."""
        kind, _ = self.created[arn]
        member = "datasetArn" if kind == "dataset" else "schemaArn"
        delete = "DeleteDataset" if kind == "dataset" else "DeleteSchema"
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                self.call(delete, {member: arn})
                break
            except TargetError as exc:
                if exc.code == "ResourceNotFoundException":
                    break
                if exc.code != "ResourceInUseException" or time.monotonic() > deadline:
                    raise
            time.sleep(0.05)
        self.created.pop(arn, None)
        while wait and kind == "dataset":
            try:
                self.call("DescribeDataset", {member: arn})
            except TargetError as exc:
                if exc.code == "ResourceNotFoundException":
                    return
                raise
            if time.monotonic() > deadline:
                raise TimeoutError(f"{arn} still described {self.wait_seconds}s after its delete")
            time.sleep(0.05)

    def delete_dataset_group(self, arn: str) -> None:
        """Delete the group's trackers, then the group; best effort (cleanup)."""
        with contextlib.suppress(TargetError, Unsupported):
            self._delete_group(arn)

    def _delete_group(self, arn: str) -> None:
        """Delete a dataset group and its trackers; raises what stopped it."""
        try:
            listed = self.call("ListEventTrackers", {"datasetGroupArn": arn})
        except Unsupported:  # a target without trackers: the group alone
            listed = {}
        ours = [a for a, (kind, group) in self.created.items()
                if kind == "event-tracker" and group == arn]
        elsewhere = {a for a, (kind, group) in self.created.items()
                     if kind == "event-tracker" and group != arn}
        # listed trackers of this run only, none known on another group: a target that
        # ignores the filter must not make the cleanup delete what is not the group's
        named = [t["eventTrackerArn"] for t in listed.get("eventTrackers", [])
                 if str(t.get("name", "")).startswith(f"pc{self.run_id}")]
        for tracker in {*ours, *named} - elsewhere:
            self._delete_tracker(tracker)
        self.delete_datasets(arn, wait=False)
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                self.call("DeleteDatasetGroup", {"datasetGroupArn": arn})
                return
            except TargetError as exc:
                if exc.code == "ResourceNotFoundException":
                    self.created.pop(arn, None)
                    return
                if exc.code != "ResourceInUseException" or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _delete_tracker(self, arn: str) -> None:
        try:
            self.call("DeleteEventTracker", {"eventTrackerArn": arn})
        except TargetError as exc:
            if exc.code != "ResourceNotFoundException":
                raise
            self.created.pop(arn, None)

    def cleanup(self) -> list[dict[str, str]]:
        """Delete every resource this run created and did not delete (trackers first, then
        dataset groups); what could not be deleted is kept in ``cleanup_failures``."""
        if self._cleaned:
            return self.cleanup_failures
        self._cleaned = True
        for arn, (kind, group) in list(self.created.items()):
            if kind == "event-tracker" and group not in self.created:
                self._attempt(arn, self._delete_tracker)
        for arn, (kind, _) in list(self.created.items()):
            if kind == "dataset-group":
                self._attempt(arn, self._delete_group)
        for wanted in ("dataset", "schema"):  # those of no group of the run
            for arn, (kind, _) in list(self.created.items()):
                if kind == wanted:
                    self._attempt(arn, self._delete_prerequisite)
        return self.cleanup_failures

    def _attempt(self, arn: str, delete: Callable[[str], None]) -> None:
        try:
            delete(arn)
        except (TargetError, Unsupported, TimeoutError) as exc:
            self.cleanup_failures.append({"arn": arn, "error": str(exc)[:500]})
            self.created.pop(arn, None)


@cache
def status_describes() -> frozenset[str]:
    """The describes whose answers show a resource's status: those a create order of
    statuses is stated for."""
    return frozenset(c.operation for c in catalog() if c.id.endswith(".status.createOrder"))


def create_order_clause(describe: str) -> str:
    """The clause stating the create order of statuses ``describe`` reports."""
    return next(c.id for c in catalog() if c.operation == describe
                and c.id.endswith(".status.createOrder"))


def _sigterm_as_interrupt() -> None:
    """Let SIGTERM unwind like Ctrl-C, so the session finalizer still deletes resources."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        def interrupt(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt(f"signal {signum}")

        signal.signal(signal.SIGTERM, interrupt)


@contextlib.contextmanager
def session_harness(config: pytest.Config) -> Iterator[Harness]:
    """The harness of a pytest process, on the run's target (resolved once per process):
    start the target, and at the end (also on failure or interruption) clean up and stop
    it. The run keeps the harness for the report's figures."""
    from personalize_conformance.run.options import OptionError
    from personalize_conformance.run.session import run_of

    run = run_of(config)
    try:
        target = run.target
    except OptionError as exc:
        raise pytest.UsageError(str(exc)) from None
    target.start()
    harness = Harness(
        target,
        run_id=run.settings.run_id,
        worker=os.environ.get("PYTEST_XDIST_WORKER", "gw"),
        strict=run.settings.strict,
        call_timeout=run.settings.call_timeout,
    )
    run.harnesses.append(harness)
    _sigterm_as_interrupt()
    atexit.register(harness.cleanup)
    try:
        yield harness
    finally:
        try:
            harness.cleanup()
        finally:
            atexit.unregister(harness.cleanup)
            target.stop()


def copy_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """A shallow copy that keeps the request's kind (a plain dict, or a RawBody)."""
    return type(request)(request) if isinstance(request, dict) else dict(request)

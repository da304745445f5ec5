"""The harness between the tests and a target: one place for call logging, unsupported
operations, capabilities, unique names, per-call timeouts, throttling retries, waiting for
resources to become ACTIVE, and deleting everything a run created."""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import queue
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from .outcomes import NOT_APPLICABLE, UNSUPPORTED, skip_reason
from .reproduce import Call
from .targets import NoAnswer, Target, TargetConfigError, TargetError, Unsupported, resolve

HISTORY_LIMIT = 500
ACTIVE = "ACTIVE"
CREATE_FAILED = "CREATE FAILED"
#: Seconds a single call may take (``--call-timeout``, or the environment variable).
CALL_TIMEOUT_ENV = "PC_CALL_TIMEOUT"
DEFAULT_CALL_TIMEOUT = 30.0
#: Error answers that mean "slow down": retried with backoff and counted.
THROTTLING_CODES = frozenset({"ThrottlingException", "LimitExceededException",
                              "TooManyRequestsException", "Throttling", "RequestLimitExceeded"})
THROTTLING_RETRIES = 5
#: The harnesses of this process (one per pytest process), for ``run_stats``.
_HARNESSES: list[Harness] = []


def is_throttling(error: TargetError) -> bool:
    return error.status == 429 or error.code in THROTTLING_CODES


class _Caller:
    """Runs calls on a daemon thread with a timeout; an overrunning call's thread is
    abandoned (it finishes or hangs on its own) and a fresh one serves the next call."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue | None = None

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
        if not done.wait(timeout):
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
                 backoff: float = 0.05) -> None:
        self.target = target
        self.strict = strict
        self.run_id = run_id
        self.worker = worker
        self.wait_seconds = wait_seconds
        self.call_timeout = call_timeout
        self.max_throttling_retries = throttling_retries
        self.backoff = backoff
        self.history: list[Call] = []
        self.unsupported: dict[str, str] = {}
        #: How many calls were retried because the target throttled.
        self.throttling_retries = 0
        #: Resources this run created and has not deleted: ARN -> (kind, dataset group).
        self.created: dict[str, tuple[str, str | None]] = {}
        #: What ``cleanup`` could not delete: {"arn", "error"}.
        self.cleanup_failures: list[dict[str, str]] = []
        self._cleaned = False
        self._names = itertools.count(1)
        self._caller = _Caller()
        _HARNESSES.append(self)

    # -- calls -----------------------------------------------------------------------------
    def invoke(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Call the target; an operation it lacks skips the test as ``unsupported``.

        Detected once: later calls of an unsupported operation skip without calling it.
        """
        if operation in self.unsupported:
            pytest.skip(skip_reason(UNSUPPORTED, self.unsupported[operation]))
        request = copy_request(request)
        try:
            response = self.call(operation, request)
        except Unsupported as exc:
            self.unsupported[operation] = str(exc)
            pytest.skip(skip_reason(UNSUPPORTED, str(exc)))
        except TargetError:
            self._log(Call(operation, request))
            raise
        self._log(Call(operation, request, response))
        return response

    def call(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """One call with the timeout and throttling retries, no skipping or logging;
        keeps the ledger of created resources up to date."""
        attempt = 0
        while True:
            try:
                response = self._caller.call(
                    lambda: self.target.invoke(operation, copy_request(request)), self.call_timeout)
                break
            except TargetError as exc:
                if not is_throttling(exc) or attempt >= self.max_throttling_retries:
                    raise
                self.throttling_retries += 1
                time.sleep(self.backoff * 2 ** attempt * (1 + random.random()))
                attempt += 1
        self._track(operation, request, response)
        return response

    def _track(self, operation: str, request: Mapping[str, Any], response: Mapping) -> None:
        if operation == "CreateDatasetGroup" and "datasetGroupArn" in response:
            self.created[response["datasetGroupArn"]] = ("dataset-group", None)
        elif operation == "CreateEventTracker" and "eventTrackerArn" in response:
            self.created[response["eventTrackerArn"]] = (
                "event-tracker", request.get("datasetGroupArn"))
        elif operation == "DeleteEventTracker":
            self.created.pop(request.get("eventTrackerArn", ""), None)
        elif operation == "DeleteDatasetGroup":
            self.created.pop(request.get("datasetGroupArn", ""), None)

    def _log(self, call: Call) -> None:
        self.history.append(call)
        if len(self.history) > HISTORY_LIMIT:
            cut = len(self.history) - HISTORY_LIMIT
            del self.history[:cut]

    def begin_test(self) -> None:
        """Forget earlier tests' calls (called before each test's fixtures)."""
        self.history.clear()

    def require(self, capability: str) -> None:
        """Skip as ``not_applicable`` unless the target declares ``capability``."""
        if capability not in self.target.capabilities:
            pytest.skip(skip_reason(NOT_APPLICABLE, f"the target lacks capability {capability!r}"))

    # -- resources -------------------------------------------------------------------------
    def new_name(self, kind: str) -> str:
        """A valid, run-unique resource name (``Name`` pattern, at most 63 characters);
        every name starts with the run prefix ``pc<run_id>``."""
        return f"pc{self.run_id}{self.worker}{kind}{next(self._names)}"[:63]

    def wait_active(self, describe: str, key: str, field: str, arn: str) -> dict[str, Any]:
        """Poll ``describe`` until the resource is ACTIVE (bounded by ``wait_seconds``)."""
        deadline = time.monotonic() + self.wait_seconds
        delay = 0.01
        while True:
            body = self.invoke(describe, {field: arn})[key]
            if body.get("status") == ACTIVE:
                return body
            if body.get("status") == CREATE_FAILED:
                raise RuntimeError(f"{arn} is {CREATE_FAILED}: {body}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{arn} not ACTIVE after {self.wait_seconds}s: {body}")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def create_dataset_group(self) -> str:
        """A new ACTIVE dataset group; its ARN."""
        arn = self.invoke("CreateDatasetGroup", {"name": self.new_name("dg")})["datasetGroupArn"]
        self.wait_active("DescribeDatasetGroup", "datasetGroup", "datasetGroupArn", arn)
        return arn

    def create_tracker(self, dataset_group_arn: str) -> dict[str, Any]:
        """A new ACTIVE event tracker on the dataset group; the create response."""
        created = self.invoke("CreateEventTracker", {
            "name": self.new_name("et"), "datasetGroupArn": dataset_group_arn,
        })
        self.wait_active("DescribeEventTracker", "eventTracker", "eventTrackerArn",
                         created["eventTrackerArn"])
        return created

    def delete_dataset_group(self, arn: str) -> None:
        """Delete the group's trackers, then the group; best effort (cleanup)."""
        with contextlib.suppress(TargetError, Unsupported):
            self._delete_group(arn)

    def _delete_group(self, arn: str) -> None:
        """Delete a dataset group and its trackers; raises what stopped it."""
        listed = self.call("ListEventTrackers", {"datasetGroupArn": arn})
        ours = [a for a, (kind, group) in self.created.items()
                if kind == "event-tracker" and group == arn]
        for tracker in {*ours, *(t["eventTrackerArn"] for t in listed.get("eventTrackers", []))}:
            self._delete_tracker(tracker)
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
        return self.cleanup_failures

    def _attempt(self, arn: str, delete: Callable[[str], None]) -> None:
        try:
            delete(arn)
        except (TargetError, Unsupported, TimeoutError) as exc:
            self.cleanup_failures.append({"arn": arn, "error": str(exc)[:500]})
            self.created.pop(arn, None)


def run_stats() -> dict[str, Any]:
    """What the report needs from this process' harnesses."""
    return {
        "throttling_retries": sum(h.throttling_retries for h in _HARNESSES),
        "cleanup_failures": [f for h in _HARNESSES for f in h.cleanup_failures],
    }


def call_timeout_of(config: pytest.Config) -> float | None:
    """``--call-timeout``, else ``$PC_CALL_TIMEOUT``, else the default; 0 means none."""
    value = config.getoption("call_timeout", None)
    if value is None:
        value = float(os.environ.get(CALL_TIMEOUT_ENV) or DEFAULT_CALL_TIMEOUT)
    return value or None


def refuse_aws(target: Target, allow_aws: bool) -> None:
    """Raise ``TargetConfigError`` if ``target`` would reach AWS without ``--allow-aws``."""
    if target.reaches_aws() and not allow_aws:
        where = (f"--endpoint-url {target.endpoint_url} is not a loopback address"
                 if target.endpoint_url else f"target {target.name!r} has no --endpoint-url")
        raise TargetConfigError(
            f"{where}, so the run would reach real AWS; give a 127.0.0.1 --endpoint-url, "
            "or pass --allow-aws to run there (resources are prefixed and deleted)")


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
    """The harness of a pytest process: resolve, refuse AWS unless allowed, start the
    target, and at the end (also on failure or interruption) clean up and stop it."""
    from .plugin import run_id

    timeout = call_timeout_of(config)
    try:
        target = resolve(config.getoption("target"), config.getoption("endpoint_url"),
                         call_timeout=timeout)
        refuse_aws(target, bool(config.getoption("allow_aws", False)))
    except TargetConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    target.start()
    harness = Harness(
        target,
        run_id=run_id(config),
        worker=os.environ.get("PYTEST_XDIST_WORKER", "gw"),
        strict=config.getoption("strict_readings"),
        call_timeout=timeout,
    )
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

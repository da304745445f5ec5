"""The per-call timeout: calls run on a daemon thread the caller waits on.

An overrunning call's thread is abandoned (it finishes or hangs on its own) and a fresh
one serves the next call; the caller gets ``NoAnswer``. On Ctrl-C (or SIGTERM, made one
by the session) the call in flight gets ``Caller.GRACE`` seconds to come back, so that
what a create made is still known, and deleted.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from personalize_conformance.targets import NoAnswer


class Caller:
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
        """``fn()``'s value (or exception) within ``timeout`` seconds (``None`` or 0: no
        limit, on this thread); else ``NoAnswer``."""
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

"""The harness of a pytest process: made once per process (per xdist worker) from what the
run layer gives it, and torn down at the end, also on failure or interruption.

The run layer (above the harness) stashes a :class:`HarnessSession` on the pytest config
under ``SESSION``: the :class:`HarnessSettings`, the run's target (resolved on first use)
and where the run keeps each harness for the report's figures. :func:`session_harness`
starts the target, makes SIGTERM unwind like Ctrl-C (so the cleanup still runs), and at
the end deletes everything the run created (also ``atexit``) and stops the target.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from personalize_conformance.harness.calls import Harness
from personalize_conformance.harness.status import StatusCheck
from personalize_conformance.targets import Target
from personalize_conformance.targets.base import DEFAULT_CALL_TIMEOUT


@dataclass(frozen=True)
class HarnessSettings:
    """What a run asks of its harnesses: the run id (every name's prefix), strictness
    (``--strict``) and the seconds a call may take (``None``: no limit)."""

    run_id: str
    strict: bool = False
    call_timeout: float | None = DEFAULT_CALL_TIMEOUT


@dataclass(frozen=True)
class HarnessSession:
    """What the run layer gives the harness of each pytest process."""

    settings: HarnessSettings
    #: The run's target, resolved once on first use (a target the options cannot make is
    #: the run layer's ``pytest.UsageError``).
    target: Callable[[], Target]
    #: Keeps the harness for the report's figures (throttling, cleanup, unsupported).
    keep: Callable[[Harness], None]


#: Where the run layer puts the :class:`HarnessSession` of a pytest session.
SESSION = pytest.StashKey[HarnessSession]()


def _sigterm_as_interrupt() -> None:
    """Let SIGTERM unwind like Ctrl-C, so the session finalizer still deletes resources."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        def interrupt(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt(f"signal {signum}")

        signal.signal(signal.SIGTERM, interrupt)


@contextlib.contextmanager
def session_harness(config: pytest.Config, *,
                    status_check: StatusCheck | None = None) -> Iterator[Harness]:
    """The harness of a pytest process, on the run's target (resolved once per process):
    start the target, and at the end (also on failure or interruption) clean up and stop
    it. ``status_check`` fails a status order's clause (the suite's). The run keeps the
    harness for the report's figures."""
    session = config.stash[SESSION]
    target = session.target()
    target.start()
    harness = Harness(
        target,
        run_id=session.settings.run_id,
        worker=os.environ.get("PYTEST_XDIST_WORKER", "gw"),
        strict=session.settings.strict,
        call_timeout=session.settings.call_timeout,
        status_check=status_check,
    )
    session.keep(harness)
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

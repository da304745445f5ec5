"""Examples generated per second by each strategy: ``python -m benchmarks.strategies``.

Three figures per strategy: ``draw/s`` draws from the strategy many times per generated
test case (``st.data()``, Hypothesis' per-example overhead spread over the batch: what
generation costs), ``draw/cpu-s`` the same per second of this process' CPU time (steadier
on a loaded machine), ``given/s`` runs it under ``@given`` with the generate phase only
(what a test pays, Hypothesis' own per-example overhead included). ``--seconds S`` per
figure.
"""

from __future__ import annotations

import argparse
import contextlib
import time
import warnings
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisWarning, Unsatisfiable

from personalize_conformance import contracts
from personalize_conformance.strategies import (
    ambiguous,
    as_sent,
    put_events,
    requests,
    violations,
)

#: Draws per generated test case for ``draw/s`` (a case that runs out of room, or whose
#: draw is rejected, ends early: its completed draws count).
BATCH = 16
#: Generate only, no database, no health checks, quiet: nothing but generation is timed.
QUICK = settings(max_examples=10**6, database=None, deadline=None, phases=[Phase.generate],
                 suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
                 report_multiple_bugs=False)


class _Done(Exception):
    """The time is up."""


def _timed(test: Callable[[], None]) -> None:
    """Run a ``@given`` test until it raises :class:`_Done` (or runs out of cases)."""
    with warnings.catch_warnings(), contextlib.suppress(_Done, Unsatisfiable):
        warnings.simplefilter("ignore", HypothesisWarning)  # the repr of a large example
        test()


def _draw_rate(strategy: Any, seconds: float) -> tuple[float, float]:
    count, start, cpu = [0], time.perf_counter(), time.process_time()
    took: list[tuple[float, float]] = []

    @seed(0)
    @QUICK
    @given(st.data())
    def run(data: st.DataObject) -> None:
        for _ in range(BATCH):
            data.draw(strategy)
            count[0] += not took
        if not took and time.perf_counter() - start > seconds:
            took.append((time.perf_counter() - start, time.process_time() - cpu))
        if took:  # after the draws, as in the replay of this case that Hypothesis makes
            raise _Done

    _timed(run)
    wall, used = took[0] if took else (time.perf_counter() - start,
                                       time.process_time() - cpu)
    return count[0] / wall, count[0] / used


def _given_rate(strategy: Any, seconds: float) -> float:
    count, start = [0], time.perf_counter()
    took: list[float] = []

    @QUICK
    @given(strategy)
    def run(_: Any) -> None:
        if not took:
            count[0] += 1
        if not took and time.perf_counter() - start > seconds:
            took.append(time.perf_counter() - start)
        if took:
            raise _Done

    _timed(run)
    return count[0] / (took[0] if took else time.perf_counter() - start)


def checked_rate(strategy: Any, check: Callable[[Any], None], seconds: float) -> float:
    """Examples per second of this process' CPU time (user + sys) that ``strategy``
    generates under ``@given`` (generate phase only) and ``check`` validates."""
    count, start = [0], time.process_time()
    took: list[float] = []

    @QUICK
    @given(strategy)
    def run(value: Any) -> None:
        if took:
            raise _Done
        check(value)
        count[0] += 1
        if time.process_time() - start > seconds:
            took.append(time.process_time() - start)

    _timed(run)
    return count[0] / (took[0] if took else time.process_time() - start)


def put_events_rates(seconds: float) -> dict[str, float]:
    """PutEvents requests per CPU-second, generated under ``@given`` and validated as
    botocore sends them: valid ones (``put_events``, checked valid) and violations
    (``violations``, each checked by the strategy itself to break its clause alone)."""

    def valid(request: Any) -> None:
        if contracts.broken_at("PutEventsRequest.json", as_sent("PutEvents", request)):
            raise AssertionError(f"not valid: {request}")

    def invalid(case: Any) -> None:
        as_sent("PutEvents", case.request)

    out = {}
    for name, strategy, check in (("valid", put_events(), valid),
                                  ("invalid", violations("PutEvents"), invalid)):
        checked_rate(strategy, check, 0.3)  # warm caches
        out[name] = round(checked_rate(strategy, check, seconds), 1)
    return out


def cases() -> dict[str, Callable[[], Any]]:
    out: dict[str, Callable[[], Any]] = {"valid PutEvents": put_events,
                                         "invalid PutEvents": lambda: violations("PutEvents")}
    for operation in sorted(contracts.operations()):
        if operation == "PutEvents":
            continue
        file = contracts.request_schema(operation)
        out[f"valid {operation}"] = lambda file=file: requests(file)
        out[f"invalid {operation}"] = lambda op=operation: violations(op)
    out["ambiguous CreateEventTracker"] = lambda: ambiguous("CreateEventTracker")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--only", help="strategies whose name contains this text")
    args = parser.parse_args()
    for name, make in cases().items():
        if args.only and args.only not in name:
            continue
        strategy = make()
        _draw_rate(strategy, 0.3)  # warm caches (Unicode classes, compiled patterns)
        draw, cpu = _draw_rate(strategy, args.seconds)
        run = _given_rate(strategy, args.seconds)
        print(f"{name:36s} {draw:7.0f} draw/s {cpu:7.0f} draw/cpu-s {run:7.0f} given/s",
              flush=True)


if __name__ == "__main__":
    main()

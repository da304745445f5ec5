"""Examples generated per second by each strategy: ``python -m benchmarks.strategies``.

Three figures per strategy: ``draw/s`` draws straight from the strategy (what generation
costs), ``draw/cpu-s`` the same per second of this process' CPU time (steadier on a
loaded machine), ``given/s`` runs it under ``@given`` with the generate phase only (what a test
pays, Hypothesis' own per-example overhead included). ``--seconds S`` per figure.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.control import BuildContext
from hypothesis.errors import StopTest, UnsatisfiedAssumption
from hypothesis.internal.conjecture.data import ConjectureData

from personalize_conformance import contracts
from personalize_conformance.strategies import ambiguous, put_events, requests, violations
from personalize_conformance.strategies.valid import request_schema


def _draw_rate(strategy: Any, seconds: float) -> tuple[float, float]:
    count, seed, start, cpu = 0, 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        data = ConjectureData(random=random.Random(seed))
        seed += 1
        try:
            with BuildContext(data, wrapped_test=_draw_rate):
                data.draw(strategy)
            count += 1
        except (StopTest, UnsatisfiedAssumption):
            pass
    return count / (time.perf_counter() - start), count / (time.process_time() - cpu)


def _given_rate(strategy: Any, seconds: float) -> float:
    count = [0]
    quick = settings(max_examples=10**6, database=None, deadline=None,
                     phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    start = time.perf_counter()

    class _Done(Exception):
        pass

    @quick
    @given(strategy)
    def run(_: Any) -> None:
        count[0] += 1
        if time.perf_counter() - start > seconds:
            raise _Done

    with contextlib.suppress(_Done):
        run()
    return count[0] / (time.perf_counter() - start)


def cases() -> dict[str, Callable[[], Any]]:
    out: dict[str, Callable[[], Any]] = {"valid PutEvents": put_events,
                                         "invalid PutEvents": lambda: violations("PutEvents")}
    for operation in sorted(contracts.operations()):
        if operation == "PutEvents":
            continue
        file = request_schema(operation)
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

"""The steps a multi-step failure needs: its calls replayed against the target as its
reproduction runs them, steps dropped (last first) and values made minimal while the
replay still shows the deviation.

A replay feeds each answer's ARNs and IDs into the later calls, gives every create a
fresh run-unique name (the same fresh name where the run reused one), requires each step
to be answered as in the run (accepted, or refused), and deletes what it created before
the next replay (``harness.undo``), so every replay meets a state of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from personalize_conformance.checks import blame
from personalize_conformance.contracts import (
    issued_by_service,
    operation_kind,
    request_schema,
    resource_members,
    violated,
)
from personalize_conformance.harness import Call, Harness, copy_request
from personalize_conformance.report.reproduce import Expect, is_read, outputs, strings
from personalize_conformance.strategies import as_sent
from personalize_conformance.targets import TargetError, Unsupported

#: The most replays one failure's reduction makes, the most target calls they make, and
#: the seconds they may take (past any of them, the shortest sequence found is kept).
MAX_REPLAYS = 60
MAX_CALLS = 3000
MAX_SECONDS = 60.0
#: A step whose request is longer than this (as JSON text) is tried with minimal values.
LARGE = 200


def deviates(expect: Expect, error: TargetError | None) -> bool | None:
    """Whether the last answer (``error``: refused with it; ``None``: accepted) shows the
    deviation, as the shell reproduction decides it (``None``: no script can decide)."""
    if expect.outcome == "rejected":
        return error is None or (bool(expect.codes) and error.code not in expect.codes)
    if expect.outcome == "accepted":
        return error is not None
    return None


#: ``send(operation, request)``: an answer, or a ``TargetError``.
Send = Callable[[str, dict[str, Any]], dict[str, Any]]


class _Replay:
    def __init__(self, calls: Sequence[Call], send: Send, harness: Harness) -> None:
        self.calls = list(calls)
        self.send = send
        self.harness = harness
        self.refs = outputs(self.calls[:-1])
        self.got: list[dict[str, Any] | None] = []
        self.names: dict[str, str] = {}
        #: What the replay created: (create operation, its answer), oldest first.
        self.made: list[tuple[str, dict[str, Any]]] = []

    def request(self, index: int) -> dict[str, Any] | None:
        """Call ``index``'s request with this replay's values (``None``: it uses an answer
        this replay did not get)."""
        call = self.calls[index]

        def swap(node: Any) -> Any:
            if isinstance(node, dict):
                return {k: swap(v) for k, v in node.items()}
            if isinstance(node, list):
                return [swap(v) for v in node]
            if isinstance(node, str) and node in self.refs and self.refs[node][0] < index:
                source, key = self.refs[node]
                answer = self.got[source]
                if answer is None or key not in answer:
                    raise LookupError(node)
                return answer[key]
            return node

        try:
            body = {k: swap(v) for k, v in call.request.items()}
        except LookupError:
            return None
        name = body.get(blame.NAME)
        if operation_kind(call.operation) == "create" and isinstance(name, str):
            if name not in self.names:
                self.names[name] = self.harness.new_name("r", len(name))
            body[blame.NAME] = self.names[name]
        return copy_request(type(call.request)(body)) if isinstance(call.request, dict) \
            else body

    def run(self, expect: Expect, *, as_in_run: bool) -> bool | None:
        """Whether the last answer shows the deviation; ``None`` when the replay cannot
        get there (a request needs an answer it did not get; with ``as_in_run``, a step
        answered otherwise than in the run: accepted where it was refused, or the
        reverse)."""
        last = len(self.calls) - 1
        for index, call in enumerate(self.calls):
            request = self.request(index)
            if request is None and is_read(call) and index < last:
                self.got.append(None)  # a page token this replay was not given: skipped
                continue
            if request is None:
                return None
            try:
                response: dict[str, Any] | None = self.send(call.operation, request)
                error = None
            except TargetError as exc:
                response, error = None, exc
            except Unsupported:
                return None
            if response is not None and operation_kind(call.operation) == "create":
                self.made.append((call.operation, response))
            if index == last:
                return deviates(expect, error)
            if as_in_run and (response is None) != (call.response is None):
                return None
            self.got.append(response)
        return None


def _reference(harness: Harness) -> Send:
    """A call to a fresh in-memory reference under the run's readings (the reference's, or
    under ``--strict`` the strict ones): the answers a correct target gives."""
    from personalize_conformance.contracts import strict_readings
    from personalize_conformance.targets.reference.service import (
        Behaviour,
        ReferenceService,
        ServiceError,
    )

    behaviour = getattr(getattr(harness.target, "service", None), "behaviour", None)
    readings = behaviour.readings if isinstance(behaviour, Behaviour) else (
        strict_readings() if harness.strict else {})
    service = ReferenceService(Behaviour(readings=dict(readings)))

    def send(operation: str, request: dict[str, Any]) -> dict[str, Any]:
        body = as_sent(operation, request)
        try:
            return service.call(operation, body)
        except ServiceError as exc:
            raise TargetError(exc.status, exc.code, exc.message) from None

    return send


def _self_contained(calls: Sequence[Call], produced: Mapping[str, Any]) -> bool:
    """Whether every value of the run's answers a call sends comes from an earlier call of
    ``calls`` (not a resource of the run's, which may still exist)."""
    own = outputs(calls[:-1])
    return all(s not in produced or (s in own and own[s][0] < index)
               for index, call in enumerate(calls) for s in strings(call.request))


def _valid(operation: str, request: Mapping[str, Any]) -> bool:
    file = request_schema(operation)
    body = as_sent(operation, request) if file else None
    return body is not None and violated(file, body) == set()


class _Budget:
    """The replays one reduction may make, and the target calls they may spend."""

    def __init__(self, harness: Harness, expect: Expect, produced: Mapping[str, Any]
                 ) -> None:
        self.harness, self.expect, self.produced = harness, expect, produced
        self.replays = self.calls = 0
        self.deadline = time.monotonic() + MAX_SECONDS
        #: Whether the reference must answer every step but the last as the run saw it
        #: (then the reproduction gets to its last step on the reference too).
        self.agree = True

    def shows(self, candidate: list[Call]) -> bool:
        """Whether a replay of ``candidate`` shows the deviation (``False`` past the
        budget, or when it would send a value only the run's own calls produced)."""
        if (self.replays >= MAX_REPLAYS or self.calls + len(candidate) > MAX_CALLS
                or time.monotonic() > self.deadline):
            return False
        if not _self_contained(candidate, self.produced):
            return False
        self.replays += 1
        self.calls += len(candidate)
        # a correct target (the reference, fresh) answers the last call as expected: the
        # steps kept still make the failing call's expectation hold
        if _Replay(candidate, _reference(self.harness), self.harness).run(
                self.expect, as_in_run=self.agree) is not False:
            return False
        replay = _Replay(candidate, self.harness.call, self.harness)
        try:
            return replay.run(self.expect, as_in_run=True) is True
        finally:  # the next replay meets a state of its own
            for operation, response in reversed(replay.made):
                self.harness.undo(operation, response)


def _fewer(steps: list[Call], last: Call, budget: _Budget) -> list[Call]:
    """The steps left when chunks of them are dropped (delta debugging: halves, then
    smaller chunks, the latest first) while the replay still shows the deviation."""
    chunks = 2
    while steps:
        size = -(-len(steps) // chunks)
        for start in range(((len(steps) - 1) // size) * size, -1, -size):
            candidate = steps[:start] + steps[start + size:]
            if budget.shows([*candidate, last]):
                steps, chunks = candidate, max(chunks - 1, 2)
                break
        else:
            if size == 1:
                return steps
            chunks = min(chunks * 2, len(steps))
    return steps


def shortest(harness: Harness, calls: Sequence[Call], expect: Expect) -> list[Call] | None:
    """The fewest of ``calls`` (the last, the failing one, always kept), with values made
    minimal, whose replay still shows the deviation ``expect`` decides and a fresh
    reference's does not (answering the other steps as the run saw them, unless no
    sequence has it so); describes and lists are first dropped all at once. ``None``
    when no replay shows it (or none can decide)."""
    calls = list(calls)
    if deviates(expect, None) is None:
        return None
    budget = _Budget(harness, expect, outputs(calls[:-1]))
    steps, last = calls[:-1], calls[-1]
    writes = [c for c in steps if not is_read(c)]
    for agree in (True, False):  # a reference answering the steps otherwise: the last only
        budget.agree = agree
        if len(writes) < len(steps) and budget.shows([*writes, last]):
            steps = writes
            break
        if budget.shows(calls):
            break
    else:
        return None
    calls = [*_fewer(steps, last, budget), last]
    for index, call in enumerate(calls[:-1]):
        if len(repr(call.request)) <= LARGE or call.response is None:
            continue
        keep = {*resource_members(call.operation), *issued_by_service(call.operation),
                blame.NAME}
        small = blame.smallest(call.operation, call.request,
                               lambda r, op=call.operation: _valid(op, r), keep)
        candidate = [*calls[:index], Call(call.operation, small, call.response),
                     *calls[index + 1:]]
        if small != call.request and budget.shows(candidate):
            calls = candidate
    return calls

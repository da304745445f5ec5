"""Resources shared by the tests that only need one ACTIVE: a per-process pool.

A test whose clause is about neither creating nor deleting the resource (a request
refused for its shape, a describe, a list, events sent) takes it from the pool
(:meth:`Pool.pooled`): made once per process, on first need (the calls and raw answers
that made it join each taker's history and exchanges), and made again only after
a test may have changed it: a create or a delete the target accepted that named it (a
tracker made on the pooled group, the pooled tracker or group deleted), or it left the
ledger. The pooled resources are the run's like any other: the cleanup deletes them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from personalize_conformance.contracts import operation_kind, prerequisites


class Pool:
    """The part of the :class:`~personalize_conformance.harness.Harness` that shares
    resources between tests."""

    created: dict[str, tuple[str, str | None]]
    history: list[Any]
    exchanges: list[Any]
    create_dataset_group: Callable[[], str]
    create_tracker: Callable[[str], dict[str, Any]]

    def _init_pool(self) -> None:
        #: Kind -> (the ARNs it stands on, what a test is given, the calls that made it,
        #: their raw exchanges).
        self._pool: dict[str, tuple[frozenset[str], dict[str, Any], list[Any], list[Any]]] \
            = {}

    def pooled(self, kind: str) -> dict[str, Any]:
        """A shared ACTIVE resource of ``kind`` (``dataset-group``: a group without a
        tracker, ``{"datasetGroupArn"}``; ``event-tracker``: what its create answered, on
        a group of its own, with that group's ``datasetGroupArn``); the test must not
        create on it or delete it."""
        held = self._pool.get(kind)
        if held is not None and all(arn in self.created for arn in held[0]):
            # the calls that made it join this test's history (its reproductions make it)
            # and their answers its exchanges (judged on the wire like its own)
            self.history.extend(held[2])
            self.exchanges.extend(held[3])
            return dict(held[1])
        start, answers = len(self.history), len(self.exchanges)
        group = self.create_dataset_group()
        if kind == "dataset-group":
            made: dict[str, Any] = {"datasetGroupArn": group}
            arns = frozenset({group})
        elif kind == "event-tracker":
            made = {**self.create_tracker(group), "datasetGroupArn": group}
            arns = frozenset({group, made["eventTrackerArn"]})
        else:
            raise ValueError(f"no pool of {kind}")
        self._pool[kind] = (arns, made, list(self.history[start:]),
                            list(self.exchanges[answers:]))
        return dict(made)

    def spoil(self, operation: str, request: Mapping[str, Any]) -> None:
        """An accepted ``operation``: a create or delete naming a pooled resource takes it
        out of the pool (it is made again when next asked for). A prerequisite's (the
        Interactions dataset events need) leaves it there."""
        if operation_kind(operation) not in ("create", "delete") \
                or operation in prerequisites():
            return
        named = {v for v in request.values() if isinstance(v, str)}
        for kind, (arns, *_) in list(self._pool.items()):
            if arns & named:
                del self._pool[kind]

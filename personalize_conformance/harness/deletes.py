"""Deleting what the run made: a create undone at once, a test's deletes, and the
cleanup at the end of the run.

Everything reads the ledger (``created``, kept by :mod:`.resources`). A dataset group is
deleted after its trackers (this run's only, listed or known: a target ignoring the list's
filter must not make the cleanup delete what is not the group's) and the Interactions
dataset and schema added to it; a delete refused with ``ResourceInUseException`` (what
it held still being deleted) is not waited for: it is tried again before each test
(``settle``), and the cleanup waits for every such group together, with backoff (0.05 s
up to 2 s), until ``wait_seconds``; undoing a create retries it at once. A group's trackers are
listed before its delete only where the ledger may not know them all: after a
CreateEventTracker on it that came back with no answer, a 5xx or an unreadable one (the
target may have made it), or any sent raw. ``cleanup`` deletes whatever is left
(trackers of no group of the run first, then groups, then datasets and schemas of no
group); what could not be deleted is kept in ``cleanup_failures`` for the report.
Undoing and waiting for a deletion's end are not counted against the shrink budget.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from typing import Any

from personalize_conformance.contracts import operation_kind
from personalize_conformance.harness.caller import Caller
from personalize_conformance.harness.waiting import Backoff
from personalize_conformance.targets import Target, TargetError, Unsupported

#: Seconds between two attempts of :meth:`Deletes.settle`: a deletion rarely ends sooner.
SETTLE_EVERY = 0.5


class Deletes:
    """The part of the :class:`~personalize_conformance.harness.Harness` that deletes what
    the run created."""

    target: Target
    run_id: str
    wait_seconds: float
    call_timeout: float | None
    created: dict[str, tuple[str, str | None]]
    interactions: dict[str, str | None]
    unreadable: list[str]
    #: What ``cleanup`` could not delete: {"arn", "error"}.
    cleanup_failures: list[dict[str, str]]
    _cleaned: bool
    _undoing: bool
    _caller: Caller
    call: Callable[[str, Mapping[str, Any]], dict[str, Any]]
    sent: Callable[[str], None]
    waiter: Callable[..., Backoff]

    def _init_deletes(self) -> None:
        #: Dataset groups that may hold a tracker the ledger does not know ("*": any).
        self._unsure: set[str] = set()
        #: Dataset groups whose delete was refused while what they held was being deleted:
        #: tried again before a test (:meth:`settle`), at most every ``SETTLE_EVERY``
        #: seconds, and waited for by the cleanup.
        self._pending: set[str] = set()
        self._settled = 0.0

    def unsure(self, operation: str, request: Mapping[str, Any],
               error: TargetError | None = None) -> None:
        """A CreateEventTracker whose outcome the ledger cannot know (no answer, a 5xx, an
        unreadable answer, or one sent raw): its group's trackers are listed before the
        group is deleted."""
        if operation == "CreateEventTracker" and (error is None or not 400 <= error.status < 500
                                                  or error.code == "MalformedResponse"):
            self._unsure.add(str(request.get("datasetGroupArn")))

    def undo(self, operation: str, response: Mapping[str, Any]) -> None:
        """Delete at once what a create just made (one the suite expected to be refused,
        or a replay's): the next call meets the state the create met. Best effort; what
        is left stays in the ledger for ``cleanup``."""
        arn = next((v for v in response.values() if isinstance(v, str) and v in self.created),
                   None)  # the resource the ledger has from the create's answer
        if operation_kind(operation) != "create" or arn is None:
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
        wait = self.waiter(first=0.05, most=0.05)
        while not wait.overdue():
            try:
                self.sent(describe)
                self._caller.call(lambda: self.target.invoke(describe, dict(request)),
                                  self.call_timeout)
            except TargetError as exc:
                if exc.code == "ResourceNotFoundException" or exc.status >= 500:
                    return
                raise
            wait.pause()

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
        retry = self.waiter(first=0.05, most=0.05)
        while True:
            try:
                self.call(delete, {member: arn})
                break
            except TargetError as exc:
                if exc.code == "ResourceNotFoundException":
                    break
                if exc.code != "ResourceInUseException" or retry.overdue():
                    raise
            retry.pause()
        self.created.pop(arn, None)
        while wait and kind == "dataset":
            try:
                self.call("DescribeDataset", {member: arn})
            except TargetError as exc:
                if exc.code == "ResourceNotFoundException":
                    return
                raise
            if retry.overdue():
                raise TimeoutError(f"{arn} still described {self.wait_seconds}s after its delete")
            retry.pause()

    def delete_dataset_group(self, arn: str) -> None:
        """Delete the group's trackers, then the group; best effort, and never waited for:
        a group refused as in use (a tracker or dataset of it still being deleted) is
        tried again before the next tests (:meth:`settle`) and by the cleanup."""
        with contextlib.suppress(TargetError, Unsupported):
            self._delete_group(arn, wait=False)

    def settle(self) -> None:
        """One more attempt at each dataset group whose delete was refused as in use (if
        ``SETTLE_EVERY`` seconds have passed since the last)."""
        if not self._pending or time.monotonic() < self._settled + SETTLE_EVERY:
            return
        self._settled = time.monotonic()
        for arn in sorted(self._pending):
            with contextlib.suppress(TargetError, Unsupported):
                self._delete_group(arn, wait=False)

    def _delete_group(self, arn: str, *, wait: bool = True) -> None:
        """Delete a dataset group and its trackers; raises what stopped it. Refused as in
        use: retried with backoff (``wait``), or left to :meth:`settle`."""
        try:
            listed = self.call("ListEventTrackers", {"datasetGroupArn": arn}) \
                if {arn, "*"} & self._unsure else {}
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
        retry = self.waiter(first=0.05, most=2.0)
        while True:
            try:
                self.call("DeleteDatasetGroup", {"datasetGroupArn": arn})
                self._pending.discard(arn)
                return
            except TargetError as exc:
                if exc.code == "ResourceNotFoundException":
                    self.created.pop(arn, None)
                    self._pending.discard(arn)
                    return
                if exc.code == "ResourceInUseException" and not wait:
                    self._pending.add(arn)
                    return
                if exc.code != "ResourceInUseException" or retry.overdue():
                    raise
                retry.pause()

    def _delete_tracker(self, arn: str) -> None:
        try:
            self.call("DeleteEventTracker", {"eventTrackerArn": arn})
        except TargetError as exc:
            if exc.code != "ResourceNotFoundException":
                raise
            self.created.pop(arn, None)

    def cleanup(self) -> list[dict[str, str]]:
        """Delete every resource this run created and did not delete (trackers first, then
        dataset groups, waited for together: each round tries every group still in use
        once); what could not be deleted is kept in ``cleanup_failures``."""
        if self._cleaned:
            return self.cleanup_failures
        self._cleaned = True
        for arn, (kind, group) in list(self.created.items()):
            if kind == "event-tracker" and group not in self.created:
                self._attempt(arn, self._delete_tracker)
        groups = [arn for arn, (kind, _) in self.created.items() if kind == "dataset-group"]
        retry = self.waiter(first=0.05, most=2.0)
        while groups:
            for arn in groups:
                self._attempt(arn, lambda a: self._delete_group(a, wait=False))
            groups = sorted(self._pending & set(self.created))
            if groups and retry.overdue():
                for arn in groups:
                    self.cleanup_failures.append({"arn": arn, "error": (
                        f"ResourceInUseException {self.wait_seconds}s after its delete")})
                    self.created.pop(arn, None)
                break
            if groups:
                retry.pause()
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

"""A model of the event-tracker lifecycle, checked over generated call sequences.

A Hypothesis ``RuleBasedStateMachine`` creates, describes, lists (every page, several
``maxResults``) and deletes trackers across a few dataset groups, naming groups and
trackers from small pools (so a create often reuses the name of a live resource, or of
a deleted one: its ARN may come back, Arn.resourceId), and puts events with the tracking
IDs of live, deleted and never-seen trackers; against a target without PutEvents, the
rules and checks that send events are dropped and the rest goes on. Its model says what
must be true; after every step its invariant compares describe and list with it, on what
the step acted on (every few steps, on everything). On a
failure Hypothesis prints the shortest step sequence, and the ClauseFailure its
reproduction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from personalize_conformance.checks import accepted, holds, not_exercised, rejected
from personalize_conformance.harness import Harness
from personalize_conformance.harness.outcomes import UnsupportedSkip
from personalize_conformance.strategies import put_events
from personalize_conformance.suite.support import (
    GROUP_CREATE_ORDER,
    GROUP_DELETED,
    agrees,
    arns,
    check_account_list,
    check_response,
    create_with_name_in_use,
    delete_and_wait,
    delete_group_and_wait,
    never_seen,
    response_clause,
    walk,
    watch_create,
)

MAX_GROUPS = 3
#: Names each run draws from, for its dataset groups and for its trackers: a pool this
#: small makes a create reuse the name of a live resource often.
NAME_POOL = 4
#: Trackers each run starts with, on as many of its first dataset groups: the account
#: list then pages across several pages of two from the first step, a create can reuse a
#: live tracker's name at once (or be refused on a group that has one), and a deleted
#: tracker's group can get a new one.
INITIAL_TRACKERS = 3
GROUP_IN_USE = "DeleteDatasetGroup.withTracker.inUse"
GROUP_AGREES = "DescribeDatasetGroup.agreesWithCreate"
LIST_AGREES = "ListEventTrackers.agreesWithDescribe"
SAME_GROUP_NAME = "CreateDatasetGroup.sameName.noOverwrite"
SAME_TRACKER_NAME = "CreateEventTracker.sameName.noOverwrite"
PAGE_SIZES = (1, 2, 3, 100)
#: How many recently deleted trackers the invariant re-checks on a sweep.
RECENT = 2
#: Every this many steps (and after the first) the invariant checks every resource of the
#: model, not only those the step acted on.
SWEEP = 4

#: The clauses the model checks with PutEvents, and the side each check runs.
EVENT_CLAUSES = {"PutEvents.validRequest.accepted": "accepted",
                 "PutEvents.unknownTrackingId": "rejected",
                 "PutEvents.deletedTrackingId": "rejected"}

CLAUSES = [
    "CreateEventTracker.oneTrackerPerDatasetGroup",
    "CreateEventTracker.datasetGroupMustExist",
    SAME_GROUP_NAME,
    SAME_TRACKER_NAME,
    "DescribeEventTracker.agreesWithCreate",
    "DescribeEventTracker.unknownIsNotFound",
    "EventTracker.status.createOrder",
    "EventTracker.status.deleteOrder",
    "DeleteEventTracker.thenNotFound",
    "DeleteEventTracker.unknownIsNotFound",
    "ListEventTrackers.filterByDatasetGroup",
    "ListEventTrackers.maxResults",
    "ListEventTrackers.paging",
    GROUP_IN_USE,
    GROUP_DELETED,
    GROUP_CREATE_ORDER,
    GROUP_AGREES,
    LIST_AGREES,
    *EVENT_CLAUSES,
    # Checked only when the contract has the response schema.
    *filter(None, (response_clause(op) for op in
                   ("CreateEventTracker", "DescribeEventTracker", "ListEventTrackers"))),
]


@dataclass
class Tracker:
    arn: str
    tracking_id: str
    name: str
    group: str


@dataclass
class Model:
    groups: dict[str, Tracker | None] = field(default_factory=dict)
    #: The name of each dataset group, by ARN.
    group_names: dict[str, str] = field(default_factory=dict)
    deleted: list[Tracker] = field(default_factory=list)

    def live(self) -> list[Tracker]:
        return [t for t in self.groups.values() if t is not None]

    def gone(self) -> list[str]:
        """The ARNs of deleted trackers that no live tracker has, in the order they were
        deleted: an ARN may come back with a tracker created since (Arn.resourceId, the
        reading ``name``), and then names it. A deleted tracker's tracking ID stays refused
        whatever its ARN."""
        live = {t.arn for t in self.live()}
        return list(dict.fromkeys(t.arn for t in self.deleted if t.arn not in live))


class Lifecycle(RuleBasedStateMachine):
    """The tracker lifecycle against ``Lifecycle.harness`` (set by the test below)."""

    harness: Harness

    def __init__(self) -> None:
        super().__init__()
        self.h = type(self).harness
        self.h.begin_test()  # each run's reproduction starts from its own calls
        self.model = Model()
        self.steps = 0
        #: Dataset groups (and so their trackers) a step acted on since the last check:
        #: the invariants check these after each step, and everything on a sweep.
        self.touched: set[str] = set()
        #: The live trackers and the deleted count at the last account walk, and walks.
        self.account_seen: tuple[frozenset[str], int] | None = None
        self.account_walks = 0
        #: How many deleted trackers the invariant has re-checked.
        self.deleted_checked = 0
        self.group_names = [self.h.new_name("dg") for _ in range(NAME_POOL)]
        self.tracker_names = [self.h.new_name("et") for _ in range(NAME_POOL)]

    # -- dataset groups --------------------------------------------------------------------
    @initialize()
    def first_groups(self) -> None:
        """Every dataset group of the pool, the first ``INITIAL_TRACKERS`` with a tracker
        (the interesting states are then steps away, not a lucky sequence); the creates of
        each kind are sent together, then watched (one wait serves them all)."""
        sent = [(self._send_group(name), name) for name in self.group_names[:MAX_GROUPS]]
        groups = [arn for arn, name in sent if arn is not None and self._watch_group(arn, name)]
        trackers = [self._send_tracker(group, name) for group, name in
                    zip(groups[:INITIAL_TRACKERS], self.tracker_names, strict=False)]
        for made in trackers:
            if made is not None:
                self._watch_tracker(*made)

    @precondition(lambda self: len(self.model.groups) < MAX_GROUPS)
    @rule(data=st.data())
    def create_group(self, data: st.DataObject) -> None:
        self._create_group(data.draw(st.sampled_from(self.group_names), label="group name"))

    def _create_group(self, name: str) -> str | None:
        """A dataset group named ``name``; if a live one has the name, the create is
        rejected or makes a separate group, and the first is left as it was. Its ARN
        (``None``: rejected, or CREATE FAILED)."""
        arn = self._send_group(name)
        return arn if arn is not None and self._watch_group(arn, name) else None

    def _send_group(self, name: str) -> str | None:
        """The create of :meth:`_create_group`; the new group's ARN (``None``: rejected)."""
        request = {"name": name}
        taken = [arn for arn, n in self.model.group_names.items() if n == name]
        if taken:
            created = create_with_name_in_use(self.h, SAME_GROUP_NAME, "CreateDatasetGroup",
                                              request, taken[0])
            if created is None:
                return None
        else:
            created = self.h.invoke("CreateDatasetGroup", request)
        return created["datasetGroupArn"]

    def _watch_group(self, arn: str, name: str) -> bool:
        """Describe a new group until ACTIVE (into the model) or CREATE FAILED (deleted);
        whether it is ACTIVE."""
        if watch_create(self.h, arn, GROUP_CREATE_ORDER)[-1] != "ACTIVE":
            self.h.delete_dataset_group(arn)  # CREATE FAILED: the documented order allows it
            return False
        self.model.groups[arn] = None
        self.model.group_names[arn] = name
        self.touched.add(arn)
        return True

    def _group(self, data: st.DataObject, prefer_free: bool = False) -> str:
        """A dataset group of the model; with ``prefer_free``, half the time one without a
        tracker, where there is one."""
        free = [g for g, t in self.model.groups.items() if t is None]
        if prefer_free and free and data.draw(st.booleans(), label="to a free group"):
            return data.draw(st.sampled_from(free), label="free dataset group")
        return data.draw(st.sampled_from(list(self.model.groups)), label="dataset group")

    # -- create ----------------------------------------------------------------------------
    @rule(data=st.data())
    def create_tracker(self, data: st.DataObject) -> None:
        # a group without a tracker first where there is one (one with a deleted tracker
        # gets a new one), and a name in use by a live tracker more often than not
        group = self._group(data, prefer_free=True)
        self._create_tracker(group, data.draw(st.sampled_from(self.tracker_names),
                                              label="tracker name"))

    def _create_tracker(self, group: str, name: str) -> None:
        made = self._send_tracker(group, name)
        if made is not None:
            self._watch_tracker(*made)

    def _send_tracker(self, group: str, name: str) -> tuple[Tracker, dict[str, Any]] | None:
        """The create of a tracker named ``name`` on ``group``: refused if the group has
        one; with the name of a live tracker, refused or a separate tracker. The tracker
        made and the create's answer (``None``: refused)."""
        request = {"name": name, "datasetGroupArn": group}
        self.touched.add(group)
        if self.model.groups[group] is not None:
            rejected(self.h, "CreateEventTracker.oneTrackerPerDatasetGroup",
                     "CreateEventTracker", request, whole=True)
            return None
        taken = [t.arn for t in self.model.live() if t.name == name]
        if taken:  # the name of a live tracker on another dataset group
            created = create_with_name_in_use(self.h, SAME_TRACKER_NAME, "CreateEventTracker",
                                              request, taken[0])
            if created is None:
                return None
        else:
            created = accepted(self.h, ["EventTracker.status.createOrder"],
                               "CreateEventTracker", request, whole=True)
        check_response(self.h, "CreateEventTracker", request, created)
        return Tracker(created["eventTrackerArn"], created["trackingId"], name, group), created

    def _watch_tracker(self, tracker: Tracker, created: dict[str, Any]) -> None:
        """Describe a new tracker until ACTIVE (into the model) or CREATE FAILED (deleted)."""
        statuses = watch_create(self.h, created["eventTrackerArn"])
        if statuses[-1] != "ACTIVE":  # CREATE FAILED: the documented order allows it
            delete_and_wait(self.h, tracker.arn)
            self.model.deleted.append(tracker)
            return
        self.model.groups[tracker.group] = tracker

    @rule(data=st.data())
    def create_on_missing_group(self, data: st.DataObject) -> None:
        request = {"name": self.h.new_name("et"),
                   "datasetGroupArn": never_seen(self._group(data), "dataset-group")}
        rejected(self.h, "CreateEventTracker.datasetGroupMustExist", "CreateEventTracker",
                 request, whole=True)

    # -- describe / delete -----------------------------------------------------------------
    @rule(data=st.data())
    def describe_unknown(self, data: st.DataObject) -> None:
        request = {"eventTrackerArn": never_seen(self._group(data), "event-tracker")}
        rejected(self.h, "DescribeEventTracker.unknownIsNotFound", "DescribeEventTracker",
                 request, whole=True)

    @precondition(lambda self: self.model.live())
    @rule(data=st.data())
    def delete_tracker(self, data: st.DataObject) -> None:
        tracker = data.draw(st.sampled_from(self.model.live()), label="tracker")
        self.touched.add(tracker.group)
        delete_and_wait(self.h, tracker.arn)
        self.model.groups[tracker.group] = None
        self.model.deleted.append(tracker)

    @precondition(lambda self: len(self.model.groups) > 1)  # the rules need a group
    @rule(data=st.data())
    def delete_group(self, data: st.DataObject) -> None:
        """A group with a tracker is not deleted (and both stay as they were); one
        without is, then not found, and half the time created again with its name (its
        ARN may come back: Arn.resourceId)."""
        group = self._group(data, prefer_free=True)
        tracker = self.model.groups[group]
        request = {"datasetGroupArn": group}
        self.touched.add(group)
        if tracker is not None:
            rejected(self.h, GROUP_IN_USE, "DeleteDatasetGroup", request, whole=True)
            return  # the invariants check both are still described as they were
        delete_group_and_wait(self.h, group)
        del self.model.groups[group]
        name = self.model.group_names.pop(group)
        if data.draw(st.booleans(), label="created again"):
            self._create_group(name)

    @rule(data=st.data(), deleted=st.booleans())
    def delete_gone(self, data: st.DataObject, deleted: bool) -> None:
        """Deleting a tracker that never existed, or one already deleted (whose ARN no
        tracker has since): not found."""
        gone = self.model.gone()
        if deleted and gone:
            arn = data.draw(st.sampled_from(gone), label="deleted tracker")
            rejected(self.h, "DeleteEventTracker.thenNotFound", "DeleteEventTracker",
                     {"eventTrackerArn": arn}, whole=True)
            return
        request = {"eventTrackerArn": never_seen(self._group(data), "event-tracker")}
        rejected(self.h, "DeleteEventTracker.unknownIsNotFound", "DeleteEventTracker",
                 request, whole=True)

    # -- list ------------------------------------------------------------------------------
    @rule(max_results=st.sampled_from(PAGE_SIZES), filtered=st.booleans(), data=st.data())
    def list_pages(self, max_results: int, filtered: bool, data: st.DataObject) -> None:
        if filtered:
            self._check_group_list(self._group(data), max_results)
        else:
            self._check_account_list(max_results)

    # -- events ----------------------------------------------------------------------------
    def events_supported(self) -> bool:
        """Whether the target may have PutEvents (not yet detected as missing)."""
        return "PutEvents" not in self.h.unsupported

    def _put(self, check: Callable[..., Any], clause_id: str, body: dict[str, Any]) -> None:
        """A PutEvents check; a target without PutEvents drops the rules and checks that
        send events (the first call detects it) and the model goes on with the rest."""
        if not self.events_supported():
            return
        try:
            check(self.h, [clause_id] if check is accepted else clause_id, "PutEvents", body,
                  whole=True)
        except UnsupportedSkip:
            if self.events_supported():  # another operation is missing: the test is skipped
                raise
            for event_clause, side in EVENT_CLAUSES.items():
                not_exercised(self.h, event_clause, side, "the target lacks PutEvents")

    @precondition(events_supported)
    @rule(data=st.data(), kind=st.sampled_from(["live", "deleted", "unknown", "unknown"]))
    def put_events(self, data: st.DataObject, kind: str) -> None:
        pool = {"live": self.model.live(), "deleted": self.model.deleted}.get(kind)
        if pool:
            tracking_id = data.draw(st.sampled_from(pool), label=f"{kind} tracker").tracking_id
        else:
            kind, tracking_id = "unknown", str(uuid.uuid4())  # fresh: never seen anywhere
        body = data.draw(put_events(tracking_id), label="request")
        if kind == "live":
            self._put(accepted, "PutEvents.validRequest.accepted", body)
        elif kind == "deleted":
            self._put(rejected, "PutEvents.deletedTrackingId", body)
        else:
            self._put(rejected, "PutEvents.unknownTrackingId", body)

    # -- invariants ------------------------------------------------------------------------
    def _check_group_list(self, group: str, max_results: int | None) -> None:
        request = {"datasetGroupArn": group}
        items = walk(self.h, request, max_results)
        # a deleted tracker still listed breaks the delete's rule, not the filter's
        deleted = self.model.gone()
        lingering = [arn for arn in arns(items) if arn in deleted]
        holds(self.h, "DeleteEventTracker.thenNotFound", not lingering,
              "deleted trackers not listed", lingering, "ListEventTrackers", request)
        items = [item for item in items if item.get("eventTrackerArn") not in deleted]
        listed = arns(items)
        tracker = self.model.groups[group]
        want = [tracker.arn] if tracker else []
        holds(self.h, "ListEventTrackers.filterByDatasetGroup", listed == want,
              f"exactly {want} (one tracker per dataset group)", listed,
              "ListEventTrackers", request)
        if tracker is not None:  # summarised as the model (and describe) has it, where
            # the summary gives the (optional) member
            want_shown = {"name": tracker.name, "status": "ACTIVE"}
            got = [{k: item[k] for k in want_shown if k in item} for item in items]
            holds(self.h, LIST_AGREES, len(got) == 1 and all(
                      want_shown[k] == v for k, v in got[0].items()),
                  f"{tracker.arn} listed as described: {tracker.name}, ACTIVE", got,
                  "ListEventTrackers", request)

    def _check_account_list(self, max_results: int) -> None:
        check_account_list(self.h, max_results, {t.arn for t in self.model.live()},
                           set(self.model.gone()))

    def _describe_trackers(self, groups: set[str]) -> None:
        for tracker in self.model.live():
            if tracker.group not in groups:
                continue
            request = {"eventTrackerArn": tracker.arn}
            body = accepted(self.h, ["DescribeEventTracker.agreesWithCreate"],
                            "DescribeEventTracker", request, whole=True)
            check_response(self.h, "DescribeEventTracker", request, body)
            shown = body.get("eventTracker", {})
            want = {"eventTrackerArn": tracker.arn, "trackingId": tracker.tracking_id,
                    "name": tracker.name, "datasetGroupArn": tracker.group}
            agrees(self.h, "DescribeEventTracker.agreesWithCreate", "DescribeEventTracker",
                   request, body, "eventTracker", want)
            holds(self.h, "EventTracker.status.createOrder", shown.get("status") == "ACTIVE",
                  "ACTIVE stays ACTIVE until deleted", shown.get("status"),
                  "DescribeEventTracker", request)

    def _describe_groups(self, groups: set[str]) -> None:
        for group in self.model.groups:  # in the order they were made
            if group not in groups:
                continue
            request = {"datasetGroupArn": group}
            body = accepted(self.h, [GROUP_AGREES], "DescribeDatasetGroup", request,
                            whole=True)
            agrees(self.h, GROUP_AGREES, "DescribeDatasetGroup", request, body, "datasetGroup",
                   {"datasetGroupArn": group, "name": self.model.group_names[group],
                    "status": "ACTIVE"})

    def _lists(self, groups: set[str], sweep: bool) -> None:
        """The lists of ``groups``, and on a sweep, or after a step that made or deleted a
        tracker, the account's list walked page by page; the page size cycles through
        ``PAGE_SIZES``; the account's is walked by 2 (a page of two, then where the next
        starts, from the initial trackers on), then by 1, in turn."""
        size = PAGE_SIZES[self.steps % len(PAGE_SIZES)]
        for group in self.model.groups:
            if group in groups:
                self._check_group_list(group, size)
        trackers = (frozenset(t.arn for t in self.model.live()), len(self.model.deleted))
        if sweep or trackers != self.account_seen:
            self.account_walks += 1
            self._check_account_list(2 if self.account_walks % 2 else 1)
            self.account_seen = trackers

    def _deleted_stay_gone(self, sweep: bool) -> None:
        """The trackers deleted since the last check (on a sweep, and the last ``RECENT``
        deleted) are not found, and their tracking IDs refused."""
        gone = self.model.gone()
        since = self.deleted_checked
        if sweep:
            since = min(since, max(0, len(self.model.deleted) - RECENT))
        for tracker in self.model.deleted[since:]:
            if tracker.arn in gone:  # else it names a tracker created since
                rejected(self.h, "DeleteEventTracker.thenNotFound", "DescribeEventTracker",
                         {"eventTrackerArn": tracker.arn}, whole=True)
            body = {"trackingId": tracker.tracking_id, "sessionId": "pc-lifecycle",
                    "eventList": [{"eventType": "click", "sentAt": 1553631760}]}
            self._put(rejected, "PutEvents.deletedTrackingId", body)
        self.deleted_checked = len(self.model.deleted)

    @invariant()
    def agrees_with_the_model(self) -> None:
        """After each step, describe and list agree with the model on what the step acted
        on; every ``SWEEP`` steps, on everything (where what a step changed unasked
        shows)."""
        self.steps += 1
        sweep = self.steps % SWEEP == 1
        groups = set(self.model.groups) if sweep else self.touched & set(self.model.groups)
        self._describe_trackers(groups)
        self._describe_groups(groups)
        self._lists(groups, sweep)
        self._deleted_stay_gone(sweep)
        self.touched = set()

    def teardown(self) -> None:
        for group in self.model.groups:
            self.h.delete_dataset_group(group)


def machine_settings() -> settings:
    """The active profile's budget in proportion: a run per three examples a property has
    (at least 2, at most 60), each of 12 steps (ci) up to 40 (certify)."""
    base = settings.default
    runs = min(max(2, base.max_examples // 3), 60)
    return settings(base, max_examples=runs,
                    stateful_step_count=min(40, 10 + base.max_examples // 5))


@pytest.mark.clause(*CLAUSES)
def test_tracker_lifecycle_follows_the_model(harness: Harness):
    Lifecycle.harness = harness
    run_state_machine_as_test(Lifecycle, settings=machine_settings())

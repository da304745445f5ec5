"""Event trackers and dataset groups: the behavioural clauses, one call sequence each."""

from __future__ import annotations

import pytest

from personalize_conformance.checks import accepted, holds, rejected
from personalize_conformance.contracts import STATUS_CLAUSE, catalog, operations
from personalize_conformance.harness import Harness
from personalize_conformance.harness.outcomes import UnsupportedSkip
from personalize_conformance.suite.support import (
    GROUP_CREATE_ORDER,
    GROUP_DELETED,
    NEXT_TOKEN,
    agrees,
    arn_account,
    arns,
    as_answered,
    check_account_list,
    check_response,
    create_with_name_in_use,
    delete_and_wait,
    delete_group_and_wait,
    describe,
    never_seen,
    require_response_schema,
    response_clauses,
    walk,
    watch_create,
)
from personalize_conformance.targets import TargetError

AGREE = "DescribeEventTracker.agreesWithCreate"


@pytest.mark.clause("CreateEventTracker.oneTrackerPerDatasetGroup")
def test_second_tracker_on_a_dataset_group_is_rejected(harness: Harness, active_tracker):
    second = {"name": harness.new_name("et"),
              "datasetGroupArn": active_tracker["datasetGroupArn"]}
    rejected(harness, "CreateEventTracker.oneTrackerPerDatasetGroup", "CreateEventTracker",
             second, whole=True)


@pytest.mark.clause("CreateEventTracker.datasetGroupMustExist")
def test_tracker_on_a_missing_dataset_group_is_rejected(harness: Harness, shared_group):
    request = {"name": harness.new_name("et"),
               "datasetGroupArn": never_seen(shared_group, "dataset-group")}
    rejected(harness, "CreateEventTracker.datasetGroupMustExist", "CreateEventTracker", request)


@pytest.mark.clause("CreateEventTracker.response.valid")
def test_create_response_is_valid(harness: Harness, dataset_group):
    require_response_schema("CreateEventTracker")
    request = {"name": harness.new_name("et"), "datasetGroupArn": dataset_group}
    response = accepted(harness, ["CreateEventTracker.response.valid"], "CreateEventTracker",
                        request)
    check_response(harness, "CreateEventTracker", request, response)


@pytest.mark.clause(AGREE, *response_clauses("DescribeEventTracker"))
def test_describe_agrees_with_create(harness: Harness, dataset_group):
    created = harness.create_tracker(dataset_group)
    create_call = next(c for c in harness.history if c.operation == "CreateEventTracker")
    request = {"eventTrackerArn": created["eventTrackerArn"]}
    body = accepted(harness, [AGREE], "DescribeEventTracker", request, whole=True)
    want = {"eventTrackerArn": created["eventTrackerArn"], "trackingId": created["trackingId"],
            "datasetGroupArn": dataset_group, "name": create_call.request["name"]}
    agrees(harness, AGREE, "DescribeEventTracker", request, body, "eventTracker", want)
    check_response(harness, "DescribeEventTracker", request, body)


@pytest.mark.clause("DescribeEventTracker.unknownIsNotFound")
def test_describe_unknown_is_not_found(harness: Harness, shared_group):
    request = {"eventTrackerArn": never_seen(shared_group, "event-tracker")}
    rejected(harness, "DescribeEventTracker.unknownIsNotFound", "DescribeEventTracker", request)


@pytest.mark.clause("DeleteEventTracker.unknownIsNotFound")
def test_delete_unknown_is_not_found(harness: Harness, shared_group):
    request = {"eventTrackerArn": never_seen(shared_group, "event-tracker")}
    rejected(harness, "DeleteEventTracker.unknownIsNotFound", "DeleteEventTracker", request)


@pytest.mark.clause("DeleteEventTracker.thenNotFound", "EventTracker.status.deleteOrder")
def test_deleted_tracker_is_not_found(harness: Harness, dataset_group, tracker):
    arn = tracker["eventTrackerArn"]
    delete_and_wait(harness, arn)
    rejected(harness, "DeleteEventTracker.thenNotFound", "DescribeEventTracker",
             {"eventTrackerArn": arn}, whole=True)
    listed = walk(harness, {"datasetGroupArn": dataset_group}, None)
    holds(harness, "DeleteEventTracker.thenNotFound", arn not in arns(listed),
          f"{arn} no longer listed", arns(listed), "ListEventTrackers",
          {"datasetGroupArn": dataset_group})


@pytest.mark.clause("EventTracker.status.createOrder")
def test_statuses_after_create_follow_the_documented_order(harness: Harness, dataset_group):
    request = {"name": harness.new_name("et"), "datasetGroupArn": dataset_group}
    arn = accepted(harness, ["EventTracker.status.createOrder"], "CreateEventTracker",
                   request)["eventTrackerArn"]
    watch_create(harness, arn)


#: The page sizes the lists are walked by (``None``: the target's own).
PAGE_SIZES = (1, 2, 100, None)


@pytest.mark.clause("ListEventTrackers.filterByDatasetGroup", "ListEventTrackers.maxResults",
                    "ListEventTrackers.paging", *NEXT_TOKEN,
                    *response_clauses("ListEventTrackers"))
def test_list_pages_hold_every_tracker_once(harness: Harness):
    """Three dataset groups with a tracker each, walked by each of ``PAGE_SIZES``: filtered
    lists hold exactly the group's tracker, and walking the unfiltered list holds each of
    the three once (the tokens it was issued accepted: the valid side of the nextToken
    clauses)."""
    groups = [harness.create_dataset_group() for _ in range(3)]
    try:
        mine = {t["eventTrackerArn"]: g for t, g in zip(harness.create_trackers(groups), groups,
                                                         strict=True)}
        for max_results in PAGE_SIZES:
            for arn, group in mine.items():
                request = {"datasetGroupArn": group}
                listed = arns(walk(harness, request, max_results))
                holds(harness, "ListEventTrackers.filterByDatasetGroup", listed == [arn],
                      f"exactly [{arn}]", listed, "ListEventTrackers", request)
            check_account_list(harness, max_results, set(mine), tokens=True)
    finally:
        for group in groups:
            harness.delete_dataset_group(group)


@pytest.mark.clause("ListEventTrackers.response.valid")
def test_list_response_is_valid(harness: Harness, active_tracker):
    require_response_schema("ListEventTrackers")
    request = {"datasetGroupArn": active_tracker["datasetGroupArn"]}
    response = accepted(harness, ["ListEventTrackers.response.valid"], "ListEventTrackers",
                        request)
    check_response(harness, "ListEventTrackers", request, response)


@pytest.mark.clause("ListEventTrackers.invalidNextToken")
@pytest.mark.parametrize("token", ["pc-never-issued-token", "AAAA", "eyJ4IjogMX0="])
def test_a_token_never_issued_is_rejected(harness: Harness, token):
    rejected(harness, "ListEventTrackers.invalidNextToken", "ListEventTrackers",
             {"nextToken": token})


@pytest.mark.clause("CreateDatasetGroup.response.valid", "DescribeDatasetGroup.response.valid")
def test_dataset_group_responses_are_valid(harness: Harness):
    require_response_schema("CreateDatasetGroup")
    request = {"name": harness.new_name("dg")}
    created = accepted(harness, ["CreateDatasetGroup.response.valid"], "CreateDatasetGroup",
                       request)
    try:
        check_response(harness, "CreateDatasetGroup", request, created)
        require_response_schema("DescribeDatasetGroup")
        describe_request = {"datasetGroupArn": created["datasetGroupArn"]}
        described = accepted(harness, ["DescribeDatasetGroup.response.valid"],
                             "DescribeDatasetGroup", describe_request)
        check_response(harness, "DescribeDatasetGroup", describe_request, described)
    finally:
        harness.delete_dataset_group(created["datasetGroupArn"])


SAME_GROUP_NAME = "CreateDatasetGroup.sameName.noOverwrite"
SAME_TRACKER_NAME = "CreateEventTracker.sameName.noOverwrite"
GROUP_IN_USE = "DeleteDatasetGroup.withTracker.inUse"


@pytest.mark.clause(SAME_GROUP_NAME)
def test_a_dataset_group_name_in_use_alters_no_dataset_group(harness: Harness, dataset_group):
    # the name it was created with (describe may leave the optional member out)
    name = next(c.request["name"] for c in harness.history
                if c.operation == "CreateDatasetGroup")
    created = create_with_name_in_use(harness, SAME_GROUP_NAME, "CreateDatasetGroup",
                                      {"name": name}, dataset_group)
    if created is not None:
        harness.delete_dataset_group(created["datasetGroupArn"])


@pytest.mark.clause(SAME_TRACKER_NAME)
def test_a_tracker_name_in_use_alters_no_tracker(harness: Harness, dataset_group, tracker):
    """The name of a live tracker, for a tracker on another dataset group."""
    name = next(c.request["name"] for c in harness.history
                if c.operation == "CreateEventTracker")
    other = harness.create_dataset_group()
    try:
        create_with_name_in_use(harness, SAME_TRACKER_NAME, "CreateEventTracker",
                                {"name": name, "datasetGroupArn": other},
                                tracker["eventTrackerArn"])
    finally:
        harness.delete_dataset_group(other)


@pytest.mark.clause(GROUP_IN_USE)
def test_a_dataset_group_with_a_tracker_is_not_deleted(harness: Harness, dataset_group, tracker):
    """The harness deletes a group's trackers first; here the group goes first. The
    refused delete changes nothing: each describe shows after it what it showed before
    (what describe shows wrongly either time is its own clause's to judge)."""
    group = {"datasetGroupArn": dataset_group}
    request = {"eventTrackerArn": tracker["eventTrackerArn"]}
    looks = {("DescribeDatasetGroup", "datasetGroup"): (group, ("status",)),
             ("DescribeEventTracker", "eventTracker"): (request, ("datasetGroupArn", "status"))}

    def seen() -> dict[str, dict[str, object]]:
        shown = {}
        for (operation, key), (body, keys) in looks.items():
            answer = accepted(harness, [GROUP_IN_USE], operation, body, whole=True).get(key)
            shown[operation] = {k: (answer or {}).get(k) for k in keys}
        return shown

    before = seen()
    rejected(harness, GROUP_IN_USE, "DeleteDatasetGroup", group, whole=True)
    after = seen()
    for (operation, _), (body, _) in looks.items():
        holds(harness, GROUP_IN_USE, after[operation] == before[operation],
              f"as before the refused delete: {before[operation]}", after[operation],
              operation, body)


@pytest.mark.clause(GROUP_CREATE_ORDER, GROUP_DELETED)
def test_dataset_group_statuses_follow_the_documented_orders(harness: Harness):
    request = {"name": harness.new_name("dg")}
    arn = accepted(harness, [GROUP_CREATE_ORDER], "CreateDatasetGroup",
                   request)["datasetGroupArn"]
    try:
        watch_create(harness, arn, GROUP_CREATE_ORDER)
        delete_group_and_wait(harness, arn)
    finally:
        harness.delete_dataset_group(arn)


GROUP_AGREES = "DescribeDatasetGroup.agreesWithCreate"
LIST_AGREES = "ListEventTrackers.agreesWithDescribe"


@pytest.mark.clause(GROUP_AGREES)
@pytest.mark.parametrize("domain", [None, "ECOMMERCE"])
def test_describe_dataset_group_agrees_with_create(harness: Harness, domain):
    request = {"name": harness.new_name("dg"), **({"domain": domain} if domain else {})}
    arn = accepted(harness, [GROUP_AGREES], "CreateDatasetGroup", request)["datasetGroupArn"]
    try:
        described = {"datasetGroupArn": arn}
        body = accepted(harness, [GROUP_AGREES], "DescribeDatasetGroup", described,
                        whole=True)
        agrees(harness, GROUP_AGREES, "DescribeDatasetGroup", described, body, "datasetGroup",
               {"datasetGroupArn": arn, **request})
    finally:
        harness.delete_dataset_group(arn)


@pytest.mark.clause(LIST_AGREES)
def test_list_summaries_agree_with_describe(harness: Harness, active_tracker):
    arn = active_tracker["eventTrackerArn"]
    shown = describe(harness, arn)
    request = {"datasetGroupArn": active_tracker["datasetGroupArn"]}
    listed = [t for t in walk(harness, request, None) if t.get("eventTrackerArn") == arn]
    # a name describe does not show as created is DescribeEventTracker.agreesWithCreate's
    created = next(c.request for c in harness.history if c.operation == "CreateEventTracker")
    # optional members (the model's): compared where describe and the summary both give one
    keys = [k for k in ("name", "status", "creationDateTime") if k in shown
            and (k != "name" or shown.get("name") == created["name"])]
    want = {k: shown.get(k) for k in keys}
    got = [{k: t.get(k) for k in keys if k in t} for t in listed]
    holds(harness, LIST_AGREES, len(got) == 1 and all(want[k] == v for k, v in got[0].items()),
          f"{arn} listed once, as described where both give a member: {want}",
          got, "ListEventTrackers", request)


@pytest.mark.clause(STATUS_CLAUSE)
def test_documented_exceptions_come_with_status_400(harness: Harness, active_tracker):
    """Provoke the documented exceptions a target can be made to raise; each is HTTP 400.
    (The other tests' rejections are judged the same way: ``checks.rejected``.)"""
    tracker, dataset_group = active_tracker, active_tracker["datasetGroupArn"]
    documented = {op: set(entry["errors"]) for op, entry in operations().items()}
    status = catalog()[STATUS_CLAUSE].expected["status"]
    provocations = [
        ("DescribeEventTracker", {"eventTrackerArn": never_seen(dataset_group, "event-tracker")}),
        ("DeleteEventTracker", {"eventTrackerArn": never_seen(dataset_group, "event-tracker")}),
        ("CreateEventTracker", {"name": harness.new_name("et"), "datasetGroupArn": dataset_group}),
        ("CreateEventTracker", {"name": harness.new_name("et"),
                                "datasetGroupArn": never_seen(dataset_group, "dataset-group")}),
        ("DescribeDatasetGroup", {"datasetGroupArn": never_seen(dataset_group, "dataset-group")}),
        ("ListEventTrackers", {"nextToken": "pc-never-issued-token"}),
        ("ListEventTrackers", {"maxResults": 0}),
        ("PutEvents", {"trackingId": tracker["trackingId"], "sessionId": "s", "eventList": []}),
    ]
    checked, missing = 0, []
    for operation, request in provocations:
        try:
            harness.invoke(operation, request)
            continue
        except UnsupportedSkip as skip:  # a missing operation: check the others
            missing.append(skip)
            continue
        except TargetError as exc:
            if exc.code not in documented[operation]:
                continue
            checked += 1
            holds(harness, STATUS_CLAUSE, exc.status == status,
                  f"{exc.code} with HTTP {status}", exc.as_dict(), operation, request)
    if not checked and missing:
        raise missing[0]
    holds(harness, STATUS_CLAUSE, checked > 0, "at least one documented exception",
          {"checked": checked}, provocations[0][0], provocations[0][1])


assert AGREE in catalog().clauses


OWNER = "DescribeEventTracker.accountId.owner"


@pytest.mark.clause(OWNER)
def test_the_described_account_owns_the_tracker(harness: Harness, active_tracker):
    """accountId, when given, is the account field of the tracker's ARN."""
    arn = active_tracker["eventTrackerArn"]
    request = {"eventTrackerArn": arn}
    body = accepted(harness, [OWNER], "DescribeEventTracker", request)
    given = "accountId" in (body.get("eventTracker") or {})
    # a value of another type is DescribeEventTracker.response.valid's alone
    agrees(harness, OWNER, "DescribeEventTracker", request, body, "eventTracker",
           {"accountId": arn_account(arn)} if given else {})


SUMMARY_TRACKING_ID = "ListEventTrackers.summary.trackingId"


@pytest.mark.clause(SUMMARY_TRACKING_ID)
def test_a_summarys_tracking_id_is_its_trackers(harness: Harness, active_tracker):
    """A summary may carry a trackingId (the operation's documentation) or not (the
    model); one it carries is its tracker's. Read from the raw answer where the target
    keeps it: botocore's parser drops a member the model lacks."""
    tracker = active_tracker
    request = {"datasetGroupArn": tracker["datasetGroupArn"]}
    response = accepted(harness, [SUMMARY_TRACKING_ID], "ListEventTrackers", request)
    summaries = as_answered(harness, response).get("eventTrackers") or []
    given = [t["trackingId"] for t in summaries if isinstance(t, dict) and "trackingId" in t
             and t.get("eventTrackerArn") == tracker["eventTrackerArn"]]
    holds(harness, SUMMARY_TRACKING_ID, all(g == tracker["trackingId"] for g in given),
          f"no trackingId, or {tracker['trackingId']}", {"trackingIds": given},
          "ListEventTrackers", request)

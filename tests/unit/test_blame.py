"""One root cause per failure: a wrongly rejected valid request fails the clauses of the
member responsible (found by minimizing the request), with their catalog ``dependents``,
and nothing else; the blast radius of each mutant is its own clause and the clauses the
catalog declares dependent on it.

The blast radius over every mutant runs the whole suite once per mutant: opt in with
``PC_BLAST_RADIUS=all``. Always on: the mutants known to smear, on the tests of their
operation's clauses.
"""

from __future__ import annotations

import os

import pytest

from benchmarks.power import run_suite
from personalize_conformance import checks
from personalize_conformance.checks import blame
from personalize_conformance.contracts import STATUS_CLAUSE, catalog, shape_clauses
from personalize_conformance.harness import Harness, outcomes
from personalize_conformance.harness.outcomes import Blocked
from personalize_conformance.targets import mutants, resolve

#: Mutants whose fault used to fail many clauses besides their own.
#: (one per kind: a list's maximum, a nested list's minimum, a name's length on a create,
#: an integer bound with dependents; the others run with ``PC_BLAST_RADIUS=all``).
SMEARING = ("eventList-rejects-10", "impression-rejects-1", "name-rejects-63",
            "maxResults-rejects-100")
#: Mutant categories that reject a valid request (where ``dependents`` apply).
REJECTS_VALID = ("bound-rejects-max", "bound-rejects-min")
EVERY = os.environ.get("PC_BLAST_RADIUS") == "all"


def allowed(mutant_id: str) -> set[str]:
    """The clauses a run against the mutant may fail: its own and their dependents."""
    return set(blame.with_dependents([mutants()[mutant_id]["kills"][0]]))


def test_the_catalog_declares_dependents_the_mutants_kill():
    """One source of truth: a mutant's kill list holds what the catalog declares dependent
    on its own clause; every dependent is a clause."""
    for clause in catalog():
        assert all(d in catalog().clauses and d != clause.id for d in clause.dependents)
    for mutant_id, entry in mutants().items():
        if entry["category"] in REJECTS_VALID:
            assert allowed(mutant_id) <= set(entry["kills"]), mutant_id
    assert "PutEvents.validRequest.accepted" in catalog()["PutEvents.eventList.maxItems"].dependents


def _harness(target: str) -> Harness:
    harness = Harness(resolve(target), run_id="blame", call_timeout=None)
    harness.target.start()
    return harness


def _tracking_id(harness: Harness) -> str:
    return harness.create_tracker(harness.create_dataset_group())["trackingId"]


def _events(count: int, **members) -> list[dict]:
    return [{"eventType": "click", "sentAt": 1553631760 + i, **members} for i in range(count)]


@pytest.mark.parametrize("target, request_of, want, member", [
    ("mutant:eventList-rejects-10",
     lambda t: {"trackingId": t, "sessionId": "s1", "userId": "u", "eventList": _events(10)},
     ["PutEvents.eventList.maxItems"], "eventList"),
    ("mutant:impression-rejects-25",
     lambda t: {"trackingId": t, "sessionId": "s1",
                "eventList": _events(2) + _events(1, impression=["i"] * 25)},
     ["PutEvents.eventList[].impression.maxItems"], "eventList[2].impression"),
    ("mutant:sessionId-rejects-1-char",
     lambda t: {"trackingId": t, "sessionId": "s", "eventList": _events(4)},
     ["PutEvents.sessionId.minLength"], "sessionId"),
    ("mutant:eventList-rejects-1",
     lambda t: {"trackingId": t, "sessionId": "s1", "eventList": _events(1)},
     ["PutEvents.eventList.minItems"], "eventList"),
])
def test_minimizing_finds_the_member_responsible(target, request_of, want, member):
    harness = _harness(target)
    try:
        request = request_of(_tracking_id(harness))
        found = blame.responsible(harness, "PutEvents", request)
        assert (found.clauses, found.member) == (want, member), found
        assert 0 < found.resends <= blame.MAX_RESENDS
        with pytest.raises(checks.ClauseFailure) as caught:
            checks.accepted(harness, [c.id for c in shape_clauses("PutEvents")
                                      if c.location.present(request)], "PutEvents", request)
        assert caught.value.clauses == [*want, "PutEvents.validRequest.accepted"]
        assert caught.value.details["blame"]["member"] == member
        assert not harness.record.sides  # nothing credited by a rejected request
    finally:
        harness.cleanup()


def test_a_create_is_minimized_with_fresh_names_and_its_resources_deleted_at_once():
    """What the re-send that was accepted created is deleted before the next call: the
    dataset group is as the rejection found it (no tracker on it)."""
    harness = _harness("mutant:name-rejects-63")
    try:
        group = harness.create_dataset_group()
        request = {"name": harness.new_name("et").ljust(63, "x"), "datasetGroupArn": group}
        found = blame.responsible(harness, "CreateEventTracker", request,
                                  pinned=["datasetGroupArn", "name"])
        assert found.clauses == ["CreateEventTracker.name.maxLength"]
        assert not any(kind == "event-tracker" for kind, _ in harness.created.values())
        listed = harness.call("ListEventTrackers", {"datasetGroupArn": group})
        assert listed.get("eventTrackers", []) == []
    finally:
        assert harness.cleanup() == []
        assert not harness.created


def test_the_resends_are_bounded():
    harness = _harness("mutant:eventList-rejects-10")
    try:
        request = {"trackingId": _tracking_id(harness), "sessionId": "s1",
                   "eventList": _events(10)}
        found = blame.responsible(harness, "PutEvents", request, budget=2)
        assert (found.clauses, found.resends) == ([], 2)
    finally:
        harness.cleanup()


def _blast(mutant_id: str, clauses: set[str] | None) -> set[str]:
    run = run_suite(f"mutant:{mutant_id}", clauses=clauses, profile="ci-kill", quiet=True)
    assert run.exit_code in (0, 1), (mutant_id, run.exit_code)
    return run.failed_clauses


@pytest.mark.parametrize("mutant_id", SMEARING)
def test_a_smearing_mutant_fails_only_its_clause_and_dependents(mutant_id):
    own = catalog()[mutants()[mutant_id]["kills"][0]]
    nearby = {c.id for c in catalog() if c.operation == own.operation} | allowed(mutant_id)
    failed = _blast(mutant_id, nearby)
    assert own.id in failed and failed <= allowed(mutant_id), sorted(failed - allowed(mutant_id))


@pytest.mark.skipif(not EVERY, reason="the whole suite per mutant: PC_BLAST_RADIUS=all")
@pytest.mark.parametrize("mutant_id", sorted(mutants()))
def test_every_mutant_fails_within_its_blast_radius(mutant_id):
    failed = _blast(mutant_id, None)
    assert failed <= allowed(mutant_id), sorted(failed - allowed(mutant_id))


def test_a_request_goes_on_without_a_root_cause_already_failed():
    """A value at a blamed bound is moved off it; a cause of another keyword goes with
    its optional member (and what needs it); in a member a request must have, the
    request is skipped."""
    key = ["CreateDatasetGroup.tags[].tagKey.minLength"]
    tags = [{"tagKey": "k", "tagValue": "v"}, {"tagKey": "key", "tagValue": "v"}]
    request = {"name": "g", "tags": tags, "domain": "VIDEO_ON_DEMAND"}
    moved = blame.without("CreateDatasetGroup", key, request)
    assert not blame.recurs(key[0], moved) and blame.recurs(key[0], request)
    assert len(moved["tags"][0]["tagKey"]) == 2 and moved["tags"][1] == tags[1]
    assert {**moved, "tags": tags} == request
    events = ["PutEvents.eventList.maxItems"]
    full = {"trackingId": "t", "sessionId": "s", "eventList": _events(10)}
    assert blame.without("PutEvents", events, full) == {**full, "eventList": _events(9)}
    fewer = {**full, "eventList": _events(8)}
    assert blame.without("PutEvents", events, fewer) == fewer
    pair = {"name": "g", "roleArn": "arn:aws:iam::123456789012:role/r",
            "kmsKeyArn": "arn:aws:kms:us-west-2:123456789012:key/k"}
    assert blame.without("CreateDatasetGroup", ["CreateDatasetGroup.roleArn.pattern"],
                         pair) == {"name": "g"}
    assert blame.without("CreateDatasetGroup", ["CreateDatasetGroup.name.pattern"],
                         pair) is None


def test_the_valid_requests_go_on_after_a_root_cause():
    """After the root cause of a wrongly rejected valid request is failed, the property
    goes on without it: every other clause of the operation is still checked (none left
    ``incomplete``), and only the root cause fails."""
    mutant_id = "datasetGroup-tagKey-rejects-1-char"
    ids = {c.id for c in shape_clauses("CreateDatasetGroup")}
    run = run_suite(f"mutant:{mutant_id}", clauses=ids, profile="ci", quiet=True)
    status = {c["id"]: c["status"] for c in run.report["clauses"] if c["id"] in ids}
    assert {i for i, s in status.items() if s == "failed"} == allowed(mutant_id)
    assert {i for i, s in status.items() if s != "failed"} == ids - allowed(mutant_id)
    assert all(s == "passed" for i, s in status.items() if i not in allowed(mutant_id)), {
        i: s for i, s in status.items() if s != "passed"}


def test_a_create_answered_without_what_a_test_needs_blocks_the_test():
    """A create whose answer lacks a required member fails its response clause in its
    own test; a test that needed the resource is ``Blocked`` (its clauses incomplete)."""
    harness = _harness("mutant:create-response-missing-trackingId")
    try:
        group = harness.create_dataset_group()
        with pytest.raises(Blocked, match="without trackingId") as caught:
            harness.create_tracker(group)
        assert outcomes.status_of(caught.value) == outcomes.INCOMPLETE
    finally:
        harness.cleanup()


def test_a_wrong_status_fails_the_status_clause_alone():
    """A documented exception with another status (ResourceNotFoundException, HTTP 500)
    refused the request for the right reason: the behavioural clause holds, and the status
    fails ``Errors.status400`` alone, with a reproduction, from every test that saw it."""
    own = "DeleteEventTracker.unknownIsNotFound"
    run = run_suite("mutant:delete-unknown-with-status-500", clauses={own, STATUS_CLAUSE},
                    profile="ci", quiet=True)
    entries = {c["id"]: c for c in run.report["clauses"]}
    assert run.failed_clauses == {STATUS_CLAUSE}
    assert entries[own]["status"] == "passed"
    tests = {f["test"].rsplit("::", 1)[-1] for f in entries[STATUS_CLAUSE]["failures"]}
    assert {"test_delete_unknown_is_not_found",
            "test_documented_exceptions_come_with_status_400"} <= tests, tests
    assert all("delete_event_tracker" in f["reproduction"]["boto3"]
               for f in entries[STATUS_CLAUSE]["failures"])

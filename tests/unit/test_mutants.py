"""The mutant catalog (``targets/mutants.json``) is sound, and the conformance suite kills
every mutant at one of its ``kills`` clauses while the reference passes the same tests.

Each mutant runs the tests naming its kill clauses (``--clauses``), in this process, under
the ``ci`` profile's examples (shrinking off: it changes no verdict). A mutant whose kill
clauses no conformance test names yet is skipped, saying which clause lacks a test.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib.resources import files

import pytest

from benchmarks.power import kill, named_clauses, run_suite
from personalize_conformance.contracts import (
    STATUS_CLAUSE,
    all_operations,
    catalog,
    node_at,
    schema,
    split_pointer,
)
from personalize_conformance.targets import mutants, reference_service, resolve
from personalize_conformance.targets.reference import ReferenceService
from personalize_conformance.targets.reference.mutants import (
    SERVICES,
    PagingLosesItem,
    apply_patch,
    mutant,
)
from personalize_conformance.targets.reference.service import Behaviour, ServiceError
from personalize_conformance.targets.reference.wire_faults import READS

#: The kinds of mutation an entry may hold (each applied from outside the reference).
KINDS = {"schema_patches", "error_remaps", "response_patches", "service", "wire"}
#: What a ``wire`` entry may change (targets/reference/wire_faults.py, ``wire_handler``).
WIRE_FAULTS = {"accept", "refuse", "success", "error", "drop_headers", "request"}
#: The malformed request kinds a ``wire`` entry may accept or refuse.
REQUEST_KINDS = {"missing-target", "unknown-target", "wrong-content-type", "not-json",
                 "not-object"}
#: The behavioural faults the reference carried as named switches before they became data:
#: none of these names may come back into it.
OLD_FAULTS = {
    "second-tracker-allowed", "second-tracker-as-invalid-input", "second-tracker-as-500",
    "tracker-on-missing-dataset-group", "missing-dataset-group-with-status-200",
    "describe-unknown-as-invalid-input", "delete-unknown-as-invalid-input",
    "delete-unknown-with-status-500", "name-too-long-as-validation-exception",
    "event-type-too-long-as-500", "too-many-tags-with-status-200", "describe-wrong-name",
    "describe-wrong-tracking-id", "describe-wrong-dataset-group",
    "create-response-missing-tracking-id", "describe-account-id-not-a-string",
    "list-status-not-a-string", "describe-dataset-group-bad-domain", "create-status-goes-back",
    "active-then-create-in-progress", "status-ready", "delete-status-goes-back",
    "deleted-tracker-still-described", "deleted-tracker-still-listed",
    "deleted-tracker-accepts-events", "unknown-tracking-id-accepted", "list-ignores-filter",
    "list-ignores-max-results", "paging-loses-item", "paging-repeats-item",
    "invalid-next-token-accepted", "events-recorded-elsewhere", "generated-event-ids-repeat",
    "generated-event-ids-missing", "duplicate-event-ids-trained", "session-not-associated",
    "properties-keys-unmapped",
}

#: Every kind of fault the catalog must hold at least one mutant of.
CATEGORIES = {
    "bound-accepts-above-max", "bound-rejects-max", "bound-accepts-below-min",
    "bound-rejects-min", "required-not-required", "pattern-not-enforced",
    "enum-not-enforced", "type-not-enforced", "wrong-error-code",
    "server-error-instead-of-400", "wrong-status", "second-tracker-allowed",
    "tracker-on-missing-dataset-group", "describe-disagrees-with-create",
    "deleted-tracker-lingers", "unknown-tracking-id-accepted", "list-ignores-parameter",
    "paging-loses-or-repeats", "invalid-next-token-accepted", "status-order",
    "response-schema", "semantics", "create-alters-another", "delete-in-use",
    "dependency-not-enforced",
    "deleted-dataset-group-lingers", "list-disagrees-with-describe",
    "reserved-key-accepted", "account-not-the-owner",
}
MUTANTS = sorted(mutants())


def _entries() -> list[dict]:
    raw = files("personalize_conformance.targets") / "mutants.json"
    return json.loads(raw.read_text(encoding="utf-8"))["mutants"]


def _resolves(pointer: str) -> bool:
    """Whether ``File.json#/a/b`` names an existing node of the inlined contract schema."""
    file, steps = split_pointer(pointer)
    try:
        node_at(schema(file), steps)
    except (KeyError, IndexError, ValueError, TypeError):
        return False
    return True


def _check_remaps(e: dict, where: str) -> None:
    """An entry's ``schema_patches`` and ``error_remaps`` are its clause's, well-formed."""
    for pointer in e.get("schema_patches", {}):
        assert _resolves(pointer), f"{where}: {pointer} is not in the contract schema"
        own = catalog()[e["kills"][0]].schema or ""
        assert own.startswith(pointer), f"{where}: {pointer} is not {e['kills'][0]}'s"
    for remap in e.get("error_remaps", []):
        assert remap["clause"] in catalog().clauses, f"{where}: no clause {remap['clause']}"
        answer = remap["answer"]
        # a documented code with another status is Errors.status400's fault alone
        status_apart = catalog()[remap["clause"]].status_judged_apart(
            answer.get("status", 400), answer.get("code", ""))
        assert remap["clause"] == e["kills"][0] or (
            status_apart and e["kills"] == [STATUS_CLAUSE]), (
            f"{where} remaps {remap['clause']}")
        if answer.get("accept"):
            assert answer == {"accept": True}, f"{where}: accept takes nothing else"
            assert catalog()[remap["clause"]].kind != "shape", (
                f"{where}: let a shape violation through by a schema patch instead")
        else:
            assert answer and set(answer) <= {"status", "code"}, f"{where}: {answer}"
            assert isinstance(answer.get("status", 400), int), where
            assert isinstance(answer.get("code", ""), str), where


def _check_answers(e: dict, where: str) -> None:
    """An entry's ``response_patches`` and ``wire`` faults are well-formed."""
    for patch in e.get("response_patches", []):
        assert patch["operation"] in all_operations(), f"{where}: {patch['operation']}"
        assert patch["patch"], f"{where}: an empty patch"
        for op in patch["patch"]:
            assert op["op"] in ("add", "replace", "remove"), f"{where}: {op}"
            assert op["path"].startswith("/"), f"{where}: {op}"
            assert ("value" in op) == (op["op"] != "remove"), f"{where}: {op}"
    if "wire" in e:
        assert set(e["wire"]) <= WIRE_FAULTS, f"{where}: {set(e['wire'])}"
        assert catalog()[e["kills"][0]].kind == "protocol", f"{where}: a wire fault"
        kinds = {*e["wire"].get("accept", ()), *e["wire"].get("refuse", {})}
        assert kinds <= REQUEST_KINDS, f"{where}: {kinds - REQUEST_KINDS}"
        reads = {fault["read"] for fault in e["wire"].get("request", ())}
        assert reads <= set(READS), f"{where}: {reads - set(READS)}"
        assert resolve(f"mutant:{where}").name == f"mutant:{where}"


def test_catalog_is_sound():
    entries = _entries()
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert len(entries) >= 40
    categories = {e["category"] for e in entries}
    assert categories >= CATEGORIES, CATEGORIES - categories
    used = set()
    for e in entries:
        where = e["id"]
        assert e["kills"] and all(k in catalog().clauses for k in e["kills"]), where
        assert set(e) <= {"id", "category", "kills", "strict", *KINDS}, f"{where}: {set(e)}"
        if "strict" in e:  # killed under --strict only: a reading its clause's entry allows
            assert e["strict"] is True and catalog()[e["kills"][0]].ambiguity, where
        assert any(e.get(kind) for kind in KINDS), f"{where} changes nothing"
        _check_remaps(e, where)
        _check_answers(e, where)
        if "service" in e:
            assert e["service"] in SERVICES, f"{where}: no service {e['service']!r}"
            used.add(e["service"])
        service = reference_service(f"mutant:{where}")  # loads
        assert isinstance(service, ReferenceService) and type(service) is not ReferenceService
        if "service" in e:
            assert isinstance(service, SERVICES[e["service"]]), where
    assert used == set(SERVICES), (
        f"services no mutant uses: {sorted(set(SERVICES) - used)}")


def test_the_reference_names_no_fault():
    """The reference implements the documents and nothing else: no mutant id, category,
    old fault name or mutant service appears in its source."""
    source = (files("personalize_conformance.targets.reference") / "service.py").read_text(
        encoding="utf-8")
    names = {*mutants(), *CATEGORIES, *OLD_FAULTS, *SERVICES,
             *(m["category"] for m in mutants().values())}
    # a name counts as a word of its own (a category may be a step of a clause id:
    # "semantics" in PutEvents.semantics.eventIdGenerated)
    found = sorted(n for n in names
                   if re.search(rf"(?<![\w.-]){re.escape(n)}(?![\w.-])", source, re.I))
    assert not found, f"service.py names faults: {found}"
    said = re.findall(r"\b(?:faults?|faulty|mutants?)\b", source, re.I)
    assert not said, f"service.py says {said}"


def _service(**entry) -> ReferenceService:
    return mutant({"id": "t", **entry})


GROUP = {"name": "g1"}
SECOND = "CreateEventTracker.oneTrackerPerDatasetGroup"


def _with_tracker(service: ReferenceService) -> str:
    """A dataset group of ``service``'s own (an ARN is the service's to make,
    Arn.resourceId) with the tracker ``t1``: its ARN."""
    arn = service.call("CreateDatasetGroup", GROUP)["datasetGroupArn"]
    service.call("CreateEventTracker", {"name": "t1", "datasetGroupArn": arn})
    return arn


def test_error_remaps_are_applied_from_outside():
    """A remap answers differently, or lets the request through; the reference is
    untouched."""
    ref = ReferenceService()
    first = _with_tracker(ref)
    with pytest.raises(ServiceError) as caught:
        ref.call("CreateEventTracker", {"name": "t2", "datasetGroupArn": first})
    assert caught.value.clause == SECOND
    assert (caught.value.status, caught.value.code) == (400, "ResourceAlreadyExistsException")

    remapped = _service(error_remaps=[{"clause": SECOND, "answer": {
        "status": 500, "code": "InternalFailure"}}])
    arn = _with_tracker(remapped)
    with pytest.raises(ServiceError) as caught:
        remapped.call("CreateEventTracker", {"name": "t2", "datasetGroupArn": arn})
    assert (caught.value.status, caught.value.code) == (500, "InternalFailure")
    assert caught.value.message.startswith("An event tracker already exists")

    accepting = _service(error_remaps=[{"clause": SECOND, "answer": {"accept": True}}])
    arn = _with_tracker(accepting)
    assert "trackingId" in accepting.call("CreateEventTracker",
                                          {"name": "t2", "datasetGroupArn": arn})


def test_schema_response_and_service_mutations_are_applied_from_outside():
    """A schema patch changes the validators, a response patch rewrites an answer, a
    service subclass its step; the reference is untouched by all of them."""
    ref = ReferenceService()
    first = _with_tracker(ref)
    long_name = {"name": "n" * 64}
    with pytest.raises(ServiceError) as caught:
        ref.call("CreateEventTracker", {**long_name, "datasetGroupArn": first})
    assert caught.value.clause == "CreateEventTracker.name.maxLength"
    patched = _service(schema_patches={
        "CreateEventTrackerRequest.json#/properties/name/maxLength": 64})
    arn = patched.call("CreateDatasetGroup", GROUP)["datasetGroupArn"]
    assert "trackingId" in patched.call("CreateEventTracker",
                                        {**long_name, "datasetGroupArn": arn})

    rewritten = _service(response_patches=[{"operation": "ListEventTrackers", "patch": [
        {"op": "replace", "path": "/eventTrackers/*/status", "value": 1}]}])
    _with_tracker(rewritten)
    assert [t["status"] for t in rewritten.call("ListEventTrackers", {})["eventTrackers"]] == [1]
    assert [t["status"] for t in ref.call("ListEventTrackers", {})["eventTrackers"]] == [
        "ACTIVE"]

    ready = _service(service="StatusReady")
    arn = ready.call("CreateDatasetGroup", GROUP)["datasetGroupArn"]
    tracker = ready.call("CreateEventTracker", {"name": "t1", "datasetGroupArn": arn})
    described = ready.call("DescribeEventTracker",
                           {"eventTrackerArn": tracker["eventTrackerArn"]})
    assert described["eventTracker"]["status"] == "READY"


def test_reference_service_builds_the_mutant():
    """``reference_service(name)``, as ``serve`` calls it, is the mutant's service."""
    service = reference_service("mutant:paging-loses-item", progressive=True)
    assert isinstance(service, PagingLosesItem) and service.behaviour.progressive
    assert type(reference_service("reference")) is ReferenceService
    assert reference_service("reference", progressive=True).behaviour == Behaviour(
        progressive=True)


@pytest.mark.parametrize("document, patch, want", [
    ({"a": {"b": 1}}, [{"op": "replace", "path": "/a/b", "value": "x"}], {"a": {"b": "x"}}),
    ({"a": {"b": 1}}, [{"op": "remove", "path": "/a/b"}], {"a": {}}),
    ({"a": {}}, [{"op": "add", "path": "/a/c", "value": [1]}], {"a": {"c": [1]}}),
    ({"l": [1, 2]}, [{"op": "add", "path": "/l/-", "value": 3}], {"l": [1, 2, 3]}),
    ({"l": [{"s": 1}, {"s": 2}]}, [{"op": "replace", "path": "/l/*/s", "value": 0}],
     {"l": [{"s": 0}, {"s": 0}]}),
    ({"l": []}, [{"op": "replace", "path": "/l/*/s", "value": 0}], {"l": []}),
    ({"a/b": 1}, [{"op": "remove", "path": "/a~1b"}], {}),
])
def test_response_patches_are_json_patches(document, patch, want):
    before = json.dumps(document)
    assert apply_patch(document, patch) == want
    assert json.dumps(document) == before  # a new copy


def test_a_json_patch_replaces_only_what_exists():
    with pytest.raises(KeyError):
        apply_patch({"a": {}}, [{"op": "replace", "path": "/a/b", "value": 1}])


@pytest.mark.parametrize("mutant_id", MUTANTS)
def test_the_suite_kills_the_mutant(mutant_id: str):
    entry = mutants()[mutant_id]
    if not set(entry["kills"]) & named_clauses():
        pytest.skip(f"no test names clause {entry['kills'][0]} yet")
    result = kill(mutant_id)
    assert result.run is not None and result.run.exit_code in (0, 1), (
        f"the run against mutant:{mutant_id} could not be made (exit {result.run.exit_code})")
    assert result.result == "killed", (
        f"mutant:{mutant_id} survived: no failure at {entry['kills']} "
        f"(failed clauses: {result.failed_clauses or 'none'})")


def test_the_reference_passes_where_mutants_are_killed():
    """The same tests, against the reference, fail nothing: a kill is never a false alarm."""
    wanted = {k for m in mutants().values() for k in m["kills"]} & named_clauses()
    run = run_suite("reference", clauses=wanted, profile="ci-kill")
    assert run.exit_code == 0 and not run.failed_clauses, sorted(run.failed_clauses)

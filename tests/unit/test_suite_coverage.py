"""The suite covers the catalog: every clause named by a test, no test naming an unknown
clause; the profiles give certify its examples; the coverage gate of the report."""

from __future__ import annotations

import json
import subprocess
import sys

from hypothesis import settings

from personalize_conformance import report
from personalize_conformance.contracts import catalog
from personalize_conformance.harness import outcomes, profiles

COLLECT = """
import json, sys, pytest
from personalize_conformance.run.selection import clause_ids
found = {}
class Grab:
    def pytest_collection_modifyitems(self, items):
        for item in items:
            found[item.nodeid] = clause_ids(item)
code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "--pyargs",
                    "personalize_conformance.suite"], plugins=[Grab()])
print("@@" + json.dumps({"code": int(code), "tests": found}))
"""


def collected() -> dict[str, list[str]]:
    """Test node id -> the clause ids it names, as pytest collects the installed suite."""
    done = subprocess.run([sys.executable, "-c", COLLECT], capture_output=True, text=True,
                          timeout=120)
    line = next(x for x in done.stdout.splitlines() if x.startswith("@@"))
    result = json.loads(line[2:])
    assert result["code"] == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return result["tests"]


def test_every_clause_has_a_test_and_every_named_clause_exists():
    tests = collected()
    named = {cid for ids in tests.values() for cid in ids}
    known = {c.id for c in catalog()}
    assert not (known - named), f"clauses no test names: {sorted(known - named)}"
    assert not (named - known), f"tests name unknown clauses: {sorted(named - known)}"
    unnamed = [t for t, ids in tests.items() if not ids]
    assert not unnamed, f"conformance tests naming no clause: {unnamed}"


def test_certify_runs_at_least_200_examples_and_the_machine_scales_with_it():
    from personalize_conformance.suite.test_lifecycle import machine_settings

    profiles.register()
    previous = settings.default
    try:
        for name, examples in (("certify", 200), ("ci", 1)):
            settings.load_profile(name)
            assert settings.default.max_examples >= examples
            machine = machine_settings()
            assert machine.max_examples >= min(settings.default.max_examples // 3, 60)
            assert machine.stateful_step_count >= 12
        settings.load_profile("certify")
        certify = machine_settings()
        assert certify.max_examples == 60 and certify.stateful_step_count == 40
        settings.load_profile("ci")
        assert machine_settings().max_examples < certify.max_examples
    finally:
        settings.register_profile("pc-unit-previous", previous)
        settings.load_profile("pc-unit-previous")


def _record(status: str, clause: str, sides: list[str]) -> dict:
    return {"test": f"t-{clause}-{'-'.join(sides)}", "status": status, "clauses": [clause],
            "failure": None, "sides": {clause: sides}}


def test_a_clause_passes_only_when_its_cases_ran():
    """The coverage gate: shape clauses need an accepted and a rejected case, others a
    check; a clause whose cases could not be made is incomplete, with the reason."""
    shape = next(c.id for c in catalog() if c.kind == "shape")
    behaviour = next(c.id for c in catalog() if c.kind == "behaviour")

    def status(*records: dict) -> str:
        built = report.build(list(records), {"target": "t"})
        return {c["id"]: c["status"] for c in built["clauses"]}

    assert status(_record("passed", shape, ["accepted"]))[shape] == outcomes.INCOMPLETE
    assert status(_record("passed", shape, ["rejected"]))[shape] == outcomes.INCOMPLETE
    both = status(_record("passed", shape, ["accepted"]), _record("passed", shape, ["rejected"]))
    assert both[shape] == outcomes.PASSED
    assert status(_record("failed", shape, ["accepted"]))[shape] == outcomes.FAILED
    assert status(_record("passed", behaviour, ["rejected"]))[behaviour] == outcomes.PASSED
    assert status(_record("passed", behaviour, ["held"]))[behaviour] == outcomes.PASSED
    assert status(_record("passed", behaviour, []))[behaviour] == outcomes.INCOMPLETE
    reasoned = {**_record("passed", shape, ["accepted"]),
                "not_exercised": {shape: ["rejected: the strategies cannot make a case"]}}
    entry = next(c for c in report.build([reasoned], {"target": "t"})["clauses"]
                 if c["id"] == shape)
    assert entry["status"] == outcomes.INCOMPLETE
    assert entry["not_exercised"] == ["rejected: the strategies cannot make a case"]
    built = report.build([_record("passed", shape, ["accepted"])], {"target": "t"})
    assert built["summary"][outcomes.INCOMPLETE] >= 1
    assert "incomplete" in built["verdict"] or "not conformant" in built["verdict"]


def test_a_valid_case_counts_only_for_the_locations_the_request_fills():
    clauses = catalog()

    def present(request: dict, clause_id: str) -> bool:
        return clauses[clause_id].location.present(request)

    events = {"trackingId": "t", "sessionId": "s",
              "eventList": [{"eventType": "click", "sentAt": 1}]}
    assert present(events, "PutEvents.sessionId.required")
    assert present(events, "PutEvents.eventList[].eventType.minLength")
    assert not present(events, "PutEvents.userId.maxLength")
    assert not present(events, "PutEvents.eventList[].impression[].maxLength")
    events["eventList"].append({"eventType": "buy", "sentAt": 2, "impression": ["a"]})
    assert present(events, "PutEvents.eventList[].impression[].maxLength")
    assert not present({"eventList": []}, "PutEvents.trackingId.required")
    assert not present({"eventList": [{"sentAt": 1}]}, "PutEvents.eventList[].eventType.required")
    assert present({"eventList": [{"sentAt": 1}, {"eventType": "e"}]},
                   "PutEvents.eventList[].eventType.required")

"""The mutant catalog (``targets/mutants.json``) is sound, and the conformance suite kills
every mutant at one of its ``kills`` clauses while the reference passes the same tests.

Each mutant runs the tests naming its kill clauses (``--clauses``), in this process, under
the ``ci`` profile's examples (shrinking off: it changes no verdict). A mutant whose kill
clauses no conformance test names yet is skipped, saying which clause lacks a test.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib.resources import files

import pytest

from benchmarks.power import kill, named_clauses, run_suite
from personalize_conformance.contracts import catalog, node_at, schema, split_pointer
from personalize_conformance.targets import mutants, reference_behaviour
from personalize_conformance.targets.reference.service import FAULTS

#: Every kind of fault the catalog must hold at least one mutant of.
CATEGORIES = {
    "bound-accepts-above-max", "bound-rejects-max", "bound-accepts-below-min",
    "bound-rejects-min", "required-not-required", "pattern-not-enforced",
    "enum-not-enforced", "type-not-enforced", "wrong-error-code",
    "server-error-instead-of-400", "wrong-status", "second-tracker-allowed",
    "tracker-on-missing-dataset-group", "describe-disagrees-with-create",
    "deleted-tracker-lingers", "unknown-tracking-id-accepted", "list-ignores-parameter",
    "paging-loses-or-repeats", "invalid-next-token-accepted", "status-order",
    "response-schema", "semantics",
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
        assert e.get("schema_patches") or e.get("faults"), f"{where} changes nothing"
        for fault in e.get("faults", []):
            assert fault in FAULTS, f"{where}: no fault {fault!r} in service.FAULTS"
            assert FAULTS[fault] == e["kills"][0], f"{where}: {fault} breaks {FAULTS[fault]}"
            used.add(fault)
        for pointer in e.get("schema_patches", {}):
            assert _resolves(pointer), f"{where}: {pointer} is not in the contract schema"
            own = catalog()[e["kills"][0]].schema or ""
            assert own.startswith(pointer), f"{where}: {pointer} is not {e['kills'][0]}'s"
        reference_behaviour(f"mutant:{where}")  # loads
    assert used == set(FAULTS), f"faults no mutant uses: {sorted(set(FAULTS) - used)}"


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

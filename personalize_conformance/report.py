"""Turn the per-test records of a run into the certification report (``report.json``)."""

from __future__ import annotations

import json
import platform
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import __version__, outcomes
from .contracts import catalog, digest


def _clause_status(statuses: Iterable[str]) -> str:
    present = set(statuses)
    return next((s for s in outcomes.ORDER if s in present), outcomes.UNTESTED)


#: The sides a shape clause must have had run to count as passed (the coverage gate).
BOTH_SIDES = ("accepted", "rejected")


def _gated(clause_kind: str, status: str, tests: Iterable[Mapping[str, Any]],
           clause_id: str) -> str:
    """The coverage gate: a passed clause is ``incomplete`` unless its checks actually
    ran: for a shape clause at least one accepted and one rejected case, for any other
    clause at least one check. Every other status is left as it is."""
    if status != outcomes.PASSED:
        return status
    ran = {side for r in tests for side in r.get("sides", {}).get(clause_id, [])}
    complete = ran.issuperset(BOTH_SIDES) if clause_kind == "shape" else bool(ran)
    return status if complete else outcomes.INCOMPLETE


def _record_status(record: Mapping[str, Any], clause_id: str) -> str | None:
    """A test's status for one of its clauses; ``None`` (no verdict) when the test failed
    on a ClauseFailure naming other clauses, so it did not finish checking this one."""
    named = (record.get("failure") or {}).get("clauses")
    if record["status"] == outcomes.FAILED and named and clause_id not in named:
        return None
    return record["status"]


def verdict(clauses: list[dict[str, Any]]) -> str:
    """The one-line verdict over the clause results."""
    must = [c for c in clauses if c["level"] == "MUST"]
    failed = sum(c["status"] == outcomes.FAILED for c in must)
    if failed:
        return f"not conformant: {failed} MUST clauses failed"
    unchecked = sum(c["status"] in (outcomes.UNSUPPORTED, outcomes.UNTESTED,
                                    outcomes.INCOMPLETE) for c in must)
    if unchecked:
        return (f"incomplete: {unchecked} MUST clauses not checked "
                "(unsupported, untested or incomplete)")
    waived = sum(c["status"] == outcomes.WAIVED for c in clauses)
    return f"conformant with {waived} waivers" if waived else "conformant"


def build(records: Iterable[Mapping[str, Any]], meta: Mapping[str, Any],
          waivers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The report: run metadata, a summary, and one entry per catalog clause.

    Each record is one test's result: ``{test, status, clauses, failure, sides}``
    (``sides``: clause id -> the sides, accepted/rejected, its checks ran).
    """
    waivers = waivers or {}
    by_clause: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        for clause_id in record["clauses"]:
            by_clause.setdefault(clause_id, []).append(record)
    entries = []
    for clause in catalog():
        tests = by_clause.get(clause.id, [])
        verdicts = [_record_status(r, clause.id) for r in tests]
        status = _gated(clause.kind, _clause_status(v for v in verdicts if v), tests,
                        clause.id)
        failures = [
            {"test": r["test"], **r["failure"]}
            for r in tests
            if _record_status(r, clause.id) == outcomes.FAILED and r.get("failure")
        ]
        entry = {
            "id": clause.id,
            "status": outcomes.WAIVED if clause.id in waivers else status,
            "observed_status": status,
            "level": clause.level,
            "operation": clause.operation,
            "statement": clause.statement,
            "source": clause.source,
            "tests": sorted({r["test"] for r in tests}),
            "failures": failures,
        }
        if status == outcomes.INCOMPLETE:
            entry["not_exercised"] = sorted(
                {n for r in tests for n in r.get("not_exercised", {}).get(clause.id, [])})
        if clause.id in waivers:
            entry["waiver"] = waivers[clause.id]
        entries.append(entry)
    summary = {key: 0 for key in outcomes.SUMMARY_KEYS}
    for entry in entries:
        summary[entry["status"]] += 1
    return {
        **meta,
        "suite_version": __version__,
        "contract_digest": digest(),
        "python": platform.python_version(),
        "summary": summary,
        "verdict": verdict(entries),
        "clauses": entries,
    }


def write(report: Mapping[str, Any], directory: str | Path) -> Path:
    """Write ``report.json`` into ``directory``; its path."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    out = path / "report.json"
    out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    return out

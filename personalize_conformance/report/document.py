"""The report document: ``build`` turns the per-test records of a run into
``report.json`` (checked by ``report.schema.json``, ``schema``), one entry per catalog
clause with its statement, source, status (``status.clause_status``, then waivers),
tests, examples, duration and failures, and the run's metadata, summary, verdict and
outcome (``conclusion``); ``write`` puts it with ``junit.xml``, ``report.md``,
``report.html`` (``render``) and each failure's reproductions (``reproduce/<clause>.sh``
and ``.py``) into the report directory.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Collection, Iterable, Mapping
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path
from typing import Any

from personalize_conformance import __version__
from personalize_conformance.contracts import Clause, catalog, digest
from personalize_conformance.harness import outcomes
from personalize_conformance.report.conclusion import outcome, verdict
from personalize_conformance.report.status import (
    clause_status,
    record_status,
    sides_ran,
    unexercised,
)


def _explain_lacking(entries: list[dict[str, Any]], lacking: Collection[str]) -> None:
    """An unsupported clause no test of which was skipped as unsupported (its operation is
    one the target lacks) gets the reasons the other clauses of its operation carry."""
    for operation in lacking:
        mine = [e for e in entries if e["operation"] == operation
                and e["status"] == outcomes.UNSUPPORTED]
        known = sorted({n for e in mine for n in e.get("reasons", [])}) or [
            f"{operation} is not implemented by the target"]
        for entry in mine:
            entry["reasons"] = entry.get("reasons") or known


def _version_of(distribution: str) -> str | None:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def _by_clause(records: Iterable[Mapping[str, Any]]
               ) -> tuple[dict[str, list[Mapping[str, Any]]], dict[str, float]]:
    """The records of the tests counted for each clause (those naming it, and those whose
    failure names it), and each test's seconds split evenly among its clauses."""
    by_clause: dict[str, list[Mapping[str, Any]]] = {}
    share: dict[str, float] = {}
    for record in records:
        named = (record.get("failure") or {}).get("clauses") or []
        on_wire = list(record.get("answer_failures") or {})
        mine = [c for c in dict.fromkeys([*record["clauses"], *named, *on_wire])
                if c in catalog().clauses]
        for clause_id in mine:
            by_clause.setdefault(clause_id, []).append(record)
        share[record["test"]] = float(record.get("duration", 0.0)) / max(len(mine), 1)
    return by_clause, share


def _failures(clause_id: str, tests: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The failures of ``clause_id`` its tests recorded (a failure on the wire first)."""
    return [
        {"test": r["test"], **((r.get("answer_failures") or {}).get(clause_id)
                              or r["failure"])}
        for r in tests
        if record_status(r, clause_id) in (outcomes.FAILED, outcomes.ERROR)
        and ((r.get("answer_failures") or {}).get(clause_id) or r.get("failure"))
    ]


def _entry(clause: Clause, tests: list[Mapping[str, Any]], share: Mapping[str, float],
           lacking: Collection[str], waivers: Mapping[str, str]) -> dict[str, Any]:
    """One clause's entry of the report, from the records of its tests."""
    status = clause_status(clause, tests, lacking)
    entry = {
        "id": clause.id,
        "status": outcomes.WAIVED if clause.id in waivers else status,
        "observed_status": status,
        "level": clause.level,
        "kind": clause.kind,
        "operation": clause.operation,
        "statement": clause.statement,
        "source": clause.source,
        "tests": [r["test"] for r in tests],
        "examples": sum(int(r.get("cases", {}).get(clause.id, 0)) or int(r.get("examples", 0))
                        for r in tests),
        "duration": round(sum(share[r["test"]] for r in tests), 6),
        "failures": _failures(clause.id, tests),
    }
    if status in (outcomes.UNSUPPORTED, outcomes.NOT_APPLICABLE):
        entry["reasons"] = sorted({n for r in tests if r["status"] == status
                                   for n in r.get("reasons", [])})
    if status == outcomes.INCOMPLETE:  # what was not run, and why tests stopped
        entry["not_exercised"] = sorted(
            {n for r in tests for n in r.get("not_exercised", {}).get(clause.id, [])}
            | {n for r in tests if r["status"] == outcomes.INCOMPLETE
               for n in r.get("reasons", [])}
        ) or [unexercised(clause.kind, sides_ran(clause.id, tests), tests)]
    if clause.id in waivers:
        entry["waiver"] = waivers[clause.id]
    return entry


def build(records: Iterable[Mapping[str, Any]], meta: Mapping[str, Any],
          waivers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The report: run metadata, a summary, and one entry per catalog clause.

    Each record is one test's result: ``{test, status, clauses, failure, duration,
    examples, cases, sides, not_exercised, reasons}`` (``duration`` in seconds, split
    evenly among the clauses the test is counted for, so clause durations add up to the
    run; ``reasons``: why it was unsupported or not applicable; ``examples`` the
    Hypothesis examples it tried; ``cases``: clause id -> the checks of it that ran, what
    a clause's ``examples`` counts where present; ``sides``: clause id -> the sides,
    accepted/rejected, its checks ran).
    """
    waivers = waivers or {}
    lacking = frozenset(meta.get("unsupported_operations") or ())
    by_clause, share = _by_clause(records)
    entries = [_entry(clause, sorted(by_clause.get(clause.id, []), key=lambda r: r["test"]),
                      share, lacking, waivers) for clause in catalog()]
    _explain_lacking(entries, lacking)
    summary = {key: 0 for key in outcomes.SUMMARY_KEYS}
    for entry in entries:
        summary[entry["status"]] += 1
    return {
        "throttling_retries": 0,
        "cleanup_failures": [],
        "unsupported_operations": [],
        "interrupted": False,
        "scope": None,
        **meta,
        "suite_version": __version__,
        "contract_digest": digest(),
        "python": platform.python_version(),
        "botocore": _version_of("botocore"),
        "moto": _version_of("moto"),
        "waivers": dict(waivers),
        "summary": summary,
        "verdict": verdict(entries, meta.get("scope"), bool(meta.get("interrupted"))),
        "outcome": outcome(entries, meta.get("scope")),
        "clauses": entries,
    }


@cache
def schema() -> dict:
    """The JSON Schema of ``report.json`` (``report.schema.json``, shipped with the package)."""
    return json.loads((files(__package__) / "report.schema.json").read_text(encoding="utf-8"))


def write(report: Mapping[str, Any], directory: str | Path) -> Path:
    """Write ``report.json``, ``junit.xml``, ``report.md``, ``report.html`` and each failed
    clause's reproductions (``reproduce/<clause>.sh`` and ``.py``, its first failure) into
    ``directory``; the path of ``report.json``."""
    from personalize_conformance.report import render

    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    out = path / "report.json"
    out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    (path / "junit.xml").write_text(render.junit(report), encoding="utf-8")
    (path / "report.md").write_text(render.markdown(report), encoding="utf-8")
    (path / "report.html").write_text(render.html(report), encoding="utf-8")
    for clause in render.clean(report["clauses"]):
        for n, failure in enumerate(clause["failures"], 1):
            repro = failure.get("reproduction")
            if not repro:
                continue
            script = path / render.repro_path(clause["id"], n=n)
            script.parent.mkdir(exist_ok=True)
            script.write_text("#!/usr/bin/env bash\n" + repro["cli"], encoding="utf-8")
            script.chmod(0o755)
            script.with_suffix(".py").write_text(repro["boto3"], encoding="utf-8")
    return out

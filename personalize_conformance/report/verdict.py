"""Turn the per-test records of a run into the certification report (``report.json``),
checked by ``report.schema.json``; ``render`` turns it into ``junit.xml`` and ``report.md``."""

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
from personalize_conformance.contracts import catalog, digest
from personalize_conformance.harness import outcomes

#: The sides a shape clause must have had run to count as passed (the coverage gate).
BOTH_SIDES = ("accepted", "rejected")


def _ran(clause_id: str, tests: Iterable[Mapping[str, Any]]) -> set[str]:
    """The sides of ``clause_id`` the tests' checks ran."""
    return {side for r in tests for side in r.get("sides", {}).get(clause_id, [])}


def _complete(clause_kind: str, ran: set[str]) -> bool:
    """The coverage gate: a shape clause needs at least one accepted and one rejected
    case, any other clause at least one check."""
    return ran.issuperset(BOTH_SIDES) if clause_kind == "shape" else bool(ran)


def _record_status(record: Mapping[str, Any], clause_id: str) -> str | None:
    """A test's status for one of its clauses; ``None`` (no verdict) when the test failed
    (or hit a suite error) on a ClauseFailure naming other clauses, so it did not finish
    checking this one."""
    if clause_id in (record.get("answer_failures") or {}):
        return outcomes.FAILED
    named = (record.get("failure") or {}).get("clauses")
    if record["status"] in (outcomes.FAILED, outcomes.ERROR) and named \
            and clause_id not in named:
        return None
    return record["status"]


def _unexercised(kind: str, ran: set[str], tests: list[Mapping[str, Any]]) -> str:
    """What an incomplete clause lacked, when its tests recorded no reason."""
    names = ", ".join(r["test"].rsplit("::", 1)[-1] for r in tests) or "none"
    if kind == "shape" and ran:
        missing = " and ".join(sorted(set(BOTH_SIDES) - ran))
        return f"no {missing} case of it ran (its tests: {names})"
    return f"its tests passed without reaching a check of it (its tests: {names})"


def clause_status(clause: Any, tests: Iterable[Mapping[str, Any]],
                  lacking: Collection[str] = ()) -> str:
    """What the run observed for one clause, from the records of the tests that name it
    (or whose failure names it):

    - ``failed`` when some test failed it (dominant), else ``error`` when a failure of it
      did not hold up against the contract (a suite error);
    - ``passed`` when its checks ran (the coverage gate: for a shape clause an accepted and
      a rejected case, for any other clause one check), whatever other tests naming it
      could not do;
    - otherwise ``unsupported`` when the clause's operation is one the target lacks
      (``lacking``), whatever test would have checked it; ``incomplete`` when some of its
      checks ran, or a test passed without running them; ``unsupported``/
      ``not_applicable`` only when no test could check it (the worst of those);
      ``untested`` when no test ran.

    The one place a clause's status is decided (waivers are applied after, in ``build``).
    """
    tests = list(tests)
    present = {s for s in (_record_status(r, clause.id) for r in tests) if s}
    if outcomes.FAILED in present:
        return outcomes.FAILED
    if outcomes.ERROR in present:
        return outcomes.ERROR
    ran = _ran(clause.id, tests)
    if _complete(clause.kind, ran):
        return outcomes.PASSED
    if tests and clause.operation in lacking:
        return outcomes.UNSUPPORTED
    if ran or outcomes.PASSED in present:
        return outcomes.INCOMPLETE
    return next((s for s in outcomes.ORDER if s in present), outcomes.UNTESTED)


def _tally(clauses: list[dict[str, Any]], level: str) -> str:
    these = [c for c in clauses if c["level"] == level]
    passed = sum(c["status"] == outcomes.PASSED for c in these)
    return f"{level} {passed}/{len(these)} passed"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one}" if n == 1 else f"{n} {many or one + 's'}"


def verdict(clauses: list[dict[str, Any]], scope: Iterable[str] | None = None,
            interrupted: bool = False) -> str:
    """The one-line verdict over the clause results, with MUST, SHOULD and MAY
    passed/total (``outcome`` gives its kind as data).

    ``scope``: the clauses the run set out to check (``--clauses``, ``--replay``, a pytest
    selection); no other counts as not checked, and the verdict says the run is
    ``partial``: only a run of the whole catalog may say ``conformant``. A waiver on a
    MUST clause is part of the verdict (``conformant except 1 waived MUST clause``).
    ``interrupted``: the run was stopped before its end (the verdict then starts with
    ``interrupted: ``)."""
    kind = outcome(clauses, scope)
    must = [c for c in clauses if c["level"] == "MUST"]
    wanted = None if scope is None else set(scope)
    failed = sum(c["status"] == outcomes.FAILED for c in must)
    errors = sum(c["status"] == outcomes.ERROR for c in clauses)
    unchecked = len(_unchecked(clauses, wanted))
    waived_must = sum(c["status"] == outcomes.WAIVED for c in must)
    waived_other = sum(c["status"] == outcomes.WAIVED for c in clauses) - waived_must
    if failed:
        head = f"not conformant: {_plural(failed, 'MUST clause')} failed"
    elif unchecked:
        what = (("MUST clause",) if wanted is None
                else ("clause in scope", "clauses in scope"))
        head = (f"incomplete: {_plural(unchecked, *what)} not checked "
                "(unsupported, untested or incomplete)")
    elif kind == "suite_error":
        head = f"suite error: {_plural(errors, 'clause')}"
    else:
        head = "no failure" if wanted is not None else "conformant"
        if waived_must:
            head += f" except {_plural(waived_must, 'waived MUST clause')}"
    if errors and kind != "suite_error":
        head = f"{head}; suite error: {_plural(errors, 'clause')}"
    if waived_other:
        head = f"{head}; {_plural(waived_other, 'waived SHOULD or MAY clause')}"
    if wanted is not None:
        head = f"partial ({len(wanted)} of {len(clauses)} clauses in scope): {head}"
    if interrupted:
        head = f"interrupted: {head}"
    tallies = ", ".join(_tally(clauses, level) for level in ("MUST", "SHOULD", "MAY"))
    return f"{head} ({tallies})"


#: Statuses of a clause not checked: a MUST clause of a whole-catalog run, or any clause
#: a scoped run set out to check, in one leaves the verdict ``incomplete``.
UNCHECKED = (outcomes.UNSUPPORTED, outcomes.UNTESTED, outcomes.INCOMPLETE)


def _unchecked(clauses: list[dict[str, Any]], wanted: set[str] | None
               ) -> list[dict[str, Any]]:
    """The clauses whose being unchecked makes the verdict ``incomplete``: MUST clauses of
    a run of the whole catalog (``wanted`` None), every clause in a run's scope."""
    return [c for c in clauses if c["status"] in UNCHECKED
            and (c["level"] == "MUST" if wanted is None else c["id"] in wanted)]


def outcome(clauses: list[dict[str, Any]], scope: Iterable[str] | None = None) -> str:
    """What the verdict is, as data: ``not_conformant`` (a MUST clause failed),
    ``incomplete`` (none failed, a MUST clause in scope not checked), ``suite_error``
    (nothing failed or unchecked, but a failure did not hold up against the contract),
    ``partial`` (a scoped run with none of those) or ``conformant`` (the whole catalog,
    waivers aside)."""
    wanted = None if scope is None else set(scope)
    if any(c["status"] == outcomes.FAILED and c["level"] == "MUST" for c in clauses):
        return "not_conformant"
    if _unchecked(clauses, wanted):
        return "incomplete"
    if any(c["status"] == outcomes.ERROR for c in clauses):
        return "suite_error"
    return "conformant" if wanted is None else "partial"


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
    by_clause: dict[str, list[Mapping[str, Any]]] = {}
    share: dict[str, float] = {}  # test -> its seconds split evenly among its clauses
    for record in records:
        named = (record.get("failure") or {}).get("clauses") or []
        on_wire = list(record.get("answer_failures") or {})
        mine = [c for c in dict.fromkeys([*record["clauses"], *named, *on_wire])
                if c in catalog().clauses]
        for clause_id in mine:
            by_clause.setdefault(clause_id, []).append(record)
        share[record["test"]] = float(record.get("duration", 0.0)) / max(len(mine), 1)
    entries = []
    for clause in catalog():
        tests = sorted(by_clause.get(clause.id, []), key=lambda r: r["test"])
        status = clause_status(clause, tests, lacking)
        failures = [
            {"test": r["test"], **((r.get("answer_failures") or {}).get(clause.id)
                                  or r["failure"])}
            for r in tests
            if _record_status(r, clause.id) in (outcomes.FAILED, outcomes.ERROR)
            and ((r.get("answer_failures") or {}).get(clause.id) or r.get("failure"))
        ]
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
            "failures": failures,
        }
        if status in (outcomes.UNSUPPORTED, outcomes.NOT_APPLICABLE):
            entry["reasons"] = sorted({n for r in tests if r["status"] == status
                                       for n in r.get("reasons", [])})
        if status == outcomes.INCOMPLETE:  # what was not run, and why tests stopped
            entry["not_exercised"] = sorted(
                {n for r in tests for n in r.get("not_exercised", {}).get(clause.id, [])}
                | {n for r in tests if r["status"] == outcomes.INCOMPLETE
                   for n in r.get("reasons", [])}
            ) or [_unexercised(clause.kind, _ran(clause.id, tests), tests)]
        if clause.id in waivers:
            entry["waiver"] = waivers[clause.id]
        entries.append(entry)
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


def ratchet(baseline: Mapping[str, str], report: Mapping[str, Any]
            ) -> tuple[dict[str, str], list[str]]:
    """Against a baseline's clause statuses: the clauses that passed there and do not now
    (id -> status now; a clause waived now is no regression), and those that newly pass."""
    now = {c["id"]: c["status"] for c in report["clauses"]}
    kept = (outcomes.PASSED, outcomes.WAIVED)
    regressed = {cid: now.get(cid, "absent") for cid, status in baseline.items()
                 if status == outcomes.PASSED and now.get(cid) not in kept}
    promoted = [cid for cid, status in now.items()
                if status == outcomes.PASSED and baseline.get(cid) != outcomes.PASSED]
    return regressed, promoted


def failing_tests(report: Mapping[str, Any]) -> list[str]:
    """The node ids of the tests that failed in ``report`` (waived clauses included)."""
    return sorted({f["test"] for c in report["clauses"] for f in c["failures"]})


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

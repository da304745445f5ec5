"""What a report must show to be a certification, and whether it agrees with itself.

``gaps``: why a report is no certification (one line each; none: it is one): a ``certify``
run of the whole catalog of a contract this suite knows, not capped or interrupted, every
MUST clause of that contract present and passed (none failed, error, incomplete,
unsupported, untested or waived). ``inconsistencies``: where the report's statuses
disagree with its own failures, waivers, summary counts and verdict (a hand-edited
status is caught there).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from personalize_conformance.contracts import catalog, digest
from personalize_conformance.harness import outcomes
from personalize_conformance.report.conclusion import outcome, verdict

PROFILE = "certify"
#: The most clause ids a line names.
SHOWN = 5


def known_digests() -> frozenset[str]:
    """The contract digests this version of the suite knows: its own contract's."""
    return frozenset({digest()})


def _run_gaps(report: Mapping[str, Any]) -> list[str]:
    found = []
    if report.get("profile") != PROFILE:
        found.append(f"the profile is {report.get('profile')!r}, not {PROFILE!r}")
    if report.get("max_examples"):
        found.append(f"the profile's examples were capped (--max-examples "
                     f"{report['max_examples']})")
    if report.get("scope") is not None:
        found.append(f"the run was partial: {len(report['scope'])} of "
                     f"{len(report.get('clauses', []))} clauses in scope, not the whole "
                     "catalog")
    if report.get("interrupted"):
        found.append("the run was interrupted")
    if report.get("contract_digest") not in known_digests():
        found.append(f"contract digest {report.get('contract_digest')!r} is not one this "
                     f"suite knows (its own: {digest()}); verify with the suite version that "
                     f"made it ({report.get('suite_version')})")
    return found


def gaps(report: Mapping[str, Any]) -> list[str]:
    """Why ``report`` is no certification, one line each (none: it is one)."""
    found = _run_gaps(report)
    listed = {c.get("id"): c for c in report.get("clauses", []) if isinstance(c, Mapping)}
    short: dict[str, list[str]] = {}  # what a MUST clause is instead of passed -> its ids
    for clause in catalog():
        entry = listed.get(clause.id)
        if clause.level != "MUST" or (entry and entry.get("status") == outcomes.PASSED):
            continue
        what = "missing from report.json" if entry is None else str(entry.get("status"))
        short.setdefault(what, []).append(clause.id)
    for what, ids in short.items():
        shown = ", ".join(ids[:SHOWN]) + (f" and {len(ids) - SHOWN} more"
                                          if len(ids) > SHOWN else "")
        found.append(f"{len(ids)} MUST clause{'s' if len(ids) > 1 else ''} {what}: {shown}")
    for clause_id in report.get("waivers") or {}:
        if clause_id in catalog().clauses and catalog()[clause_id].level == "MUST":
            found.append(f"a waiver covers MUST clause {clause_id}")
    return found


def _clause_inconsistencies(entry: Mapping[str, Any], waivers: Mapping[str, Any]) -> list[str]:
    cid, status = entry.get("id"), entry.get("status")
    observed, failures = entry.get("observed_status"), entry.get("failures") or []
    found = []
    if status == outcomes.WAIVED and cid not in waivers:
        found.append(f"clause {cid} is waived, but the report's waivers do not name it")
    if status != outcomes.WAIVED and cid in waivers:
        found.append(f"clause {cid} is waived in the report's waivers, but its status is "
                     f"{status}")
    if status != outcomes.WAIVED and status != observed:
        found.append(f"clause {cid} is {status}, but was observed {observed}")
    if observed in (outcomes.FAILED, outcomes.ERROR) and not failures:
        found.append(f"clause {cid} is {observed}, but records no failure")
    if failures and observed not in (outcomes.FAILED, outcomes.ERROR):
        found.append(f"clause {cid} is {observed}, but records {len(failures)} failure"
                     + ("s" if len(failures) > 1 else ""))
    if observed == outcomes.PASSED and not entry.get("tests"):
        found.append(f"clause {cid} is passed, but names no test that checked it")
    return found


def inconsistencies(report: Mapping[str, Any]) -> list[str]:
    """Where ``report`` disagrees with itself, one line each (none: it agrees)."""
    clauses = [c for c in report.get("clauses", []) if isinstance(c, Mapping)]
    waivers = report.get("waivers") or {}
    found = [line for c in clauses for line in _clause_inconsistencies(c, waivers)]
    counted = Counter(c.get("status") for c in clauses)
    for status, n in sorted((report.get("summary") or {}).items()):
        if counted.get(status, 0) != n:
            found.append(f"the summary counts {n} {status}, the clauses {counted.get(status, 0)}")
    try:
        said = verdict(clauses, report.get("scope"), bool(report.get("interrupted")))
        kind = outcome(clauses, report.get("scope"))
    except (KeyError, TypeError):
        return [*found, "the clauses are malformed: no verdict follows from them"]
    if report.get("verdict") != said:
        found.append(f"the verdict {report.get('verdict')!r} does not follow from the "
                     f"clauses ({said!r})")
    if report.get("outcome") != kind:
        found.append(f"the outcome {report.get('outcome')!r} does not follow from the "
                     f"clauses ({kind!r})")
    return found

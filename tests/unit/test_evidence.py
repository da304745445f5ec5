"""Evidence before credit, a verdict that names its scope, and a missing operation
unsupported everywhere: what was not checked never reads as passed."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from personalize_conformance import checks
from personalize_conformance import report as report_module
from personalize_conformance.contracts import catalog
from personalize_conformance.harness import Harness, outcomes
from personalize_conformance.run.plugin import Collector
from personalize_conformance.targets import NoAnswer, Target, Unsupported

SCRIPT = str(Path(sys.executable).parent / "personalize-conformance")
#: A shape clause of DescribeDatasetGroup, and a request that breaks it.
SHAPE = "DescribeDatasetGroup.datasetGroupArn.required"
BAD = {}


class Answers(Target):
    """A target whose every call raises ``error``."""

    name = "answers"

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def invoke(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        raise self.error


@pytest.mark.parametrize("error", [
    Unsupported("DescribeDatasetGroup", "not here"),
    NoAnswer(0.1),
    KeyboardInterrupt(),
], ids=["unsupported", "timed-out", "interrupted"])
def test_a_rejected_check_without_a_judged_answer_credits_nothing(error):
    harness = Harness(Answers(error), run_id="t", call_timeout=None)
    with pytest.raises(BaseException):  # noqa: B017 - whatever each path raises
        checks.rejected(harness, SHAPE, "DescribeDatasetGroup", BAD)
    assert harness.record.sides_ran() == {}


def _report(status: str, **props: Any) -> pytest.TestReport:
    outcome = "skipped" if status == "skipped" else status
    longrepr = ("x", 1, "skipped") if outcome == "skipped" else None
    return pytest.TestReport("t.py::test", ("t.py", 1, "test"), {}, outcome, longrepr,
                             "call", user_properties=list(props.items()))


@pytest.mark.parametrize("status", [outcomes.UNSUPPORTED, outcomes.NOT_APPLICABLE,
                                    outcomes.INCOMPLETE])
def test_a_skipped_test_credits_none_of_the_checks_it_ran(status):
    collector = Collector(None, None)  # type: ignore[arg-type]
    collector.pytest_runtest_logreport(_report(
        "skipped", pc_clauses=[SHAPE], pc_status=status, pc_reason="why",
        pc_sides={SHAPE: ["accepted", "rejected"]}, pc_examples=3, pc_cases={SHAPE: 3}))
    record = collector.records["t.py::test"]
    assert record["sides"] == {} and record["examples"] == 0
    entry = {c["id"]: c for c in report_module.build(
        list(collector.records.values()), {})["clauses"]}[SHAPE]
    assert entry["status"] == status and entry["examples"] == 0


def test_a_passed_test_is_credited():
    collector = Collector(None, None)  # type: ignore[arg-type]
    collector.pytest_runtest_logreport(_report(
        "passed", pc_clauses=[SHAPE], pc_sides={SHAPE: ["accepted", "rejected"]},
        pc_examples=3, pc_cases={SHAPE: 3}))
    built = report_module.build(list(collector.records.values()), {})
    assert {c["id"]: c["status"] for c in built["clauses"]}[SHAPE] == outcomes.PASSED


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([SCRIPT, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def test_a_clause_of_an_operation_moto_lacks_is_unsupported_and_the_run_incomplete(tmp_path):
    done = cli("run", "--target", "moto", "--clauses", "ListEventTrackers.invalidNextToken",
               "--report-dir", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 3, done.stdout + done.stderr
    built = json.loads((tmp_path / "report.json").read_text())
    entry = {c["id"]: c for c in built["clauses"]}["ListEventTrackers.invalidNextToken"]
    assert entry["status"] == outcomes.UNSUPPORTED and entry["examples"] == 0
    assert built["outcome"] == "incomplete" and "conformant" not in built["verdict"]


def test_a_scoped_run_says_partial_in_every_report(tmp_path):
    done = cli("run", "--clauses", "PutEvents.eventList.maxItems", "--report-dir",
               str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr  # the exit codes stay
    total = len(catalog())
    head = f"partial (1 of {total} clauses in scope): no failure ("
    built = json.loads((tmp_path / "report.json").read_text())
    assert built["verdict"].startswith(head) and built["outcome"] == "partial"
    assert f"reference: {head}" in done.stdout
    markdown = (tmp_path / "report.md").read_text()
    assert f"**Verdict: {head}" in markdown and f"1 of {total} clauses" in markdown
    html = (tmp_path / "report.html").read_text()
    assert 'class="verdict partial"' in html and f"1 of {total} clauses" in html
    props = {p.get("name"): p.get("value")
             for p in ET.parse(tmp_path / "junit.xml").iter("property")}
    assert props["verdict"].startswith(head) and props["scope"].startswith("partial: 1 of")


def test_a_pytest_selection_is_partial_too(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "personalize_conformance.suite", "-q",
         "-p", "no:cacheprovider", "-p", "no:xdist",
         "-k", "test_deleted_tracker_is_not_found",
         "--report-dir", str(tmp_path)], cwd=tmp_path, capture_output=True, text=True,
        timeout=600)
    built = json.loads((tmp_path / "report.json").read_text())
    assert built["outcome"] == "partial", done.stdout[-2000:]
    assert built["verdict"].startswith("partial (") and built["scope"]
    assert len(built["scope"]) < len(catalog())


def _entry(clause_id: str, status: str) -> dict[str, Any]:
    return {"id": clause_id, "level": catalog()[clause_id].level, "status": status}


def test_only_the_whole_catalog_is_conformant_and_a_waived_must_clause_is_named():
    whole = [_entry(c.id, outcomes.PASSED) for c in catalog()]
    assert report_module.outcome(whole) == "conformant"
    assert report_module.verdict(whole).startswith("conformant (MUST ")
    some = [c["id"] for c in whole[:3]]
    assert report_module.outcome(whole, some) == "partial"
    assert report_module.verdict(whole, some).startswith(
        f"partial (3 of {len(whole)} clauses in scope): no failure (")
    must = next(c for c in whole if c["level"] == "MUST")
    must["status"] = outcomes.WAIVED
    assert report_module.verdict(whole).startswith(
        "conformant except 1 waived MUST clause (MUST ")


def test_every_clause_of_a_missing_operation_is_unsupported_whatever_checked_it():
    """A rejected side run, a test that passed without reaching a check, no test at all
    of the clause: with its operation unsupported, each is ``unsupported``."""
    put = [c.id for c in catalog() if c.operation == "PutEvents"]
    records = [
        {"test": "a", "clauses": put[:1], "status": "passed", "failure": None,
         "sides": {put[0]: ["rejected"]}},
        {"test": "b", "clauses": put[1:], "status": "passed", "failure": None, "sides": {}},
    ]
    built = report_module.build(records, {"unsupported_operations": ["PutEvents"]})
    status = {c["id"]: c for c in built["clauses"]}
    assert {status[c]["status"] for c in put} == {outcomes.UNSUPPORTED}
    assert status[put[0]]["reasons"] == ["PutEvents is not implemented by the target"]
    # a clause of an operation the target has is not touched
    other = next(c.id for c in catalog() if c.operation == "ListEventTrackers")
    assert status[other]["status"] == outcomes.UNTESTED

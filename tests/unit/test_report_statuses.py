"""What a test records and the statuses it reports (as exception types), and one status
per clause from what was checked (``report.verdict``)."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from personalize_conformance import report as report_module
from personalize_conformance.contracts import catalog
from personalize_conformance.harness import Harness, outcomes
from tests.unit.test_report import BROKEN, check_outputs, load


def test_statuses_travel_as_exception_types_not_as_text():
    unsupported, inapplicable = outcomes.UnsupportedSkip("no Foo"), outcomes.NotApplicable("no x")
    assert isinstance(unsupported, pytest.skip.Exception)  # pytest reports them skipped
    assert (outcomes.status_of(unsupported), unsupported.detail) == ("unsupported", "no Foo")
    assert outcomes.status_of(inapplicable) == "not_applicable"
    assert str(unsupported) == "unsupported: no Foo"  # the skip reason stays readable
    assert outcomes.status_of(pytest.skip.Exception("unsupported: only text")) is None
    assert outcomes.status_of(None) is None


STATUS_TESTS = '''
import pytest
from personalize_conformance.harness import outcomes

@pytest.mark.clause("PutEvents.eventList.maxItems")
def test_typed():
    raise outcomes.UnsupportedSkip("the target has no PutEvents")

@pytest.mark.clause("PutEvents.eventList.minItems")
def test_text():
    pytest.skip("unsupported: a reason that only looks like a status")

@pytest.fixture
def inapplicable():
    raise outcomes.NotApplicable("the target lacks capability 'inspect'")

@pytest.mark.clause("PutEvents.semantics.recordedInDatasetGroup")
def test_in_setup(inapplicable):
    pass
'''


@pytest.mark.parametrize("workers", ["0", "2"])
def test_the_plugin_reads_each_status_from_the_exception_type(tmp_path, workers):
    """Through the plugin (and xdist's workers): the status rides on the test's report."""
    (tmp_path / "test_statuses.py").write_text(STATUS_TESTS)
    done = subprocess.run([sys.executable, "-m", "pytest", "test_statuses.py", "-q",
                           "-p", "no:cacheprovider", "-n", workers,
                           "--report-dir", str(tmp_path / "out")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    statuses = {c["id"]: c["status"] for c in load(tmp_path / "out")["clauses"]}
    assert statuses["PutEvents.eventList.maxItems"] == "unsupported"
    assert statuses["PutEvents.eventList.minItems"] == "untested"  # an ordinary skip
    assert statuses["PutEvents.semantics.recordedInDatasetGroup"] == "not_applicable"


def test_a_record_belongs_to_one_test_and_counts_its_examples():
    """Checks record into the harness' record of the running test (``running_test``
    gives each test a fresh one); examples count the
    Hypothesis test cases that reached the harness, and the first that failed."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from personalize_conformance import checks
    from personalize_conformance.targets.reference import ReferenceTarget

    harness = Harness(ReferenceTarget(), run_id="rec")
    checks.ran(harness, BROKEN, "accepted")  # outside a test: the harness' own record
    assert harness.record.cases == {BROKEN: 1}

    with harness.running_test() as record:
        assert harness.record is record and record.cases == {}

        @settings(max_examples=5, database=None, derandomize=True)
        @given(st.integers())
        def passing(n: int) -> None:
            checks.holds(harness, BROKEN, True, "anything", {}, "PutEvents", {})
            checks.ran(harness, "PutEvents.eventList.minItems", "rejected")

        passing()
        checks.not_exercised(harness, BROKEN, "rejected", "no case")
        checks.not_exercised(harness, BROKEN, "rejected", "no case")
    assert record.examples == 5 and record.first_failing_example is None
    assert record.cases == {BROKEN: 5, "PutEvents.eventList.minItems": 5}
    assert record.sides_ran() == {BROKEN: ["held"], "PutEvents.eventList.minItems": ["rejected"]}
    assert record.reasons_not_exercised == {BROKEN: ["rejected: no case"]}

    with harness.running_test() as failing_record:
        @settings(max_examples=50, database=None, derandomize=True)
        @given(st.integers(min_value=0, max_value=1000))
        def failing(n: int) -> None:
            checks.ran(harness, BROKEN, "accepted")
            assert n < 500

        with pytest.raises(AssertionError):
            failing()
    first = failing_record.first_failing_example
    assert first is not None and 1 <= first <= failing_record.examples
    assert record.examples == 5  # the earlier test's record is its own


# -- one status per clause, from what was checked ----------------------------------------

SHAPE = catalog()["PutEvents.eventList.maxItems"]
BEHAVIOUR = catalog()["PutEvents.unknownTrackingId"]


def _record(status: str, sides: dict | None = None, failure: dict | None = None) -> dict:
    return {"test": f"t.py::{status}", "clauses": [SHAPE.id, BEHAVIOUR.id], "status": status,
            "failure": failure, "sides": sides or {}}


BOTH = {SHAPE.id: ["accepted", "rejected"], BEHAVIOUR.id: ["rejected"]}


@pytest.mark.parametrize("records, shape, behaviour", [
    # checked by one test, named by another that stopped unsupported: passed
    ([_record("passed", BOTH), _record("unsupported")], "passed", "passed"),
    ([_record("unsupported"), _record("not_applicable")], "unsupported", "unsupported"),
    ([_record("not_applicable")], "not_applicable", "not_applicable"),
    ([], "untested", "untested"),
    # the coverage gate: one side only is incomplete, also beside an unsupported test
    ([_record("passed", {SHAPE.id: ["accepted"]}), _record("unsupported")],
     "incomplete", "incomplete"),
    ([_record("passed")], "incomplete", "incomplete"),
    # failed dominates, whatever else ran
    ([_record("passed", BOTH), _record("failed", failure={"clauses": [SHAPE.id]})],
     "failed", "passed"),
    # a suite error is its own status, below failed
    ([_record("passed", BOTH), _record("error", failure={"clauses": [SHAPE.id]})],
     "error", "passed"),
    ([_record("error", failure={"clauses": [SHAPE.id]}),
      _record("failed", failure={"clauses": [SHAPE.id]})], "failed", "untested"),
    # a test that failed on another clause gives no verdict, but its sides that ran count
    ([_record("failed", BOTH, failure={"clauses": [BEHAVIOUR.id]})], "passed", "failed"),
])
def test_a_clause_status_comes_from_what_was_checked(records, shape, behaviour):
    assert report_module.clause_status(SHAPE, records) == shape
    assert report_module.clause_status(BEHAVIOUR, records) == behaviour


def test_error_is_ordered_above_passed_and_counted():
    order = outcomes.ORDER
    assert order.index(outcomes.FAILED) < order.index(outcomes.ERROR) < order.index(
        outcomes.PASSED)
    assert outcomes.ERROR in outcomes.SUMMARY_KEYS


def _entries(*pairs: tuple[str, str]) -> list[dict]:
    return [{"level": level, "status": status} for level, status in pairs]


@pytest.mark.parametrize("clauses, expected", [
    (_entries(("MUST", "passed"), ("SHOULD", "failed"), ("MAY", "untested")),
     "conformant (MUST 1/1 passed, SHOULD 0/1 passed, MAY 0/1 passed)"),
    (_entries(("MUST", "passed"), ("MUST", "waived"), ("SHOULD", "waived")),
     "conformant except 1 waived MUST clause; 1 waived SHOULD or MAY clause "
     "(MUST 1/2 passed, SHOULD 0/1 passed, MAY 0/0 passed)"),
    (_entries(("MUST", "passed"), ("SHOULD", "waived")),
     "conformant; 1 waived SHOULD or MAY clause "
     "(MUST 1/1 passed, SHOULD 0/1 passed, MAY 0/0 passed)"),
    (_entries(("MUST", "failed"), ("MUST", "failed"), ("MUST", "untested"), ("MUST", "waived")),
     "not conformant: 2 MUST clauses failed "
     "(MUST 0/4 passed, SHOULD 0/0 passed, MAY 0/0 passed)"),
    (_entries(("MUST", "passed"), ("MUST", "unsupported"), ("MUST", "not_applicable")),
     "incomplete: 1 MUST clause not checked (unsupported, untested or incomplete) "
     "(MUST 1/3 passed, SHOULD 0/0 passed, MAY 0/0 passed)"),
])
def test_the_verdict_line(clauses, expected):
    assert report_module.verdict(clauses) == expected
    pattern = report_module.schema()["properties"]["verdict"]["pattern"]
    jsonschema.validate(expected, {"type": "string", "pattern": pattern})


@pytest.mark.parametrize("clauses, expected", [
    (_entries(("MUST", "passed"), ("MUST", "error")),
     "suite error: 1 clause (MUST 1/2 passed, SHOULD 0/0 passed, MAY 0/0 passed)"),
    (_entries(("MUST", "failed"), ("MUST", "error"), ("SHOULD", "error")),
     "not conformant: 1 MUST clause failed; suite error: 2 clauses "
     "(MUST 0/2 passed, SHOULD 0/1 passed, MAY 0/0 passed)"),
])
def test_the_verdict_line_names_suite_errors(clauses, expected):
    test_the_verdict_line(clauses, expected)


def test_a_failure_names_a_clause_its_test_does_not_mark():
    """A root cause found outside the clauses a test names still fails that clause."""
    failure = {"operation": "PutEvents", "input": {"eventList": []}, "expected": "accepted",
               "observed": {"status": 400}, "reproduction": None,
               "clauses": [SHAPE.id, "PutEvents.validRequest.accepted"]}
    records = [{"test": "t.py::semantics", "clauses": ["PutEvents.semantics.eventIdGenerated"],
                "status": "failed", "failure": failure, "duration": 0.1, "examples": 1,
                "sides": {}}]
    built = report_module.build(records, {"target": "t", "endpoint": None, "profile": "ci",
                                          "seed": "1", "strict": False, "started": "a",
                                          "finished": "b"})
    jsonschema.Draft7Validator(report_module.schema()).validate(built)
    status = {c["id"]: c["status"] for c in built["clauses"]}
    assert status[SHAPE.id] == status["PutEvents.validRequest.accepted"] == "failed"
    assert status["PutEvents.semantics.eventIdGenerated"] == "untested"


SUITE_ERROR_TESTS = '''
import pytest
from personalize_conformance import checks
from personalize_conformance.harness import Harness
from personalize_conformance.targets.reference import ReferenceTarget

@pytest.mark.clause("PutEvents.validRequest.accepted")
def test_contrived():
    harness = Harness(ReferenceTarget(), run_id="se")
    group = harness.create_dataset_group()
    tracking = harness.create_tracker(group)["trackingId"]
    # not valid: no event (the reference rejects it), yet checked as accepted
    checks.accepted(harness, ["PutEvents.validRequest.accepted"], "PutEvents",
                    {"trackingId": tracking, "sessionId": "s", "eventList": []})
'''


def test_a_failure_the_contract_does_not_back_is_a_suite_error(tmp_path):
    """``accepted`` of an invalid request, which the target rejects: reported ``error``
    (never ``failed``) with the input and why, in report.json, junit.xml and report.md."""
    (tmp_path / "test_contrived.py").write_text(SUITE_ERROR_TESTS)
    done = subprocess.run([sys.executable, "-m", "pytest", "test_contrived.py", "-q",
                           "-p", "no:cacheprovider", "-n", "0",
                           "--report-dir", str(tmp_path / "out")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    built = check_outputs(tmp_path / "out")
    entry = next(c for c in built["clauses"] if c["id"] == "PutEvents.validRequest.accepted")
    assert entry["status"] == "error"
    failure = entry["failures"][0]
    assert failure["input"]["eventList"] == []
    assert "PutEvents.eventList.minItems" in failure["suite_error"]
    assert built["summary"]["error"] == 1 and built["summary"]["failed"] == 0
    assert "suite error: 1 clause (" in built["verdict"]
    junit = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    assert junit.get("errors") == "1"
    assert "suite error" in (tmp_path / "out" / "report.md").read_text()


def test_a_behavioural_rejection_of_a_malformed_request_is_a_suite_error():
    """The rejected side of a behavioural clause is re-checked too: a request that also
    breaks a shape clause (an ARN too long to be one) proves nothing about the rule, so
    its refusal for that other reason is a suite error naming the shape clause."""
    from personalize_conformance import checks
    from personalize_conformance.harness import Harness
    from personalize_conformance.targets.reference import ReferenceTarget

    harness = Harness(ReferenceTarget(), run_id="se")
    arn = "arn:aws:personalize:us-east-1:123456789012:event-tracker/" + "x" * 300
    with pytest.raises(checks.SuiteError) as caught:
        checks.rejected(harness, "DescribeEventTracker.unknownIsNotFound",
                        "DescribeEventTracker", {"eventTrackerArn": arn})
    assert "DescribeEventTracker.eventTrackerArn.maxLength" in caught.value.details[
        "suite_error"]
    well_formed = {"eventTrackerArn": arn[:arn.index("/") + 1] + "pcnever"}
    assert checks.rejected(harness, "DescribeEventTracker.unknownIsNotFound",
                           "DescribeEventTracker", well_formed).code == \
        "ResourceNotFoundException"

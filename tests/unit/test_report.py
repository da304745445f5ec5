"""The certification report end to end: report.json against its schema, junit.xml,
report.md, the verdict, waivers, replay, determinism, progress and the portable vectors.

The slow runner runs happen once, in the module fixture ``runs``: a faulty target twice
(same seed), then its report replayed against the reference (certify: with progress) and
against the faulty target again with its failing clause waived.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from personalize_conformance.contracts import catalog
from personalize_conformance.harness import Harness, outcomes
from personalize_conformance.report import vectors
from personalize_conformance.report import verdict as report_module
from personalize_conformance.run import cli
from personalize_conformance.targets import TargetError, resolve
from tests.unit.test_output import assert_junit_schema, html_clauses

MUTANT = "mutant:eventList-accepts-11"
BROKEN = "PutEvents.eventList.maxItems"
REASON = "known: accepts 11 events"


def load(directory: Path) -> dict:
    return json.loads((directory / "report.json").read_text())


def verdict_line(result: subprocess.CompletedProcess, target: str) -> str:
    """The verdict the runner printed: its one line ``<target>: <verdict>``."""
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith(f"{target}: ")]
    assert len(lines) == 1, result.stdout
    return lines[0].removeprefix(f"{target}: ")


def check_outputs(directory: Path) -> dict:
    """report.json fits its schema; junit.xml and report.md agree with it."""
    report = load(directory)
    jsonschema.Draft7Validator(report_module.schema()).validate(report)
    root = ET.parse(directory / "junit.xml").getroot()
    cases = root.findall("./testsuite/testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        (c["operation"], c["id"]) for c in report["clauses"]]
    failed = [c for c in report["clauses"] if c["status"] == "failed"]
    skipped = [c for c in report["clauses"] if c["status"] in
               ("unsupported", "not_applicable", "untested", "incomplete", "waived")]
    assert len(root.findall(".//failure")) == int(root.get("failures")) == len(failed)
    assert len(root.findall(".//skipped")) == int(root.find("testsuite").get("skipped")) \
        == len(skipped)
    assert all(s.get("message") for s in root.findall(".//skipped"))  # each with its reason
    assert_junit_schema(directory / "junit.xml")
    assert html_clauses(directory / "report.html") == [c["id"] for c in report["clauses"]]
    errors = [c for c in report["clauses"] if c["status"] == "error"]
    assert len(root.findall(".//error")) == int(root.get("errors")) == len(errors)
    assert int(root.get("tests")) == len(catalog())
    markdown = (directory / "report.md").read_text()
    assert f"**Verdict: {report['verdict']}**" in markdown
    for clause in report["clauses"]:
        assert f"| `{clause['id']}` | {clause['statement']} | {clause['level']} |" in markdown
    return report


def failing_inputs(report: dict) -> dict[str, dict]:
    """Failing test -> its minimal input, without the tracking ID the target minted."""
    return {f["test"]: {k: v for k, v in f["input"].items() if k != "trackingId"}
            for c in report["clauses"] for f in c["failures"]}


def cli_all(*runs: tuple[Path, tuple[str, ...]]) -> list[subprocess.CompletedProcess]:
    """Several runner runs at once (each in its own directory)."""
    procs = [subprocess.Popen([sys.executable, "-m", "personalize_conformance", *args],
                              cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for cwd, args in runs]
    done = []
    for (_, args), proc in zip(runs, procs, strict=True):
        out, err = proc.communicate(timeout=600)
        done.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return done


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    base = tmp_path_factory.mktemp("report")
    dirs = {name: base / name for name in ("first", "second", "ref", "waived")}
    for d in dirs.values():
        d.mkdir()
    waivers = base / "waivers.json"
    waivers.write_text(json.dumps({"waivers": [{"clause": BROKEN, "reason": REASON}]}))
    faulty = ("run", "--target", MUTANT, "--seed", "1")
    first, second = cli_all(*[(dirs[n], (*faulty, "--report-dir", str(dirs[n])))
                              for n in ("first", "second")])
    earlier = str(dirs["first"] / "report.json")
    ref, waived = cli_all(
        (dirs["ref"], ("run", "--target", "reference", "--replay", earlier,
                       "--profile", "certify", "--report-dir", str(dirs["ref"]))),
        (dirs["waived"], ("run", "--target", MUTANT, "--replay", earlier,
                          "--waivers", str(waivers), "--report-dir", str(dirs["waived"]))))
    done = {"first": first, "second": second, "ref": ref, "waived": waived}
    return {name: (dirs[name], done[name]) for name in dirs}


def test_a_faulty_target_gets_every_output_with_reproductions(runs):
    directory, result = runs["first"]
    assert result.returncode == 1, result.stdout + result.stderr
    report = check_outputs(directory)
    assert report["verdict"].startswith("not conformant: 1 MUST clause failed (MUST ")
    assert verdict_line(result, MUTANT) == report["verdict"]
    # One screen: the header, the failed clause with its statement and reproduction, the
    # counts and the verdict; no pytest traceback, dots or counts.
    lines = result.stdout.splitlines()
    assert len(lines) <= 40, result.stdout
    statement = catalog()[BROKEN].statement
    assert f"{BROKEN} (MUST) {statement}" in result.stdout
    script = directory / "reproduce" / f"{BROKEN}.sh"
    assert f"reproduce  bash {script}" in result.stdout
    assert script.read_text().startswith("#!/usr/bin/env bash\nset -euo pipefail\n")
    assert f"--seed 1 --clauses {BROKEN}" in result.stdout
    assert "Traceback" not in result.stdout and " passed in " not in result.stdout
    assert "\x1b[" not in result.stdout  # no colour off a terminal
    assert not any(set(line) <= set(".F[] %0123456789") and line for line in lines)
    clause = next(c for c in report["clauses"] if c["id"] == BROKEN)
    assert clause["status"] == "failed" and clause["examples"] >= len(clause["tests"]) > 0
    assert clause["duration"] > 0
    # Each test's time is shared among its clauses: they add up to no more than the run.
    took = (dt.datetime.fromisoformat(report["finished"])
            - dt.datetime.fromisoformat(report["started"])).total_seconds()
    assert 0 < sum(c["duration"] for c in report["clauses"]) <= took
    assert report["profile"] == "ci" and report["seed"] == "1" and report["target"] == MUTANT
    assert report["botocore"] and report["moto"] and report["python"]
    assert report["throttling_retries"] == 0 and report["cleanup_failures"] == []
    assert report["started"] < report["finished"]
    failure = ET.parse(directory / "junit.xml").getroot().find(".//failure")
    assert "observed HTTP 200" in failure.get("message") and "boto3.client" in failure.text
    markdown = (directory / "report.md").read_text()
    assert "## Failed (1)" in markdown and f"### `{BROKEN}` (MUST)" in markdown
    assert "## Statuses" in markdown and "| incomplete |" in markdown
    assert "Minimal failing input:" in markdown and "aws --endpoint-url" in markdown
    assert "personalize_events.put_events(" in markdown


def test_the_same_target_profile_and_seed_give_the_same_verdicts_and_examples(runs):
    (first_dir, _), (second_dir, second) = runs["first"], runs["second"]
    assert second.returncode == 1, second.stdout + second.stderr
    first, twice = load(first_dir), load(second_dir)
    assert twice["verdict"] == first["verdict"]
    assert [(c["id"], c["status"]) for c in twice["clauses"]] == [
        (c["id"], c["status"]) for c in first["clauses"]]
    assert failing_inputs(twice) == failing_inputs(first) != {}


def test_replay_reruns_only_the_failing_tests_against_another_target(runs):
    first = load(runs["first"][0])
    directory, result = runs["ref"]
    # The clause's other side was not re-run: the verdict is incomplete, exit 3.
    assert result.returncode == 3, result.stdout + result.stderr
    replayed = check_outputs(directory)
    assert replayed["verdict"].startswith(
        f"partial (1 of {len(catalog())} clauses in scope): incomplete: 1 clause in scope "
        "not checked")
    assert replayed["outcome"] == "incomplete"
    assert replayed["replay_of"].endswith("report.json") and replayed["seed"] == "1"
    assert {t for c in replayed["clauses"] for t in c["tests"]} == set(
        report_module.failing_tests(first))
    # Only the failing tests ran again: the clause no longer fails, and since only its
    # rejected side was re-run, the coverage gate calls it incomplete, not passed.
    entry = {c["id"]: c for c in replayed["clauses"]}[BROKEN]
    assert entry["status"] == "incomplete" and entry["failures"] == []
    # incomplete says what was not exercised: here the accepted side of the clause.
    assert entry["not_exercised"] and "no accepted case" in entry["not_exercised"][0]
    assert "no accepted case of it ran" in (directory / "report.md").read_text()


def test_a_waived_clause_still_runs_and_shows_what_it_observed(runs):
    directory, result = runs["waived"]
    assert result.returncode == 0, result.stdout + result.stderr
    report = check_outputs(directory)
    clause = next(c for c in report["clauses"] if c["id"] == BROKEN)
    assert clause["status"] == "waived" and clause["observed_status"] == "failed"
    assert clause["failures"] and clause["waiver"] == REASON
    assert report["waivers"] == {BROKEN: REASON} and report["summary"]["waived"] == 1
    assert f"| `{BROKEN}` | failed | {REASON} |" in (directory / "report.md").read_text()
    assert failing_inputs(report) == failing_inputs(load(runs["first"][0]))


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


def test_a_built_report_fits_its_schema_and_applies_waivers():
    """In process: every clause passed but one, which is waived."""
    records = [{"test": f"t.py::{c.id}", "clauses": [c.id], "status": "passed",
                "failure": None, "duration": 0.5, "examples": 3,
                "sides": {c.id: ["accepted", "rejected"]}} for c in catalog()]
    records[0] = {**records[0], "status": "failed", "failure": {
        "operation": "X", "input": {}, "expected": "rejected", "observed": {"status": 200},
        "reproduction": None}}
    waived = records[0]["clauses"][0]
    built = report_module.build(records, {"target": "t", "endpoint": None, "profile": "ci",
                                          "seed": "1", "strict": False, "started": "a",
                                          "finished": "b"}, {waived: "why"})
    jsonschema.Draft7Validator(report_module.schema()).validate(built)
    assert built["verdict"].startswith("conformant except 1 waived MUST clause (MUST ")
    assert built["outcome"] == "conformant"
    entry = built["clauses"][0]
    assert (entry["status"], entry["observed_status"], entry["waiver"]) == (
        "waived", "failed", "why")
    assert entry["examples"] == 3 and entry["duration"] == 0.5


@pytest.mark.parametrize("content, words", [
    (None, "cannot read waivers file"),
    ("{not json", "is not JSON"),
    ('{"waivers": [{"clause": "PutEvents.eventList.maxItems"}]}', "malformed"),
    ('{"waivers": [{"clause": "No.such.clause", "reason": "x"}]}', "unknown clause"),
])
def test_a_bad_waivers_file_exits_2_with_one_line(tmp_path, capsys, content, words):
    path = tmp_path / "waivers.json"
    if content is not None:
        path.write_text(content)
    assert cli.main(["run", "--waivers", str(path), "--report-dir", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and words in err


def test_replaying_a_report_without_failures_exits_2(tmp_path, capsys):
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"clauses": [{"id": BROKEN, "failures": []}]}))
    assert cli.main(["run", "--replay", str(path), "--report-dir", str(tmp_path)]) == 2
    assert "no failing test" in capsys.readouterr().err


def test_exported_vectors_break_their_clause_alone_or_validate(tmp_path):
    assert cli.main(["export-vectors", str(tmp_path)]) == 0
    index = json.loads((tmp_path / "index.json").read_text())
    files = [json.loads((tmp_path / name).read_text()) for name in index["files"]]
    exported = [v for f in files for v in f["vectors"]]
    assert len(exported) == index["vectors"] > 0
    shape = {c.id for c in catalog() if c.kind == "shape" and c.schema}
    assert {v["clause"] for v in exported} | set(index["not_exported"]) == shape
    assert not {v["clause"] for v in exported} & set(index["not_exported"])
    for vector in exported:
        broken = vectors.check(vector)
        clause = catalog()[vector["clause"]]
        allowed = {clause.schema, *clause.entails}
        if vector["valid"]:
            assert not broken, vector["id"]
        else:
            assert clause.schema in broken and set(broken) <= allowed, vector["id"]


def test_exported_vectors_get_their_expected_outcome_from_the_reference():
    """Each vector, as a vendor would replay it: its ``fill`` members replaced by fresh
    resources, and what an accepted create made deleted again (names must be unique)."""
    target = resolve("reference", None)
    target.start()
    try:
        harness = Harness(target, run_id="vec", worker="t")
        for vector in (v for data in vectors.build().values() for v in data["vectors"]):
            group = harness.create_dataset_group()
            fresh = {"datasetGroupArn": group}
            if {"/trackingId", "/eventTrackerArn"} & set(vector["fill"]):
                tracker = harness.create_tracker(group)
                fresh = {"trackingId": tracker["trackingId"],
                         "eventTrackerArn": tracker["eventTrackerArn"]}
            body = {**vector["body"], **{k.lstrip("/"): fresh[k.lstrip("/")]
                                         for k in vector["fill"]}}
            try:
                answer = target.invoke(vector["operation"], body)
                outcome = (200, None)
            except TargetError as exc:  # the rejection under test
                outcome, answer = (exc.status, exc.code), {}
            if vector["operation"] == "CreateEventTracker" and "eventTrackerArn" in answer:
                target.invoke("DeleteEventTracker", {"eventTrackerArn": answer["eventTrackerArn"]})
            if vector["operation"] == "CreateDatasetGroup" and "datasetGroupArn" in answer:
                harness.delete_dataset_group(answer["datasetGroupArn"])
            want = vector["expected"]
            if want["status"] == "4xx":  # the union with an unknown value's outcome
                assert 400 <= outcome[0] <= 499, (vector["id"], outcome)
            else:
                assert outcome[0] == want["status"], (vector["id"], outcome)
            assert not want["errors"] or outcome[1] in want["errors"], vector["id"]
        harness.cleanup()
    finally:
        target.stop()


# -- what a test records, and the statuses it reports -----------------------------------------
def test_statuses_travel_as_exception_types_not_as_text():
    unsupported, inapplicable = outcomes.Unsupported("no Foo"), outcomes.NotApplicable("no x")
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
    raise outcomes.Unsupported("the target has no PutEvents")

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
    assert record.not_exercised == {BROKEN: ["rejected: no case"]}

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

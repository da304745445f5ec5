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

from personalize_conformance import report as report_module
from personalize_conformance.contracts import catalog
from personalize_conformance.harness import Harness
from personalize_conformance.report import vectors
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

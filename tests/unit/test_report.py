"""The certification report end to end: report.json against its schema, junit.xml,
report.md, waivers, replay, determinism and the portable vectors."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from personalize_conformance import report as report_module
from personalize_conformance import vectors
from personalize_conformance.contracts import catalog
from personalize_conformance.harness import Harness
from personalize_conformance.targets import resolve

MUTANT = "mutant:eventList-accepts-0"
BROKEN = "PutEvents.eventList.minItems"
#: A quick certify run: thorough profile, explicit seed, few examples per test (its
#: minimal failing example shrinks fast, unlike an 11-event list's).
CERTIFY = ("--profile", "certify", "--seed", "1", "--max-examples", "8")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "personalize_conformance.cli", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def load(directory: Path) -> dict:
    return json.loads((directory / "report.json").read_text())


def check_outputs(directory: Path) -> dict:
    """report.json fits its schema; junit.xml and report.md agree with it."""
    report = load(directory)
    jsonschema.Draft7Validator(report_module.schema()).validate(report)
    root = ET.parse(directory / "junit.xml").getroot()
    cases = root.findall("./testsuite/testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        (c["operation"], c["id"]) for c in report["clauses"]]
    failed = [c for c in report["clauses"] if c["status"] == "failed"]
    skipped = [c for c in report["clauses"]
               if c["status"] in ("unsupported", "not_applicable", "untested", "waived")]
    assert len(root.findall(".//failure")) == int(root.get("failures")) == len(failed)
    assert len(root.findall(".//skipped")) == int(root.get("skipped")) == len(skipped)
    assert int(root.get("tests")) == len(catalog())
    markdown = (directory / "report.md").read_text()
    assert f"**Verdict: {report['verdict']}**" in markdown
    for clause in report["clauses"]:
        assert f"| `{clause['id']}` | {clause['level']} |" in markdown
    return report


def failing_inputs(report: dict) -> dict[str, list]:
    """Failing test -> its minimal input, without the tracking ID the target minted."""
    return {f["test"]: {k: v for k, v in f["input"].items() if k != "trackingId"}
            for c in report["clauses"] for f in c["failures"]}


def cli_all(*runs: tuple[Path, tuple[str, ...]]) -> list[subprocess.CompletedProcess]:
    """Several runs at once (each in its own directory): the runner's output per run."""
    procs = [subprocess.Popen([sys.executable, "-m", "personalize_conformance.cli", *args],
                              cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for cwd, args in runs]
    done = []
    for (_, args), proc in zip(runs, procs):
        out, err = proc.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return done


def test_a_faulty_target_certified_twice_and_replayed(tmp_path):
    """One test, so the slow certify runs happen once: outputs, determinism, replay."""
    first, second, ref, again = (tmp_path / d for d in ("first", "second", "ref", "again"))
    for d in (first, second, ref, again):
        d.mkdir()
    result, repeat = cli_all(*[(d, ("run", "--target", MUTANT, *CERTIFY, "--report-dir", str(d)))
                               for d in (first, second)])
    # Every output, with reproductions.
    assert result.returncode == 1, result.stdout + result.stderr
    report = check_outputs(first)
    assert report["verdict"].startswith("not conformant: 1 MUST clauses failed (MUST ")
    assert report["verdict"] in result.stdout
    assert "clauses done" in result.stdout  # certify shows progress
    clause = next(c for c in report["clauses"] if c["id"] == BROKEN)
    assert clause["status"] == "failed" and clause["examples"] > len(clause["tests"])
    assert clause["duration"] > 0
    assert report["profile"] == "certify" and report["seed"] == "1"
    assert report["botocore"] and report["moto"] and report["throttling_retries"] == 0
    failure = ET.parse(first / "junit.xml").getroot().find(".//failure")
    assert "observed HTTP 200" in failure.get("message") and "boto3.client" in failure.text
    markdown = (first / "report.md").read_text()
    assert "Minimal failing input:" in markdown and "aws --endpoint-url" in markdown
    # The same target, profile and seed: the same verdicts and failing examples.
    assert repeat.returncode == 1, repeat.stdout + repeat.stderr
    twice = load(second)
    assert twice["verdict"] == report["verdict"]
    assert [c["status"] for c in twice["clauses"]] == [c["status"] for c in report["clauses"]]
    assert failing_inputs(twice) == failing_inputs(report) != {}
    # --replay: only the failing tests, the earlier seed; the reference passes them.
    replays = cli_all(*[(d, ("run", "--target", target, "--replay", str(first / "report.json"),
                             "--report-dir", str(d))) for d, target in
                        ((ref, "reference"), (again, MUTANT))])
    for directory, done, code, status in ((ref, replays[0], 0, "passed"),
                                          (again, replays[1], 1, "failed")):
        assert done.returncode == code, done.stdout + done.stderr
        replayed = check_outputs(directory)
        assert replayed["seed"] == "1" and replayed["profile"] == "certify"
        assert replayed["replay_of"] == str(first / "report.json")
        ran = {t for c in replayed["clauses"] for t in c["tests"]}
        assert ran == set(report_module.failing_tests(report))
        assert {c["id"]: c["status"] for c in replayed["clauses"]}[BROKEN] == status
    assert failing_inputs(load(again)) == failing_inputs(report)


def test_a_clean_target_gets_every_output(tmp_path):
    result = cli("run", "--target", "reference", "--report-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = check_outputs(tmp_path)
    assert report["verdict"].startswith("conformant (MUST ")
    assert "clauses done" not in result.stdout  # ci: no progress unless asked


def test_a_waived_clause_still_runs_and_shows_what_it_observed(tmp_path):
    waived = "CreateEventTracker.oneTrackerPerDatasetGroup"
    waivers = tmp_path / "waivers.json"
    waivers.write_text(json.dumps({"waivers": [{"clause": waived, "reason": "known: allows a second tracker"}]}))
    result = cli("run", "--target", "mutant:second-tracker-allowed", "--waivers", str(waivers),
                 "--report-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = check_outputs(tmp_path)
    clause = next(c for c in report["clauses"] if c["id"] == waived)
    assert clause["status"] == "waived" and clause["observed_status"] == "failed"
    assert clause["failures"] and clause["waiver"] == "known: allows a second tracker"
    assert report["verdict"].startswith("conformant with 1 waivers (MUST ")
    assert "Waived: known: allows a second tracker" in (tmp_path / "report.md").read_text()


@pytest.mark.parametrize("content, words", [
    (None, "cannot read waivers file"),
    ("{not json", "is not JSON"),
    ('{"waivers": [{"clause": "PutEvents.eventList.maxItems"}]}', "malformed"),
    ('{"waivers": [{"clause": "No.such.clause", "reason": "x"}]}', "unknown clause"),
])
def test_a_bad_waivers_file_exits_2_with_one_line(tmp_path, content, words):
    path = tmp_path / "waivers.json"
    if content is not None:
        path.write_text(content)
    result = cli("run", "--waivers", str(path), cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr


def test_replaying_a_report_without_failures_exits_2(tmp_path):
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"clauses": [{"id": BROKEN, "failures": []}]}))
    result = cli("run", "--replay", str(path), cwd=tmp_path)
    assert result.returncode == 2 and "no failing test" in result.stderr


def test_exported_vectors_break_their_clause_alone_or_validate(tmp_path):
    vectors.export(tmp_path)
    index = json.loads((tmp_path / "index.json").read_text())
    files = [json.loads((tmp_path / name).read_text()) for name in index["files"]]
    exported = [v for f in files for v in f["vectors"]]
    assert len(exported) == index["vectors"] > 0
    shape = {c.id for c in catalog() if c.kind == "shape" and c.schema}
    assert {v["clause"] for v in exported} | set(index["not_exported"]) == shape
    for vector in exported:
        broken = vectors.check(vector)
        assert broken == ([] if vector["valid"] else [catalog()[vector["clause"]].schema])


def test_exported_vectors_get_their_expected_outcome_from_the_reference():
    target = resolve("reference", None)
    target.start()
    try:
        harness = Harness(target, run_id="vec", worker="t")
        tracker = harness.create_tracker(harness.create_dataset_group())
        stand_ins = {"trackingId": tracker["trackingId"]}
        for data in vectors.build().values():
            for vector in data["vectors"]:
                body = {**vector["body"],
                        **{k.lstrip("/"): stand_ins[k.lstrip("/")] for k in vector["fill"]}}
                try:
                    target.invoke(vector["operation"], body)
                    outcome = (200, None)
                except Exception as exc:  # TargetError: the rejection under test
                    outcome = (exc.status, exc.code)
                want = vector["expected"]
                assert outcome[0] == want["status"], vector["id"]
                assert not want["errors"] or outcome[1] in want["errors"], vector["id"]
    finally:
        target.stop()

"""Bundles and ``verify``: a good bundle verifies; each tampering fails with its own line.

The good bundle is built once, in process (``good``): a conformant ``certify`` report of
every clause (``report.build`` of passing records), three journaled exchanges, and
``bundle.write`` (about 1.5 s). Each tampering copies it, changes one part and, unless
the tampering is of the manifest itself, seals the copy again, so only the check of that
part can catch it. One real run (``test_a_run_writes_a_bundle``, about 6 s) checks the
runner's wiring: the HAR holds the run's exchanges, credentials redacted.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from personalize_conformance import report as report_module
from personalize_conformance.contracts import catalog
from personalize_conformance.report import bundle, har
from personalize_conformance.run import cli
from personalize_conformance.targets.base import Exchange

PRODUCT = ('vendor: Acme\nproduct: Acme Personalize\nversion: "2.3"\n'
           "url: https://acme.example\ncontact: certs@acme.example\n")
#: A MUST clause the tamperings change.
MUST = next(c.id for c in catalog() if c.level == "MUST")


def exchange(n: int) -> Exchange:
    return Exchange("POST", "http://127.0.0.1:1/", {
        "authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/…, Signature=abc",
        "x-amz-security-token": "token", "content-type": "application/x-amz-json-1.1"},
        b'{"name": "pc%d"}' % n, 400, {"content-type": "application/x-amz-json-1.1"},
        b"\xff\xfe not UTF-8", "CreateDatasetGroup")


def certify_report() -> dict:
    records = [{"test": f"t.py::test_{c.id}", "clauses": [c.id], "status": "passed",
                "failure": None, "duration": 0.1, "examples": 2,
                "sides": {c.id: ["accepted", "rejected"]}} for c in catalog()]
    meta = {"target": "endpoint", "endpoint": "http://127.0.0.1:1", "profile": "certify",
            "seed": "7", "strict": False, "started": "2026-12-01T00:00:00+00:00",
            "finished": "2026-12-01T00:05:00+00:00", "responses_validated": "3 of 3"}
    return report_module.build(records, meta)


def make_bundle(directory: Path, report: dict, exchanges: int = 3) -> Path:
    product = directory.parent / f"{directory.name}-product.yaml"
    product.write_text(PRODUCT)
    journal = har.Journal(directory, "main")
    for n in range(exchanges):
        journal.record(exchange(n))
    journal.close()
    bundle.write(directory, report, product_file=product, product={
        "vendor": "Acme", "product": "Acme Personalize", "version": "2.3"},
        covers="every exchange over HTTP", console_log="the console\n")
    return directory


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return make_bundle(tmp_path_factory.mktemp("bundle") / "good", certify_report())


def verify(directory: Path, capsys) -> tuple[int, list[str]]:
    code = cli.main(["verify", str(directory)])
    return code, [line.removeprefix(f"{directory}: ")
                  for line in capsys.readouterr().out.splitlines()]


def test_a_good_bundle_verifies(good, capsys):
    code, lines = verify(good, capsys)
    assert code == 0, lines
    assert lines == [f"verified: certification of Acme Acme Personalize 2.3 (target endpoint, "
                     f"contract {certify_report()['contract_digest'][:12]}): "
                     f"{certify_report()['verdict']}"]
    assert (good / "README.md").read_text().startswith("# Certification: Acme ")
    listed = (good / "SHA256SUMS").read_text()
    for name in ("product.yaml", "report.json", "junit.xml", "report.md", "report.html",
                 "exchanges.har", "console.log", "run.json", "README.md"):
        assert f"  {name}\n" in listed
    run = json.loads((good / "run.json").read_text())
    assert run["seed"] == "7" and run["command"].startswith(
        "personalize-conformance run --target endpoint --endpoint-url http://127.0.0.1:1 "
        "--profile certify --seed 7")
    assert {"suite", "contract_digest", "python", "boto3", "botocore", "hypothesis"} <= set(
        run["versions"])
    assert not (good / har.JOURNAL_DIR).exists()


def test_the_har_keeps_bodies_exact_and_redacts_credentials(good):
    entries = json.loads((good / "exchanges.har").read_text())["log"]["entries"]
    assert len(entries) == 3 and har.scan(good / "exchanges.har") == (3, [])
    first = entries[0]
    headers = {h["name"]: h["value"] for h in first["request"]["headers"]}
    assert headers["authorization"] == headers["x-amz-security-token"] == "<redacted>"
    assert "AKIDEXAMPLE" not in (good / "exchanges.har").read_text()
    assert first["request"]["postData"]["text"] == '{"name": "pc0"}'
    content = first["response"]["content"]
    assert content["encoding"] == "base64"
    assert base64.b64decode(content["text"]) == b"\xff\xfe not UTF-8"
    url, query = har._url("https://h/?X-Amz-Signature=s&a=1")
    assert "s&" not in url and query[0]["value"] == "<redacted>"


def test_the_har_merges_the_journals_of_every_process_in_time_order(tmp_path):
    first, second = har.Journal(tmp_path, "gw0"), har.Journal(tmp_path, "gw1")
    for n in range(4):
        (first if n % 2 else second).record(exchange(n))
    first.close()
    second.close()
    assert har.write(tmp_path, tmp_path / "x.har", "test") == 4
    entries = json.loads((tmp_path / "x.har").read_text())["log"]["entries"]
    assert [e["request"]["postData"]["text"] for e in entries] == [
        f'{{"name": "pc{n}"}}' for n in range(4)]
    assert [e["_process"] for e in entries] == ["gw1", "gw0", "gw1", "gw0"]
    assert har.scan(tmp_path / "x.har") == (4, [])  # read a line at a time
    (tmp_path / "y.har").write_text(json.dumps(json.loads((tmp_path / "x.har").read_text()),
                                               indent=2))
    assert har.scan(tmp_path / "y.har") == (4, [])  # any other layout: read whole


def _har_line_dropped(directory: Path) -> None:  # the layout kept: one entry a line
    path = directory / "exchanges.har"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-2] + lines[-1:]))


def _edit_report(directory: Path, change) -> None:
    path = directory / "report.json"
    report = json.loads(path.read_text())
    change(report)
    path.write_text(json.dumps(report))


def _clause(report: dict, clause_id: str = MUST) -> dict:
    return next(c for c in report["clauses"] if c["id"] == clause_id)


def _status(report: dict) -> None:
    _clause(report)["status"] = "failed"


def _failure_hidden(report: dict) -> None:  # a failing clause edited to pass, counts kept
    _clause(report)["failures"] = [{"test": "t.py::x", "operation": "X", "input": {},
                                    "expected": "rejected", "observed": {"status": 200},
                                    "reproduction": None}]


def _removed(report: dict) -> None:
    report["clauses"] = [c for c in report["clauses"] if c["id"] != MUST]
    report["summary"]["passed"] -= 1


def _waived(report: dict) -> None:  # a careful forger: summary and verdict agree
    clause = _clause(report)
    clause["status"], clause["waiver"] = "waived", "known"
    report["waivers"] = {MUST: "known"}
    report["summary"]["passed"] -= 1
    report["summary"]["waived"] += 1
    report["verdict"] = report_module.verdict(report["clauses"])


def _har_entry_dropped(directory: Path) -> None:
    path = directory / "exchanges.har"
    document = json.loads(path.read_text())
    document["log"]["entries"].pop()
    path.write_text(json.dumps(document))


def _har_leak(directory: Path) -> None:
    path = directory / "exchanges.har"
    document = json.loads(path.read_text())
    document["log"]["entries"][0]["request"]["headers"][0]["value"] = "AWS4-HMAC-SHA256 x"
    path.write_text(json.dumps(document))


TAMPERINGS = {
    "a changed status": (lambda d: _edit_report(d, _status), True,
                         f"report.json: clause {MUST} is failed, but was observed passed"),
    "a failure hidden under passed": (lambda d: _edit_report(d, _failure_hidden), True,
                                      f"report.json: clause {MUST} is passed, but records "
                                      "1 failure"),
    "a removed MUST clause": (lambda d: _edit_report(d, _removed), True,
                              f"not a certification: 1 MUST clause missing from "
                              f"report.json: {MUST}"),
    "an edited file": (lambda d: (d / "report.md").write_text("# all good\n"), False,
                       "report.md does not match SHA256SUMS (changed after the bundle was "
                       "written)"),
    "a waiver": (lambda d: _edit_report(d, _waived), True,
                 f"not a certification: a waiver covers MUST clause {MUST}"),
    "a file added": (lambda d: (d / "extra.txt").write_text("x"), False,
                     "extra.txt is not in SHA256SUMS"),
    "a file removed": (lambda d: (d / "console.log").unlink(), False,
                       "console.log is in SHA256SUMS but missing"),
    "a wrong profile": (lambda d: _edit_report(d, lambda r: r.update(profile="ci")), True,
                        "not a certification: the profile is 'ci', not 'certify'"),
    "an unknown contract digest": (
        lambda d: _edit_report(d, lambda r: r.update(contract_digest="0" * 64)), True,
        f"not a certification: contract digest '{'0' * 64}' is not one this suite knows"),
    "a HAR count mismatch": (_har_entry_dropped, True,
                             "exchanges.har holds 2 exchanges, report.json says 3"),
    "a HAR line dropped": (_har_line_dropped, True,
                           "exchanges.har holds 2 exchanges, report.json says 3"),
    "a credential left in the HAR": (_har_leak, True,
                                     "exchanges.har entry 1 carries credentials "
                                     "(authorization not redacted)"),
    "a hand-edited verdict": (
        lambda d: _edit_report(d, lambda r: r.update(verdict=re.sub(
            r"MUST (\d+)/", lambda m: f"MUST {int(m[1]) - 1}/", r["verdict"], count=1))),
        True, "report.json: the verdict "),
    "a product without contact": (
        lambda d: (d / "product.yaml").write_text(PRODUCT.replace("contact:", "# ")), True,
        "product.yaml: missing field 'contact'"),
}


@pytest.mark.parametrize("name", TAMPERINGS)
def test_each_tampering_fails_verify_with_its_own_line(good, tmp_path, capsys, name):
    tamper, reseal, expected = TAMPERINGS[name]
    copy = tmp_path / "bundle"
    shutil.copytree(good, copy)
    tamper(copy)
    if reseal:
        bundle.seal(copy)
    code, lines = verify(copy, capsys)
    assert code == 1
    assert any(line.startswith(expected) for line in lines), lines
    others = [other for other, (_, _, line) in TAMPERINGS.items() if other != name
              and not expected.startswith(line) and line != "report.json: the verdict "]
    assert not [o for o in others if any(ln.startswith(TAMPERINGS[o][2]) for ln in lines)]


def test_a_bundle_with_a_waived_must_clause_says_it_is_no_certification(tmp_path, capsys):
    records = [{"test": f"t.py::test_{c.id}", "clauses": [c.id], "status": "passed",
                "failure": None, "duration": 0.1, "examples": 2,
                "sides": {c.id: ["accepted", "rejected"]}} for c in catalog()]
    report = report_module.build(records, {**certify_report(), "waivers": None}, {MUST: "known"})
    root = make_bundle(tmp_path / "waived", report)
    readme = (root / "README.md").read_text()
    assert readme.splitlines()[0].endswith("(not a certification)")
    assert f"- a waiver covers MUST clause {MUST}" in readme
    run = json.loads((root / "run.json").read_text())
    assert run["command"].endswith("--waivers waivers.json")
    assert json.loads((root / "waivers.json").read_text()) == {
        "waivers": [{"clause": MUST, "reason": "known"}]}
    code, lines = verify(root, capsys)
    assert code == 1 and f"not a certification: a waiver covers MUST clause {MUST}" in lines


def test_verify_of_no_directory_is_a_usage_error(tmp_path, capsys):
    assert cli.main(["verify", str(tmp_path / "none")]) == 2
    assert "is not a directory" in capsys.readouterr().err


@pytest.mark.parametrize("args, words", [
    (["--bundle", "B"], "--bundle DIR needs --product FILE"),
    (["--product", "P"], "--product is for --bundle DIR"),
    (["--bundle", "B", "--product", "bad.yaml"], "missing field 'contact'"),
    (["--bundle", "full", "--product", "P"], "is not empty; give a new or empty directory"),
])
def test_a_bundle_option_mistake_exits_2_with_one_line(tmp_path, capsys, monkeypatch,
                                                       args, words):
    monkeypatch.chdir(tmp_path)
    Path("P").write_text(PRODUCT)
    Path("bad.yaml").write_text(PRODUCT.replace("contact:", "# "))
    Path("full").mkdir()
    Path("full/x").write_text("x")
    assert cli.main(["run", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err


def test_a_run_writes_a_bundle(tmp_path):
    """The runner end to end over HTTP (the reference's server, one clause): the bundle is
    written, its HAR holds every exchange the report counts, and verify names what keeps
    it from being a certification."""
    (tmp_path / "product.yaml").write_text(PRODUCT)
    clause = "DescribeDatasetGroup.datasetGroupArn.maxLength"
    run = subprocess.run([sys.executable, "-m", "personalize_conformance", "run",
                          "--target", "reference-http", "--clauses", clause,
                          "--bundle", "b", "--product", "product.yaml", "--report-dir", "r"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "bundle: b (not a certification: the profile is 'ci', not 'certify'" in run.stdout
    root = tmp_path / "b"
    report = json.loads((root / "report.json").read_text())
    entries = json.loads((root / "exchanges.har").read_text())["log"]["entries"]
    judged = int(report["responses_validated"].split()[0])
    assert report["exchanges"] == len(entries) >= judged > 0
    assert {e["_operation"] for e in entries} >= {"CreateDatasetGroup", "DescribeDatasetGroup"}
    assert all(h["value"] == "<redacted>" for e in entries for h in e["request"]["headers"]
               if h["name"] == "authorization")
    assert report["verdict"] in (root / "console.log").read_text()
    assert "(not a certification)" in (root / "README.md").read_text().splitlines()[0]
    done = subprocess.run([sys.executable, "-m", "personalize_conformance", "verify", "b"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert (f"b: not a certification: the run was partial: 1 of {len(catalog())} clauses in "
            "scope, not the whole catalog") in done.stdout.splitlines()

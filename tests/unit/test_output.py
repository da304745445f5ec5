"""What a person reads and a vendor publishes: the console, report.md, report.html and
junit.xml, whatever the target answered.

The mutant run itself (one screen of console output, the files it writes) is checked in
``test_report.py``'s module fixture; here, reports built in process.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import html5lib
import jsonschema
import pytest
from lxml import etree
from lxml import html as lxml_html

from personalize_conformance import report as report_module
from personalize_conformance.contracts import catalog
from personalize_conformance.harness import outcomes
from personalize_conformance.report import render
from personalize_conformance.run import console
from personalize_conformance.run.settings import RunSettings

#: The JUnit XML schema CI servers read (Jenkins' junit-10, restated; see its header).
JUNIT_XSD = Path(__file__).parent / "data" / "junit.xsd"

SHAPE = "PutEvents.eventList.maxItems"
CRASHED = "PutEvents.eventList.minItems"
UNSUPPORTED = ("CreateEventTracker.name.required", "CreateEventTracker.name.maxLength")
NOT_ALLOWED = "\x00\x07\x08\x0b\x0c\x1b\x7f\ud800\ufffe"
HOSTILE = f"bad {NOT_ALLOWED} ]]> <script>alert(1)</script> \x1b]0;owned\x07 & done"
LACKS = "CreateEventTracker is not implemented by the target: HTTP 501 NotImplemented"


def assert_junit_schema(path: Path) -> None:
    """``path`` is well-formed JUnit XML by the schema CI servers read."""
    schema = etree.XMLSchema(etree.parse(str(JUNIT_XSD)))
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log


def html_clauses(path: Path) -> list[str]:
    """The clause ids of report.html's matrix, after a strict HTML5 parse."""
    text = path.read_text(encoding="utf-8")
    html5lib.HTMLParser(strict=True).parse(text)  # raises on any parse error
    tree = lxml_html.fromstring(text)
    return [row.get("id").removeprefix("clause-")
            for row in tree.xpath("//table[@id='matrix']/tbody/tr")]


def _hostile_report(label: str | None = None) -> dict:
    """Every clause passed but: one failed on an answer full of control characters, one
    crashed (a TypeError in a client), two unsupported by one operation."""
    records = []
    for c in catalog():
        record = {"test": f"t.py::test_{c.id}", "clauses": [c.id], "status": "passed",
                  "failure": None, "duration": 0.25, "examples": 2,
                  "sides": {c.id: ["accepted", "rejected"]}}
        if c.id == SHAPE:
            record.update(status="failed", failure={
                "operation": "PutEvents", "clauses": [SHAPE],
                "input": {"trackingId": "t" * 300, "eventList": [{"eventType": HOSTILE}] * 11},
                "expected": "rejected: HTTP 400 InvalidInputException",
                "observed": {"status": 400, "code": f"Odd{NOT_ALLOWED}", "message": HOSTILE},
                "reproduction": {"boto3": f"print({HOSTILE!r})\n",
                                 "cli": f"set -euo pipefail\necho '{HOSTILE}'\nexit 1\n"}})
        elif c.id == CRASHED:
            record.update(status="error", failure={
                "operation": None, "input": None, "expected": "no error in the test",
                "observed": f"TypeError: {HOSTILE}", "reproduction": None,
                "crash": f"TypeError: {HOSTILE} (at targets/boto.py:12)"})
        elif c.id in UNSUPPORTED:
            record.update(status="unsupported", sides={}, reasons=[LACKS])
        records.append(record)
    meta = {"target": "endpoint", "label": label, "endpoint": "http://127.0.0.1:4566",
            "profile": "ci", "seed": "7", "strict": False,
            "started": "2026-01-01T00:00:00+00:00", "finished": "2026-01-01T00:01:00+00:00"}
    return report_module.build(records, meta)


def test_control_characters_from_a_target_pass_through_every_renderer(tmp_path):
    report = _hostile_report()
    jsonschema.Draft7Validator(report_module.schema()).validate(report)
    report_module.write(report, tmp_path)
    json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert_junit_schema(tmp_path / "junit.xml")
    assert html_clauses(tmp_path / "report.html") == [c.id for c in catalog()]
    written = {name: (tmp_path / name).read_text(encoding="utf-8")
               for name in ("junit.xml", "report.md", "report.html",
                            render.repro_path(SHAPE), render.repro_path(SHAPE, "py"))}
    out = io.StringIO()
    console.show(console.make(file=out), report, tmp_path)
    written["console"] = out.getvalue()
    for name, text in written.items():
        assert not set(NOT_ALLOWED) & set(text), name
        assert ("\\u0000" in text or "\\x00" in text) and "owned" in text, name  # spelled out
        assert "\\\\u0000" not in text, name  # a request's JSON is escaped once, as sent
    assert "<script>alert" not in written["report.html"]  # escaped by the template


def test_the_first_failing_answer_is_shown_beside_the_shrunk_one(tmp_path):
    """A failure whose first failing example was answered otherwise than the shrunk one
    shows both, in the console block, report.md, report.html and junit.xml, and fits
    report.json's schema."""
    report = _hostile_report()
    failure = next(c for c in report["clauses"] if c["id"] == SHAPE)["failures"][0]
    failure["first"] = {"input": {"trackingId": "first-one"},
                        "observed": {"status": 500, "code": "InternalFailure"}}
    jsonschema.Draft7Validator(report_module.schema()).validate(report)
    report_module.write(report, tmp_path)
    out = io.StringIO()
    console.show(console.make(file=out), report, tmp_path)
    shown = "HTTP 500 InternalFailure (the first failing example"
    first = next(line for line in out.getvalue().splitlines()
                 if line.strip().startswith("first"))
    assert shown in first and "first-one" in first
    for name in ("report.md", "report.html", "junit.xml"):
        assert shown in (tmp_path / name).read_text(encoding="utf-8"), name


def test_the_console_colours_only_when_allowed(monkeypatch):
    report = _hostile_report()
    coloured, plain, no_color_env = io.StringIO(), io.StringIO(), io.StringIO()
    monkeypatch.delenv("NO_COLOR", raising=False)
    console.show(console.make(file=coloured), report, None)
    assert "\x1b[" not in coloured.getvalue()  # not a terminal
    console.show(console.make(file=coloured, terminal=True), report, None)
    assert "\x1b[1;31m" in coloured.getvalue()  # a terminal: failed in bold red
    console.show(console.make(no_color=True, file=plain, terminal=True), report, None)
    monkeypatch.setenv("NO_COLOR", "1")
    console.show(console.make(file=no_color_env, terminal=True), report, None)
    for text in (plain.getvalue(), no_color_env.getvalue()):
        assert "\x1b[1;31m" not in text and "\x1b[31m" not in text and SHAPE in text


def test_the_console_shows_what_did_not_pass_each_reason_once(tmp_path):
    report = _hostile_report()
    out = io.StringIO()
    console.show(console.make(file=out), report, tmp_path)
    text = out.getvalue()
    lines = text.splitlines()
    assert len(lines) <= 40, text
    assert "failed (1)" in text and "error (1)" in text and "unsupported (2)" in text
    assert "passed (" not in text and "CreateDatasetGroup.name.required" not in text
    assert text.count(LACKS) == 1 and all(c in text for c in UNSUPPORTED)
    crash = next(line for line in lines if line.strip().startswith("crash"))
    assert "TypeError" in crash and "not a failure of the target" in crash
    sent = next(line for line in lines if line.strip().startswith("sent"))
    assert "(300 chars)" in sent and "(11 items)" in sent and len(sent) < 400
    assert f"reproduce  bash {tmp_path / render.repro_path(SHAPE)}" in text
    verbose = io.StringIO()
    console.show(console.make(file=verbose), report, tmp_path, verbose=True)
    assert all(c.id in verbose.getvalue() for c in catalog())  # -v: the whole matrix


def test_report_md_names_statuses_reasons_and_its_label():
    report = _hostile_report(label="Acme Personalize 2.3")
    md = render.markdown(report)
    assert md.startswith("# Conformance report: Acme Personalize 2.3\n")
    assert "## Statuses" in md and all(f"| {s} |" in md for s in render.LEGEND)
    may = [c for c in catalog() if c.level == "MAY"]
    assert all(f"`{c.id}` (passed)" in md for c in may)
    assert f"MAY {len(may)}/{len(may)} passed" in md
    assert "## Failed (1)" in md and "## Error (1)" in md and "## Unsupported (2)" in md
    assert md.count(LACKS) == 1
    assert "**crash**" in md and "## Passed" not in md
    entry = {c["id"]: c for c in report["clauses"]}
    assert entry[UNSUPPORTED[0]]["reasons"] == [LACKS]  # report.json carries it too
    assert entry[CRASHED]["status"] == outcomes.ERROR
    assert render.junit(report).count("<skipped") == 2


def test_report_html_has_filters_and_expandable_failures(tmp_path):
    report = _hostile_report(label="Acme Personalize 2.3")
    (tmp_path / "report.html").write_text(render.html(report), encoding="utf-8")
    tree = lxml_html.fromstring((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert tree.findtext(".//title") == "Conformance report: Acme Personalize 2.3"
    assert tree.get_element_by_id("verdict").text_content() == report["verdict"]
    filters = {s.get("data-key"): [o.text for o in s.findall("option")]
               for s in tree.xpath("//div[@class='filters']/select")}
    assert set(filters) == {"operation", "level", "status"}
    assert "PutEvents" in filters["operation"] and "failed" in filters["status"]
    failure = tree.get_element_by_id(f"failure-{SHAPE}")
    assert failure.tag == "details" and "set -euo pipefail" in failure.text_content()
    assert not tree.xpath("//script[@src] | //link[@href] | //img[@src]")  # self-contained


def test_each_failure_of_a_clause_has_its_own_script_and_anchor(tmp_path):
    """Two tests failing one clause: two scripts on disk (``<clause>.sh``, ``<clause>.2.sh``),
    each named where its failure is shown, and two distinct anchors in report.html."""
    report = _hostile_report()
    clause = next(c for c in report["clauses"] if c["id"] == SHAPE)
    second = {**clause["failures"][0], "test": "t.py::test_again",
              "reproduction": {"boto3": "print('second')\n", "cli": "echo second\nexit 1\n"}}
    clause["failures"].append(second)
    report_module.write(report, tmp_path)
    assert "echo second" in (tmp_path / render.repro_path(SHAPE, n=2)).read_text()
    assert "echo second" not in (tmp_path / render.repro_path(SHAPE)).read_text()
    assert f"bash {render.repro_path(SHAPE, n=2)}" in (tmp_path / "report.md").read_text()
    tree = lxml_html.fromstring((tmp_path / "report.html").read_text(encoding="utf-8"))
    ids = [d.get("id") for d in tree.iter("details")]
    assert ids == [f"failure-{SHAPE}", f"failure-{SHAPE}-2", f"failure-{CRASHED}"]
    assert f"bash {render.repro_path(SHAPE, n=2)}" in tree.get_element_by_id(
        f"failure-{SHAPE}-2").text_content()


def test_a_crash_in_a_test_is_an_error_beside_its_clause(tmp_path):
    (tmp_path / "test_crash.py").write_text(
        "import pytest\n\n"
        f"@pytest.mark.clause({SHAPE!r})\n"
        "def test_crash():\n"
        "    len(None)  # a client's TypeError\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "test_crash.py", "-q",
                           "-p", "no:cacheprovider", "--report-dir", str(tmp_path / "out")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    entry = {c["id"]: c for c in report["clauses"]}[SHAPE]
    assert entry["status"] == outcomes.ERROR  # never a failure of the target
    assert "TypeError" in entry["failures"][0]["crash"]
    assert "test_crash.py:" in entry["failures"][0]["crash"]
    assert "**crash**" in (tmp_path / "out" / "report.md").read_text()


class _Progress:
    unit, done, total = "clauses", 3, 10

    def elapsed(self) -> float:
        return 31.0

    def eta(self) -> float:
        return 72.0


@pytest.mark.parametrize("terminal", [True, False])
def test_progress_is_one_live_line_on_a_terminal_and_sparse_otherwise(terminal):
    out = io.StringIO()
    rich = console.make(file=out, terminal=terminal)

    class _Run:
        settings = RunSettings(progress=True)
        target = None

    shown = console.Console(_Run(), rich)  # type: ignore[arg-type]
    shown.last_line -= console.SPARSE_SECONDS
    for _ in range(3):
        shown._show(_Progress(), f"running {SHAPE}: t.py::test")  # type: ignore[arg-type]
    shown.pytest_sessionfinish()
    text = out.getvalue()
    if terminal:  # redrawn in place (carriage returns, cursor moves), then erased
        assert "3/10 clauses" in text and SHAPE in text and "\x1b[" in text
    else:  # one line: the next only after SPARSE_SECONDS
        assert text == "3/10 clauses, 31 s, about 72 s left\n"


@pytest.mark.parametrize("name, url, serve", [
    ("mutant:eventList-accepts-11", None, "serve --target mutant:eventList-accepts-11"),
    ("reference-http", "http://127.0.0.1:40123", "serve --target reference --port"),
    ("moto-server", "http://127.0.0.1:40124", "moto_server -p"),
    ("endpoint", "http://127.0.0.1:9000", None),
])
def test_a_reproduction_serves_an_in_process_target_first(name, url, serve):
    from personalize_conformance.report.reproduce import SERVE_URL, replay_of

    class _Target:
        endpoint_url = url

    target = _Target()
    target.name = name  # type: ignore[attr-defined]
    replay = replay_of(target, "abc123")
    assert replay.prefix == "pcabc123"
    if serve is None:  # reached where it ran
        assert replay.serve is None and replay.url == url
    else:  # the run's own server is gone: served again where the script looks
        assert serve in (replay.serve or "") and replay.url == SERVE_URL


def test_a_reproduction_serves_the_reference_under_the_runs_readings():
    from personalize_conformance.report.reproduce import replay_of
    from personalize_conformance.targets import resolve

    taken = {"Name.pattern.unanchored": "full-match", "Event.properties.json": "json-object"}
    for name in ("reference", "mutant:eventList-accepts-11"):
        serve = replay_of(resolve(name, readings=taken), "r").serve or ""
        assert serve.startswith(f"personalize-conformance serve --target {name} --readings "
                                "Name.pattern.unanchored=full-match,"
                                "Event.properties.json=json-object "), serve
    assert "--readings" not in (replay_of(resolve("reference"), "r").serve or "")

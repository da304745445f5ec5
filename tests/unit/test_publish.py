"""report.html ready to publish, and what a reader sees of it and of matrix.html in a real
browser (headless Chromium, Debian's ``chromium``; skipped with the reason where it is
missing). The pages are rendered in process from built reports; each Chromium load takes
about 3 s (9 s for the first, on a cold machine).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import html5lib
import pytest
from lxml import html as lxml_html

from personalize_conformance import report as report_module
from personalize_conformance.contracts import catalog
from personalize_conformance.report import compare, render

#: A clause that fails, and one that crashes.
FAILED = "PutEvents.eventList.maxItems"
CRASHED = "CreateDatasetGroup.name.required"
#: A clause whose statement has a code span.
CODE = "PutEvents.eventList[].eventType.maxLength"


def built(target: str = "endpoint", endpoint: str | None = "http://127.0.0.1:4566",
          failed: bool = True) -> dict:
    records = []
    for c in catalog():
        record = {"test": f"t.py::test_{c.id}", "clauses": [c.id], "status": "passed",
                  "failure": None, "duration": 0.1, "examples": 2,
                  "sides": {c.id: ["accepted", "rejected"]}}
        if c.id == FAILED and failed:
            record.update(status="failed", failure={
                "operation": "PutEvents", "clauses": [FAILED], "input": {"eventList": []},
                "expected": "rejected: HTTP 400 InvalidInputException",
                "observed": {"status": 200}, "reproduction": None})
        elif c.id == CRASHED:
            record.update(status="error", failure={
                "operation": None, "input": None, "expected": "no error in the test",
                "observed": "TypeError: x", "reproduction": None, "crash": "TypeError: x"})
        records.append(record)
    meta = {"target": target, "endpoint": endpoint, "profile": "ci", "seed": "7",
            "strict": False, "started": "2026-01-01T00:00:00+00:00",
            "finished": "2026-01-01T00:01:00+00:00"}
    return report_module.build(records, meta)


def page(report: dict) -> lxml_html.HtmlElement:
    text = render.html(report)
    html5lib.HTMLParser(strict=True).parse(text)
    return lxml_html.fromstring(text)


def test_the_verdict_and_the_runs_facts_come_first():
    tree = page(built())
    body = [e.get("id") for e in tree.xpath("//body/*") if e.get("id")]
    assert body[:3] == ["verdict", "headline", "counts"]
    facts = {row[0].text_content(): row[1].text_content()
             for row in tree.xpath("//table[@id='headline']//tr")}
    assert facts["target"] == "endpoint" and facts["endpoint"] == "http://127.0.0.1:4566"
    assert facts["date"] == "2026-01-01T00:01:00+00:00"
    assert facts["versions"].startswith("suite ") and "botocore" in facts["versions"]
    assert "moto" not in tree.text_content().lower()  # no moto on an endpoint run
    assert "moto" in page(built("moto", None)).xpath("//table[@id='headline']")[0] \
        .text_content()


def test_failures_and_errors_come_before_the_matrix_linked_from_the_counts():
    tree = page(built())
    body = [e.get("id") for e in tree.xpath("//body/*")]
    assert body.index("status-failed") < body.index("status-error") < body.index("matrix")
    links = tree.xpath("//p[@id='counts']/a/@href")
    assert links == ["#matrix", "#status-failed", "#status-error"]
    assert all(tree.xpath(f"//*[@id='{href[1:]}']") for href in links)


def test_statements_render_their_code_spans():
    tree = page(built())
    cell = tree.xpath(f"//tr[@id='clause-{CODE}']/td[2]")[0]
    assert "`" in catalog()[CODE].statement and "`" not in cell.text_content()
    assert [code.text for code in cell.xpath("./code")] == ["eventList[].eventType"]
    assert "`" not in "".join(tree.xpath("//table[@id='matrix']/tbody/tr/td[2]//text()"))
    pattern = catalog()["CreateDatasetGroup.name.pattern"].statement.split("pattern ")[1]
    assert pattern.split(" ")[0] in tree.text_content()  # backslashes and * kept


def chromium() -> str | None:
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                "google-chrome"))), None)


def seen(url: str, tmp_path: Path) -> tuple[lxml_html.HtmlElement, list[str]]:
    """The DOM headless Chromium shows for ``url`` after its scripts ran, and the console
    messages that were script errors."""
    browser = chromium()
    assert browser is not None
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
         "--v=0", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines()
              if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)]
    return lxml_html.fromstring(done.stdout), errors


needs_chromium = pytest.mark.skipif(
    chromium() is None and not os.environ.get("PC_REQUIRE_CHROMIUM"),
    reason="headless Chromium is not installed (Debian: apt-get install chromium)")


@needs_chromium
def test_a_reader_sees_the_verdict_and_reaches_a_failure_in_chromium(tmp_path):
    report = built()
    report_module.write(report, tmp_path / "r")
    url = (tmp_path / "r" / "report.html").as_uri()
    dom, errors = seen(f"{url}#failure-{CRASHED}", tmp_path)
    assert errors == []
    assert dom.xpath("//p[@id='verdict']")[0].text_content() == report["verdict"]
    assert dom.xpath("//span[@id='shown']")[0].text_content() == \
        f"{len(catalog())} of {len(catalog())} clauses"  # the page's script ran
    crash = dom.xpath(f"//details[@id='failure-{CRASHED}']")[0]
    assert crash.get("open") is not None  # closed by default: the link opened it


@needs_chromium
def test_a_reader_follows_the_matrix_to_a_failure_in_chromium(tmp_path):
    for name, failed in (("a", False), ("b", True)):
        report_module.write(built(failed=failed) | {"label": name}, tmp_path / name)
    compare.write([str(tmp_path / "a"), str(tmp_path / "b")], tmp_path / "m")
    dom, errors = seen((tmp_path / "m" / "matrix.html").as_uri(), tmp_path)
    assert errors == []
    row = dom.xpath(f"//tr[@id='clause-{FAILED}']/td[@data-status]")
    assert [td.text_content() for td in row] == ["passed", "failed"]
    href = row[1].xpath("./a/@href")[0]
    assert href == f"../b/report.html#failure-{FAILED}"
    target, errors = seen(((tmp_path / "m").as_uri() + "/" + href), tmp_path)
    assert errors == []
    assert target.xpath(f"//details[@id='failure-{FAILED}']")[0].get("open") is not None

"""A wrong URL stops early (issue 22, item 9): before any test, one harmless call per
service; a URL where nothing answers as an AWS JSON service (an HTML page, a 404 or 501
page, a body that is not JSON) ends the run with one line naming what came back, exit 2,
an earlier report left as it was. Whatever runs, no summary line pastes more than 200
characters of an answer."""

from __future__ import annotations

import http.server
import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from personalize_conformance import report as report_module
from personalize_conformance.contracts import catalog
from personalize_conformance.run import console
from personalize_conformance.run.probe import PROBES, wrong_url
from personalize_conformance.targets import resolve
from personalize_conformance.targets.reference import ReferenceService
from personalize_conformance.targets.reference.server import ReferenceServer
from tests.independent.server import start, stop

SCRIPT = str(Path(sys.executable).parent / "personalize-conformance")
SENTINEL = '{"an earlier": "report"}\n'
#: An HTML page as a web server answers it: many lines, far more than 200 characters.
PAGE = "<!DOCTYPE html>\n<html>\n<head><title>Not here</title></head>\n<body>\n" + (
    "<p>nothing to see</p>\n" * 40) + "</body>\n</html>\n"


def _handler(status: int, kind: str, body: str, *, events: tuple | None = None) -> type:
    """Answers ``status``, ``kind``, ``body`` to every POST (``events``: another answer
    for ``POST /events``)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            code, ctype, text = events if events and self.path == "/events" else (
                status, kind, body)
            data = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler


def _simple(*args: object) -> http.server.SimpleHTTPRequestHandler:
    """``python -m http.server``: 501 to a POST (quiet)."""
    handler = http.server.SimpleHTTPRequestHandler
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    return handler(*args)


UNKNOWN = json.dumps({"__type": "UnknownOperationException", "message": "no such operation"})
WRONG = {
    "200 text/html": _handler(200, "text/html", PAGE),
    "404 page": _handler(404, "text/html", PAGE),
    "404 empty": _handler(404, "text/plain", ""),
    "501 (python -m http.server)": _simple,
    "200 a JSON array": _handler(200, "application/json", "[1, 2]"),
}
RIGHT = {
    "400 UnknownOperationException": _handler(400, "application/x-amz-json-1.1", UNKNOWN),
    "404 UnknownOperationException": _handler(404, "application/json", UNKNOWN),
    "personalize only, /events a 404 page": _handler(
        400, "application/x-amz-json-1.1", UNKNOWN, events=(404, "text/html", PAGE)),
}


@pytest.fixture
def serving() -> Iterator:
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(handler: type) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("answer", sorted(WRONG))
def test_a_wrong_url_exits_2_with_one_line_before_any_test(tmp_path, serving, answer):
    url = serving(WRONG[answer])
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.json").write_text(SENTINEL)
    done = subprocess.run([SCRIPT, "run", "--target", "endpoint", "--endpoint-url", url,
                           "--report-dir", str(tmp_path / "out")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert done.stdout == "" and len(lines) == 1, done.stderr
    line = lines[0]
    assert line.startswith(f"personalize-conformance: error: {url} does not answer as an "
                           "AWS JSON service (")
    status = answer.split()[0]
    for operation, _ in PROBES:  # what each service answered: status, type, 80 characters
        assert f"{operation}: HTTP {status}, " in line
    body = {"200 text/html": PAGE, "404 page": PAGE, "200 a JSON array": "[1, 2]"}.get(answer)
    if body is not None:
        assert f"body {json.dumps(body[:80])}" in line
    if answer == "404 empty":
        assert "text/plain, no body" in line
    assert len(line) < 600
    assert (tmp_path / "out" / "report.json").read_text() == SENTINEL
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.json"]


@pytest.mark.parametrize("answer", sorted(RIGHT))
def test_a_server_answering_aws_json_errors_passes_the_probe(serving, answer):
    assert wrong_url(resolve("endpoint", serving(RIGHT[answer]))) is None


def test_the_reference_and_the_independent_server_pass_the_probe():
    reference = ReferenceServer(ReferenceService()).start()
    independent, url = start(port=0, host="127.0.0.1")
    try:
        for where in (reference.url, url):
            assert wrong_url(resolve("endpoint", where)) is None, where
        assert not reference.service._dataset_groups  # the probe created nothing
    finally:
        reference.stop()
        stop(independent)


def test_the_plugin_route_refuses_a_wrong_url_as_a_usage_error(tmp_path, serving):
    url = serving(WRONG["200 text/html"])
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "personalize_conformance.suite", "-q",
         "-p", "no:cacheprovider", "--target", "endpoint", "--endpoint-url", url],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    assert "does not answer as an AWS JSON service" in done.stderr
    assert "passed" not in done.stdout and "failed" not in done.stdout


def test_no_summary_line_pastes_more_than_200_characters_of_an_answer(tmp_path):
    """A 500 page answered to a create, and an operation answered by an HTML 501 page."""
    failed, lacking = "CreateDatasetGroup.name.required", "CreateEventTracker.name.required"
    records = []
    for c in catalog():
        record = {"test": f"t.py::test_{c.id}", "clauses": [c.id], "status": "passed",
                  "failure": None, "duration": 0.1, "examples": 1,
                  "sides": {c.id: ["accepted", "rejected"]}}
        if c.id == failed:
            record.update(status="failed", failure={
                "operation": "CreateDatasetGroup", "clauses": [failed], "input": {},
                "expected": "rejected: HTTP 400 InvalidInputException",
                "observed": {"status": 500, "code": "InternalError", "message": PAGE},
                "reproduction": None})
        elif c.operation == "CreateEventTracker":
            record.update(status="unsupported", sides={}, reasons=[
                f"CreateEventTracker is not implemented by the target: HTTP 501 {PAGE}"])
        records.append(record)
    built = report_module.build(records, {"target": "endpoint", "profile": "ci", "seed": "0",
                                          "endpoint": "http://127.0.0.1:1"})
    assert any(c["id"] == lacking and c["status"] == "unsupported" for c in built["clauses"])
    out = io.StringIO()
    console.show(console.make(file=out), built, tmp_path)
    text = out.getvalue()
    lines = text.splitlines()
    assert len(lines) < 30, text
    page = " ".join(PAGE.split())
    for line in lines:  # the page's start shows, never more than 200 characters of it
        longest = max((n for n in range(len(page) + 1) if page[:n] in line), default=0)
        assert longest <= 200, line
        assert "<p>nothing to see</p> " * 10 not in line, line
    observed = next(line for line in lines if line.strip().startswith("observed"))
    assert "HTTP 500 InternalError: <!DOCTYPE html>" in observed and "chars)" in observed
    assert any(line.startswith("  CreateEventTracker is not implemented by the target: "
                               "HTTP 501 <!DOCTYPE html>") for line in lines)

"""Targets and the harness: moto in both modes, refusing AWS, cleanup, plugins loaded
both ways, and a run that survives a deliberately hostile target."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from personalize_conformance.harness import Harness
from personalize_conformance.targets import TargetError, Unsupported, reference_service, resolve
from personalize_conformance.targets.boto import BotoTarget
from personalize_conformance.targets.reference import ReferenceHttpTarget, ReferenceTarget

ROOT = Path(__file__).resolve().parents[2]
NOT_FAILED = {"unsupported", "passed", "not_applicable", "untested", "incomplete"}
AWS_URL = "https://personalize.us-east-1.amazonaws.com"


def cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "personalize_conformance", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def report_of(directory: Path) -> dict:
    return json.loads((directory / "report.json").read_text())


# -- moto ------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", ["moto", "moto-server"])
def test_moto_runs_quickly_and_nothing_it_lacks_counts_as_failed(tmp_path, target):
    """Today every clause is unsupported; a moto that implements the operations correctly
    would pass them. Either way: no failure, no harness error; while clauses go unchecked
    the verdict is incomplete, which exits 3 (0 with --allow-incomplete)."""
    result = cli("run", "--target", target, "--report-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 3, result.stdout + result.stderr
    assert report_of(tmp_path)["verdict"].startswith("incomplete: ")
    assert "Traceback" not in result.stdout + result.stderr
    report = report_of(tmp_path)
    assert report["summary"]["failed"] == 0
    statuses = {c["id"]: c["status"] for c in report["clauses"]}
    assert set(statuses.values()) <= NOT_FAILED, statuses
    assert any(s in ("unsupported", "passed") for s in statuses.values())


def test_an_unsupported_operation_is_called_once_per_run():
    target = resolve("moto")
    calls = []
    invoke = target.invoke
    target.invoke = lambda op, req: calls.append(op) or invoke(op, req)  # type: ignore[method-assign]
    target.start()
    try:
        harness = Harness(target, run_id="t", call_timeout=5)
        for _ in range(3):
            try:
                harness.create_dataset_group()
            except pytest.skip.Exception as skip:
                assert str(skip).startswith("unsupported:")
            else:  # a future moto implementing it
                assert "CreateDatasetGroup" not in harness.unsupported
    finally:
        target.stop()
    if "CreateDatasetGroup" in harness.unsupported:
        assert calls.count("CreateDatasetGroup") == 1


# -- real AWS is refused; what a run creates is deleted ---------------------------------------
@pytest.mark.parametrize("args", [["--endpoint-url", AWS_URL], []])
def test_real_aws_is_refused_without_allow_aws(tmp_path, args):
    result = cli("run", "--target", "endpoint", *args, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--allow-aws" in lines[0] and "real AWS" in lines[0]


def test_the_pytest_option_refuses_real_aws_too(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "personalize_conformance.suite",
         "-p", "no:cacheprovider", "--target", "endpoint", "--endpoint-url", AWS_URL],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 4  # pytest's usage error: no test ran
    assert "--allow-aws" in result.stderr and "Traceback" not in result.stderr


def test_cleanup_deletes_what_a_run_left_and_lists_what_it_could_not():
    target = ReferenceTarget()
    harness = Harness(target, run_id="c1")
    kept = harness.create_dataset_group()
    harness.create_tracker(kept)
    loose = harness.create_dataset_group()
    assert all(name.startswith("pcc1") for name in
               [g["datasetGroup"]["name"] for g in (
                   target.invoke("DescribeDatasetGroup", {"datasetGroupArn": a})
                   for a in (kept, loose))])
    real_invoke = target.invoke

    def refuse_one(operation, request):
        if operation == "DeleteDatasetGroup" and request["datasetGroupArn"] == loose:
            raise TargetError(400, "AccessDeniedException", "not yours")
        return real_invoke(operation, request)

    target.invoke = refuse_one  # type: ignore[method-assign]
    assert [f["arn"] for f in harness.cleanup()] == [loose]
    with pytest.raises(TargetError, match="ResourceNotFound"):
        real_invoke("DescribeDatasetGroup", {"datasetGroupArn": kept})
    assert real_invoke("ListEventTrackers", {})["eventTrackers"] == []


# -- mutants ---------------------------------------------------------------------------------
def test_a_mutant_target_serves_its_mutant_in_process_and_over_http():
    """``mutant:<id>`` is the reference target serving the mutant's service; the same
    service is served over HTTP too (as ``serve --target mutant:<id>`` does)."""
    target = resolve("mutant:describe-wrong-name")
    assert target.name == "mutant:describe-wrong-name"
    group = target.invoke("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
    created = target.invoke("CreateEventTracker", {"name": "t", "datasetGroupArn": group})
    described = target.invoke("DescribeEventTracker",
                              {"eventTrackerArn": created["eventTrackerArn"]})
    assert described["eventTracker"]["name"] != "t"
    served = ReferenceHttpTarget(service=reference_service("mutant:second-tracker-as-500"))
    served.start()
    try:
        group = served.invoke("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
        served.invoke("CreateEventTracker", {"name": "t", "datasetGroupArn": group})
        with pytest.raises(TargetError) as caught:
            served.invoke("CreateEventTracker", {"name": "u", "datasetGroupArn": group})
        assert (caught.value.status, caught.value.code) == (500, "InternalFailure")
    finally:
        served.stop()


def test_serve_refuses_an_unknown_mutant_in_one_line(tmp_path):
    result = cli("serve", "--target", "mutant:no-such-mutant", cwd=tmp_path)
    assert result.returncode == 2 and "unknown mutant" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# -- plugins ---------------------------------------------------------------------------------
def readme_plugin(directory: Path) -> Path:
    """The plugin example of docs/writing-a-target.md, written as my_targets.py."""
    page = (ROOT / "docs" / "writing-a-target.md").read_text(encoding="utf-8")
    section = page[page.index("## A third-party target"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len(code.splitlines()) < 30
    (directory / "my_targets.py").write_text(code, encoding="utf-8")
    dist = directory / "my_targets-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-targets\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[personalize_conformance.targets]\ndirect = my_targets:DirectTarget\n")
    return directory


@pytest.mark.parametrize("name", ["my_targets:DirectTarget", "direct"])
def test_a_plugin_target_loads_both_ways_and_runs(tmp_path, monkeypatch, name):
    monkeypatch.syspath_prepend(str(readme_plugin(tmp_path)))
    target = resolve(name)
    assert type(target).__name__ == "DirectTarget"
    harness = Harness(target, run_id="p")
    created = harness.create_tracker(harness.create_dataset_group())
    harness.invoke("PutEvents", {"trackingId": created["trackingId"], "sessionId": "s",
                                 "eventList": [{"eventType": "click", "sentAt": 1}]})
    assert len(target.inspect(harness.created[created["eventTrackerArn"]][1])) == 1
    result = cli("run", "--target", name, "--report-dir", str(tmp_path / "out"), cwd=tmp_path,
                 env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert report_of(tmp_path / "out")["summary"]["passed"] >= 3


def test_a_plugin_that_is_not_a_target_is_a_one_line_mistake(tmp_path):
    result = cli("run", "--target", "json:JSONDecoder", cwd=tmp_path)
    assert result.returncode == 2 and "not a subclass" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# -- a hostile target ------------------------------------------------------------------------
class Hostile:
    """A server on 127.0.0.1 that misbehaves per operation: ``plan[op]`` is a list of
    behaviours used in turn (cycling); ``count[op]`` how often each was called."""

    def __init__(self) -> None:
        self.plan: dict[str, list[str]] = {}
        self.count: dict[str, int] = {}
        self.release = threading.Event()
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "")
                op = "PutEvents" if self.path == "/events" else target.rpartition(".")[2]
                n = hostile.count[op] = hostile.count.get(op, 0) + 1
                steps = hostile.plan.get(op, ["ok"])
                hostile.act(self, op, steps[(n - 1) % len(steps)])

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    OK: ClassVar[dict[str, dict]] = {
        "CreateDatasetGroup": {"datasetGroupArn": "arn:aws:personalize:us-east-1:1:"
                                                  "dataset-group/h"},
        "DescribeDatasetGroup": {"datasetGroup": {"status": "ACTIVE"}},
    }

    def act(self, handler: BaseHTTPRequestHandler, op: str, how: str) -> None:
        kind = "application/x-amz-json-1.1"
        if how == "hang":
            self.release.wait(30)
            return
        if how == "drop":
            handler.close_connection = True
            handler.connection.close()
            return
        status, body = {
            "ok": (200, json.dumps(self.OK.get(op, {}))),
            "500": (500, "upstream exploded"),
            "truncated": (200, '{"datasetGroupArn": "arn:aws:pers'),
            "garbage": (200, "\x00\x01 not json at all"),
            "html": (200, json.dumps(self.OK.get(op, {}))),
            "throttle": (400, '{"__type": "ThrottlingException", "message": "slow down"}'),
            "429": (429, "{}"),
            "404": (404, ""),
        }[how]
        if how == "html":
            kind = "text/html"
        data = body.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def __enter__(self) -> Hostile:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("how, status, code, words", [
    ("hang", 0, "NoAnswer", "no answer in 0.5 s"),
    ("500", 500, "500", "upstream exploded"),
    ("truncated", 200, "MalformedResponse", "not JSON"),
    ("garbage", 200, "MalformedResponse", "not JSON"),
    ("drop", 0, "ConnectionFailed", ""),
])
def test_each_hostile_answer_fails_the_call_with_what_was_answered(how, status, code, words):
    with Hostile() as hostile:
        hostile.plan["CreateDatasetGroup"] = [how]
        limit = 0.5 if how == "hang" else 20.0  # only the hang waits for the timeout
        harness = Harness(BotoTarget(hostile.url, call_timeout=limit), run_id="h",
                          call_timeout=limit)
        with pytest.raises(TargetError) as caught:
            harness.invoke("CreateDatasetGroup", {"name": "x"})
        assert (caught.value.status, caught.value.code) == (status, code)
        assert words in caught.value.message
        # the harness goes on: the next call is answered
        hostile.plan["CreateDatasetGroup"] = ["ok"]
        assert "datasetGroupArn" in harness.invoke("CreateDatasetGroup", {"name": "y"})


def test_a_json_answer_labelled_text_html_fails_only_the_content_type_clause():
    """One wire deviation, one failed clause: the body is read as JSON (as an SDK that
    ignores the header would), and the label fails Protocol.success.contentType alone."""
    with Hostile() as hostile:
        broken = {}
        for how in ("ok", "html"):
            hostile.plan["CreateDatasetGroup"] = [how]
            harness = Harness(BotoTarget(hostile.url), run_id="h")
            assert "datasetGroupArn" in harness.invoke("CreateDatasetGroup", {"name": how})
            assert (harness.responses, harness.responses_validated) == (1, 1)
            broken[how] = set(harness.record.answer_failures)
    assert broken["html"] - broken["ok"] == {"Protocol.success.contentType"}


def test_throttling_is_retried_and_counted():
    with Hostile() as hostile:
        hostile.plan["CreateDatasetGroup"] = ["throttle", "429", "ok"]
        harness = Harness(BotoTarget(hostile.url), run_id="h", backoff=0.001)
        assert "datasetGroupArn" in harness.invoke("CreateDatasetGroup", {"name": "x"})
        assert harness.throttling_retries == 2 and hostile.count["CreateDatasetGroup"] == 3


def test_an_operation_without_a_route_is_unsupported_once():
    with Hostile() as hostile:
        hostile.plan["PutEvents"] = ["404"]
        harness = Harness(BotoTarget(hostile.url), run_id="h")
        request = {"trackingId": "t", "sessionId": "s",
                   "eventList": [{"eventType": "e", "sentAt": 1}]}
        for _ in range(3):
            with pytest.raises(pytest.skip.Exception, match="unsupported"):
                harness.invoke("PutEvents", request)
        assert hostile.count["PutEvents"] == 1
        with pytest.raises(Unsupported):
            harness.target.invoke("PutEvents", request)


#: Clauses whose plain (non-Hypothesis) tests in test_event_tracker.py create a tracker
#: each, and run first in-process: every hostile answer meets a test of its own.
HOSTILE_CLAUSES = ",".join(["CreateEventTracker.response.valid",
                            "DescribeEventTracker.agreesWithCreate",
                            "CreateEventTracker.oneTrackerPerDatasetGroup",
                            "DeleteEventTracker.thenNotFound",
                            "EventTracker.status.createOrder",
                            "PutEvents.validRequest.accepted"])


def test_a_run_against_a_hostile_target_completes_with_each_case_classified(tmp_path):
    with Hostile() as hostile:
        hostile.plan.update({
            "CreateDatasetGroup": ["429", "ok"],
            "CreateEventTracker": ["hang", "500", "truncated", "drop", "html", "garbage"],
            "ListEventTrackers": ["500"],
        })
        result = cli("run", "--target", "endpoint", "--endpoint-url", hostile.url,
                     "--report-dir", str(tmp_path), "--call-timeout", "2",
                     "--clauses", HOSTILE_CLAUSES, cwd=tmp_path)  # in-process: a fixed order
    assert result.returncode == 1, result.stdout + result.stderr
    report = report_of(tmp_path)
    # what each hostile answer did: a failure, or (an answer breaking the protocol) the
    # reason its check was left incomplete
    observed = " ".join([f["observed"] if isinstance(f["observed"], str)
                         else json.dumps(f["observed"])
                         for c in report["clauses"] for f in c["failures"]]
                        + [n for c in report["clauses"] for n in c.get("not_exercised", [])])
    for pattern in ("no answer in 2 s", r"HTTP 500|\"status\": 500",
                    "MalformedResponse|the body is not JSON", "ConnectionFailed"):
        assert re.search(pattern, observed), pattern
    # one retry per 429 answered
    assert 1 <= report["throttling_retries"] <= hostile.count["CreateDatasetGroup"] // 2
    # each dataset group's cleanup met ListEventTrackers' 500: listed, not hidden
    assert report["cleanup_failures"] and all(
        "500" in f["error"] for f in report["cleanup_failures"])


def test_an_interrupted_run_still_deletes_what_it_created(tmp_path):
    """SIGTERM in the middle of a run: the session unwinds and deletes its resources."""
    import signal
    import time

    from personalize_conformance.targets.reference import Behaviour, ReferenceService
    from personalize_conformance.targets.reference.server import ReferenceServer

    service = ReferenceService(Behaviour(progressive=True))
    real_put = service._op_PutEvents

    def slow_put(body):  # keep the run busy long enough to be interrupted mid-test
        time.sleep(0.2)
        return real_put(body)

    service._op_PutEvents = slow_put  # type: ignore[method-assign]
    server = ReferenceServer(service).start()
    try:
        run = subprocess.Popen(
            [sys.executable, "-m", "personalize_conformance", "run", "--target",
             "endpoint", "--endpoint-url", server.url, "--report-dir", str(tmp_path)],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not service._trackers and time.monotonic() < deadline:
            time.sleep(0.05)
        assert service._trackers, "the run never created a tracker"
        run.send_signal(signal.SIGTERM)
        out, err = run.communicate(timeout=60)
        assert "Traceback" not in err, err
        assert "KeyboardInterrupt" in out + err  # it stopped early, and unwound
        assert service._dataset_groups == {} and service._trackers == {}
        assert service._datasets == {} and service._schemas == {}
    finally:
        server.stop()


def test_waiting_for_active_is_polled_and_bounded():
    from personalize_conformance.targets.reference import Behaviour

    progressive = ReferenceTarget(Behaviour(progressive=True))
    harness = Harness(progressive, run_id="w")
    created = harness.create_tracker(harness.create_dataset_group())
    assert progressive.invoke("DescribeEventTracker", {
        "eventTrackerArn": created["eventTrackerArn"]})["eventTracker"]["status"] == "ACTIVE"
    stuck = ReferenceTarget()
    real_invoke = stuck.invoke

    def pending(operation, request):
        answer = real_invoke(operation, request)
        if operation == "DescribeDatasetGroup":
            answer["datasetGroup"]["status"] = "CREATE PENDING"
        return answer

    stuck.invoke = pending  # type: ignore[method-assign]
    with pytest.raises(TimeoutError, match=r"not ACTIVE after 0\.2s"):
        Harness(stuck, run_id="w", wait_seconds=0.2).create_dataset_group()


def test_serve_takes_the_readings_and_a_wire_mutants_faults(tmp_path):
    """``serve`` serves what a reproduction names: a mutant with its ``wire`` faults (a
    success answered 201) and the reference under ``--readings`` (a name the alternative
    reading of Name.pattern.unanchored refuses)."""
    import socket

    def served(*args: str) -> tuple[subprocess.Popen, str]:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = str(probe.getsockname()[1])
        proc = subprocess.Popen([sys.executable, "-m", "personalize_conformance", "serve",
                                 "--port", port, *args], cwd=tmp_path, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert "serving" in proc.stdout.readline()
        return proc, f"http://127.0.0.1:{port}"

    proc, url = served("--target", "mutant:wire-success-201")
    try:
        target = resolve("endpoint", endpoint_url=url)
        target.invoke("CreateDatasetGroup", {"name": "g"})
        assert target.last_exchange().status == 201
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    for readings, answer in [("Name.pattern.unanchored=search", None),
                             ("all-alt", "InvalidInputException")]:
        proc, url = served("--readings", readings)
        try:
            target = resolve("endpoint", endpoint_url=url)
            try:
                target.invoke("CreateDatasetGroup", {"name": "a!b"})
                got = None
            except TargetError as exc:
                got = exc.code
            assert got == answer, readings
        finally:
            proc.terminate()
            proc.wait(timeout=10)

"""The runner end to end: exit codes, report fields, reproductions, one-line errors."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from personalize_conformance.targets import reference_behaviour
from personalize_conformance.targets.reference import ReferenceService
from personalize_conformance.targets.reference.server import ReferenceServer

from .test_report import check_outputs, verdict_line

REPORT_KEYS = {"target", "profile", "seed", "summary", "clauses"}
SUMMARY_KEYS = {"passed", "failed", "unsupported", "not_applicable", "waived"}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "personalize_conformance.cli", "run", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )


def report_of(directory: Path) -> dict:
    return json.loads((directory / "report.json").read_text())


@pytest.fixture
def served():
    """A server of the reference or a mutant on a free loopback port."""
    servers = []

    def serve(name: str) -> str:
        server = ReferenceServer(ReferenceService(reference_behaviour(name))).start()
        servers.append(server)
        return server.url

    yield serve
    for server in servers:
        server.stop()


@pytest.mark.parametrize("target", ["reference", "reference-http"])
def test_a_conformant_target_exits_0_with_a_report(tmp_path, target):
    result = run("--target", target, "--report-dir", str(tmp_path), "--seed", "7",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = report_of(tmp_path)
    assert report.keys() >= REPORT_KEYS and report["summary"].keys() >= SUMMARY_KEYS
    assert report["target"] == target and report["seed"] == "7" and report["profile"] == "ci"
    assert report["summary"]["failed"] == 0 and report["summary"]["passed"] >= 3
    for clause in report["clauses"]:
        assert {"id", "status", "level", "source", "failures"} <= clause.keys()
    check_outputs(tmp_path)
    # The clean verdict, printed as one line: conformant, or incomplete while some MUST
    # clauses have no test yet; never "not conformant".
    assert verdict_line(result, target) == report["verdict"]
    assert report["verdict"].startswith(("conformant (MUST ", "incomplete: "))


def test_an_endpoint_served_by_hand_exits_0(tmp_path, served):
    url = served("reference")
    result = run("--target", "endpoint", "--endpoint-url", url, "--report-dir", str(tmp_path),
                 cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert report_of(tmp_path)["endpoint"] == url


def test_a_target_accepting_eleven_events_exits_1_naming_the_clause(tmp_path, served):
    url = served("mutant:eventList-accepts-11")
    result = run("--target", "endpoint", "--endpoint-url", url, "--report-dir", str(tmp_path),
                 cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    report = report_of(tmp_path)
    failed = {c["id"]: c for c in report["clauses"] if c["status"] == "failed"}
    assert set(failed) == {"PutEvents.eventList.maxItems"}
    failure = failed["PutEvents.eventList.maxItems"]["failures"][0]
    assert len(failure["input"]["eventList"]) > 10
    assert failure["observed"]["status"] == 200
    snippet = failure["reproduction"]["boto3"]
    assert url in snippet and "put_events" in snippet
    # The snippet runs as printed and shows the fault: the call is accepted.
    done = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "aws --endpoint-url" in failure["reproduction"]["cli"]
    if shutil.which("aws") is None:
        return
    # The AWS CLI script too, as printed, on a fresh server at the same URL's place: the
    # snippet above already created the resources it names.
    script = failure["reproduction"]["cli"].replace(url, served("mutant:eventList-accepts-11"))
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_unreachable_endpoint_exits_2_with_one_line(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run("--target", "endpoint", "--endpoint-url", f"http://127.0.0.1:{port}",
                 cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    assert "cannot reach" in result.stderr


@pytest.mark.parametrize("args, words", [
    (["--target", "nowhere"], "unknown target"),
    (["--target", "endpoint"], "--endpoint-url"),
    (["--target", "mutant:nope"], "unknown mutant"),
    (["--profile", "fast"], "invalid choice"),
])
def test_user_mistakes_exit_2_with_one_line(tmp_path, args, words):
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr
    assert "Traceback" not in result.stderr

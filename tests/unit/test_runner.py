"""The runner end to end: exit codes, report fields, reproductions, one-line errors."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from personalize_conformance.targets import reference_service
from personalize_conformance.targets.reference.server import ReferenceServer
from tests.unit.test_report import check_outputs, verdict_line

REPORT_KEYS = {"target", "profile", "seed", "summary", "clauses"}
SUMMARY_KEYS = {"passed", "failed", "unsupported", "not_applicable", "waived"}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "personalize_conformance", "run", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )


def report_of(directory: Path) -> dict:
    return json.loads((directory / "report.json").read_text())


@pytest.fixture
def served():
    """A server of the reference or a mutant on a free loopback port."""
    servers = []

    def serve(name: str) -> str:
        server = ReferenceServer(reference_service(name)).start()
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
    # The snippet runs as printed and shows the fault: the call is accepted, exit 1.
    done = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1 and "deviation reproduced" in done.stdout, done.stderr
    assert "aws --endpoint-url" in failure["reproduction"]["cli"]
    script = failure["reproduction"]["cli"]
    assert script.startswith("set -euo pipefail\n")
    if shutil.which("aws") is None:
        return
    # The AWS CLI script too, as printed, twice on the same server (its names are unique to
    # each execution): it prints the answer and exits 1, the deviation reproduced; against
    # the reference it exits 0.
    for _ in range(2):
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "deviation reproduced" in done.stdout and "the target answered" in done.stdout
    done = subprocess.run(["bash", "-c", script.replace(url, served("reference"))],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "InvalidInputException" in done.stdout


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


# -- one description of a run's options --------------------------------------------------------
@pytest.mark.parametrize("args, words", [
    (["--max-examples", "0"], "--max-examples must be at least 1"),
    (["--clauses", "No.such.clause"], "--clauses: no clause No.such.clause in the catalog"),
    (["--target", "mutant:nope"], "unknown mutant 'mutant:nope'"),
    (["--waivers", "missing.json"], "cannot read waivers file 'missing.json'"),
])
def test_the_runner_and_the_plugin_refuse_the_same_values_alike(tmp_path, args, words):
    """Both read the one table of options: the same names, checks and messages."""
    runner = run(*args, cwd=tmp_path)
    assert runner.returncode == 2 and words in runner.stderr
    assert len(runner.stderr.strip().splitlines()) == 1
    plugin = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "personalize_conformance.suite",
         "-p", "no:cacheprovider", *args], cwd=tmp_path, capture_output=True, text=True,
        timeout=120)
    assert plugin.returncode == 4 and words in plugin.stderr, plugin.stderr


def test_both_sides_declare_their_options_from_the_one_table():
    from personalize_conformance.run import cli
    from personalize_conformance.run.options import OPTIONS

    runner = next(a for a in cli._parser()._actions if a.dest == "command").choices["run"]
    flags = {flag for action in runner._actions for flag in action.option_strings}
    assert flags - {"-h", "--help", "--no-progress"} == {f for o in OPTIONS for f in o.cli}
    assert {o.name for o in OPTIONS if not o.cli} == {"run_id"}  # plugin only
    # The runner's own: its exit status (--allow-incomplete, --baseline), its workers, its
    # console (-v, --no-color, --tb) and its bundle (--bundle, --product).
    runner_only = {"workers", "allow_incomplete", "baseline", "verbose", "no_color", "tb",
                   "bundle", "product", "keyword"}
    assert {o.name for o in OPTIONS if not o.plugin} == {"profile", "seed", *runner_only}
    assert all(o.foreign for o in OPTIONS if not o.plugin and o.name not in runner_only)


def test_the_runner_hands_its_run_to_pytest_and_gets_the_report_back(tmp_path, monkeypatch):
    """The target is resolved once and the waivers file read once, in this process; the
    report comes back in memory, the same as the report.json written."""
    from personalize_conformance import targets
    from personalize_conformance.run import waivers
    from personalize_conformance.run.session import prepare

    resolved: list[str] = []
    real_resolve = targets.resolve
    monkeypatch.setattr(targets, "resolve",
                        lambda name, *a, **k: resolved.append(name) or real_resolve(name, *a, **k))
    read: list[str] = []
    real_load = waivers.load
    monkeypatch.setattr(waivers, "load", lambda path: read.append(str(path)) or real_load(path))
    waived = tmp_path / "waivers.json"
    waived.write_text(json.dumps({"waivers": [{"clause": "PutEvents.eventList.maxItems",
                                               "reason": "known"}]}))
    run_ = prepare({"target": "mutant:eventList-accepts-11", "waivers": str(waived),
                    "clauses": ("PutEvents.eventList.maxItems",),
                    "report_dir": str(tmp_path / "out")}, runner=True)
    assert resolved == ["mutant:eventList-accepts-11"] and read == [str(waived)]
    code = pytest.main(["--pyargs", "personalize_conformance.suite", "-q", "-p", "no:xdist",
                        "-p", "no:cacheprovider", "--hypothesis-profile", run_.settings.profile,
                        "--hypothesis-seed", str(run_.settings.seed)], plugins=[run_])
    assert code == 1  # the mutant fails the waived clause's tests
    assert resolved == ["mutant:eventList-accepts-11"] and read == [str(waived)]
    assert run_.report == report_of(tmp_path / "out")
    clause = next(c for c in run_.report["clauses"] if c["id"] == "PutEvents.eventList.maxItems")
    assert (clause["status"], clause["observed_status"]) == ("waived", "failed")
    assert run_.report["target"] == "mutant:eventList-accepts-11"

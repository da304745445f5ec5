"""A failure shows the deviation, and its reproductions run (issue 22, items 5 and 8): every
create sent while drawing, shrinking or replaying has a fresh name and what a wrongly
accepted one made is deleted at once, so the reported answer is the one that broke the
clause; a shape violation is reported inside the minimal valid request; a multi-step
failure's reproduction is the few steps it needs, checks the steps expected to be
refused, deletes what it made, and exits 1 exactly when the deviation reproduces."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.power import run_suite
from personalize_conformance import checks
from personalize_conformance.harness import Harness
from personalize_conformance.report.reproduce import SERVE_URL
from personalize_conformance.targets import reference_service, resolve
from personalize_conformance.targets.reference.server import ReferenceServer

LIFECYCLE_MUTANT = "deleted-tracker-still-described"
DELETED = "DeleteEventTracker.thenNotFound"
#: The most a multi-step failure's reproduction may weigh.
MAX_SCRIPT = 20_000


def _failures(target: str, clause: str, test: str) -> list[dict[str, Any]]:
    run = run_suite(target, clauses=[clause], quiet=True)
    entry = next(c for c in run.report["clauses"] if c["id"] == clause)
    assert entry["status"] == "failed", entry
    found = [f for f in entry["failures"] if test in f["test"]]
    assert found, [f["test"] for f in entry["failures"]]
    return found


def _run_python(snippet: str, url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", snippet.replace(SERVE_URL, url)],
                          capture_output=True, text=True, timeout=120)


def _left(service: Any) -> tuple[int, int]:
    """Live dataset groups and trackers on a served reference (or mutant)."""
    return len(service._dataset_groups), len(service._trackers)


@pytest.mark.parametrize("mutant, clause, members", [
    ("name-pattern-not-enforced", "CreateEventTracker.name.pattern",
     {"name", "datasetGroupArn"}),
    ("kmsKeyArn-accepted-without-roleArn", "CreateDatasetGroup.kmsKeyArn.dependencies",
     {"name", "kmsKeyArn"}),
    ("tags-type-not-enforced", "CreateEventTracker.tags.type",  # a raw body
     {"name", "datasetGroupArn", "tags"}),
])
def test_an_accepted_violation_is_reported_with_the_answer_that_broke_it(mutant, clause,
                                                                         members, tmp_path):
    """The target accepted the violation: the failure, both reproductions and report.json
    say HTTP 200 (not the answer a replay got on what the accepted create left behind),
    with the violation alone inside the minimal valid request; each reproduction, run
    twice on one server, reproduces it both times and deletes what it created."""
    failure = _failures(f"mutant:{mutant}", clause, "test_shape_violations_are_rejected")[0]
    assert failure["observed"]["status"] == 200, failure["observed"]
    assert "first" not in failure  # the first failing example was answered alike
    repro = failure["reproduction"]
    assert "# observed: HTTP 200 (accepted)" in repro["boto3"]
    assert "# observed: HTTP 200 (accepted)" in repro["cli"]
    assert set(failure["input"]) == members, failure["input"]
    assert len(repro["cli"]) < 5000 and len(repro["boto3"]) < 5000
    service = reference_service(f"mutant:{mutant}")
    server = ReferenceServer(service).start()
    try:
        for _ in range(2):  # names unique to each execution: no "name in use"
            done = _run_python(repro["boto3"], server.url)
            assert done.returncode == 1, done.stdout + done.stderr
            assert "deviation reproduced" in done.stdout
            if shutil.which("aws") is not None:
                done = _run_shell(repro["cli"], server.url, tmp_path)
                assert done.returncode == 1, done.stdout + done.stderr
        assert _left(service) == (0, 0)
    finally:
        server.stop()


def test_the_first_answer_is_shown_beside_the_shrunk_one_when_they_differ():
    """A clause's failing examples answered otherwise: the failure keeps the first's input
    and answer, and both reproductions name both answers."""
    harness = Harness(resolve("reference"), run_id="rpr1")
    expected = "rejected: HTTP 400 InvalidInputException"
    request = {"name": "pcrpr1gwet1"}
    first = checks._failure(harness, ["CreateEventTracker.name.pattern"], "CreateDatasetGroup",
                            {"name": "pcrpr1gwet0", "tags": []}, expected,
                            {"status": 500, "code": "InternalFailure"}, whole=False)
    assert "first" not in first.details
    again = checks._failure(harness, ["CreateEventTracker.name.pattern"], "CreateDatasetGroup",
                            request, expected, {"status": 200, "body": {}}, whole=False)
    assert again.details["first"]["observed"]["code"] == "InternalFailure"
    assert again.details["first"]["input"]["tags"] == []
    for script in again.details["reproduction"].values():
        assert "# observed: HTTP 200 (accepted)" in script
        assert "# observed: HTTP 500 InternalFailure (the first failing example)" in script


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_shell(script: str, target: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """The script as a user runs it: serving ``target`` first (``mutant:<id>`` or
    ``reference``) on a free port, or reaching it at its URL (``http://...``)."""
    if target.startswith("http"):
        lines = script.splitlines(keepends=True)
        served = "".join(line for line in lines if not line.startswith((
            "personalize-conformance serve", "trap cleanup", "for _ in $(seq 300)")))
        served = served.replace(SERVE_URL, target).replace(
            'kill "$SERVER" 2>/dev/null || true', ":") + ""
        served = served.replace("}\n", "}\ntrap cleanup EXIT\n", 1)
    else:
        port = _free_port()
        served = (script.replace(f"--target mutant:{LIFECYCLE_MUTANT}", f"--target {target}")
                  .replace(SERVE_URL, f"http://127.0.0.1:{port}")
                  .replace("--port 4566", f"--port {port}")
                  .replace("/127.0.0.1/4566", f"/127.0.0.1/{port}"))
    path = tmp_path / f"{target.replace(':', '_').replace('/', '_')}.sh"
    path.write_text("#!/usr/bin/env bash\n" + served)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", str(path)], capture_output=True, text=True, timeout=300,
                          env=env, cwd=tmp_path)


def test_a_lifecycle_failure_reproduces_in_a_few_steps_against_its_mutant_alone(tmp_path):
    """The lifecycle model's failure on a mutant: its reproductions are the shrunk steps
    (a few calls, well under 20 KB, no describe or list it does not need), a step the run
    saw refused is checked, not fatal; against the mutant they exit 1, against the
    reference 0, and they delete what they created."""
    failure = _failures(f"mutant:{LIFECYCLE_MUTANT}", DELETED, "test_lifecycle")[0]
    repro = failure["reproduction"]
    cli, boto3 = repro["cli"], repro["boto3"]
    assert len(cli) < MAX_SCRIPT and len(boto3) < MAX_SCRIPT, (len(cli), len(boto3))
    calls = cli.count("aws --endpoint-url") - 1  # the clean-up's own command aside
    assert 3 <= calls <= 5, cli
    assert "refused, as in the run" in cli  # the describe that first answered not found
    for target, code in ((f"mutant:{LIFECYCLE_MUTANT}", 1), ("reference", 0)):
        service = reference_service(target)
        server = ReferenceServer(service).start()
        try:
            done = _run_python(boto3, server.url)
            assert done.returncode == code, (target, done.stdout + done.stderr)
            assert _left(service) == (0, 0), target
        finally:
            server.stop()
        if shutil.which("aws") is not None:
            done = _run_shell(cli, target, tmp_path)
            assert done.returncode == code, (target, done.stdout + done.stderr)

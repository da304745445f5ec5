"""The suite against an independent implementation (tests/independent/server.py).

The implementation was written from the public documents alone, by other hands than the
reference, taking the less obvious reading wherever the documents allow two. A correct
implementation must come out ``conformant``; each of its single injected faults must fail
the clause it breaks (the fault runs are restricted to that clause with ``--clauses``).

Its statuses step every ``STEP`` seconds here (server ``--step-seconds``; 0.4 s by
default), and it answers with ``TCP_NODELAY`` (``start(nodelay=True)``: as the standard
library leaves it, each call waits about 40 ms on the client's delayed ACK, 44 ms against
1.6 ms a call). The whole file, eight suite runs in subprocesses, took 2 min 35 s in one
process on idle cores (the conformant run 80 s; 1 min 38 s under ``-n 2``), so it runs with
the other self-tests; ``PC_INDEPENDENT=0`` skips it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.independent.server import FAULTS, start, stop

pytestmark = pytest.mark.skipif(os.environ.get("PC_INDEPENDENT") == "0",
                                reason="the independent implementation: PC_INDEPENDENT=0")


#: Seconds per status step: fast, so no test waits on the implementation's clock (a
#: status also steps every two describes, so each is still seen by a quick poller).
STEP = 0.02


def run_suite(tmp_path, faults=(), clauses=None, arn_scheme="seq") -> dict:
    server, url = start(port=0, host="127.0.0.1", faults=faults, step=STEP,
                        nodelay=True, arn_scheme=arn_scheme)
    try:
        argv = [sys.executable, "-m", "personalize_conformance", "run",
                "--target", "endpoint", "--endpoint-url", url,
                "--report-dir", str(tmp_path / "report")]
        if clauses:
            argv += ["--clauses", ",".join(clauses)]
        done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True,
                              timeout=1800)
    finally:
        stop(server)
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    report["_stdout"] = done.stdout
    return report


def test_a_correct_independent_implementation_is_conformant(tmp_path):
    report = run_suite(tmp_path)
    failed = {c["id"]: c["failures"][:1] for c in report["clauses"] if c["status"] == "failed"}
    assert report["verdict"].startswith("conformant"), json.dumps(failed, indent=1)[:6000]


def test_tracker_arns_ending_with_their_names_fail_nothing(tmp_path):
    """With ``--arn-scheme name`` a tracker created again with a deleted one's name gets
    its ARN (Arn.resourceId, reading ``name``): the tests of deleted trackers (the lifecycle
    model's among them) pass it."""
    clause = "DeleteEventTracker.thenNotFound"
    report = run_suite(tmp_path, clauses=[clause], arn_scheme="name")
    status = {c["id"]: c["status"] for c in report["clauses"]}
    wrong = {k: v for k, v in status.items() if v in ("failed", "error")}
    assert status[clause] == "passed" and not wrong, (wrong, report["_stdout"][-3000:])


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_injected_fault_fails_its_clause(tmp_path, fault):
    clause = FAULTS[fault]
    report = run_suite(tmp_path, faults=(fault,), clauses=[clause])
    status = {c["id"]: c["status"] for c in report["clauses"]}
    assert status[clause] == "failed", report["_stdout"][-3000:]

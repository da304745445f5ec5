"""Isolation: the suite gives the same clause verdicts in one process and on two workers.

Runs the suite's behavioural and semantic tests (those that share a target's state:
dataset groups, trackers, events) through the plugin, as the runner does, twice."""

from __future__ import annotations

import json
import subprocess
import sys

SELECTION = "event_tracker or semantics or put_events"


def verdicts(tmp_path, workers: str) -> dict[str, str]:
    out = tmp_path / f"n{workers}"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "personalize_conformance.suite", "-q",
         "-p", "no:cacheprovider", "--target", "reference", "--hypothesis-profile", "ci",
         "--hypothesis-seed", "11", "-n", workers, "-k", SELECTION,
         "--report-dir", str(out)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    return {c["id"]: c["status"] for c in report["clauses"]}


def test_one_process_and_two_workers_give_the_same_verdicts(tmp_path):
    alone, parallel = verdicts(tmp_path, "0"), verdicts(tmp_path, "2")
    assert alone == parallel
    assert list(alone.values()).count("passed") >= 20

"""Isolation: the suite gives the same clause verdicts in one process and on two workers."""

from __future__ import annotations

import json
import subprocess
import sys


def verdicts(tmp_path, workers: str) -> dict[str, str]:
    out = tmp_path / f"n{workers}"
    done = subprocess.run(
        [sys.executable, "-m", "personalize_conformance.cli", "run", "--target", "reference",
         "--seed", "11", "-n", workers, "--report-dir", str(out)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    return {c["id"]: c["status"] for c in report["clauses"]}


def test_one_process_and_two_workers_give_the_same_verdicts(tmp_path):
    alone, parallel = verdicts(tmp_path, "0"), verdicts(tmp_path, "2")
    assert alone == parallel
    assert "passed" in alone.values()

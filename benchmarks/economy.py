"""What ``ci`` costs a target: the suite against the independent server
(``tests/independent/server.py``) in its modes, counted (calls, resources created, peak
live, seconds waited) and timed, and from those figures an estimate of a ``ci`` run
against the real service.

Modes: answering at once (``TCP_NODELAY``), every answer ``LATENCY`` s late, creates ACTIVE
and deletes ended ``SLOW`` s after the call (by time alone), and Nagle's algorithm left on
(as a plain ``http.server`` handler answers). Each ratio is the mode's wall time over the
first mode's. The estimate for the real service: the run's calls at ``REAL_CALL`` s each,
plus each wait the suite takes one after another at ``REAL_CHANGE`` s (the number of
such waits measured as the slow mode's extra wall time over ``SLOW``), no less than the
calls at the throttling rate assumed (``REAL_TPS`` a second: an assumption, the stored
documents give no control-plane rate).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LATENCY = 0.03
SLOW = 2.0
#: The real service, as the issue states it: creates and deletes a minute, calls 50 ms.
REAL_CHANGE, REAL_CALL, REAL_TPS = 60.0, 0.05, 10.0
MODES: dict[str, dict[str, Any]] = {
    "at once": {"nodelay": True},
    f"{LATENCY * 1000:.0f} ms an answer": {"nodelay": True, "latency": LATENCY},
    f"{SLOW:g} s to ACTIVE and to gone": {"nodelay": True, "active_seconds": SLOW,
                                          "delete_seconds": SLOW},
    "Nagle on": {"nodelay": False},
}


def run_mode(mode: str, profile: str = "ci", workers: int = 0) -> dict[str, Any]:
    """``ci`` (one process unless ``workers``) against the independent server in ``mode``."""
    from tests.independent.server import start, stop

    server, url = start(step=0.02, **MODES[mode])
    try:
        with tempfile.TemporaryDirectory(prefix="pc-economy-") as out:
            argv = [sys.executable, "-m", "personalize_conformance", "run", "--target",
                    "endpoint", "--endpoint-url", url, "--profile", profile,
                    "--report-dir", out, *(["-n", str(workers)] if workers else [])]
            started = time.perf_counter()
            done = subprocess.run(argv, cwd=out, capture_output=True, text=True,
                                  timeout=7200)
            seconds = time.perf_counter() - started
            report = json.loads((Path(out) / "report.json").read_text(encoding="utf-8"))
    finally:
        stop(server)
    return {"mode": mode, "seconds": round(seconds, 1), "exit_code": done.returncode,
            "summary": report["summary"], **report.get("spending", {})}


def estimate(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A ``ci`` run against the real service, from the counts and the slow mode's time."""
    by_mode = {r["mode"]: r for r in rows}
    fast, slow = by_mode.get("at once"), by_mode.get(list(MODES)[2])
    if fast is None or slow is None or "calls" not in fast:
        return None
    serial_waits = max(0.0, (slow["seconds"] - fast["seconds"]) / SLOW)
    calls = fast["calls"]
    seconds = max(calls * REAL_CALL, calls / REAL_TPS) + serial_waits * REAL_CHANGE
    return {"calls": calls, "serial_waits": round(serial_waits, 1),
            "seconds": round(seconds), "minutes": round(seconds / 60, 1)}


def economy(modes: list[str], jobs: int = 1, workers: int = 0) -> dict[str, Any]:
    """Every mode (``jobs`` at a time; the first alone, so its time is not shared)."""
    first, rest = modes[:1], modes[1:]
    rows = [run_mode(m, workers=workers) for m in first]
    with ProcessPoolExecutor(max(1, jobs)) as pool:
        rows += list(pool.map(run_mode, rest, ["ci"] * len(rest), [workers] * len(rest)))
    base = rows[0]["seconds"] if rows else None
    for row in rows:
        row["ratio"] = round(row["seconds"] / base, 2) if base else None
    return {"workers": workers, "jobs": jobs, "modes": rows, "real_service": estimate(rows)}


def lines(results: dict[str, Any], before: Any) -> list[str]:
    """The figures, each beside the previous run's where it had them."""
    def previous(mode: str, key: str) -> str:
        for row in (before or {}).get("modes", []):
            if row.get("mode") == mode and key in row:
                return f" (previous: {row[key]})"
        return ""

    out = []
    for r in results["modes"]:
        spent = (f"{r.get('calls', '?')} calls{previous(r['mode'], 'calls')}, "
                 f"{r.get('resources_created', '?')} resources created"
                 f"{previous(r['mode'], 'resources_created')} (peak "
                 f"{r.get('peak_live_resources', '?')} live), "
                 f"{r.get('wait_seconds', '?')} s waiting")
        out.append(f"ci vs independent server, {r['mode']:<26} {r['seconds']:>7.1f} s"
                   f"{previous(r['mode'], 'seconds')}, {r['ratio']}x"
                   f"{previous(r['mode'], 'ratio')}; {spent} (exit {r['exit_code']})")
    real = results.get("real_service")
    if real:
        out.append(f"estimate, ci vs the real service: {real['minutes']} min "
                   f"({real['calls']} calls at {REAL_CALL * 1000:.0f} ms, at most "
                   f"{REAL_TPS:g}/s assumed; {real['serial_waits']} waits one after another at "
                   f"{REAL_CHANGE:g} s)"
                   + (f" (previous: {before['real_service']['minutes']} min)"
                      if (before or {}).get("real_service") else ""))
    return out

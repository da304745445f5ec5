"""``python -m benchmarks``: the suite's power and speed, printed and written as JSON.

- kill score: killed/total mutants (``targets/mutants.json``), per category and per
  profile, and for each mutant the examples tried until it was caught;
- whole-suite time per target and profile, and examples per second;
- harness overhead: the same calls through the harness and through raw boto3, same target,
  same run, as a ratio;
- economy (unless ``--quick``, ``--no-suite`` or ``--no-economy``): ``ci`` against the
  independent server in its modes, its calls, resources, waits, wall times and ratios,
  and an estimate for the real service (:mod:`benchmarks.economy`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.economy import MODES, economy, lines
from benchmarks.power import GENERATION_SUFFIX, KILL_SUFFIX, ROOT, kill, run_suite
from benchmarks.strategies import put_events_rates

TARGETS = ("reference", "reference-http", "moto-server")
PROFILES = ("ci", "certify")


def _kill(args: tuple[str, str]) -> dict[str, Any]:
    mutant_id, profile = args
    suffix = "" if profile.endswith(GENERATION_SUFFIX) else KILL_SUFFIX
    result = kill(mutant_id, profile + suffix, count_examples=True, quiet=True)
    out = {k: v for k, v in asdict(result).items() if k != "run"}
    out["seconds"] = round(result.seconds, 2)
    return out


def kill_scores(mutant_ids: list[str], profiles: list[str], jobs: int) -> dict[str, Any]:
    """Each mutant under each profile (in ``jobs`` processes)."""
    scores: dict[str, Any] = {}
    for profile in profiles:
        with ProcessPoolExecutor(jobs) as pool:
            results = list(pool.map(_kill, [(m, profile) for m in mutant_ids]))
        tested = [r for r in results if r["result"] != "untested"]
        killed = [r for r in tested if r["result"] == "killed"]
        per_category: dict[str, dict[str, int]] = {}
        for r in results:
            row = per_category.setdefault(r["category"], Counter())
            row[r["result"]] += 1
        caught = [r["examples_until_caught"] for r in killed if r["examples_until_caught"]]
        scores[profile] = {
            "killed": len(killed), "tested": len(tested), "total": len(results),
            "score": round(len(killed) / len(tested), 4) if tested else None,
            "per_category": {k: dict(v) for k, v in sorted(per_category.items())},
            "examples_until_caught": {"median": sorted(caught)[len(caught) // 2] if caught
                                      else None, "max": max(caught, default=None)},
            "seconds": round(sum(r["seconds"] for r in results), 1),
            "mutants": results,
        }
    return scores


def suite_speed(targets: list[str], profiles: list[str]) -> list[dict[str, Any]]:
    """The whole suite against each target under each profile."""
    rows = []
    for profile in profiles:
        for target in targets:
            run = run_suite(target, profile=profile, count_examples=True, quiet=True)
            rows.append({
                "target": target, "profile": profile, "seconds": round(run.seconds, 2),
                "exit_code": run.exit_code, "tests": len(run.tests),
                "examples": run.examples,
                "examples_per_second": round(run.examples / run.seconds, 1)
                if run.seconds else None,
                "summary": run.report.get("summary"),
            })
    return rows


def _timed(fn: Any, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return time.perf_counter() - started


def harness_overhead(target_name: str, calls: int) -> dict[str, Any]:
    """``calls`` DescribeDatasetGroup calls (ListEventTrackers where that is unsupported)
    through ``Harness.invoke`` and through the target's raw boto3 client, interleaved."""
    import pytest
    from botocore import xform_name
    from botocore.exceptions import ClientError

    from personalize_conformance.contracts import service_of
    from personalize_conformance.harness import Harness
    from personalize_conformance.targets import TargetError, Unsupported, resolve

    target = resolve(target_name)
    target.start()
    try:
        harness = Harness(target, run_id="bench")
        try:
            operation = "DescribeDatasetGroup"
            request = {"datasetGroupArn": harness.create_dataset_group()}
        except (TargetError, Unsupported, pytest.skip.Exception):
            operation, request = "ListEventTrackers", {}
        raw_method = getattr(target.client(service_of(operation)), xform_name(operation))

        def raw() -> None:
            with contextlib.suppress(ClientError):
                raw_method(**request)

        def through_harness() -> None:
            try:
                harness.begin_test()
                harness.invoke(operation, request)
            except (TargetError, Unsupported, pytest.skip.Exception):
                pass

        raw(), through_harness()  # warm both paths
        rounds, per = 5, max(1, calls // 5)
        raw_s = harness_s = 0.0
        for _ in range(rounds):
            raw_s += _timed(raw, per)
            harness_s += _timed(through_harness, per)
        harness.cleanup()
    finally:
        target.stop()
    return {"target": target_name, "operation": operation, "calls": rounds * per,
            "raw_boto3_seconds": round(raw_s, 4), "harness_seconds": round(harness_s, 4),
            "ratio": round(harness_s / raw_s, 3) if raw_s else None}


def _before(previous: dict[str, Any], *keys: Any) -> str:
    """`` (previous: X)`` from the last run's results at ``keys``, if it had the figure."""
    value: Any = previous
    for key in keys:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return ""
    return f" (previous: {value})"


def _print(results: dict[str, Any], previous: dict[str, Any]) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load} (figures under load are upper bounds for times)")
    for kind, rate in results["generation"].items():
        print(f"{kind} PutEvents requests generated and validated: {rate}/CPU-s"
              + _before(previous, "generation", kind))
    for profile, score in results["kill_score"].items():
        print(f"kill score ({profile}): {score['killed']}/{score['tested']} killed"
              + _before(previous, "kill_score", profile, "killed") + " "
              f"({score['total'] - score['tested']} untested), examples until caught: "
              f"median {score['examples_until_caught']['median']}, "
              f"max {score['examples_until_caught']['max']}, {score['seconds']} s")
        for category, counts in score["per_category"].items():
            print(f"  {category:<34} " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        for m in score["mutants"]:
            if profile.endswith(GENERATION_SUFFIX):
                print(f"  {'caught' if m['result'] == 'killed' else m['result']:<9} "
                      f"{m['mutant']:<44} after {m['examples_until_caught'] or '-'} examples")
            elif m["result"] != "killed":
                print(f"  {m['result']:<9} {m['mutant']} (kills {m['kills'][0]})")
    for i, row in enumerate(results["suite"]):
        print(f"suite {row['target']:<15} {row['profile']:<8} {row['seconds']:>8.2f} s "
              f"{row['examples']:>6} examples {row['examples_per_second']:>8} ex/s "
              f"(exit {row['exit_code']})" + _before(previous, "suite", i, "seconds"))
    for i, row in enumerate(results["harness_overhead"]):
        print(f"harness overhead {row['target']:<15} {row['ratio']}x raw boto3 "
              f"({row['calls']} {row['operation']} calls)"
              + _before(previous, "harness_overhead", i, "ratio"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="ci only, reference targets only, fewer overhead calls")
    parser.add_argument("--profiles", default=None, help="comma-separated (ci,certify)")
    parser.add_argument("--targets", default=None,
                        help=f"comma-separated suite targets (default: {','.join(TARGETS)})")
    parser.add_argument("--mutants", default=None, help="comma-separated mutant ids")
    parser.add_argument("--no-kills", action="store_true", help="skip the kill score")
    parser.add_argument("--no-suite", action="store_true",
                        help="skip the whole-suite times and the harness overhead")
    parser.add_argument("--speed-seconds", type=float, default=3.0,
                        help="CPU seconds per generation-speed figure (0: skip them)")
    parser.add_argument("--generation-only", action="store_true",
                        help="the kill score of generation alone: explicit examples off, "
                             "only failures of generated examples count (and no shrinking)")
    parser.add_argument("--jobs", type=int, default=2, help="processes for the mutants (2)")
    parser.add_argument("--calls", type=int, default=500, help="calls for the overhead")
    parser.add_argument("--economy", action="store_true",
                        help="ci against the independent server in its modes (counted, "
                             "timed), also with --quick or --no-suite")
    parser.add_argument("--no-economy", action="store_true", help="skip the economy figures")
    parser.add_argument("--economy-only", action="store_true",
                        help="only the economy figures (implies --economy, --no-kills, "
                             "--no-suite, --speed-seconds 0)")
    parser.add_argument("--modes", default=None,
                        help=f"comma-separated economy modes (default: all: {'; '.join(MODES)})")
    parser.add_argument("--economy-jobs", type=int, default=1,
                        help="economy modes run at once after the first (1)")
    parser.add_argument("--workers", type=int, default=0, help="-n of each economy run (0)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.economy_only:
        args.economy = args.no_kills = args.no_suite = True
        args.speed_seconds = 0
    args.economy = args.economy or not (args.quick or args.no_suite or args.no_economy)
    from personalize_conformance.targets import mutants

    profiles = (args.profiles.split(",") if args.profiles
                else ["ci"] if args.quick else list(PROFILES))
    targets = (args.targets.split(",") if args.targets
               else ["reference", "reference-http"] if args.quick else list(TARGETS))
    ids = args.mutants.split(",") if args.mutants else sorted(mutants())
    unknown = sorted(set(ids) - set(mutants())) + sorted(set(profiles) - set(PROFILES))
    if unknown or args.jobs < 1:
        print(f"python -m benchmarks: error: unknown mutant or profile: {', '.join(unknown)}"
              if unknown else "python -m benchmarks: error: --jobs must be at least 1",
              file=sys.stderr)
        return 2
    results: dict[str, Any] = {
        "python": platform.python_version(), "machine": platform.machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "kill_score": {} if args.no_kills else kill_scores(
            ids, [p + GENERATION_SUFFIX if args.generation_only else p for p in profiles],
            args.jobs),
        "generation": (put_events_rates(args.speed_seconds) if args.speed_seconds else {}),
        "suite": [] if args.no_suite else suite_speed(targets, profiles),
        "harness_overhead": [] if args.no_suite else [
            harness_overhead(t, 100 if args.quick else args.calls) for t in targets],
        "economy": economy(args.modes.split(",") if args.modes else list(MODES),
                           args.economy_jobs, args.workers) if args.economy else {},
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    kept = {**previous, "economy": results["economy"]} if args.economy_only else results
    out.write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")
    _print(results, previous)
    for line in lines(results["economy"], previous.get("economy")) if results["economy"] else ():
        print(line)
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

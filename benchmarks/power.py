"""The suite's power: run the conformance suite against a target in this process and say
which clauses it failed, and how many examples each failing test needed to catch it.

Used by ``tests/unit/test_mutants.py`` (every mutant is killed, the reference passes) and
by ``python -m benchmarks`` (kill score, examples until caught, speed).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from personalize_conformance.harness import profiles
from personalize_conformance.run.selection import clause_ids
from personalize_conformance.run.session import RUN
from personalize_conformance.targets import mutants

ROOT = Path(__file__).resolve().parents[1]
#: A profile without its shrink phase: the same examples, so the same verdict, without
#: minimising the failing example (which a kill does not need).
KILL_SUFFIX = "-kill"
KILL_PROFILE = "ci" + KILL_SUFFIX
#: A profile with generation only: no explicit examples, no shrinking; with it a kill
#: counts only when a failure came out of a generated Hypothesis example, not a fixed test.
GENERATION_SUFFIX = "-gen"
#: The conformance suite, run from the source tree (as the project's own test run does).
SUITE = ROOT / "tests" / "conformance"


def register_kill_profiles() -> None:
    """Register ``<profile>-kill`` for each of the suite's profiles (idempotent)."""
    from hypothesis import Phase, settings

    profiles.register()
    for name in profiles.NAMES:
        settings.register_profile(name + KILL_SUFFIX, settings.get_profile(name),
                                  phases=[Phase.explicit, Phase.generate, Phase.target],
                                  report_multiple_bugs=False)
        settings.register_profile(name + GENERATION_SUFFIX, settings.get_profile(name),
                                  phases=[Phase.generate, Phase.target],
                                  report_multiple_bugs=False)


@dataclass
class TestResult:
    """One conformance test of a run: its clauses, outcome and Hypothesis examples."""

    clauses: list[str]
    outcome: str = "passed"
    #: Examples tried (Hypothesis test cases; 1 for a test without Hypothesis).
    examples: int = 0
    #: Examples tried up to and including the first failing one (None: none failed).
    until_failure: int | None = None
    #: Whether the failure came out of a generated example (not a fixed call).
    generated: bool = False
    #: The clauses its failure names (its own, or those blame named).
    failed_clauses: list[str] = field(default_factory=list)


@dataclass
class SuiteRun:
    """What one run of the suite against one target reported."""

    target: str
    profile: str
    exit_code: int
    seconds: float
    report: dict[str, Any]
    tests: dict[str, TestResult] = field(default_factory=dict)

    @property
    def failed_clauses(self) -> set[str]:
        return {c["id"] for c in self.report.get("clauses", []) if c["status"] == "failed"}

    @property
    def examples(self) -> int:
        return sum(t.examples for t in self.tests.values())


class _Observer:
    """A pytest plugin keeping each conformance test's outcome and examples as the
    conformance plugin reports them (``pc_examples``: the Hypothesis test cases of a
    Hypothesis test, 1 for any other; ``pc_first_failing_example``), and the run's report."""

    def __init__(self) -> None:
        self.tests: dict[str, TestResult] = {}
        self.report: dict[str, Any] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if report.when == "call" and "pc_clauses" in props:
            test = self.tests.setdefault(report.nodeid, TestResult(list(props["pc_clauses"])))
            test.examples = int(props.get("pc_examples", 0))
            test.until_failure = props.get("pc_first_failing_example")
            test.generated = test.until_failure is not None
        if "pc_failure" in props and report.nodeid in self.tests:
            failure = props["pc_failure"] or {}
            self.tests[report.nodeid].failed_clauses = list(
                failure.get("clauses") or self.tests[report.nodeid].clauses)
        test = self.tests.get(report.nodeid)
        if test is None or (report.when == "teardown" and report.passed):
            return
        if report.failed:
            test.outcome = "failed"
            if test.until_failure is None:
                test.until_failure = test.examples or 1
        elif report.skipped:
            test.outcome = "skipped"

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        run = config.stash.get(RUN, None)  # none when the options were refused
        self.report = (run.report if run is not None else None) or {}


def run_suite(target: str, *, clauses: Iterable[str] | None = None, profile: str = "ci",
              seed: int | None = None, count_examples: bool = False, quiet: bool = False,
              extra: Iterable[str] = ()) -> SuiteRun:
    """Run the conformance suite in this process (no xdist) against ``target``, only the
    tests naming one of ``clauses`` when given; the report and, if asked, each test's
    examples."""
    register_kill_profiles()
    observer = _Observer()
    with tempfile.TemporaryDirectory(prefix="pc-power-") as out:
        args = [str(SUITE), "-q", "--no-header", "-p", "no:xdist", "-p", "no:cacheprovider",
                "-W", "ignore::pytest.PytestAssertRewriteWarning",
                "--rootdir", str(ROOT), "--target", target, "--hypothesis-profile", profile,
                "--report-dir", out, *extra]
        if clauses is not None:
            args += ["--clauses", ",".join(sorted(set(clauses)))]
        if seed is None and profile.startswith("ci"):
            seed = profiles.CI_SEED  # ci and its variants: deterministic through the seed
        if seed is not None:
            args += ["--hypothesis-seed", str(seed)]
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext():
            code = pytest.main(args, plugins=[observer])
        seconds = time.perf_counter() - started
    return SuiteRun(target, profile, int(code), seconds, observer.report,
                    observer.tests if count_examples else {})


class _Names:
    """A pytest plugin keeping the clause ids the collected tests name."""

    def __init__(self) -> None:
        self.clauses: set[str] = set()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            self.clauses.update(clause_ids(item))


@cache
def named_clauses() -> frozenset[str]:
    """The clauses some conformance test names (collected once per process)."""
    names = _Names()
    code = pytest.main([str(SUITE), "--collect-only", "-q", "-p", "no:xdist",
                        "-p", "no:cacheprovider", "--rootdir", str(ROOT)], plugins=[names])
    if code != 0:
        raise RuntimeError(f"collecting the conformance suite failed (exit {int(code)})")
    return frozenset(names.clauses)


@dataclass
class Kill:
    """A mutant's fate under one profile."""

    mutant: str
    category: str
    kills: list[str]
    #: killed, survived, or untested (no test names any of its kill clauses yet).
    result: str
    failed_clauses: list[str] = field(default_factory=list)
    #: Examples the first test that caught it tried, up to the failing one.
    examples_until_caught: int | None = None
    seconds: float = 0.0
    run: SuiteRun | None = field(default=None, repr=False)


def untested_kills(mutant_id: str) -> list[str]:
    """The mutant's kill clauses that no collected conformance test names."""
    return [c for c in mutants()[mutant_id]["kills"] if c not in named_clauses()]


def kill(mutant_id: str, profile: str = KILL_PROFILE, *, count_examples: bool = False,
         seed: int | None = None, quiet: bool = False) -> Kill:
    """Run the tests naming the mutant's kill clauses against it (with ``--strict`` if its
    entry says ``strict``). Under a generation-only profile (``<profile>-gen``) only
    failures of generated examples count."""
    entry = mutants()[mutant_id]
    kills = list(entry["kills"])
    named = [c for c in kills if c in named_clauses()]
    if not named:
        return Kill(mutant_id, entry["category"], kills, "untested")
    # a mutant that takes a reading the documents allow, but not the strict one, is
    # killed under --strict only (its entry's "strict")
    run = run_suite(f"mutant:{mutant_id}", clauses=named, profile=profile, seed=seed,
                    count_examples=count_examples or profile.endswith(GENERATION_SUFFIX),
                    quiet=quiet, extra=("--strict-readings",) if entry.get("strict") else ())
    failed = sorted(run.failed_clauses)
    caught = set(kills).intersection(failed)
    tests = list(run.tests.values())
    if profile.endswith(GENERATION_SUFFIX):
        tests = [t for t in tests if t.generated and t.outcome == "failed"]
        caught = set(kills).intersection(c for t in tests for c in t.failed_clauses)
    firsts = [t.until_failure for t in tests
              if t.until_failure is not None
              and caught.intersection([*t.clauses, *t.failed_clauses])]
    return Kill(mutant_id, entry["category"], kills, "killed" if caught else "survived",
                failed, min(firsts) if firsts else None, run.seconds, run)

"""The pytest plugin (entry point ``pytest11``): the suite's options (from the one table
in ``options``), the Hypothesis profiles, and the collection of per-clause results into
the report.

The run comes from the runner in memory (a ``session.Run`` passed to ``pytest.main``),
else from pytest's options (``session.prepare``), else (an xdist worker) from the
controller's settings. The Hypothesis profiles (``harness.profiles``) are registered only
in a session that collects the suite (``runs_suite``), so other test suites in the
environment keep their own. Each test's record and outcome become properties of its test
report: its clauses, status (typed by the exceptions of ``harness.outcomes``; a crash of
the suite or the adapter is ``error``, never ``failed``), failure, the sides its checks
ran (a side is recorded only once an answer was received and judged, and a skipped test
credits nothing) and what it could not exercise. Safe under pytest-xdist: workers attach
them to their test reports and send their harness figures; the controller's
``Collector`` gathers them and builds and writes the report at the end of the session.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from personalize_conformance import report
from personalize_conformance.checks import ClauseFailure, SuiteError
from personalize_conformance.contracts import catalog
from personalize_conformance.harness import (
    RECORD,
    SESSION,
    HarnessSession,
    HarnessSettings,
    Record,
    outcomes,
    profiles,
)
from personalize_conformance.report import render
from personalize_conformance.run.matching import known_failures
from personalize_conformance.run.options import OptionError, add_to_pytest, values_of
from personalize_conformance.run.progress import PROGRESS, Progress
from personalize_conformance.run.selection import clause_ids, selected
from personalize_conformance.run.session import RUN, Run, prepare, run_of
from personalize_conformance.run.settings import RunSettings, effective_readings
from personalize_conformance.targets import Target

#: The conformance suite, as pytest imports it (``--pyargs``).
SUITE = "personalize_conformance.suite"
#: The key of the settings an xdist controller sends each worker.
WORKER_INPUT = "pc_settings"


def runs_suite(config: pytest.Config) -> bool:
    """Whether this session collects the conformance suite: an argument names it (``--pyargs
    personalize_conformance.suite``, its directory or a file in it) or a directory above
    it that pytest would walk into (not a virtualenv's site-packages)."""
    spec = find_spec(SUITE)
    if spec is None or not spec.submodule_search_locations:
        return False
    suite = Path(next(iter(spec.submodule_search_locations))).resolve()
    for arg in config.args:
        name = arg.split("::", 1)[0]
        if config.option.pyargs and (name == SUITE or name.startswith(SUITE + ".")):
            return True
        path = (config.invocation_params.dir / name).resolve()
        if path == suite or suite in path.parents:
            return True
        if path in suite.parents and "site-packages" not in suite.relative_to(path).parts:
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Only a session that runs the suite gets its Hypothesis profiles (registered before
    Hypothesis' own plugin reads ``--hypothesis-profile``) and, under ``ci``, its recorded
    default seed; any other test suite in the environment keeps Hypothesis' settings."""
    if not runs_suite(config):
        return
    profiles.register()
    if getattr(config.option, "hypothesis_profile", None) is None:
        from hypothesis import settings

        settings.load_profile(profiles.DEFAULT)
    profile = getattr(config.option, "hypothesis_profile", None) or profiles.DEFAULT
    if profile == "ci" and getattr(config.option, "hypothesis_seed", None) is None:
        config.option.hypothesis_seed = str(profiles.CI_SEED)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_to_pytest(parser)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _run_for(config: pytest.Config) -> Run:
    """The run this session makes: the runner's, a worker's, or one from the options."""
    run = config.stash.get(RUN, None)
    if run is not None:
        return run
    if _is_worker(config):
        return Run(RunSettings.from_wire(config.workerinput[WORKER_INPUT]))
    try:
        return prepare(values_of(config), runner=False)
    except OptionError as exc:
        raise pytest.UsageError(str(exc)) from None


def _harness_session(run: Run) -> HarnessSession:
    """What the harness of each process takes from the run: its settings, its target (one
    the options cannot make is a usage error) and where the run keeps the harness."""
    def target() -> Target:
        try:
            return run.target
        except OptionError as exc:
            raise pytest.UsageError(str(exc)) from None

    settings = run.settings
    return HarnessSession(
        HarnessSettings(run_id=settings.run_id, strict=settings.strict,
                        call_timeout=settings.call_timeout),
        target=target, keep=run.harnesses.append)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    from hypothesis import settings

    config.addinivalue_line("markers", "clause(*ids): the catalog clauses a test checks")
    run = config.stash[RUN] = _run_for(config)
    config.stash[SESSION] = _harness_session(run)
    config.pluginmanager.register(Collector(config, run), "personalize-conformance-collector")
    if run.settings.progress and not _is_worker(config) \
            and not config.pluginmanager.has_plugin(PROGRESS):
        config.pluginmanager.register(Progress(config), PROGRESS)
    if run.settings.bundle:
        _journal(config, run)
    if run.settings.max_examples:
        settings.register_profile("pc-capped", settings(
            settings.default, max_examples=run.settings.max_examples))
        settings.load_profile("pc-capped")


def _journal(config: pytest.Config, run: Run) -> None:
    """``--bundle``: every exchange this process' target keeps goes to its journal (the
    bundle's HAR), written as it is answered."""
    from personalize_conformance.report.har import Journal

    try:
        target = run.target
    except OptionError as exc:
        raise pytest.UsageError(str(exc)) from None
    journal = Journal(run.settings.bundle or "", os.environ.get("PYTEST_XDIST_WORKER", "main"))
    target.on_exchange = journal.record
    config.add_cleanup(journal.close)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: the plugin also works with -p no:xdist
def pytest_configure_node(node: Any) -> None:
    """xdist: every worker gets the controller's settings (run id included) as data."""
    node.workerinput[WORKER_INPUT] = run_of(node.config).settings.to_wire()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--replay`` and ``--clauses``: keep only the tests they select."""
    keep = selected(run_of(config).settings, items)
    if len(keep) < len(items):
        kept = set(map(id, keep))
        config.hook.pytest_deselected(items=[i for i in items if id(i) not in kept])
        items[:] = keep


def _is_hypothesis_test(obj: Any) -> bool:
    try:
        from hypothesis import is_hypothesis_test
    except ImportError:  # an older Hypothesis: the attribute its own plugin reads
        return bool(getattr(obj, "is_hypothesis_test", False))
    return is_hypothesis_test(obj)


def _record_properties(item: pytest.Item) -> list[tuple[str, Any]]:
    """What a test's record says, for its call report. Examples: the Hypothesis test cases
    that reached the harness for a Hypothesis test, 1 for any other test."""
    record = item.stash.get(RECORD, None) or Record()
    # a test that runs a property of its own inside (test_shapes) counts as one
    hypothesis = _is_hypothesis_test(getattr(item, "obj", None)) or record.examples > 0
    return [
        ("pc_sides", record.sides_ran()),
        ("pc_not_exercised", {c: list(r) for c, r in record.reasons_not_exercised.items()}),
        ("pc_examples", record.examples if hypothesis else 1),
        ("pc_cases", dict(record.cases)),
        ("pc_first_failing_example", record.first_failing_example if hypothesis else None),
        ("pc_answer_failures", dict(record.answer_failures)),
        ("pc_calls", dict(record.calls)),
    ]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    rep = yield
    ids = clause_ids(item)
    if not ids:
        return rep
    rep.user_properties.append(("pc_clauses", ids))
    error = call.excinfo.value if call.excinfo is not None else None
    status = outcomes.status_of(error)
    if status is not None:
        rep.user_properties.append(("pc_status", status))
        rep.user_properties.append(("pc_reason", outcomes.reason_of(error)))
    if call.when == "call":
        rep.user_properties.extend(_record_properties(item))
    elif call.when == "setup" and rep.failed:  # what the wire showed while a fixture failed
        record = item.stash.get(RECORD, None)
        if record is not None and record.answer_failures:
            rep.user_properties.append(("pc_answer_failures", dict(record.answer_failures)))
    if call.excinfo is not None and rep.failed:
        leaves = list(_leaves(call.excinfo.value))
        exc = next((e for e in leaves if isinstance(e, ClauseFailure)), leaves[0])
        if isinstance(exc, ClauseFailure):
            rep.user_properties.append(("pc_failure", {**exc.details, "clauses": exc.clauses}))
            if isinstance(exc, SuiteError):
                rep.user_properties.append(("pc_status", outcomes.ERROR))
        else:  # a crash of the suite or the target adapter: an error, never a failure
            rep.user_properties.append(("pc_status", outcomes.ERROR))
            rep.user_properties.append(("pc_failure", _crash(call.excinfo, leaves)))
    return rep


def _crash(excinfo: pytest.ExceptionInfo, leaves: list[BaseException]) -> dict[str, Any]:
    """A test's failure that no check raised (a ``TypeError`` in a client, a bug in the
    suite): what was raised and where, for the report's ``crash``."""
    raised = "; ".join(dict.fromkeys(f"{type(e).__name__}: {e}" for e in leaves))[:4000]
    entry = excinfo.traceback[-1] if excinfo.traceback else None
    where = f" (at {entry.path}:{entry.lineno + 1})" if entry is not None else ""
    return {"operation": None, "input": None, "expected": "no error in the test",
            "observed": raised, "crash": f"{raised}{where}", "reproduction": None}


def _leaves(exc: BaseException) -> Iterator[BaseException]:
    """The exceptions inside ``exc``: itself, or the leaves of an exception group (what
    Hypothesis raises when a target answers a replayed example differently)."""
    inner = getattr(exc, "exceptions", None)  # BaseExceptionGroup (3.11, or its backport)
    if isinstance(inner, (list, tuple)) and inner:
        for one in inner:
            yield from _leaves(one)
    else:
        yield exc


def _spending(per_harness: list[dict[str, Any]]) -> dict[str, Any]:
    """The run's spending from each harness' (one per pytest process): calls per operation,
    resources created and seconds waited added up; the peak of live resources the sum of
    each process' peak (an upper bound of the run's)."""
    calls: Counter[str] = Counter()
    for one in per_harness:
        calls.update(one["calls"])
    return {
        "calls": sum(calls.values()),
        "calls_per_operation": dict(sorted(calls.items())),
        "resources_created": sum(s["resources_created"] for s in per_harness),
        "peak_live_resources": sum(s["peak_live_resources"] for s in per_harness),
        "wait_seconds": round(sum(s["wait_seconds"] for s in per_harness), 3),
    }


def _status(rep: pytest.TestReport, props: dict[str, Any]) -> str | None:
    if rep.failed:
        return outcomes.ERROR if props.get("pc_status") == outcomes.ERROR else outcomes.FAILED
    if rep.skipped:
        return props.get("pc_status")  # None for an ordinary skip
    return outcomes.PASSED if rep.when == "call" else None


class Collector:
    """Gathers one record per test that names clauses; writes the report at the end and
    hands it to the run."""

    def __init__(self, config: pytest.Config, run: Run) -> None:
        self.config = config
        self.run = run
        self.records: dict[str, dict[str, Any]] = {}
        self.durations: dict[str, float] = {}  # node id -> seconds over all its phases
        self.worker_figures: list[dict[str, Any]] = []
        #: Node id -> the requests its test sent, per operation (setup and call).
        self.calls_by_test: dict[str, dict[str, int]] = {}
        #: The clauses the tests of this session name (the scope of a pytest selection).
        self.named: set[str] = set()
        self.started = dt.datetime.now(dt.timezone.utc).isoformat()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if "pc_clauses" not in props:
            return
        self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration
        self.named.update(props["pc_clauses"])
        if props.get("pc_calls"):
            self.calls_by_test[report.nodeid] = dict(sorted(props["pc_calls"].items()))
        status = _status(report, props)
        if status is None:
            return
        record = self.records.setdefault(report.nodeid, {
            "test": report.nodeid, "clauses": props["pc_clauses"], "status": status,
            "failure": None, "duration": 0.0, "examples": 0, "sides": {},
            "not_exercised": {}, "reasons": [],
        })
        record["duration"] = self.durations[report.nodeid]
        # evidence before credit: a test skipped for any reason (unsupported, not
        # applicable, blocked, a plain skip) credits none of the checks it ran
        credited = not report.skipped
        if report.when == "call" and credited:
            record["examples"] = int(props.get("pc_examples", 0))
            record["cases"] = dict(props.get("pc_cases", {}))
        if outcomes.ORDER.index(status) < outcomes.ORDER.index(record["status"]):
            record["status"] = status
        for clause_id, sides in props.get("pc_sides", {}).items() if credited else ():
            record["sides"][clause_id] = sorted({*record["sides"].get(clause_id, []), *sides})
        for clause_id, reasons in props.get("pc_not_exercised", {}).items():
            record["not_exercised"].setdefault(clause_id, []).extend(reasons)
        if props.get("pc_reason") and props["pc_reason"] not in record["reasons"]:
            record["reasons"].append(props["pc_reason"])
        if "pc_failure" in props and record["failure"] is None:
            record["failure"] = props["pc_failure"]
        for clause_id, failure in props.get("pc_answer_failures", {}).items():
            record.setdefault("answer_failures", {}).setdefault(clause_id, failure)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """xdist: gather each worker's harness figures (throttling, cleanup)."""
        figures = getattr(node, "workeroutput", {}).get("pc_run_stats")
        if figures:
            self.worker_figures.append(figures)

    def _harness_figures(self) -> dict[str, Any]:
        figures = [self.run.harness_figures(), *self.worker_figures]
        calls = sum(f.get("responses", 0) for f in figures)
        return {
            "responses_validated": (
                f"{sum(f.get('responses_validated', 0) for f in figures)} of {calls}"),
            "throttling_retries": sum(f["throttling_retries"] for f in figures),
            "cleanup_failures": [c for f in figures for c in f["cleanup_failures"]],
            "unsupported_operations": sorted(
                {o for f in figures for o in f.get("unsupported_operations", [])}),
            "spending": _spending([s for f in figures for s in f.get("spending", [])]),
        }

    def _scope(self, interrupted: bool) -> list[str] | None:
        """The clauses the run set out to check: those ``--clauses`` or ``--replay`` chose,
        else, when the tests selected (``-k``, a file, a node id) name only part of the
        catalog, the clauses they name; ``None``: the whole catalog (an interrupted run
        says so in its verdict instead)."""
        if self.run.settings.scope is not None:
            return list(self.run.settings.scope)
        every = set(catalog().clauses)
        if interrupted or self.named >= every:
            return None
        return sorted(self.named & every)

    @pytest.hookimpl(trylast=True)  # after the session fixtures' teardown (cleanup)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config, settings = self.config, self.run.settings
        if _is_worker(config):
            config.workeroutput["pc_run_stats"] = self.run.harness_figures()
            return
        if not (settings.report_dir or runs_suite(config)):
            return
        interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
        meta = {
            "target": settings.target,
            "label": settings.label,
            "endpoint": settings.endpoint_url or getattr(self.run.target, "endpoint_url", None),
            "profile": settings.profile,
            "seed": settings.seed,
            "strict": settings.strict,
            "readings": effective_readings(settings),
            "run_id": settings.run_id,
            "workers": getattr(config.option, "numprocesses", None),
            "started": self.started,
            "finished": dt.datetime.now(dt.timezone.utc).isoformat(),
            "pytest_exit_status": int(exitstatus),
            "max_examples": settings.max_examples,
            "replay_of": settings.replay,
            "scope": self._scope(interrupted),
            "interrupted": interrupted,
            **self._harness_figures(),
            "calls_by_test": dict(sorted(self.calls_by_test.items())),
        }
        built = report.build(list(self.records.values()), meta, settings.waivers)
        if settings.baseline_statuses is not None:
            built["known_failures"] = known_failures(settings.baseline_statuses, built)
        if settings.report_dir:
            report.write(built, settings.report_dir)
        self.run.report = built

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """The plugin route (a bare pytest run of the suite) ends with the verdict line,
        after pytest's own summary; the runner prints its own."""
        built = self.run.report
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if built is None or self.run.runner or reporter is None:
            return
        unsupported = built.get("unsupported_operations")
        if unsupported:
            reporter.write_line(f"unsupported operations: {', '.join(unsupported)}")
        spent = render.spending_text(built)
        if spent:
            reporter.write_line(spent)
        reporter.write_line(f"{built['target']}: {built['verdict']}")

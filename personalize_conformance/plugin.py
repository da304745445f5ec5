"""The pytest plugin (entry point ``pytest11``): the suite's options, the Hypothesis
profiles, and the collection of per-clause results into the report.

Safe under pytest-xdist: workers attach each test's clauses and failure to the test
report; the controller gathers them and writes the report at the end of the session.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import checks, outcomes, profiles, report
from .checks import ClauseFailure
from .progress import Progress
from .waivers import WaiverError
from .waivers import load as load_waivers

EXAMPLES = pytest.StashKey[int]()
REPLAY = pytest.StashKey["set[str] | None"]()

profiles.register()  # before Hypothesis' own plugin reads --hypothesis-profile


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("personalize-conformance")
    group.addoption("--target", default="reference",
                    help="the implementation to check: reference, reference-progressive, "
                         "reference-http, endpoint, moto, moto-server, mutant:<id>, "
                         "package.module:Class or a registered name (default: reference)")
    group.addoption("--allow-aws", action="store_true", default=False,
                    help="allow a run against real AWS (a non-loopback endpoint or none)")
    group.addoption("--call-timeout", type=float, default=None,
                    help="seconds one call may take before it fails as unanswered "
                         "(default: $PC_CALL_TIMEOUT or 30; 0: no limit)")
    group.addoption("--endpoint-url", default=None,
                    help="the URL of the implementation, for --target endpoint")
    group.addoption("--strict-readings", action="store_true", default=False,
                    help="hold targets to one reading wherever the documents allow two")
    group.addoption("--report-dir", default=None,
                    help="write report.json for the run into this directory")
    group.addoption("--run-id", default=None,
                    help="a short id put into the names of the resources the run creates")
    group.addoption("--waivers", default=None, metavar="FILE",
                    help="JSON file of known deviations (clause ids with a reason each)")
    group.addoption("--replay", default=None, metavar="REPORT",
                    help="run only the tests that failed in this earlier report.json")
    group.addoption("--max-examples", type=int, default=None,
                    help="cap Hypothesis examples per test (overrides the profile)")
    group.addoption("--conformance-progress", action="store_true", default=False,
                    help="show clauses done out of total and the clause running")
    group.addoption("--clauses", default=None, metavar="ID[,ID...]",
                    help="run only the tests that name one of these catalog clauses")


def _replayed(path: str) -> set[str]:
    """The keys of the tests that failed in the report at ``path``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return {test_key(nodeid) for nodeid in report.failing_tests(data)}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise pytest.UsageError(f"cannot replay {path!r}: not a readable report.json "
                                f"({type(exc).__name__}: {exc})") from None


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    from hypothesis import settings

    config.addinivalue_line("markers", "clause(*ids): the catalog clauses a test checks")
    waivers: dict[str, str] = {}
    if config.getoption("waivers") and not hasattr(config, "workerinput"):
        try:
            waivers = load_waivers(config.getoption("waivers"))
        except WaiverError as exc:
            raise pytest.UsageError(str(exc)) from None
    replay = config.getoption("replay")
    config.stash[REPLAY] = _replayed(replay) if replay else None
    config.pluginmanager.register(Collector(config, waivers), "personalize-conformance-collector")
    if config.getoption("conformance_progress") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(Progress(config), "personalize-conformance-progress")
    if not hasattr(config, "workerinput") and config.getoption("run_id") is None:
        config.option.run_id = uuid.uuid4().hex[:6]
    if getattr(config.option, "hypothesis_profile", None) is None:
        settings.load_profile(profiles.DEFAULT)
    if config.getoption("max_examples"):
        settings.register_profile("pc-capped", settings(
            settings.default, max_examples=config.getoption("max_examples")))
        settings.load_profile("pc-capped")
    if not hasattr(config, "workerinput") and config.getoption("target") != "reference":
        _check_target(config)


def _check_target(config: pytest.Config) -> None:
    """Refuse an unknown target, or real AWS without ``--allow-aws``, before any test."""
    from .harness import refuse_aws
    from .targets import TargetConfigError, resolve

    try:
        refuse_aws(resolve(config.getoption("target"), config.getoption("endpoint_url")),
                   config.getoption("allow_aws"))
    except TargetConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


def test_key(nodeid: str) -> str:
    """A node id without its directories, the same wherever the suite was run from."""
    path, sep, rest = nodeid.partition("::")
    return path.rsplit("/", 1)[-1] + sep + rest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--replay``: keep only the tests that failed in the earlier report."""
    keep = config.stash.get(REPLAY, None)
    if keep is None:
        return
    selected = [item for item in items if test_key(item.nodeid) in keep]
    deselected = [item for item in items if test_key(item.nodeid) not in keep]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    items[:] = selected


@pytest.hookimpl(optionalhook=True)  # an xdist hook: the plugin also works with -p no:xdist
def pytest_configure_node(node: Any) -> None:
    """xdist: every worker names its resources with the controller's run id."""
    node.workerinput["pc_run_id"] = node.config.getoption("run_id")


def run_id(config: pytest.Config) -> str:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return workerinput["pc_run_id"]
    return config.getoption("run_id")


def clause_ids(item: pytest.Item) -> list[str]:
    """The clause ids a test names with ``@pytest.mark.clause``."""
    return [cid for mark in item.iter_markers("clause") for cid in mark.args]


def pytest_runtest_setup(item: pytest.Item) -> None:
    checks.reset_sides()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Count the examples a test tries: calls of Hypothesis' inner test (1 without it)."""
    hypothesis = getattr(getattr(item, "obj", None), "hypothesis", None)
    inner = getattr(hypothesis, "inner_test", None)
    if inner is None:
        item.stash[EXAMPLES] = 1
        return (yield)
    item.stash[EXAMPLES] = 0

    def counted(*args: Any, **kwargs: Any) -> Any:
        item.stash[EXAMPLES] += 1
        return inner(*args, **kwargs)

    hypothesis.inner_test = counted
    try:
        return (yield)
    finally:
        hypothesis.inner_test = inner
@pytest.hookimpl(specname="pytest_collection_modifyitems")
def pytest_select_clauses(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--clauses``: keep only the tests whose clause marks name one of the given ids."""
    option = config.getoption("clauses")
    if not option:
        return
    from .contracts import catalog

    wanted = {c.strip() for c in option.split(",") if c.strip()}
    unknown = sorted(wanted - set(catalog().clauses))
    if unknown:
        raise pytest.UsageError(f"--clauses: no clause {', '.join(unknown)} in the catalog")
    keep = [item for item in items if wanted.intersection(clause_ids(item))]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    rep = yield
    ids = clause_ids(item)
    if not ids:
        return rep
    rep.user_properties.append(("pc_clauses", ids))
    if call.when == "call":
        rep.user_properties.append(("pc_sides", checks.sides_ran()))
        rep.user_properties.append(("pc_not_exercised", checks.not_exercised_reasons()))
        rep.user_properties.append(("pc_examples", item.stash.get(EXAMPLES, 0)))
        rep.user_properties.append(("pc_cases", checks.cases_ran()))
    if call.excinfo is not None and rep.failed:
        leaves = list(_leaves(call.excinfo.value))
        exc = next((e for e in leaves if isinstance(e, ClauseFailure)), leaves[0])
        if isinstance(exc, ClauseFailure):
            rep.user_properties.append(("pc_failure", {**exc.details, "clauses": exc.clauses}))
        else:
            observed = "; ".join(dict.fromkeys(f"{type(e).__name__}: {e}" for e in leaves))
            rep.user_properties.append(("pc_failure", {
                "operation": None, "input": None, "expected": "no error in the test",
                "observed": observed[:4000], "reproduction": None,
            }))
    return rep


def _leaves(exc: BaseException) -> Iterator[BaseException]:
    """The exceptions inside ``exc``: itself, or the leaves of an exception group (what
    Hypothesis raises when a target answers a replayed example differently)."""
    inner = getattr(exc, "exceptions", None)  # BaseExceptionGroup (3.11, or its backport)
    if isinstance(inner, (list, tuple)) and inner:
        for one in inner:
            yield from _leaves(one)
    else:
        yield exc


def _status(rep: pytest.TestReport) -> str | None:
    if rep.failed:
        return outcomes.FAILED
    if rep.skipped:
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        return outcomes.status_of_skip(reason.removeprefix("Skipped: "))
    return outcomes.PASSED if rep.when == "call" else None


class Collector:
    """Gathers one record per test that names clauses; writes the report at the end."""

    def __init__(self, config: pytest.Config, waivers: dict[str, str] | None = None) -> None:
        self.config = config
        self.waivers = waivers or {}
        self.records: dict[str, dict[str, Any]] = {}
        self.durations: dict[str, float] = {}  # node id -> seconds over all its phases
        self.worker_stats: list[dict[str, Any]] = []
        self.started = dt.datetime.now(dt.timezone.utc).isoformat()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if "pc_clauses" not in props:
            return
        self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration
        status = _status(report)
        if status is None:
            return
        record = self.records.setdefault(report.nodeid, {
            "test": report.nodeid, "clauses": props["pc_clauses"], "status": status,
            "failure": None, "duration": 0.0, "examples": 0, "sides": {},
            "not_exercised": {},
        })
        record["duration"] = self.durations[report.nodeid]
        if report.when == "call":
            record["examples"] = int(props.get("pc_examples", 0))
            record["cases"] = dict(props.get("pc_cases", {}))
        if outcomes.ORDER.index(status) < outcomes.ORDER.index(record["status"]):
            record["status"] = status
        for clause_id, sides in props.get("pc_sides", {}).items():
            record["sides"][clause_id] = sorted({*record["sides"].get(clause_id, []), *sides})
        for clause_id, reasons in props.get("pc_not_exercised", {}).items():
            record["not_exercised"].setdefault(clause_id, []).extend(reasons)
        if "pc_failure" in props and record["failure"] is None:
            record["failure"] = props["pc_failure"]

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """xdist: gather each worker's harness figures (throttling, cleanup)."""
        stats = getattr(node, "workeroutput", {}).get("pc_run_stats")
        if stats:
            self.worker_stats.append(stats)

    def _run_stats(self) -> dict[str, Any]:
        from .harness import run_stats

        stats = [run_stats(), *self.worker_stats]
        return {
            "throttling_retries": sum(s["throttling_retries"] for s in stats),
            "cleanup_failures": [f for s in stats for f in s["cleanup_failures"]],
        }

    @pytest.hookimpl(trylast=True)  # after the session fixtures' teardown (cleanup)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config = self.config
        directory = config.getoption("report_dir")
        if hasattr(config, "workerinput"):
            from .harness import run_stats

            config.workeroutput["pc_run_stats"] = run_stats()
            return
        if not directory:
            return
        meta = {
            "target": config.getoption("target"),
            "endpoint": config.getoption("endpoint_url"),
            "profile": getattr(config.option, "hypothesis_profile", None) or profiles.DEFAULT,
            "seed": getattr(config.option, "hypothesis_seed", None),
            "strict": config.getoption("strict_readings"),
            "run_id": config.getoption("run_id"),
            "workers": getattr(config.option, "numprocesses", None),
            "started": self.started,
            "finished": dt.datetime.now(dt.timezone.utc).isoformat(),
            "pytest_exit_status": int(exitstatus),
            "max_examples": config.getoption("max_examples"),
            "replay_of": config.getoption("replay"),
            **self._run_stats(),
        }
        report.write(report.build(list(self.records.values()), meta, self.waivers), directory)

"""The pytest plugin (entry point ``pytest11``): the suite's options, the Hypothesis
profiles, and the collection of per-clause results into the report.

Safe under pytest-xdist: workers attach each test's clauses and failure to the test
report; the controller gathers them and writes the report at the end of the session.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from . import outcomes, profiles, report
from .checks import ClauseFailure

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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "clause(*ids): the catalog clauses a test checks")
    config.pluginmanager.register(Collector(config), "personalize-conformance-collector")
    if not hasattr(config, "workerinput") and config.getoption("run_id") is None:
        config.option.run_id = uuid.uuid4().hex[:6]
    if getattr(config.option, "hypothesis_profile", None) is None:
        from hypothesis import settings

        settings.load_profile(profiles.DEFAULT)
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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    rep = yield
    ids = clause_ids(item)
    if not ids:
        return rep
    rep.user_properties.append(("pc_clauses", ids))
    if call.excinfo is not None and rep.failed:
        exc = call.excinfo.value
        if isinstance(exc, ClauseFailure):
            rep.user_properties.append(("pc_failure", exc.details))
        else:
            rep.user_properties.append(("pc_failure", {
                "operation": None, "input": None, "expected": "no error in the test",
                "observed": f"{type(exc).__name__}: {exc}"[:4000], "reproduction": None,
            }))
    return rep


def _status(rep: pytest.TestReport) -> str | None:
    if rep.failed:
        return outcomes.FAILED
    if rep.skipped:
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        return outcomes.status_of_skip(reason.removeprefix("Skipped: "))
    return outcomes.PASSED if rep.when == "call" else None


class Collector:
    """Gathers one record per test that names clauses; writes the report at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.records: dict[str, dict[str, Any]] = {}
        self.worker_stats: list[dict[str, Any]] = []
        self.started = dt.datetime.now(dt.timezone.utc).isoformat()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        status = _status(report)
        if "pc_clauses" not in props or status is None:
            return
        record = self.records.setdefault(report.nodeid, {
            "test": report.nodeid, "clauses": props["pc_clauses"], "status": status,
            "failure": None, "duration": 0.0,
        })
        record["duration"] += report.duration
        if outcomes.ORDER.index(status) < outcomes.ORDER.index(record["status"]):
            record["status"] = status
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
            **self._run_stats(),
        }
        report.write(report.build(list(self.records.values()), meta), directory)

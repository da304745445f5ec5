"""Progress of a run: clauses done out of total, elapsed time, an estimate of the time
left, and the clause running. The runner's console (``console.py``) shows it as one live
line (``show``); pytest's ``--conformance-progress`` writes a line per test.

In one process the plan (which tests check which clause) comes from collection. Under
pytest-xdist the controller does not collect, so it counts tests done out of the workers'
collection and clauses as they complete.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from personalize_conformance.run.selection import clause_ids

#: The name the progress plugin is registered under (one per session).
PROGRESS = "personalize-conformance-progress"


class Progress:
    """A small terminal reporter registered on the controller."""

    def __init__(self, config: pytest.Config,
                 show: Callable[[Progress, str], None] | None = None) -> None:
        self.config = config
        #: Called with this progress and what is running (or just finished) at each step;
        #: by default a line on pytest's terminal.
        self.show = show or (lambda progress, now: self._write(f"{progress._head()} {now}"))
        self.started = time.monotonic()
        self.plan: dict[str, set[str]] = {}  # clause id -> node ids still to finish
        self.clauses_of: dict[str, list[str]] = {}
        self.total_tests = 0
        self.tests_done = 0
        self.clauses_done: set[str] = set()
        self.seen: set[str] = set()  # xdist: clauses some finished test checked

    def _write(self, line: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(line)

    @property
    def done(self) -> int:
        """Clauses done (tests done under xdist, where the plan is unknown)."""
        return len(self.clauses_done) if self.plan else self.tests_done

    @property
    def total(self) -> int:
        return len(self.plan) if self.plan else self.total_tests

    @property
    def unit(self) -> str:
        return "clauses" if self.plan else "tests"

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def eta(self) -> float | None:
        """Seconds left, from the tests' pace so far (``None`` before the first)."""
        if not self.tests_done or not self.total_tests:
            return None
        pace = self.elapsed() / self.tests_done
        return max(self.total_tests - self.tests_done, 0) * pace

    def _head(self) -> str:
        tests = f"{self.tests_done}/{self.total_tests} tests"
        if self.plan:
            return f"[{len(self.clauses_done)}/{len(self.plan)} clauses done, {tests}]"
        return f"[{tests}, {len(self.seen)} clauses with results]"

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.total_tests = len(items)
        for item in items:
            ids = clause_ids(item)
            self.clauses_of[item.nodeid] = ids
            for clause_id in ids:
                self.plan.setdefault(clause_id, set()).add(item.nodeid)

    @pytest.hookimpl(optionalhook=True)  # an xdist hook: also works with -p no:xdist
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.total_tests = max(self.total_tests, len(ids))

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        running = self.clauses_of.get(nodeid)
        if running is not None:
            self.show(self, f"running {', '.join(running) or '(no clause)'}: {nodeid}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":
            return
        self.tests_done += 1
        ids = self.clauses_of.get(report.nodeid)
        if ids is None:  # xdist: the clauses ride on the report
            ids = dict(report.user_properties).get("pc_clauses", [])
            self.seen.update(ids)
            self.show(self, f"finished {', '.join(ids) or '(no clause)'}: {report.nodeid}")
        for clause_id in ids:
            pending = self.plan.get(clause_id)
            if pending is not None:
                pending.discard(report.nodeid)
                if not pending:
                    self.clauses_done.add(clause_id)

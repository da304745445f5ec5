"""Progress on the terminal for long (``certify``) runs: clauses done out of total, and
the clause running. On with the runner's ``--progress`` (by default for certify) or pytest's
``--conformance-progress``.

In one process the plan (which tests check which clause) comes from collection. Under
pytest-xdist the controller does not collect, so it counts tests done out of the workers'
collection and clauses as they complete.
"""

from __future__ import annotations

from typing import Any

import pytest

from personalize_conformance.options import clause_ids


class Progress:
    """A small terminal reporter registered on the controller."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
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

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.total_tests = max(self.total_tests, len(ids))

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        running = self.clauses_of.get(nodeid)
        if running is not None:
            self._write(f"{self._head()} running {', '.join(running) or '(no clause)'}: "
                        f"{nodeid}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":
            return
        self.tests_done += 1
        ids = self.clauses_of.get(report.nodeid)
        if ids is None:  # xdist: the clauses ride on the report
            ids = dict(report.user_properties).get("pc_clauses", [])
            self.seen.update(ids)
            self._write(f"{self._head()} finished {', '.join(ids) or '(no clause)'}: "
                        f"{report.nodeid}")
        for clause_id in ids:
            pending = self.plan.get(clause_id)
            if pending is not None:
                pending.discard(report.nodeid)
                if not pending:
                    self.clauses_done.add(clause_id)

"""What the runner prints (``personalize-conformance run``), with rich.

A header (target, endpoint, profile, seed, suite and contract versions); one progress
line, live on a terminal and a line every ``SPARSE_SECONDS`` otherwise; then only the
clauses that did not pass, grouped by status (each failure one compact block: clause and
statement, what was sent, shrunk, what was expected, what came back, and the command that
reproduces it), the clause counts and the verdict. ``-v`` adds the whole matrix. pytest's
own dots, tracebacks and counts are kept quiet unless ``--tb`` asks for them. Colour only
on a terminal, never with ``NO_COLOR`` or ``--no-color``. No line pastes more than
``LONG_LINE`` (200) characters of what a target answered.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console as RichConsole
from rich.markup import escape
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress

from personalize_conformance import __version__
from personalize_conformance.harness import outcomes
from personalize_conformance.report import render
from personalize_conformance.run.matching import plural
from personalize_conformance.run.progress import PROGRESS, Progress
from personalize_conformance.run.session import Run

#: Off a terminal, at most one progress line this often.
SPARSE_SECONDS = 30.0
#: Strings longer than this are elided in what was sent, with their length.
LONG_TEXT = 40
#: Lists longer than this show their first items and their length.
LONG_LIST = 3
#: The most characters of a text a summary line pastes from the report (what a target
#: answered, a crash, a reason): a longer one keeps its start and end, with its length.
LONG_LINE = 200

STYLE = {
    outcomes.PASSED: "green", outcomes.FAILED: "bold red", outcomes.ERROR: "bold magenta",
    outcomes.UNSUPPORTED: "yellow", outcomes.NOT_APPLICABLE: "yellow",
    outcomes.UNTESTED: "yellow", outcomes.INCOMPLETE: "yellow", outcomes.WAIVED: "cyan",
}


def make(no_color: bool = False, file: Any = None, terminal: bool | None = None,
         record: bool = False) -> RichConsole:
    """The console: colour only on a terminal (``terminal``: None detects it; rich also
    honours ``NO_COLOR``); lines never wrapped, so commands stay copyable. ``record``:
    keep what it prints (``export_text``, a bundle's console.log)."""
    return RichConsole(file=file, no_color=no_color or None, highlight=False, soft_wrap=True,
                       emoji=False, force_terminal=terminal, record=record)


def shrink(value: Any) -> Any:
    """``value`` for one line: long strings and lists elided, with their length."""
    if isinstance(value, str) and len(value) > LONG_TEXT:
        return f"{value[:LONG_TEXT // 2]}…({len(value)} chars)"
    if isinstance(value, Mapping):
        return {k: shrink(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        head = [shrink(v) for v in value[:LONG_LIST - 1 if len(value) > LONG_LIST else None]]
        return [*head, f"…({len(value)} items)"] if len(value) > LONG_LIST else head
    return value


def clip(text: Any) -> str:
    """``text`` on one line (runs of white space as one space), at most ``LONG_LINE``
    characters: a longer one keeps its start and its end, with its length between."""
    flat = " ".join(str(text).split())
    if len(flat) <= LONG_LINE:
        return flat
    return f"{flat[:LONG_LINE - 70]} …({len(flat)} chars)… {flat[-40:]}"


def sent_text(failure: Mapping[str, Any]) -> str:
    """What was sent, shrunk, on one line."""
    return f"{failure.get('operation') or ''} {render.as_json(shrink(failure['input']))}".strip()


class Console:
    """The runner's console, registered as a pytest plugin for the run: quiets pytest's
    own output, shows progress, and prints the header and the summary."""

    def __init__(self, run: Run, out: RichConsole | None = None) -> None:
        self.run = run
        self.settings = run.settings
        self.out = out or make(self.settings.no_color, record=bool(self.settings.bundle))
        self.live: RichProgress | None = None
        self.last_line = time.monotonic()
        self.collect_errors: list[str] = []

    def quiet_argv(self) -> list[str]:
        """pytest's options for a quiet run: without its terminal reporter (no dots, counts,
        tracebacks or xdist status lines; an internal error still goes to stderr), unless
        ``--tb`` asks for its tracebacks."""
        if self.settings.tb:
            return ["-q", "--no-header", "-rN", f"--tb={self.settings.tb}"]
        return ["-p", "no:terminal"]

    def header(self) -> None:
        from personalize_conformance.contracts import digest

        s = self.settings
        endpoint = s.endpoint_url or getattr(self.run.target, "endpoint_url", None)
        self.out.print(f"[bold]personalize-conformance {__version__}[/] · contract "
                       f"{digest()[:12]} · target [bold]{escape(s.label or s.target)}[/]"
                       + (f" ({escape(s.target)})" if s.label else ""))
        self.out.print(f"endpoint {escape(endpoint or 'in-process')} · profile {s.profile} · "
                       f"seed {s.seed}" + (" · strict" if s.strict else ""))

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        if self.settings.progress:
            config.pluginmanager.register(Progress(config, show=self._show), PROGRESS)

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report: Any, config: pytest.Config) -> Any:
        """No dots or letters: the progress line says how far the run is."""
        result = yield
        return (result[0], "", "") if result else result

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(f"{report.nodeid or 'collection'}: "
                                       f"{str(report.longrepr).strip().splitlines()[-1]}")

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo) -> None:
        """Say the run stopped early (SIGINT, or SIGTERM made one); cleanup follows."""
        self.out.print(f"[bold red]interrupted[/] ({escape(excinfo.exconly())}): the run "
                       "stopped early; what it created on the target is deleted")

    def _show(self, progress: Progress, now: str) -> None:
        if not progress.total:
            return
        running = now.split(": ", 1)[0]
        if self.out.is_terminal:
            if self.live is None:
                self.live = RichProgress(
                    TextColumn("{task.completed}/{task.total} " + progress.unit),
                    BarColumn(), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                    TextColumn("{task.description}"), console=self.out, transient=True,
                    auto_refresh=False)  # refreshed between tests, never under capture
                self.task = self.live.add_task("", total=progress.total)
                self.live.start()
            self.live.update(self.task, completed=progress.done, total=progress.total,
                             description=escape(running[:60]))
            self.live.refresh()
        elif time.monotonic() - self.last_line >= SPARSE_SECONDS:
            self.last_line = time.monotonic()
            eta = progress.eta()
            self.out.print(f"{progress.done}/{progress.total} {progress.unit}, "
                           f"{progress.elapsed():.0f} s" +
                           (f", about {eta:.0f} s left" if eta is not None else ""))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def summary(self, report: Mapping[str, Any], report_dir: str | Path | None) -> None:
        """The clauses that did not pass (the whole matrix with ``-v``), the counts, the
        verdict, and where the report is."""
        show(self.out, report, report_dir, verbose=self.settings.verbose,
             collect_errors=self.collect_errors)


def _failure(out: RichConsole, report: Mapping[str, Any], clause: Mapping[str, Any],
             failure: Mapping[str, Any], report_dir: str | Path | None) -> None:
    kind = render.failure_kind(failure)
    rows = []
    if kind == "crash":
        rows.append(("crash", f"{clip(failure['crash'])} (the adapter or the suite raised; "
                              "not a failure of the target)"))
    elif kind == "suite error":
        rows.append(("suite error", clip(failure["suite_error"])))
    if failure.get("input") is not None:
        rows.append(("sent", sent_text(failure)))
    rows += [("expected", clip(failure["expected"])),
             ("observed", clip(render.observed_text(failure["observed"])))]
    if failure.get("first"):
        rows.append(("first", clip(render.first_text(failure["first"]))))
    if failure.get("blame") and failure["blame"].get("member"):
        rows.append(("because of", clip(f"{failure['blame']['member']}: "
                                        f"{failure['blame'].get('change')}")))
    rows.append(("test", failure["test"]))
    if failure.get("reproduction") and report_dir is not None:
        rows.append(("reproduce", f"bash {Path(report_dir) / render.repro_path(clause['id'])}"))
    rows.append(("run again", render.rerun_command(report, clause["id"])))
    for name, text in rows:
        out.print(f"    [dim]{name:<10}[/] {escape(str(text)[:1000])}")


def _failed_clause(out: RichConsole, report: Mapping[str, Any], c: Mapping[str, Any],
                   style: str, report_dir: str | Path | None) -> None:
    """A failed or errored clause: its line (marked known when the baseline had it), its
    first failure, and how many more the report holds."""
    known = " [dim](known: failed in the baseline)[/]" if c["id"] in report.get(
        "known_failures", ()) else ""
    out.print(f"  [{style}]{escape(c['id'])}[/] ({c['level']}){known} "
              f"{escape(c['statement'])}")
    for failure in c["failures"][:1]:
        _failure(out, report, c, failure, report_dir)
    if len(c["failures"]) > 1:
        more = plural(len(c["failures"]) - 1, "more failure", "more failures")
        out.print(f"    [dim]and {more} in the report[/]")


def show(out: RichConsole, report: Mapping[str, Any], report_dir: str | Path | None, *,
         verbose: bool = False, collect_errors: list[str] | tuple = ()) -> None:
    """Print a report's summary (``report`` as ``report.build`` made it)."""
    report = render.clean(report)
    if verbose:  # the whole matrix, one clause a line (never cropped)
        out.print()
        out.print(f"[bold]{'status':<26} {'level':<6} {'examples':>8}  clause[/]")
        for c in report["clauses"]:
            status = f"{render.status_text(c):<26}"
            out.print(f"[{STYLE.get(c['status'], '')}]{escape(status)}[/] {c['level']:<6} "
                      f"{c['examples']:>8}  {escape(c['id'])}")
    for error in collect_errors:
        out.print(f"[bold magenta]collection error[/] {escape(error)}")
    for status, group in render.not_passed(report):
        style = STYLE.get(status, "")
        out.print()
        out.print(f"[{style}]{status.replace('_', ' ')} ({len(group)})[/]  "
                  f"[dim]{escape(render.LEGEND[status])}[/]")
        if status in (outcomes.FAILED, outcomes.ERROR):
            for c in group:
                _failed_clause(out, report, c, style, report_dir)
        elif status == outcomes.WAIVED:
            for c in group:
                out.print(f"  {escape(c['id'])} (observed {c['observed_status']}): "
                          f"{escape(c.get('waiver', ''))}")
        else:
            for reason, ids in render.by_reason(group):
                shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3
                                              else "")
                out.print(f"  {escape(clip(reason))}: {escape(shown)}")
    counts = ", ".join(f"[{STYLE.get(k, '')}]{v} {k}[/]"
                       for k, v in report["summary"].items() if v)
    verdict = report["verdict"]
    style = {"bad": "bold red", "partial": "bold yellow"}.get(render.tone(report),
                                                               "bold green")
    out.print()
    if report.get("unsupported_operations"):
        out.print(f"unsupported operations: {', '.join(report['unsupported_operations'])}")
    if render.spending_text(report):
        out.print(escape(render.spending_text(report)))
    out.print(f"clauses: {counts}")
    out.print(f"[{style}]{escape(render.title(report))}: {escape(verdict)}[/]")
    if report_dir is not None:
        out.print(f"report: {escape(str(report_dir))}/report.{{json,md,html}}, junit.xml")

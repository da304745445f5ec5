"""Render a report (``report.build``'s dict) for people and CI: ``junit.xml`` with one
testcase per clause, ``report.md`` and ``report.html`` (Jinja2, one self-contained file)
with the conformance matrix, each status' reasons and the reproductions (the HTML from
the Jinja2 template in ``templates/``).

Whatever a target answered (control characters, lone surrogates) is made printable first
(``clean``), so every rendering is well-formed.
"""

from __future__ import annotations

import json
import re
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from functools import cache
from typing import Any

from personalize_conformance.harness import outcomes

#: Statuses reported as skipped in JUnit: the clause was not held against the target.
SKIPPED = (outcomes.UNSUPPORTED, outcomes.NOT_APPLICABLE, outcomes.UNTESTED,
           outcomes.INCOMPLETE, outcomes.WAIVED)

#: Run metadata shown at the top of the reports and as JUnit suite properties, in order.
META = ("label", "target", "endpoint", "profile", "seed", "strict", "suite_version",
        "contract_digest", "botocore", "moto", "python", "started", "finished",
        "responses_validated", "throttling_retries", "cleanup_failures", "replay_of")

#: What each status means, for the reports' legends (report order, then ``waived``).
LEGEND = {
    outcomes.FAILED: "the target broke the clause (a reproduction is given)",
    outcomes.ERROR: "the suite or the target adapter went wrong (a crash, or a failure the "
                    "contract does not back); not held against the target",
    outcomes.UNSUPPORTED: "the target does not implement an operation the clause needs",
    outcomes.NOT_APPLICABLE: "the target lacks a capability the clause needs",
    outcomes.UNTESTED: "no test of this run checked the clause",
    outcomes.INCOMPLETE: "its checks passed, but not every side of it could be exercised",
    outcomes.PASSED: "every check of the clause held",
    outcomes.WAIVED: "a declared known deviation (--waivers): still run, shown, not counted",
}

#: Characters XML 1.0 forbids, and other C0/C1 controls a terminal or browser would act on
#: (newline and tab stay); lone surrogates cannot be encoded at all.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

#: Where a failed clause's reproduction scripts go, under the report directory.
REPRO_DIR = "reproduce"


def printable(text: str) -> str:
    """``text`` with every control character (but newline and tab) spelled ``\\uXXXX``."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def clean(node: Any) -> Any:
    """A report (or any JSON data) with every string ``printable``, but the requests a
    failure sent (``input``), data every rendering shows as JSON (``as_json``)."""
    if isinstance(node, str):
        return printable(node)
    if isinstance(node, Mapping):
        return {printable(str(k)): v if k == "input" else clean(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [clean(v) for v in node]
    return node


def as_json(value: Any, indent: int | None = None) -> str:
    """``value`` as JSON text, every character that is not printable escaped."""
    return printable(json.dumps(value, indent=indent, default=str, ensure_ascii=False))


def of_this_run(report: Mapping[str, Any], key: str) -> bool:
    """Whether a metadata entry is a fact of this run: present, and moto's version only
    for a moto target."""
    if key == "moto" and not str(report.get("target", "")).startswith("moto"):
        return False
    return report.get(key) not in (None, [])


def meta(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The run metadata of this run in ``report`` (``of_this_run``), as (name, text) in
    ``META`` order, then the run's scope (``scope_text``)."""
    return [*((key, json.dumps(report[key]) if isinstance(report[key], list)
               else str(report[key]))
              for key in META if of_this_run(report, key)),
            ("scope", scope_text(report))]


#: A Markdown code span (the only Markdown the catalog's statements use).
_CODE_SPAN = re.compile(r"`([^`]+)`")


def inline_markdown(text: str) -> Any:
    """``text`` as HTML: its code spans as ``<code>``, everything else literal (escaped:
    a statement's patterns keep their ``*``, ``_`` and backslashes)."""
    from markupsafe import Markup, escape

    parts = _CODE_SPAN.split(text)
    return Markup("").join(escape(part) if n % 2 == 0 else Markup("<code>%s</code>") % part
                           for n, part in enumerate(parts))


def headline(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a reader needs first, under the verdict: target, endpoint, date, profile and
    seed, and the versions the run was made with (moto's only for a moto target)."""
    target = report["target"] + (f" ({report['label']})" if report.get("label") else "")
    versions = [f"suite {report['suite_version']}",
                f"contract {str(report['contract_digest'])[:12]}",
                f"Python {report['python']}", f"botocore {report.get('botocore')}"]
    if of_this_run(report, "moto"):
        versions.append(f"moto {report['moto']}")
    return [("target", target), ("endpoint", report.get("endpoint") or "in-process"),
            ("date", str(report.get("finished") or report.get("started") or "")),
            ("profile", f"{report['profile']}, seed {report.get('seed')}"
             + (", strict" if report.get("strict") else "")),
            ("versions", ", ".join(versions))]


def scope_text(report: Mapping[str, Any]) -> str:
    """What the run set out to check: the whole catalog, or part of it (a scoped run,
    whose verdict says ``partial``), with the first few clause ids."""
    total = len(report["clauses"])
    scope = report.get("scope")
    if scope is None:
        return f"the whole catalog ({total} clauses)"
    shown = ", ".join(scope[:5]) + (f" and {len(scope) - 5} more" if len(scope) > 5 else "")
    how = "the tests --replay re-ran" if report.get("replay_of") else "--clauses or a selection"
    return f"partial: {len(scope)} of {total} clauses ({how}): {shown}"


def tone(report: Mapping[str, Any]) -> str:
    """How the verdict is shown: ``ok`` (conformant, no MUST clause waived), ``bad`` (a
    failure or a suite error), ``partial`` (anything else: scoped, waived, incomplete)."""
    kind = report.get("outcome")
    if kind in ("not_conformant", "suite_error"):
        return "bad"
    waived_must = any(c["status"] == outcomes.WAIVED and c["level"] == "MUST"
                      for c in report["clauses"])
    return "ok" if kind == "conformant" and not waived_must else "partial"


def title(report: Mapping[str, Any]) -> str:
    """The implementation's label (``--label``), else the target."""
    return report.get("label") or report["target"]


def first_text(first: Mapping[str, Any]) -> str:
    """One line for the first failing example of a failure whose shrunk one was answered
    otherwise (a failure's ``first``)."""
    return (f"{observed_text(first['observed'])} (the first failing example, "
            f"input {as_json(first['input'])[:300]})")


def observed_text(observed: Any) -> str:
    """One line for what the target did (a failure's ``observed``)."""
    if not isinstance(observed, Mapping):
        return str(observed)
    if "code" in observed:
        message = observed.get("message")
        text = f"HTTP {observed['status']} {observed['code']}"
        return f"{text}: {message}" if message else text
    if "detail" in observed:
        return f"HTTP {observed.get('status')}: {observed['detail']}"
    return f"HTTP {observed.get('status')} (accepted)"


def spending_text(report: Mapping[str, Any]) -> str | None:
    """One line of what the run spent on its target (``None``: not counted)."""
    spent = report.get("spending")
    if not spent:
        return None
    top = sorted(spent["calls_per_operation"].items(), key=lambda kv: -kv[1])[:4]
    return (f"spent: {spent['calls']} calls ("
            + ", ".join(f"{n} {op}" for op, n in top)
            + (", ..." if len(spent["calls_per_operation"]) > 4 else "")
            + f"), {spent['resources_created']} resources created "
            f"(peak {spent['peak_live_resources']} live), "
            f"{spent['wait_seconds']:.1f} s waiting for a status")


def failure_kind(failure: Mapping[str, Any]) -> str:
    """``crash`` (the adapter or the suite raised), ``suite error`` (not backed by the
    contract) or ``failure`` (the target broke the clause)."""
    if failure.get("crash"):
        return "crash"
    return "suite error" if failure.get("suite_error") else "failure"


def status_text(clause: Mapping[str, Any]) -> str:
    """A clause's status, with what was observed when it was waived."""
    if clause["status"] == outcomes.WAIVED:
        return f"waived (observed: {clause['observed_status']})"
    return clause["status"]


def reasons(clause: Mapping[str, Any]) -> list[str]:
    """Why a clause that was not held against the target got its status."""
    status = clause["observed_status"]
    if status in (outcomes.UNSUPPORTED, outcomes.NOT_APPLICABLE):
        return list(clause.get("reasons") or []) or [LEGEND[status]]
    if status == outcomes.INCOMPLETE:
        return list(clause.get("not_exercised") or []) or [LEGEND[status]]
    if status == outcomes.UNTESTED:
        return ["no test of this run checked it (not selected by --clauses or --replay, "
                "or its tests were skipped)"]
    return []


def by_reason(clauses: list[Mapping[str, Any]]) -> list[tuple[str, list[str]]]:
    """(reason, clause ids) for clauses whose reasons are shared, e.g. one unsupported
    operation: each reason once, in order of first appearance."""
    grouped: dict[str, list[str]] = {}
    for clause in clauses:
        for reason in reasons(clause) or [""]:
            grouped.setdefault(reason, []).append(clause["id"])
    return list(grouped.items())


def repro_path(clause_id: str, suffix: str = "sh", n: int = 1) -> str:
    """The reproduction script of a failed clause's ``n``-th failure (1: ``<clause>.sh``,
    2: ``<clause>.2.sh``), relative to the report directory."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", clause_id) + ("" if n == 1 else f".{n}")
    return f"{REPRO_DIR}/{name}.{suffix}"


def rerun_command(report: Mapping[str, Any], clause_id: str) -> str:
    """The runner's command that runs a clause's tests again as this run did."""
    return shlex.join([*_run_words(report), "--clauses", clause_id])


def run_command(report: Mapping[str, Any], waivers: str = "WAIVERS.json") -> str:
    """The runner's command that makes this run again: its target, profile, seed,
    strictness, readings, example cap and scope (and, for a waived clause, ``--waivers``
    with the file ``waivers`` names)."""
    words = _run_words(report)
    if report.get("label"):
        words += ["--label", report["label"]]
    if report.get("max_examples"):
        words += ["--max-examples", str(report["max_examples"])]
    if report.get("scope") is not None and not report.get("replay_of"):
        words += ["--clauses", ",".join(report["scope"])]
    elif report.get("replay_of"):
        words += ["--replay", report["replay_of"]]
    if report.get("waivers"):
        words += ["--waivers", waivers]
    return shlex.join(words)


def _run_words(report: Mapping[str, Any]) -> list[str]:
    words = ["personalize-conformance", "run", "--target", report["target"]]
    if report.get("endpoint"):
        words += ["--endpoint-url", report["endpoint"]]
    words += ["--profile", report["profile"]]
    if report.get("seed") is not None:
        words += ["--seed", str(report["seed"])]
    if report.get("strict"):
        words.append("--strict")
    if report.get("readings"):
        words += ["--readings", ",".join(f"{k}={v}" for k, v in report["readings"].items())]
    return words


def not_passed(report: Mapping[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The clauses that did not pass, grouped by status (worst first, ``waived`` last)."""
    order = [s for s in outcomes.ORDER if s != outcomes.PASSED] + [outcomes.WAIVED]
    groups = [(s, [c for c in report["clauses"] if c["status"] == s]) for s in order]
    return [(status, clauses) for status, clauses in groups if clauses]


def _failure_text(failure: Mapping[str, Any]) -> str:
    lines = [f"{failure_kind(failure)}: {failure.get('crash') or failure.get('suite_error')}"
             ] if failure_kind(failure) != "failure" else []
    lines += [f"test: {failure['test']}", f"expected: {failure['expected']}",
              f"observed: {observed_text(failure['observed'])}"]
    if failure.get("first"):
        lines.append(f"first: {first_text(failure['first'])}")
    if failure.get("input") is not None:
        lines.append(f"input: {as_json(failure['input'])}")
    repro = failure.get("reproduction")
    if repro:
        lines += ["--- reproduce with the AWS CLI (exit 1: reproduced) ---", repro["cli"].rstrip(),
                  "--- reproduce with boto3 ---", repro["boto3"].rstrip()]
    return "\n".join(lines)


def junit(report: Mapping[str, Any]) -> str:
    """JUnit XML (the Jenkins junit-10 schema): one testcase per clause (classname =
    operation, name = clause id, time = its share of the run); every status that was not
    held against the target is ``<skipped>`` with its reason."""
    report = clean(report)
    clauses = report["clauses"]
    failed = sum(c["status"] == outcomes.FAILED for c in clauses)
    errors = sum(c["status"] == outcomes.ERROR for c in clauses)
    skipped = sum(c["status"] in SKIPPED for c in clauses)
    total_time = f"{sum(c['duration'] for c in clauses):.3f}"
    counts = {"tests": str(len(clauses)), "failures": str(failed), "errors": str(errors),
              "time": total_time}
    root = ET.Element("testsuites", name="personalize-conformance", **counts)
    suite = ET.SubElement(root, "testsuite", name=f"personalize-conformance {title(report)}",
                          timestamp=str(report.get("started") or ""), skipped=str(skipped),
                          **counts)
    props = ET.SubElement(suite, "properties")
    for key, value in [*meta(report), ("verdict", report["verdict"])]:
        ET.SubElement(props, "property", name=key, value=value)
    for clause in clauses:
        case = ET.SubElement(suite, "testcase", classname=clause["operation"],
                             name=clause["id"], time=f"{clause['duration']:.3f}")
        status = clause["status"]
        first = clause["failures"][0] if clause["failures"] else None
        if status == outcomes.FAILED:
            message = (f"expected {first['expected']}; observed "
                       f"{observed_text(first['observed'])}" if first else "failed")
            element = ET.SubElement(case, "failure", message=message, type="ClauseFailure")
            element.text = "\n\n".join(_failure_text(f) for f in clause["failures"])
        elif status == outcomes.ERROR:
            kind = failure_kind(first) if first else "suite error"
            detail = (first.get("crash") or first.get("suite_error") or "") if first else ""
            element = ET.SubElement(case, "error", message=f"{kind}: {detail}",
                                    type="Crash" if kind == "crash" else "SuiteError")
            element.text = "\n\n".join(_failure_text(f) for f in clause["failures"])
        elif status == outcomes.WAIVED:
            ET.SubElement(case, "skipped", type="waived",
                          message=f"waived ({clause['observed_status']} observed): "
                                  f"{clause.get('waiver', '')}")
        elif status in SKIPPED:
            ET.SubElement(case, "skipped", type=status,
                          message=f"{status}: {'; '.join(reasons(clause))}")
        out = ET.SubElement(case, "system-out")
        out.text = (f"{clause['level']} {clause['statement']}\nstatus: {status_text(clause)}; "
                    f"examples: {clause['examples']}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _fence(text: str, lang: str) -> list[str]:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return [f"{ticks}{lang}", text.rstrip("\n"), ticks]


def _md_failure(report: Mapping[str, Any], clause: Mapping[str, Any],
                failure: Mapping[str, Any], n: int = 1) -> list[str]:
    kind = failure_kind(failure)
    lines = [""]
    if kind == "crash":
        lines += [f"- **crash** (the adapter or the suite raised; not a failure of the "
                  f"target): `{_cell(failure['crash'])}`"]
    elif kind == "suite error":
        lines += [f"- **suite error** (not backed by the contract): "
                  f"{_cell(failure['suite_error'])}"]
    lines += [f"- test: `{failure['test']}`", f"- expected: {failure['expected']}",
              f"- observed: {_cell(observed_text(failure['observed']))}"]
    if failure.get("first"):
        lines.append(f"- first observed: {_cell(first_text(failure['first']))}")
    if failure.get("input") is not None:
        lines += ["", "Minimal failing input:", "",
                  *_fence(as_json(failure["input"], indent=2), "json")]
    repro = failure.get("reproduction")
    if repro:
        lines += ["", f"Reproduce with the AWS CLI (`bash {repro_path(clause['id'], n=n)}` in the "
                  "report directory; exit status 1: the deviation is reproduced):", "",
                  *_fence(repro["cli"], "sh"), "", "Reproduce with boto3:", "",
                  *_fence(repro["boto3"], "python"), "",
                  f"Run its tests again: `{rerun_command(report, clause['id'])}`"]
    return lines


def markdown(report: Mapping[str, Any]) -> str:
    """``report.md``: the verdict (MAY clauses named), the run, the legend, the matrix with
    statements, then a section per status that did not pass, with its reasons and
    reproductions."""
    report = clean(report)
    clauses = report["clauses"]
    may = [c for c in clauses if c["level"] == "MAY"]
    lines = [f"# Conformance report: {title(report)}", "",
             f"**Verdict: {report['verdict']}**", "", f"Scope: {scope_text(report)}", ""]
    if may:
        lines += ["Optional (MAY) clauses, not needed for conformance: " + ", ".join(
            f"`{c['id']}` ({status_text(c)})" for c in may) + ".", ""]
    lines += ["| run | |", "| --- | --- |"]
    lines += [f"| {key} | {_cell(value)} |" for key, value in meta(report)]
    counts = ", ".join(f"{v} {k}" for k, v in report["summary"].items() if v)
    lines += [f"| summary | {counts} |", "", "## Statuses", "", "| status | meaning |",
              "| --- | --- |"]
    lines += [f"| {status} | {meaning} |" for status, meaning in LEGEND.items()]
    lines += ["", "## Conformance matrix", "",
              "| clause | statement | level | status | examples tried | duration (s) |",
              "| --- | --- | --- | --- | ---: | ---: |"]
    for c in clauses:
        status = status_text(c)
        if c["status"] in (outcomes.FAILED, outcomes.ERROR):
            status = f"**{status}**"
        lines.append(f"| `{c['id']}` | {_cell(c['statement'])} | {c['level']} | {status} | "
                     f"{c['examples']} | {c['duration']:.2f} |")
    for status, group in not_passed(report):
        meaning = LEGEND[status]
        lines += ["", f"## {status.replace('_', ' ').capitalize()} ({len(group)})", "",
                  meaning[0].upper() + meaning[1:] + "."]
        if status in (outcomes.FAILED, outcomes.ERROR):
            for c in group:
                lines += ["", f"### `{c['id']}` ({c['level']})", "", c["statement"]]
                for n, failure in enumerate(c["failures"], 1):
                    lines += _md_failure(report, c, failure, n)
        elif status == outcomes.WAIVED:
            lines += ["", "| clause | observed | reason |", "| --- | --- | --- |"]
            lines += [f"| `{c['id']}` | {c['observed_status']} | {_cell(c.get('waiver', ''))} |"
                      for c in group]
            for c in (c for c in group if c["failures"]):
                lines += ["", f"### `{c['id']}` ({c['level']}, waived)", "", c["statement"]]
                for n, failure in enumerate(c["failures"], 1):
                    lines += _md_failure(report, c, failure, n)
        else:
            for reason, ids in by_reason(group):
                lines += ["", f"- {_cell(reason)}: " + ", ".join(f"`{i}`" for i in ids)]
    return "\n".join(lines) + "\n"


@cache
def _templates() -> Any:
    """The Jinja2 environment of the package's templates (autoescaped)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("personalize_conformance.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(observed=observed_text, first=first_text, kind=failure_kind,
                       status=status_text, reasons=reasons, md=inline_markdown,
                       tojson_pretty=lambda v: as_json(v, indent=2))
    return env


def template(name: str) -> Any:
    """The package's Jinja2 template ``name`` (autoescaped, with this module's filters)."""
    return _templates().get_template(name)


def html(report: Mapping[str, Any]) -> str:
    """``report.html``: one self-contained page (inline style and script, no network) with
    the verdict, the run, the matrix filterable by operation, level and status, and each
    failure expandable with its reproduction."""
    report = clean(report)
    clauses = report["clauses"]
    return _templates().get_template("report.html.j2").render(
        report=report, title=title(report), meta=meta(report), legend=LEGEND,
        tone=tone(report), scope=scope_text(report), headline=headline(report),
        operations=sorted({c["operation"] for c in clauses}),
        levels=[lv for lv in ("MUST", "SHOULD", "MAY") if any(c["level"] == lv for c in clauses)],
        statuses=[s for s in LEGEND if any(c["status"] == s for c in clauses)],
        groups=not_passed(report), by_reason=by_reason, repro_path=repro_path,
        rerun=lambda clause_id: rerun_command(report, clause_id),
        may=[c for c in clauses if c["level"] == "MAY"])

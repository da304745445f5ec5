"""Render a report (``report.build``'s dict) for people and CI: ``junit.xml`` with one
testcase per clause, and ``report.md`` with the conformance matrix and reproductions."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from personalize_conformance import outcomes

#: Statuses reported as skipped in JUnit: the clause was not held against the target.
SKIPPED = (outcomes.UNSUPPORTED, outcomes.NOT_APPLICABLE, outcomes.UNTESTED, outcomes.WAIVED)

#: Run metadata shown at the top of report.md and as JUnit suite properties, in order.
META = ("target", "endpoint", "profile", "seed", "strict", "suite_version", "contract_digest",
        "botocore", "moto", "python", "started", "finished", "responses_validated",
        "throttling_retries", "cleanup_failures", "replay_of")


def _meta(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The run metadata present in ``report``, as (name, text) in ``META`` order."""
    return [(key, json.dumps(report[key]) if isinstance(report[key], list) else str(report[key]))
            for key in META if report.get(key) not in (None, [])]


def observed_text(observed: Any) -> str:
    """One line for what the target did (a failure's ``observed``)."""
    if not isinstance(observed, Mapping):
        return str(observed)
    if "code" in observed:
        message = observed.get("message")
        text = f"HTTP {observed['status']} {observed['code']}"
        return f"{text}: {message}" if message else text
    return f"HTTP {observed.get('status')} (accepted)"


def _failure_text(failure: Mapping[str, Any]) -> str:
    lines = [*([f"suite error: {failure['suite_error']}"] if failure.get("suite_error") else []),
             f"test: {failure['test']}", f"expected: {failure['expected']}",
             f"observed: {observed_text(failure['observed'])}"]
    if failure.get("input") is not None:
        lines.append(f"input: {json.dumps(failure['input'], default=str)}")
    repro = failure.get("reproduction")
    if repro:
        lines += ["--- reproduce with boto3 ---", repro["boto3"].rstrip(),
                  "--- reproduce with the AWS CLI ---", repro["cli"].rstrip()]
    return "\n".join(lines)


def junit(report: Mapping[str, Any]) -> str:
    """JUnit XML: one testcase per clause (classname = operation, name = clause id)."""
    clauses = report["clauses"]
    failed = sum(c["status"] == outcomes.FAILED for c in clauses)
    skipped = sum(c["status"] in SKIPPED for c in clauses)
    total_time = f"{sum(c['duration'] for c in clauses):.3f}"
    errors = sum(c["status"] == outcomes.ERROR for c in clauses)
    counts = {"tests": str(len(clauses)), "failures": str(failed), "errors": str(errors),
              "skipped": str(skipped), "time": total_time}
    root = ET.Element("testsuites", name="personalize-conformance", **counts)
    suite = ET.SubElement(root, "testsuite", name=f"personalize-conformance {report['target']}",
                          timestamp=str(report.get("started") or ""), **counts)
    props = ET.SubElement(suite, "properties")
    for key, value in [*_meta(report), ("verdict", report["verdict"])]:
        ET.SubElement(props, "property", name=key, value=value)
    for clause in clauses:
        case = ET.SubElement(suite, "testcase", classname=clause["operation"],
                             name=clause["id"], time=f"{clause['duration']:.3f}")
        case_props = ET.SubElement(case, "properties")
        for key in ("level", "status", "observed_status", "examples"):
            ET.SubElement(case_props, "property", name=key, value=str(clause[key]))
        status = clause["status"]
        if status == outcomes.FAILED:
            first = clause["failures"][0] if clause["failures"] else None
            message = (f"expected {first['expected']}; observed "
                       f"{observed_text(first['observed'])}" if first else "failed")
            element = ET.SubElement(case, "failure", message=message, type="ClauseFailure")
            element.text = "\n\n".join(_failure_text(f) for f in clause["failures"])
        elif status == outcomes.ERROR:
            first = clause["failures"][0] if clause["failures"] else None
            message = (f"suite error: {first.get('suite_error', '')}" if first
                       else "suite error")
            element = ET.SubElement(case, "error", message=message, type="SuiteError")
            element.text = "\n\n".join(_failure_text(f) for f in clause["failures"])
        elif status == outcomes.WAIVED:
            ET.SubElement(case, "skipped", message=f"waived ({clause['observed_status']} "
                          f"observed): {clause.get('waiver', '')}")
        elif status in SKIPPED:
            ET.SubElement(case, "skipped", message=status)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _fence(text: str, lang: str) -> list[str]:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return [f"{ticks}{lang}", text.rstrip("\n"), ticks]


def markdown(report: Mapping[str, Any]) -> str:
    """``report.md``: the verdict, the run metadata, the matrix, then each failure."""
    lines = [f"# Conformance report: {report['target']}", "",
             f"**Verdict: {report['verdict']}**", "", "| run | |", "| --- | --- |"]
    lines += [f"| {key} | {_cell(value)} |" for key, value in _meta(report)]
    counts = ", ".join(f"{v} {k}" for k, v in report["summary"].items() if v)
    lines += [f"| summary | {counts} |", "", "## Conformance matrix", "",
              "| clause | level | status | examples tried | duration (s) |",
              "| --- | --- | --- | ---: | ---: |"]
    for c in report["clauses"]:
        status = c["status"]
        if status == outcomes.WAIVED:
            status = f"waived (observed: {c['observed_status']})"
        if c["status"] in (outcomes.FAILED, outcomes.ERROR):
            status = f"**{status}**"
        lines.append(f"| `{c['id']}` | {c['level']} | {status} | {c['examples']} | "
                     f"{c['duration']:.2f} |")
    shown = [c for c in report["clauses"] if c["failures"]]
    if shown:
        lines += ["", "## Failures"]
    for c in shown:
        lines += ["", f"### `{c['id']}` ({c['level']}, {c['status']})", "", c["statement"]]
        if c.get("waiver"):
            lines += ["", f"Waived: {c['waiver']}"]
        for failure in c["failures"]:
            if failure.get("suite_error"):
                lines += ["", f"- suite error (not backed by the contract): "
                          f"{_cell(failure['suite_error'])}"]
            lines += ["", f"- test: `{failure['test']}`",
                      f"- expected: {failure['expected']}",
                      f"- observed: {_cell(observed_text(failure['observed']))}"]
            if failure.get("input") is not None:
                lines += ["", "Minimal failing input:", "",
                          *_fence(json.dumps(failure["input"], indent=2, default=str), "json")]
            repro = failure.get("reproduction")
            if repro:
                lines += ["", "Reproduce with boto3:", "", *_fence(repro["boto3"], "python"),
                          "", "Reproduce with the AWS CLI:", "", *_fence(repro["cli"], "sh")]
    if report.get("waivers"):
        lines += ["", "## Waivers", "", "| clause | reason |", "| --- | --- |"]
        lines += [f"| `{k}` | {_cell(v)} |" for k, v in report["waivers"].items()]
    return "\n".join(lines) + "\n"

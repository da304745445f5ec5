"""``compare REPORT... --out DIR``: one matrix of several reports (``matrix.html``,
self-contained, and ``matrix.md``), as wpt.fyi shows every engine's results per test.

A row per clause, grouped by operation, with its level and statement; a column per report
(its label, the product version when it sits in a bundle, its date, its verdict); each
cell the clause's status there, linked to the failure in that report's report.html; the
totals per column. Reports of different contracts are compared on the clauses they share,
the others listed. For reports of the same target (label, else target and endpoint), in
order of date, each later one against the one before: what newly fails, newly passes and
otherwise changed status.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from personalize_conformance.harness import outcomes
from personalize_conformance.report import product, render

#: A status counted as not passing, for "newly fails" (an unchecked clause is no failure).
FAILING = (outcomes.FAILED, outcomes.ERROR)


class CompareError(ValueError):
    """A report that cannot be read, or an output directory that cannot be written."""


@dataclass
class Column:
    """One report of the matrix."""

    path: Path
    report: dict[str, Any]
    #: The product's name and version, from a bundle's product.yaml.
    version: str | None = None
    product: str | None = None

    @property
    def label(self) -> str:
        """The report's ``--label``, else the bundle's product name, else the target."""
        return self.report.get("label") or self.product or self.report["target"]

    @property
    def identity(self) -> tuple[str, str]:
        """What makes two reports of the same target: its label, else the target (and the
        URL of an ``endpoint`` target; the reference's own servers take any free port)."""
        target = self.report["target"]
        url = self.report.get("endpoint") or "" if target == "endpoint" else ""
        return (self.report.get("label") or target, url)

    @property
    def date(self) -> str:
        return str(self.report.get("finished") or self.report.get("started") or "")

    def statuses(self) -> dict[str, str]:
        return {c["id"]: c["status"] for c in self.report["clauses"]}


def load(argument: str) -> Column:
    """The report a REPORT argument names: a report.json, or a directory holding one (a
    bundle's product.yaml gives the product version)."""
    path = Path(argument)
    path = path / "report.json" if path.is_dir() else path
    try:
        report = render.clean(json.loads(path.read_text(encoding="utf-8")))
        report["clauses"] = [c for c in report["clauses"] if c["id"] and c["status"]]
        if not (isinstance(report["target"], str) and isinstance(report["verdict"], str)):
            raise TypeError
    except OSError as exc:
        raise CompareError(f"cannot read {argument!r}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError):
        raise CompareError(f"{argument!r} is not a report.json of this suite") from None
    described = path.parent / "product.yaml"
    try:
        data = product.parse(described.read_text(encoding="utf-8"))
        return Column(path, report, str(data["version"]), str(data["product"]))
    except (OSError, product.ProductError, KeyError, TypeError):
        return Column(path, report)


def _rows(columns: Sequence[Column], shared: list[str]) -> list[dict[str, Any]]:
    first = {c["id"]: c for col in reversed(columns) for c in col.report["clauses"]}
    by_column = [{c["id"]: c for c in col.report["clauses"]} for col in columns]
    return [{"id": cid, "operation": first[cid]["operation"], "level": first[cid]["level"],
             "statement": first[cid]["statement"],
             "cells": [{"status": mine[cid]["status"], "failed": bool(mine[cid]["failures"]),
                        "observed": mine[cid].get("observed_status")} for mine in by_column]}
            for cid in shared]


def _diff(before: Column, after: Column, shared: set[str]) -> dict[str, Any]:
    old, new = before.statuses(), after.statuses()
    changed = [(cid, old[cid], new[cid]) for cid in sorted(shared) if old[cid] != new[cid]]
    return {"before": before.label + f" ({before.date})", "after": after.label
            + f" ({after.date})",
            "newly_fails": [c for c in changed if c[2] in FAILING and c[1] not in FAILING],
            "newly_passes": [c for c in changed if c[2] == outcomes.PASSED],
            "changed": [c for c in changed if c[2] != outcomes.PASSED
                        and not (c[2] in FAILING and c[1] not in FAILING)]}


def matrix(columns: Sequence[Column]) -> dict[str, Any]:
    """The matrix of ``columns``: rows of the shared clauses (grouped by operation), the
    clauses not in every report, totals per column, and the diffs of same-target runs."""
    ids = [col.statuses() for col in columns]
    order = list(dict.fromkeys(cid for mine in ids for cid in mine))
    shared = [cid for cid in order if all(cid in mine for mine in ids)]
    others = {cid: [col.label for col, mine in zip(columns, ids, strict=True) if cid in mine]
              for cid in order if cid not in shared}
    rows = _rows(columns, shared)
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["operation"], []).append(row)
    totals = [Counter(row["cells"][n]["status"] for row in rows) for n in range(len(columns))]
    same: dict[tuple[str, str], list[Column]] = {}
    for col in columns:
        same.setdefault(col.identity, []).append(col)
    diffs = []
    for runs in same.values():
        runs = sorted(runs, key=lambda c: c.date)
        diffs += [_diff(runs[n - 1], runs[n], set(shared)) for n in range(1, len(runs))]
    return {"groups": groups, "others": others, "totals": totals, "diffs": diffs,
            "digests": sorted({str(col.report.get("contract_digest")) for col in columns})}


def failure_link(column: Column, clause_id: str, out: Path) -> str | None:
    """The link from ``out`` to a clause's failure in the column's report.html, if there."""
    page = column.path.parent / "report.html"
    if not page.is_file():
        return None
    return f"{Path(os.path.relpath(page, out)).as_posix()}#failure-{clause_id}"


def _md_cell(cell: dict[str, Any]) -> str:
    return f"**{cell['status']}**" if cell["status"] in FAILING else cell["status"]


def markdown(columns: Sequence[Column], data: dict[str, Any]) -> str:
    """``matrix.md``: the columns, the matrix by operation, the totals and the diffs."""
    lines = ["# Conformance matrix", "", "| report | version | date | verdict |",
             "| --- | --- | --- | --- |"]
    lines += [f"| {render.printable(c.label)} | {c.version or ''} | {c.date} | "
              f"{c.report['verdict']} |" for c in columns]
    heads = " | ".join(f"{n + 1}. {render.printable(c.label)}" for n, c in enumerate(columns))
    lines += ["", f"| clause | level | {heads} |",
              "| --- | --- | " + " | ".join("---" for _ in columns) + " |"]
    for operation, rows in data["groups"].items():
        lines.append(f"| **{operation}** | | " + " | ".join("" for _ in columns) + " |")
        lines += [f"| `{r['id']}` | {r['level']} | "
                  + " | ".join(_md_cell(cell) for cell in r["cells"]) + " |" for r in rows]
    lines.append("| **totals** | | " + " | ".join(
        ", ".join(f"{n} {s}" for s, n in sorted(t.items())) for t in data["totals"]) + " |")
    if data["others"]:
        lines += ["", f"Not in every report ({len(data['others'])}, contracts "
                  f"{', '.join(d[:12] for d in data['digests'])}):", ""]
        lines += [f"- `{cid}`: in {', '.join(labels)}" for cid, labels in data["others"].items()]
    for diff in data["diffs"]:
        lines += ["", f"## {diff['before']} → {diff['after']}", ""]
        for key, title in (("newly_fails", "Newly fails"), ("newly_passes", "Newly passes"),
                           ("changed", "Changed status")):
            shown = ", ".join(f"`{c}` ({a} → {b})" for c, a, b in diff[key]) or "none"
            lines.append(f"- {title} ({len(diff[key])}): {shown}")
    return "\n".join(lines) + "\n"


def write(arguments: Sequence[str], out: str | Path) -> list[Path]:
    """Write ``matrix.html`` and ``matrix.md`` of the reports into ``out``."""
    columns = [load(a) for a in arguments]
    root = Path(out)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CompareError(f"cannot write to --out {str(out)!r}: {exc.strerror or exc}"
                           ) from None
    data = matrix(columns)
    page = render.template("matrix.html.j2").render(
        columns=columns, data=data, statuses=list(render.LEGEND), legend=render.LEGEND,
        link=lambda col, cid: failure_link(col, cid, root.resolve()),
        statement=render.inline_markdown)
    written = [root / "matrix.html", root / "matrix.md"]
    written[0].write_text(page, encoding="utf-8")
    written[1].write_text(markdown(columns, data), encoding="utf-8")
    return written

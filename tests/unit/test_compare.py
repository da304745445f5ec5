"""``compare``: one matrix of several reports, whose cells are their reports' statuses.

``runs`` makes three real reports once, at the same time (about 20 to 30 s on two busy
cores): the reference, a mutant and the independent implementation, each run on the clause
the mutant breaks; the diffs and a change of contract are checked on edited copies.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import html5lib
import pytest
from lxml import html as lxml_html

from personalize_conformance.run import cli
from tests.independent.server import start, stop

CLAUSE = "DescribeEventTracker.unknownIsNotFound"
MUTANT = "mutant:describe-unknown-as-invalid-input"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("compare")
    server, url = start(port=0, host="127.0.0.1", step=0.02, nodelay=True)
    targets = {"reference": ["--target", "reference"], "mutant": ["--target", MUTANT],
               "independent": ["--target", "endpoint", "--endpoint-url", url,
                               "--label", "independent"]}
    try:
        procs = {name: subprocess.Popen(
            [sys.executable, "-m", "personalize_conformance", "run", *args, "--clauses",
             CLAUSE, "--report-dir", str(base / name)], cwd=base, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True) for name, args in targets.items()}
        for name, proc in procs.items():
            out, _ = proc.communicate(timeout=600)
            assert proc.returncode in (0, 1), (name, out)
    finally:
        stop(server)
    return {name: base / name for name in targets}


def cells(page: Path) -> dict[str, list[str]]:
    """Clause id -> the status text of each column's cell in matrix.html."""
    tree = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    return {row.get("id").removeprefix("clause-"): [
        td.text_content().strip() for td in row.xpath("./td[@data-status]")]
        for row in tree.xpath("//table[@id='matrix']/tbody/tr[@id]")}


def report_of(directory: Path) -> dict:
    return json.loads((directory / "report.json").read_text())


def test_the_matrix_cells_are_the_reports_statuses(runs, tmp_path, capsys):
    order = ["reference", "mutant", "independent"]
    assert cli.main(["compare", *(str(runs[n]) for n in order), "--out",
                     str(tmp_path / "m")]) == 0
    page = tmp_path / "m" / "matrix.html"
    html5lib.HTMLParser(strict=True).parse(page.read_text(encoding="utf-8"))
    shown = cells(page)
    reports = [report_of(runs[n]) for n in order]
    assert shown == {c["id"]: [r_c["status"] for r_c in
                               (next(x for x in r["clauses"] if x["id"] == c["id"])
                                for r in reports)] for c in reports[0]["clauses"]}
    assert shown[CLAUSE] == ["passed", "failed", "passed"]
    tree = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    link = tree.xpath(f"//tr[@id='clause-{CLAUSE}']/td[@data-status='failed']/a/@href")
    assert link == [_relative(tmp_path / "m", runs["mutant"]) + CLAUSE]
    target = (tmp_path / "m" / link[0].split("#")[0]).resolve()
    assert target.is_file() and f'id="failure-{CLAUSE}"' in target.read_text()
    totals = tree.xpath("//tr[@id='totals']/td")
    assert [t.text_content() for t in totals][1].startswith("1 failed")
    markdown = (tmp_path / "m" / "matrix.md").read_text()
    assert f"| `{CLAUSE}` | MUST | passed | **failed** | passed |" in markdown
    assert "| independent |" in markdown and "not conformant" in markdown


def _relative(out: Path, directory: Path) -> str:
    """The link from ``out`` to the failures of the report.html in ``directory``."""
    return Path(os.path.relpath(directory / "report.html", out)).as_posix() + "#failure-"


def test_two_runs_of_one_target_show_what_changed(runs, tmp_path):
    before = report_of(runs["mutant"])
    after = copy.deepcopy(before)
    after["finished"] = "2999-01-01T00:00:00+00:00"
    changed = {c["id"]: c for c in after["clauses"]}
    changed[CLAUSE].update(status="passed", observed_status="passed", failures=[])
    others = [c["id"] for c in before["clauses"] if c["status"] == "untested"][:2]
    changed[others[0]].update(status="failed", observed_status="failed")
    changed[others[1]].update(status="incomplete", observed_status="incomplete")
    (tmp_path / "later.json").write_text(json.dumps(after))
    assert cli.main(["compare", str(runs["mutant"] / "report.json"),
                     str(tmp_path / "later.json"), "--out", str(tmp_path / "m")]) == 0
    markdown = (tmp_path / "m" / "matrix.md").read_text()
    assert f"- Newly fails (1): `{others[0]}` (untested → failed)" in markdown
    assert f"- Newly passes (1): `{CLAUSE}` (failed → passed)" in markdown
    assert f"- Changed status (1): `{others[1]}` (untested → incomplete)" in markdown


def test_reports_of_different_contracts_are_compared_on_the_clauses_they_share(runs,
                                                                                tmp_path):
    other = report_of(runs["reference"])
    other["contract_digest"] = "f" * 64
    dropped = other["clauses"].pop(0)
    other["clauses"].append({**other["clauses"][0], "id": "New.clause", "failures": []})
    (tmp_path / "other.json").write_text(json.dumps(other))
    assert cli.main(["compare", str(runs["reference"]), str(tmp_path / "other.json"),
                     "--out", str(tmp_path / "m")]) == 0
    shown = cells(tmp_path / "m" / "matrix.html")
    assert dropped["id"] not in shown and "New.clause" not in shown
    assert len(shown) == len(other["clauses"]) - 1
    markdown = (tmp_path / "m" / "matrix.md").read_text()
    assert f"- `{dropped['id']}`: in reference\n" in markdown
    assert "- `New.clause`: in reference\n" in markdown


def test_compare_of_no_report_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "x.json").write_text("{}")
    assert cli.main(["compare", str(tmp_path / "x.json"), "--out", str(tmp_path)]) == 2
    assert "is not a report.json of this suite" in capsys.readouterr().err

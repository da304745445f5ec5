"""Conveniences of the runner: --clauses globs, -k, "did you mean", plurals, known failures
under --baseline, and moto-server's endpoint named in the header and report."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from personalize_conformance.contracts import catalog
from personalize_conformance.run import matching
from personalize_conformance.run.options import OptionError
from personalize_conformance.run.session import prepare

IDS = list(catalog().clauses)


def cli(*args: str, cwd, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "personalize_conformance", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=timeout)


def test_globs_choose_clauses_in_catalog_order():
    chosen = matching.expand(["*.maxLength", "PutEvents.eventList.maxItems"], IDS)
    assert "PutEvents.eventList.maxItems" in chosen
    assert all(c.endswith(".maxLength") or c == "PutEvents.eventList.maxItems" for c in chosen)
    assert len(chosen) > 5 and list(chosen) == [i for i in IDS if i in chosen]
    assert set(matching.expand(["PutEvents.*"], IDS)) == {
        i for i in IDS if i.startswith("PutEvents.")}


def test_a_pattern_matching_nothing_names_the_nearest():
    with pytest.raises(ValueError, match=r"did you mean 'PutEvents.eventList.maxItems'"):
        matching.expand(["PutEvents.eventList.maxItem"], IDS)
    with pytest.raises(ValueError, match=r"did you mean '\*.maxLength'"):
        matching.expand(["*.maxLenght"], IDS)


def test_k_expressions_match_words_in_ids():
    kept = matching.keyword("PutEvents and not (maxLength or minLength)", IDS)
    assert kept and all("PutEvents" in i and "Length" not in i for i in kept)
    assert matching.keyword("eventtracker.NAME.maxlength", IDS) == (
        "CreateEventTracker.name.maxLength",)
    for bad in ("and", "(PutEvents", "PutEvents or", "nosuchword"):
        with pytest.raises(ValueError, match="-k"):
            matching.keyword(bad, IDS)


def test_clauses_and_k_together_keep_what_both_keep():
    settings = prepare({"clauses": ("PutEvents.*",), "keyword": "maxLength"},
                       runner=False).settings
    assert settings.clauses and all(c.startswith("PutEvents.") and c.endswith("maxLength")
                                    for c in settings.clauses)
    assert settings.scope == settings.clauses
    with pytest.raises(OptionError, match="keep no clause"):
        prepare({"clauses": ("PutEvents.*",), "keyword": "CreateEventTracker"}, runner=False)


@pytest.mark.parametrize(("args", "suggestion"), [
    (("--taget", "reference"), "did you mean '--target'?"),
    (("--profile", "certfy"), "did you mean 'certify'?"),
    (("--target", "refrence"), "did you mean 'reference'"),
    (("--target", "mutant:eventList-acepts-11"), "did you mean 'mutant:eventList-accepts-11'"),
    (("--clauses", "*.maxLenght"), "did you mean '*.maxLength'?"),
])
def test_a_mistyped_name_gets_did_you_mean_in_one_line(tmp_path, args, suggestion):
    result = cli("run", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert suggestion in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_plurals_and_known_failures():
    assert [matching.plural(n, "waiver") for n in (0, 1, 2)] == [
        "0 waivers", "1 waiver", "2 waivers"]
    report = {"clauses": [{"id": "A", "status": "failed"}, {"id": "B", "status": "failed"},
                          {"id": "C", "status": "passed"}]}
    assert matching.known_failures({"A": "failed", "B": "passed", "C": "failed"}, report) == [
        "A"]
    assert matching.known_failures(None, report) == []


def test_moto_server_is_named_by_its_endpoint(tmp_path):
    result = cli("run", "--target", "moto-server", "--clauses", "CreateEventTracker.name.*",
                 "--report-dir", "out", "--no-progress", cwd=tmp_path, timeout=300)
    assert result.returncode == 3, result.stdout[-2000:] + result.stderr[-2000:]
    endpoint = json.loads((tmp_path / "out" / "report.json").read_text())["endpoint"]
    assert endpoint.startswith("http://127.0.0.1:")
    assert f"endpoint {endpoint} · profile ci" in result.stdout

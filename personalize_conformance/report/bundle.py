"""A bundle: the self-contained folder a ``run --bundle DIR --product FILE`` writes, that a
vendor can publish and anyone can check offline (``verify``).

It holds ``product.yaml`` (as given), the report (``report.json``, ``junit.xml``,
``report.md``, ``report.html``, ``reproduce/``), ``exchanges.har`` (the run's raw
exchanges, ``har``), ``console.log``, ``run.json`` (versions, seed, the command that
reproduces the run, what the HAR covers), a ``README.md`` saying what the bundle is, and
``SHA256SUMS`` over every other file (``sha256sum -c`` reads it too). Only a report
without ``certification.gaps`` is called a certification.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from personalize_conformance.report import certification, har, render
from personalize_conformance.report.document import write as write_report

MANIFEST = "SHA256SUMS"
PRODUCT, HAR, LOG, RUN, README, WAIVERS = (
    "product.yaml", "exchanges.har", "console.log", "run.json", "README.md", "waivers.json")
#: The distributions whose versions a bundle records (beside the suite's and Python's).
DISTRIBUTIONS = ("boto3", "botocore", "hypothesis", "pytest")
#: What each file of a bundle is, for its README.
FILES = {
    PRODUCT: "the implementation: vendor, product, version, url, contact",
    "report.json": "the report (checked by report.schema.json): every clause's status, "
                   "the verdict, the run's metadata",
    "junit.xml": "the report as JUnit XML, one testcase per clause",
    "report.md": "the report in Markdown", "report.html": "the report as one web page",
    "reproduce/": "a boto3 and an AWS CLI reproduction of each failure (if any)",
    HAR: "the run's raw exchanges (HAR 1.2, credentials redacted)",
    LOG: "what the runner printed", WAIVERS: "the run's waivers (if any), for --waivers",
    RUN: "versions, seed, the command that reproduces the "
    "run, what exchanges.har covers", MANIFEST: "the SHA-256 of every other file",
}


def _version(distribution: str) -> str | None:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def versions(report: Mapping[str, Any]) -> dict[str, Any]:
    """The versions a run was made with: the suite's, its contract's digest, Python's and
    its client and test libraries' (moto's too, for a moto target)."""
    found = {"suite": report["suite_version"], "contract_digest": report["contract_digest"],
             "python": report["python"], **{d: _version(d) for d in DISTRIBUTIONS}}
    if str(report.get("target", "")).startswith("moto"):
        found["moto"] = report.get("moto")
    return found


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def files_of(directory: Path) -> list[str]:
    """Every file under ``directory`` but the manifest, as POSIX paths relative to it."""
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*")
                  if p.is_file() and p.relative_to(directory).as_posix() != MANIFEST)


def seal(directory: str | Path) -> Path:
    """Write ``SHA256SUMS`` over every other file of ``directory``, as ``sha256sum`` does."""
    root = Path(directory)
    lines = [f"{sha256(root / name)}  {name}\n" for name in files_of(root)]
    out = root / MANIFEST
    out.write_text("".join(lines), encoding="utf-8")
    return out


def _heading(report: Mapping[str, Any], product: Mapping[str, Any], gaps: list[str]) -> str:
    what = f"{product.get('vendor')} {product.get('product')} {product.get('version')}"
    if not gaps:
        return f"# Certification: {what}"
    return f"# Conformance run of {what} (not a certification)"


def readme(report: Mapping[str, Any], product: Mapping[str, Any], run: Mapping[str, Any]
           ) -> str:
    """The bundle's README: what it is (a certification or not, and why not), its files,
    what its HAR holds, and how to verify and reproduce it."""
    gaps = run["not_a_certification"]
    lines = [_heading(report, product, gaps), "", f"**Verdict: {report['verdict']}**", "",
             f"- target: `{report['target']}`"
             + (f" at {report['endpoint']}" if report.get("endpoint") else " (in-process)"),
             f"- run: {report.get('started')} to {report.get('finished')}, profile "
             f"`{report['profile']}`, seed `{report.get('seed')}`",
             f"- product: {product.get('url')}; contact: {product.get('contact')}", ""]
    if gaps:
        lines += ["This bundle is no certification. A certification is a `certify` run of "
                  "the whole catalog, every MUST clause passed and none waived; here:", "",
                  *(f"- {gap}" for gap in gaps)]
    else:
        lines += ["This bundle is a certification: a `certify` run of the whole catalog "
                  f"(contract {report['contract_digest'][:12]}), every MUST clause passed, "
                  "none waived."]
    lines += ["", "## Files", "", "| file | holds |", "| --- | --- |",
              *(f"| `{name}` | {text} |" for name, text in FILES.items()), "",
              f"## What {HAR} holds", "", f"{run['exchanges']['entries']} exchanges: "
              f"{run['exchanges']['covers']}. Bodies are exact; the Authorization and "
              "X-Amz-Security-Token headers (and any signature in a URL) are redacted.", "",
              "## Verify", "", "Offline, with the suite version that made it "
              f"(`pip install personalize-conformance=={report['suite_version']}`):", "",
              "```sh", "personalize-conformance verify .", "sha256sum -c SHA256SUMS", "```",
              "", "## Reproduce", "", "```sh", run["command"], "```", ""]
    return "\n".join(lines)


def write(directory: str | Path, report: Mapping[str, Any], *, product_file: str | Path,
          product: Mapping[str, Any], covers: str, console_log: str,
          command: str | None = None) -> Path:
    """Write the bundle of a run into ``directory`` (its journals, if any, become the HAR
    and are removed); the path of its manifest."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    entries = har.write(root, root / HAR, covers)
    shutil.rmtree(root / har.JOURNAL_DIR, ignore_errors=True)
    report = {**report, "exchanges": entries}
    write_report(report, root)
    shutil.copyfile(product_file, root / PRODUCT)
    (root / LOG).write_text(console_log, encoding="utf-8")
    if report.get("waivers"):  # as --waivers reads them, for the command below
        (root / WAIVERS).write_text(json.dumps({"waivers": [
            {"clause": c, "reason": r} for c, r in report["waivers"].items()]}, indent=2)
            + "\n", encoding="utf-8")
    run = {"seed": report.get("seed"),
           "command": command or render.run_command(report, WAIVERS),
           "versions": versions(report),
           "exchanges": {"file": HAR, "entries": entries, "covers": covers},
           "not_a_certification": certification.gaps(report)}
    (root / RUN).write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
    (root / README).write_text(readme(report, product, run), encoding="utf-8")
    return seal(root)

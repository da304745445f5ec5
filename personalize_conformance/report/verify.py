"""``verify DIR``: check a bundle offline, one line per problem (none: it holds).

The manifest matches every file (none edited, missing or added); ``product.yaml`` and
``report.json`` are valid against their shipped schemas; the report is a certification
(``certification.gaps``: the known contract, the ``certify`` profile, every MUST clause
present and passed) and agrees with itself (``certification.inconsistencies``); its HAR
is a HAR 1.2 file with no credential left, holding as many exchanges as the report says
(and no fewer than the answers it judged on the wire).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema

from personalize_conformance.report import bundle, certification, har, product
from personalize_conformance.report.document import schema as report_schema

_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")
#: The most schema errors a file gets a line each for.
MOST_ERRORS = 10


def manifest(root: Path) -> list[str]:
    """Where ``SHA256SUMS`` and the files disagree."""
    path = root / bundle.MANIFEST
    if not path.is_file():
        return [f"{bundle.MANIFEST} is missing: the files cannot be checked"]
    listed: dict[str, str] = {}
    found = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = _LINE.match(line)
        if match is None or match[2].startswith("/") or ".." in match[2].split("/"):
            found.append(f"{bundle.MANIFEST} line {n} is not '<sha256>  <file in the bundle>'")
            continue
        listed[match[2]] = match[1]
    for name, digest in listed.items():
        file = root / name
        if not file.is_file():
            found.append(f"{name} is in {bundle.MANIFEST} but missing")
        elif bundle.sha256(file) != digest:
            found.append(f"{name} does not match {bundle.MANIFEST} (changed after the bundle "
                         "was written)")
    found += [f"{name} is not in {bundle.MANIFEST}" for name in bundle.files_of(root)
              if name not in listed]
    return found


def _read(root: Path, name: str, parse: Any) -> tuple[Any, list[str]]:
    """(the parsed file, or None; the problem reading it)."""
    path = root / name
    if not path.is_file():
        return None, [f"{name} is missing"]
    try:
        return parse(path.read_text(encoding="utf-8")), []
    except (ValueError, product.ProductError) as exc:
        return None, [f"{name} cannot be read: {' '.join(str(exc).split())[:200]}"]


def _schema_errors(name: str, data: Any, schema: dict) -> list[str]:
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(data),
                    key=lambda e: list(map(str, e.absolute_path)))
    lines = [f"{name} is not valid against its schema at "
             f"{'/'.join(map(str, e.absolute_path)) or 'top level'}: {e.message[:200]}"
             for e in errors[:MOST_ERRORS]]
    if len(errors) > MOST_ERRORS:
        lines.append(f"{name}: and {len(errors) - MOST_ERRORS} more schema errors")
    return lines


def _exchanges(root: Path, report: Any) -> list[str]:
    """The HAR against the report: its shape and credentials, then its count."""
    path = root / bundle.HAR
    if not path.is_file():
        return [f"{bundle.HAR} is missing"]
    try:
        held, found = har.scan(path)
    except ValueError as exc:
        return [f"{bundle.HAR} cannot be read: {' '.join(str(exc).split())[:200]}"]
    found = [f"{bundle.HAR} {p}" for p in found]
    if found or not isinstance(report, dict):
        return found
    said = report.get("exchanges")
    if not isinstance(said, int):
        return [f"report.json does not say how many exchanges {bundle.HAR} holds"]
    if held != said:
        found.append(f"{bundle.HAR} holds {held} exchanges, report.json says {said}")
    judged = re.match(r"^(\d+) of", str(report.get("responses_validated") or ""))
    if judged and held < int(judged[1]):
        found.append(f"{bundle.HAR} holds {held} exchanges, fewer than the {judged[1]} "
                     "answers the run judged on the wire")
    return found


def problems(directory: str | Path) -> list[str]:
    """Every problem of the bundle in ``directory``, one line each (none: it holds)."""
    root = Path(directory)
    found = manifest(root)
    described, unread = _read(root, bundle.PRODUCT, product.parse)
    found += unread
    if described is not None or not unread:
        found += [f"{bundle.PRODUCT}: {p}" for p in product.problems(described)]
    report, unread = _read(root, "report.json", json.loads)
    found += unread
    if report is not None:
        found += _schema_errors("report.json", report, report_schema())
    if isinstance(report, dict):
        found += [f"not a certification: {gap}" for gap in certification.gaps(report)]
        found += [f"report.json: {line}" for line in certification.inconsistencies(report)]
    return found + _exchanges(root, report)


def summary(directory: str | Path) -> str:
    """One line for a bundle that holds: whose certification, of what, with what verdict."""
    root = Path(directory)
    described = product.parse((root / bundle.PRODUCT).read_text(encoding="utf-8"))
    report = json.loads((root / "report.json").read_text(encoding="utf-8"))
    return (f"certification of {described['vendor']} {described['product']} "
            f"{described['version']} (target {report['target']}, contract "
            f"{report['contract_digest'][:12]}): {report['verdict']}")

"""Portable vectors: the suite's fixed tier as JSON a vendor can replay without Python.

For every shape clause with a mutation operator: one *invalid* vector (a request that
breaks that clause alone, found deterministically by ``fixed_cases``) and
one *boundary* vector (the same request with the broken value brought back to the bound,
which every reading accepts). Bodies are as botocore puts them on the wire. Values that
name a resource of the target (a tracking ID, an ARN) are schema-valid stand-ins listed in
``fill``: replace them with a resource created on the target before sending.
A clause on a member that itself names a resource (an ARN, a tracking ID) or that only the
service can issue (a nextToken) gets no boundary vector: at its bound it names nothing on
the target.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from . import __version__
from .contracts import Clause, catalog, digest, operations, service_of
from .strategies import boundary_for, violations_of
from .strategies.invalid import fixed, shape_clauses, supported, wire_unbreakable
from .strategies.wire import as_sent, service_model

FORMAT = "personalize-conformance-vectors/1"

#: Request members that name a resource of the target: a stand-in, and what replaces it.
STAND_INS: dict[str, tuple[str, str]] = {
    "trackingId": ("00000000-0000-0000-0000-000000000000",
                   "the trackingId of an ACTIVE event tracker on the target"),
    "datasetGroupArn": ("arn:aws:personalize:us-east-1:000000000000:dataset-group/stand-in",
                        "the ARN of an ACTIVE dataset group on the target"),
    "eventTrackerArn": ("arn:aws:personalize:us-east-1:000000000000:event-tracker/stand-in",
                        "the ARN of an ACTIVE event tracker on the target"),
}


#: Request members only the service can issue: left out of the boundary (accepted) vectors.
ISSUED = ("nextToken",)


def http_of(operation: str) -> dict[str, Any]:
    """How ``operation`` goes on the wire: service, signing name, method, path, headers."""
    model = service_model(service_of(operation))
    meta = model.metadata
    http = model.operation_model(operation).http
    if meta["protocol"] == "json":
        headers = {"Content-Type": f"application/x-amz-json-{meta['jsonVersion']}",
                   "X-Amz-Target": f"{meta['targetPrefix']}.{operation}"}
    else:
        headers = {"Content-Type": "application/json"}
    return {"service": service_of(operation), "signing_name": meta["signingName"],
            "method": http["method"], "path": http["requestUri"], "headers": headers}


def _bound(clause: Clause) -> tuple[str, Any]:
    """The keyword of a clause, and the value its schema location holds."""
    file, _, location = clause.schema.partition("#")  # type: ignore[union-attr]
    node: Any = _schema_node(file)
    for part in (p for p in location.split("/") if p):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return clause.keyword, node


@cache
def _schema_node(file: str) -> Any:
    from .contracts import schema

    return schema(file)


@dataclass(frozen=True)
class FixedCase:
    """One request of a clause's fixed tier: ``valid`` ones every reading accepts."""

    valid: bool
    request: dict[str, Any]
    description: str


def fixed_cases(clause: Clause, pinned: Mapping[str, Any]) -> list[FixedCase]:
    """The fixed tier of one shape clause, from the strategies' fixed vectors: the first
    deterministic violation of it (alone, or with the clauses it entails) and the requests
    just inside its bound. Raises what the strategies raise."""
    cases = fixed(violations_of(clause, pinned), 1)
    if not cases:
        raise ValueError("no violation survives the wire")
    case = cases[0]
    keyword, bound = _bound(clause)
    where = "/" + "/".join(str(p) for p in case.path)
    out = [FixedCase(False, case.request, f"{where} breaks {keyword} {_show(bound)}")]
    out += [FixedCase(True, request, f"{where} just inside {keyword} {_show(bound)}")
            for request in boundary_for(clause, pinned)[:1]]
    return out


def _show(bound: Any) -> str:
    return bound if isinstance(bound, str) else json.dumps(bound)


def _vectors(clause: Clause) -> list[dict[str, Any]]:
    properties = _schema_node(operations()[clause.operation]["request"]).get("properties", {})
    subject = clause.schema.partition("#/properties/")[2].split("/")[0]  # type: ignore[union-attr]
    if clause.keyword == "required" and "#/required/" in clause.schema:  # type: ignore[operator]
        subject = _bound(clause)[1]  # the member a top-level required clause names
    pinned = {k: v for k, (v, _) in STAND_INS.items() if k in properties and k != subject}
    common = {"clause": clause.id, "level": clause.level, "operation": clause.operation,
              "fill": {f"/{k}": STAND_INS[k][1] for k in pinned}}
    rejected = {"status": clause.expected["status"], "errors": list(clause.expected["errors"])}
    # At its bound, a member naming a resource names none on the target, and what a target
    # answers to that is not this clause's business: such clauses export no boundary vector.
    names_one = subject in STAND_INS or subject.endswith("Arn") or subject in ISSUED
    return [{**common, "id": f"{clause.id}:{'boundary' if case.valid else 'invalid'}",
             "valid": case.valid, "description": case.description,
             "body": as_sent(clause.operation, _without_issued(case) if case.valid
                                 else case.request),
             "expected": {"status": 200, "errors": []} if case.valid else rejected}
            for case in fixed_cases(clause, pinned) if not (case.valid and names_one)]


def _without_issued(case: FixedCase) -> dict[str, Any]:
    return {k: v for k, v in case.request.items() if k not in ISSUED}


@cache
def _built() -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    files: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    for clause in shape_clauses():
        if wire_unbreakable(clause):
            skipped[clause.id] = "botocore cannot put a violation of it on the wire"
            continue
        if not supported(clause):
            skipped[clause.id] = "no mutation operator for this keyword"
            continue
        try:
            vectors = _vectors(clause)
        except Exception as exc:  # the strategies cannot build it: the index says why
            skipped[clause.id] = f"{type(exc).__name__}: {exc}"[:200]
            continue
        entry = files.setdefault(clause.operation, {
            "format": FORMAT, "suite_version": __version__, "contract_digest": digest(),
            "operation": clause.operation, "http": http_of(clause.operation), "vectors": [],
        })
        entry["vectors"] += vectors
    return files, skipped


def build() -> dict[str, dict[str, Any]]:
    """Operation -> its vector file (JSON data; shared, do not modify)."""
    return _built()[0]


def not_exported() -> dict[str, str]:
    """Shape clause id -> why it has no vectors."""
    return _built()[1]


def export(directory: str | Path) -> list[Path]:
    """Write ``<Operation>.json`` per operation and ``index.json`` into ``directory``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    built = build()
    for operation, data in sorted(built.items()):
        path = out / f"{operation}.json"
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    index = {
        "format": FORMAT, "suite_version": __version__, "contract_digest": digest(),
        "files": [p.name for p in written],
        "vectors": sum(len(d["vectors"]) for d in built.values()),
        "not_exported": dict(sorted(not_exported().items())),
        "clauses": len(catalog()),
    }
    (out / "index.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return [*written, out / "index.json"]


def check(vector: Mapping[str, Any]) -> list[str]:
    """The catalog pointers at which the vector's body fails its request schema."""
    from .contracts import pointer, validator

    file = operations()[vector["operation"]]["request"]
    return sorted({pointer(e, file) for e in validator(file).iter_errors(vector["body"])})

"""Portable vectors: the suite's fixed tier as JSON a vendor can replay without Python.

For every shape clause with a mutation operator: one *invalid* vector (the smallest request
that breaks that clause alone, found deterministically with ``strategies.violations``) and
one *boundary* vector (the same request with the broken value brought back to the bound,
which every reading accepts). Bodies are as botocore puts them on the wire. Values that
name a resource of the target (a tracking ID, an ARN) are schema-valid stand-ins listed in
``fill``: replace them with a resource created on the target before sending.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
from hypothesis import HealthCheck, find, settings

from . import __version__
from .contracts import Clause, catalog, digest, operations, service_of
from .strategies import violations
from .strategies.invalid import shape_clauses, supported
from .strategies.wire import on_the_wire

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

_FIND = settings(database=None, derandomize=True, max_examples=200, deadline=None,
                 suppress_health_check=list(HealthCheck))


@cache
def _model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def http_of(operation: str) -> dict[str, Any]:
    """How ``operation`` goes on the wire: service, signing name, method, path, headers."""
    model = _model(service_of(operation))
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
    """The keyword a clause's schema location names, and its value."""
    file, _, location = clause.schema.partition("#")  # type: ignore[union-attr]
    node: Any = _schema_node(file)
    for part in (p for p in location.split("/") if p):
        node = node[part]
    return location.rsplit("/", 1)[-1], node


@cache
def _schema_node(file: str) -> Any:
    from .contracts import schema

    return schema(file)


def _within(keyword: str, bound: Any, old: Any, new: Any) -> Any:
    """The broken value brought back to exactly the bound."""
    if keyword in ("maximum", "minimum"):
        return bound
    longest = old if len(old) >= len(new) else new
    return longest[:bound]


def _set(request: dict[str, Any], path: tuple, value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(request))
    holder = copy
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
    return copy


def _vectors(clause: Clause) -> list[dict[str, Any]]:
    properties = _schema_node(operations()[clause.operation]["request"]).get("properties", {})
    subject = clause.schema.partition("#/properties/")[2].split("/")[0]  # type: ignore[union-attr]
    pinned = {k: v for k, (v, _) in STAND_INS.items() if k in properties and k != subject}
    case = find(violations(clause.operation, pinned, clause.id), lambda _: True, settings=_FIND)
    keyword, bound = _bound(clause)
    fill = {f"/{k}": STAND_INS[k][1] for k in pinned}
    common = {"clause": clause.id, "level": clause.level, "operation": clause.operation,
              "fill": fill}
    where = "/" + "/".join(str(p) for p in case.path)
    return [
        {**common, "id": f"{clause.id}:invalid", "valid": False,
         "description": f"{where} breaks {keyword} {bound}",
         "body": on_the_wire(clause.operation, case.request),
         "expected": {"status": clause.expected["status"],
                      "errors": list(clause.expected["errors"])}},
        {**common, "id": f"{clause.id}:boundary", "valid": True,
         "description": f"{where} exactly at {keyword} {bound}",
         "body": on_the_wire(clause.operation,
                             _set(case.request, case.path,
                                  _within(keyword, bound, case.old, case.new))),
         "expected": {"status": 200, "errors": []}},
    ]


@cache
def build() -> dict[str, dict[str, Any]]:
    """Operation -> its vector file (JSON data; shared, do not modify)."""
    files: dict[str, dict[str, Any]] = {}
    for clause in shape_clauses():
        if not supported(clause):
            continue
        entry = files.setdefault(clause.operation, {
            "format": FORMAT, "suite_version": __version__, "contract_digest": digest(),
            "operation": clause.operation, "http": http_of(clause.operation), "vectors": [],
        })
        entry["vectors"] += _vectors(clause)
    return files


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
        "not_exported": sorted(c.id for c in shape_clauses() if not supported(c)),
        "clauses": len(catalog()),
    }
    (out / "index.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return [*written, out / "index.json"]


def check(vector: Mapping[str, Any]) -> list[str]:
    """The catalog pointers at which the vector's body fails its request schema."""
    from .contracts import pointer, validator

    file = operations()[vector["operation"]]["request"]
    return sorted({pointer(e, file) for e in validator(file).iter_errors(vector["body"])})

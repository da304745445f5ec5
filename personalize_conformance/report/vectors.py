"""Portable vectors: the suite's fixed tier as JSON a vendor can replay without Python.

For every shape clause with a mutation operator: one *invalid* vector (a request that
breaks that clause alone, found deterministically by ``fixed_cases``) and
one *boundary* vector (the same request with the broken value brought back to the bound,
which every reading accepts). Bodies are as botocore puts them on the wire. Values that
name a resource of the target (a tracking ID, an ARN) are schema-valid stand-ins listed in
``fill``: replace them with a resource created on the target before sending (the
contract annotates such members, ``x-resource``: :func:`contracts.resource_members`).
A clause on a member that itself names a resource (an ARN, a tracking ID:
:func:`contracts.names_resource`) or that only the service can issue (a nextToken:
:func:`contracts.issued_by_service`) gets no boundary vector: at its bound it names
nothing on the target.

``Protocol.json`` holds the protocol clauses' cases as raw HTTP exchanges (:func:`protocol`):
for each malformed request a clause says the service must refuse, and each request boto3
never sends that it must serve, the request as bytes (method, path, headers, body; sign it
with SigV4 before sending) and the answer expected (``or_served``, ``or_readings``: the
answers the register also allows outside --strict; a body that is no JSON has its stand-in
replaced as text, ``replace``, instead of by pointer, ``fill``);
and the rules every answer must keep (the response clauses, with their ``wire`` facts).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from personalize_conformance import __version__
from personalize_conformance.contracts import (
    RAW_OPERATIONS,
    Clause,
    broken_at,
    catalog,
    digest,
    issued_by_service,
    names_resource,
    request_schema,
    resource_members,
    service_model,
    service_of,
    shape_clauses,
)
from personalize_conformance.strategies import (
    as_sent,
    boundary_for,
    fixed,
    supported,
    violations_of,
    wire_unbreakable,
)

FORMAT = "personalize-conformance-vectors/1"
PROTOCOL_FORMAT = "personalize-conformance-protocol-vectors/1"
PROTOCOL_FILE = "Protocol.json"
#: What a vendor does to a raw exchange's request before sending it.
SIGNING = ("Sign each request with AWS Signature Version 4 (service: its signing_name; your "
           "region and credentials) after its headers and body are set as given; a header "
           "given as null is left out.")


def fill_text(annotation: Mapping[str, str]) -> str:
    """What replaces a stand-in, from its member's ``x-resource`` annotation: "the
    trackingId of an ACTIVE event tracker on the target"."""
    kind = annotation["kind"].replace("-", " ")
    return f"the {annotation['attribute']} of an ACTIVE {kind} on the target"


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
    keyword, bound = clause.keyword, clause.location.bound  # type: ignore[union-attr]
    where = "/" + "/".join(str(p) for p in case.path)
    out = [FixedCase(False, case.request, f"{where} breaks {keyword} {_show(bound)}")]
    out += [FixedCase(True, request, f"{where} just inside {keyword} {_show(bound)}")
            for request in boundary_for(clause, pinned)[:1]]
    return out


def _show(bound: Any) -> str:
    return bound if isinstance(bound, str) else json.dumps(bound)


def _vectors(clause: Clause) -> list[dict[str, Any]]:
    operation = clause.operation
    subject = clause.location.subject  # type: ignore[union-attr]
    stand_ins = {k: v for k, v in resource_members(operation).items() if k != subject}
    pinned = {k: v["stand-in"] for k, v in stand_ins.items()}
    common = {"clause": clause.id, "level": clause.level, "operation": operation,
              "fill": {f"/{k}": fill_text(v) for k, v in stand_ins.items()}}
    # the default mode's outcome: where the member names a resource or only the service
    # issues it, a violation names nothing either, and that error is accepted too
    expected = clause.expected_for(strict=False)
    rejected = {"status": expected["status"], "errors": list(expected["errors"])}
    # At its bound, a member naming a resource names none on the target, and what a target
    # answers to that is not this clause's business: such clauses export no boundary vector.
    issued = issued_by_service(operation)
    names_one = subject in names_resource(operation) or subject in issued
    return [{**common, "id": f"{clause.id}:{'boundary' if case.valid else 'invalid'}",
             "valid": case.valid, "description": case.description,
             "body": as_sent(operation, _without(issued, case) if case.valid
                                 else case.request),
             "expected": {"status": 200, "errors": []} if case.valid else rejected}
            for case in fixed_cases(clause, pinned) if not (case.valid and names_one)]


def _without(members: tuple[str, ...], case: FixedCase) -> dict[str, Any]:
    return {k: v for k, v in case.request.items() if k not in members}


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


def _raw_body(operation: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A valid body of ``operation`` and its ``fill`` (the resource members to replace)."""
    if operation != "PutEvents":
        return {}, {}
    stand_ins = resource_members(operation)
    body = {"trackingId": stand_ins["trackingId"]["stand-in"], "sessionId": "pc-session",
            "eventList": [{"eventType": "click", "sentAt": 1700000000}]}
    return body, {"/trackingId": fill_text(stand_ins["trackingId"])}


def _exchange(clause: Clause, operation: str, body: bytes, headers: Mapping[str, Any],
              index: int, fill: Mapping[str, str], *, or_served: bool = False
              ) -> dict[str, Any]:
    http = http_of(operation)
    expected = clause.expected_for(strict=False)
    text = body.decode("utf-8", "replace")
    return {
        "id": f"{clause.id}:{http['service']}:{index}", "clause": clause.id,
        "level": clause.level, "statement": clause.statement, "operation": operation,
        "service": http["service"], "signing_name": http["signing_name"], "fill": dict(fill),
        "request": {"method": http["method"], "path": http["path"],
                    "headers": {**http["headers"], **headers}, "body": text,
                    "body_base64": base64.b64encode(body).decode()},
        "expected": {"status": expected["status"], "errors": list(expected["errors"]),
                     "or_served": or_served},
    }


def _cases(clause: Clause) -> list[dict[str, Any]]:
    """A clause's ``cases`` (requests boto3 never sends) as exchanges: ``$sentAt`` a fixed
    time, ``$trackingId`` the stand-in, to fill in by its pointer when the body is JSON, by
    replacing the stand-in's text (``replace``) when it is not; ``or_readings``: the
    answers the clause's register entry also allows outside --strict."""
    from personalize_conformance.contracts import wire

    entry = catalog().ambiguities.get(clause.ambiguity or "")
    also = [dict(r.outcome) for r in entry.readings if r.outcome] if entry else []
    out = []
    for index, case in enumerate(wire(clause.id).get("cases", ())):
        stand_in = resource_members("PutEvents")["trackingId"]
        text = case["body"].replace("$sentAt", "1700000000")
        fill: dict[str, str] = {}
        if "$trackingId" in text:
            fill = {"/trackingId": fill_text(stand_in)}
            text = text.replace("$trackingId", stand_in["stand-in"])
        exchange = _exchange(clause, case["operation"], text.encode(), case.get("headers", {}),
                             index, fill, or_served=any(o["status"] == 200 for o in also))
        exchange["expected"]["or_readings"] = also
        try:
            json.loads(text)
        except ValueError:
            exchange["replace"] = {stand_in["stand-in"]: exchange.pop("fill").get(
                "/trackingId", "")} if fill else {}
            exchange["fill"] = {}
        out.append(exchange)
    return out


def protocol() -> dict[str, Any]:
    """The protocol clauses as raw HTTP exchanges (``Protocol.json``; JSON data)."""
    from personalize_conformance.contracts import wire
    from personalize_conformance.harness.wire_judging import RESPONSE_CLAUSES

    exchanges = []
    for clause in (c for c in catalog() if c.kind == "protocol"
                   and c.id not in RESPONSE_CLAUSES):
        facts = wire(clause.id)
        for proto in facts["protocols"]:
            operation = RAW_OPERATIONS[proto]
            valid, fill = _raw_body(operation)
            if "bodies" in facts:
                cases = [(b.encode("latin-1"), {}) for b in facts["bodies"]]
                fill = {}
            elif "targets" in facts:
                cases = [(b"{}", {"X-Amz-Target": target}) for target in facts["targets"]]
            elif "content_type" in facts:
                cases = [(json.dumps(valid).encode(), {"Content-Type": facts["content_type"]})]
            elif "cases" in facts:
                continue  # below, each case with its own operation
            else:  # the request without X-Amz-Target
                cases = [(b"{}", {"X-Amz-Target": None})]
            exchanges += [_exchange(clause, operation, body, headers, i, fill,
                                    or_served=clause.ambiguity is not None)
                          for i, (body, headers) in enumerate(cases)]
    exchanges += [exchange for clause in catalog() if clause.kind == "protocol"
                  for exchange in _cases(clause)]
    responses = [{"clause": c, "level": catalog()[c].level,
                  "statement": catalog()[c].statement, "wire": dict(wire(c))}
                 for c in RESPONSE_CLAUSES]
    return {"format": PROTOCOL_FORMAT, "suite_version": __version__,
            "contract_digest": digest(), "signing": SIGNING, "exchanges": exchanges,
            "responses": responses}


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
    raw = protocol()
    (out / PROTOCOL_FILE).write_text(json.dumps(raw, indent=2, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    index = {
        "format": FORMAT, "suite_version": __version__, "contract_digest": digest(),
        "files": [p.name for p in written],
        "protocol": {"file": PROTOCOL_FILE, "exchanges": len(raw["exchanges"]),
                     "responses": len(raw["responses"])},
        "vectors": sum(len(d["vectors"]) for d in built.values()),
        "not_exported": dict(sorted(not_exported().items())),
        "clauses": len(catalog()),
    }
    (out / "index.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return [*written, out / PROTOCOL_FILE, out / "index.json"]


def check(vector: Mapping[str, Any]) -> list[str]:
    """The catalog pointers at which the vector's body fails its request schema."""
    return sorted(broken_at(request_schema(vector["operation"]), vector["body"]))

"""The wire protocols' facts, as the protocol clauses state them (their ``wire`` entries):
which protocol an operation speaks, its content type, and where an error answer names its
code (the places a client may read, in the order the register's default reading takes)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

import botocore.session

from personalize_conformance.contracts.files import service_of
from personalize_conformance.contracts.model import catalog

CODE_CLAUSE = "Protocol.error.code"
#: An operation of each protocol, to send raw (malformed) requests of that protocol as.
RAW_OPERATIONS: Mapping[str, str] = MappingProxyType(
    {"json": "ListEventTrackers", "rest-json": "PutEvents"})


def wire(clause_id: str) -> Mapping[str, Any]:
    """A protocol clause's ``wire`` facts."""
    return catalog()[clause_id].extra["wire"]


@cache
def service_model(service: str) -> Any:
    """botocore's model of ``service`` (made once): its ``metadata`` (``protocol``,
    ``targetPrefix``...) and operation models."""
    return botocore.session.get_session().get_service_model(service)


def protocol_of(operation: str) -> str:
    """``json`` or ``rest-json``: the protocol ``operation``'s service speaks."""
    return service_model(service_of(operation)).metadata["protocol"]


def media_type(value: str | None) -> str:
    """A Content-Type's media type, lower-cased, parameters dropped (``""`` for none)."""
    return (value or "").split(";", 1)[0].strip().lower()


def sanitize(value: str) -> str:
    """An error type as the protocols say clients read it: the part before the first
    ':', then the part after the first '#'."""
    value = value.split(":", 1)[0]
    return value.split("#", 1)[1] if "#" in value else value


def json_body(body: bytes) -> Any:
    """The body as JSON (``None`` for an empty body; ``ValueError`` if it is not JSON)."""
    text = body.decode("utf-8")
    return json.loads(text) if text.strip() else None


def error_codes(protocol: str, headers: Mapping[str, str], body: bytes
                ) -> list[tuple[str, str]]:
    """Every (place, sanitized code) an error answer gives, in the order the protocol
    recommends: ``__type`` first for AWS JSON 1.1, the X-Amzn-Errortype header first for
    restJson1 (reading ``protocol-place`` of the register)."""
    facts = wire(CODE_CLAUSE)
    lowered = {k.lower(): v for k, v in headers.items()}
    found: list[tuple[str, str]] = []
    header = lowered.get(facts["header"])
    if isinstance(header, str) and header.strip():
        found.append((facts["header"], sanitize(header.strip())))
    try:
        parsed = json_body(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        for name in facts["body_fields"]:
            if isinstance(parsed.get(name), str) and parsed[name].strip():
                found.append((name, sanitize(parsed[name].strip())))
    if protocol == "json":
        found.sort(key=lambda place: place[0] != "__type")
    return found


def error_code(protocol: str, headers: Mapping[str, str], body: bytes) -> str:
    """The error code a client reads (the first place of :func:`error_codes`; ``""``)."""
    codes = error_codes(protocol, headers, body)
    return codes[0][1] if codes else ""

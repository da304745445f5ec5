"""The two wire protocols in front of the reference service.

personalize: AWS JSON 1.1, ``POST /`` with ``X-Amz-Target: AmazonPersonalize.<Operation>``;
errors as ``{"__type": code, "message": ...}`` (and the ``X-Amzn-ErrorType`` header under
the reading ``protocol-place`` of ``Protocol.error.codeInHeaderAndBody``).
personalize-events: REST-JSON, ``POST /events``; errors with the ``X-Amzn-ErrorType``
header and a ``{"message": ...}`` body.
A request with another Content-Type is refused (415) under the reading ``reject`` of
``Protocol.request.contentType``, read as JSON under ``lenient``; an X-Amz-Target naming
no operation is UnknownOperationException (400), a body that is no JSON object
SerializationException (400), under the reading ``smithy-errors`` of
``Protocol.request.refusal`` (``other-client-error``: 404, and InvalidInputException);
every answer has ``x-amzn-RequestId``. A request is served in the region its SigV4
credential scope names (``Authorization: AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/...``).

The body is read as Smithy's JSON deserializers read it (:func:`read_body`): strict JSON
(no ``NaN`` literal), a ``null`` member of a structure as absent, the strings ``NaN``,
``Infinity`` and ``-Infinity`` as float values (the service refuses them under the reading
``refuse`` of ``Event.eventValue.nonNumeric``); a body with no Content-Type is refused
(415) under ``reject`` of ``Protocol.request.contentType`` like another media type.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from personalize_conformance.contracts import media_type, request_schema, schema
from personalize_conformance.targets.reference.service import ReferenceService, ServiceError

JSON_11 = "application/x-amz-json-1.1"
REST_JSON = "application/json"
TARGET_PREFIX = "AmazonPersonalize."


def _route(method: str, path: str, headers: Mapping[str, str]) -> tuple[str, str]:
    """(operation, content type of the protocol) for a request line."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if path == "/events":
        if method != "POST":
            raise ServiceError("UnknownOperationException", f"{method} /events", status=404)
        return "PutEvents", REST_JSON
    target = lowered.get("x-amz-target")
    if path == "/" and method == "POST" and target is not None:
        if target.startswith(TARGET_PREFIX):
            return target[len(TARGET_PREFIX):], JSON_11
        raise ServiceError("UnknownOperationException", f"no operation {target!r}")
    raise ServiceError("UnknownOperationException", f"no operation at {method} {path}", status=404)


def _check_content_type(service: ReferenceService, headers: Mapping[str, str],
                        content_type: str, has_body: bool) -> None:
    """Refuse another Content-Type than the protocol's, or none on a request with a body
    (reading ``reject``)."""
    given = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if (media_type(given) != content_type and (given is not None or has_body)
            and service.reading("Protocol.request.contentType") == "reject"):
        raise ServiceError("UnsupportedMediaTypeException",
                           f"Content-Type {given!r} is not {content_type}", status=415)


#: The region of a SigV4 credential scope: ``Credential=KEY/DATE/REGION/SERVICE/aws4_request``.
_SCOPE_REGION = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/")


def signed_region(headers: Mapping[str, str]) -> str | None:
    """The region a request was signed for (``None``: it was not signed with SigV4)."""
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    found = _SCOPE_REGION.search(auth)
    return found.group(1) if found else None


#: The float values Smithy's JSON protocols write as strings.
NON_NUMERIC = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is no JSON value")


def read_body(operation: str, body: bytes) -> Any:
    """The request's members as Smithy's JSON deserializers read the body (0 bytes: none);
    SerializationException if it is not strict JSON."""
    try:
        payload = json.loads(body.decode("utf-8") or "{}", parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ServiceError("SerializationException", f"the body is not JSON: {exc}") from exc
    try:
        node = schema(request_schema(operation))
    except KeyError:  # no such operation: the service says so
        node = {}
    return _deserialized(payload, node)


def _deserialized(value: Any, node: Mapping[str, Any]) -> Any:
    """``value`` read at schema ``node``: a structure without its ``null`` members, a float
    (a number, no timestamp) from a non-numeric string, an integer from an integral
    number (``10.0``); list items as they are but read."""
    if isinstance(value, dict) and "properties" in node:
        members = node["properties"]
        return {k: _deserialized(v, members.get(k, {})) for k, v in value.items()
                if v is not None}
    if isinstance(value, list) and isinstance(node.get("items"), Mapping):
        return [_deserialized(v, node["items"]) for v in value]
    if (node.get("type") == "number" and "x-timestamp" not in node
            and isinstance(value, str) and value in NON_NUMERIC):
        return NON_NUMERIC[value]
    if node.get("type") == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)  # 10.0: the integer JSON Schema takes it for
    return value


#: The register entry on the answer to a request the protocol cannot serve.
REFUSAL = "Protocol.request.refusal"


def _refusal(service: ReferenceService, err: ServiceError) -> ServiceError:
    """``err`` as the reading of :data:`REFUSAL` answers it: under ``other-client-error``
    an unknown operation is a 404 and a body that is no JSON object InvalidInputException."""
    if service.reading(REFUSAL) != "other-client-error":
        return err
    if err.code == "UnknownOperationException":
        return ServiceError(err.code, err.message, status=404, clause=err.clause)
    if err.code == "SerializationException" and err.clause is None:
        return ServiceError("InvalidInputException", err.message, clause=err.clause)
    return err


def handle(
    service: ReferenceService, method: str, url: str, headers: Mapping[str, str], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    """Serve one HTTP request: (status, headers, body)."""
    request_id = str(uuid.uuid4())
    content_type = JSON_11
    try:
        operation, content_type = _route(method, urlsplit(url).path or "/", headers)
        _check_content_type(service, headers, content_type, bool(body))
        result = service.call(operation, read_body(operation, body), region=signed_region(headers))
    except ServiceError as caught:
        err = _refusal(service, caught)
        out = {"message": err.message}
        both = service.reading("Protocol.error.codeInHeaderAndBody") == "protocol-place"
        extra = {"x-amzn-ErrorType": err.code} if both or content_type == REST_JSON else {}
        if content_type == JSON_11:
            out["__type"] = err.code
        return err.status, {"Content-Type": content_type, "x-amzn-RequestId": request_id,
                            **extra}, json.dumps(out).encode()
    return 200, {"Content-Type": content_type, "x-amzn-RequestId": request_id}, json.dumps(
        result
    ).encode()

"""Mutants' faults on the wire: the reference's HTTP answers (and its refusals of
malformed requests) changed from outside, by an entry's ``wire`` data
(``targets/mutants.json``). Such a mutant is served over HTTP (``reference-http``), the
only way its faults show: :func:`wire_handler` is the HTTP layer it is served through.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from personalize_conformance import contracts
from personalize_conformance.targets.reference.http_layer import (
    JSON_11,
    REST_JSON,
    TARGET_PREFIX,
    handle,
)
from personalize_conformance.targets.reference.mutants import apply_patch
from personalize_conformance.targets.reference.service import ReferenceService

#: (service, method, url, headers, body) -> (status, headers, body): ``http_layer.handle``'s type.
Handler = Callable[[ReferenceService, str, str, Mapping[str, str], bytes],
                   tuple[int, dict[str, str], bytes]]


def _request_kind(url: str, headers: Mapping[str, str], body: bytes) -> str | None:
    """What is malformed about a request, in the words of an entry's ``accept``/``refuse``:
    ``missing-target``, ``unknown-target``, ``wrong-content-type``, ``not-json``,
    ``not-object``; ``None`` for a well-formed request."""
    lowered = {k.lower(): v for k, v in headers.items()}
    rest = urlsplit(url).path == "/events"
    if not rest:
        target = lowered.get("x-amz-target")
        if target is None:
            return "missing-target"
        if not target.startswith(TARGET_PREFIX) or not hasattr(
                ReferenceService, f"_op_{target[len(TARGET_PREFIX):]}"):
            return "unknown-target"
    if contracts.media_type(lowered.get("content-type")) != (REST_JSON if rest else JSON_11):
        return "wrong-content-type"
    try:
        parsed = json.loads(body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        return "not-json"
    return None if isinstance(parsed, dict) else "not-object"


def _timestamps_as(value: Any, members: frozenset[str], form: str) -> Any:
    """``value`` with every member named in ``members`` re-written: ``iso`` (an ISO 8601
    string) or ``milliseconds`` (epoch milliseconds)."""
    if isinstance(value, list):
        return [_timestamps_as(v, members, form) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in members and isinstance(item, (int, float)):
            out[key] = (dt.datetime.fromtimestamp(item, dt.timezone.utc).isoformat()
                        if form == "iso" else item * 1000)
        else:
            out[key] = _timestamps_as(item, members, form)
    return out


def _walk(value: Any, change: Callable[[str | None, Any], Any], key: str | None = None) -> Any:
    """``value`` with ``change(member name or None for a list item, item)`` applied to
    every member and item, depth first (``_DROP``: the item or member left out)."""
    if isinstance(value, dict):
        pairs = ((k, change(k, _walk(v, change, k))) for k, v in value.items())
        return {k: v for k, v in pairs if v is not _DROP}
    if isinstance(value, list):
        items = (change(None, _walk(v, change)) for v in value)
        return [v for v in items if v is not _DROP]
    return value


_DROP = object()


def _coerced(members: frozenset[str]) -> Callable[[str | None, Any], Any]:
    """A server that reads a string or a boolean given for ``members`` as a number."""
    def change(key: str | None, value: Any) -> Any:
        if key not in members or not isinstance(value, (str, bool)):
            return value
        if isinstance(value, bool):
            return int(value)
        with contextlib.suppress(ValueError):  # what a number is read from, not NaN
            return float(value) if math.isfinite(float(value)) else value
        with contextlib.suppress(ValueError):
            return dt.datetime.fromisoformat(value).timestamp()
        return value
    return change


def _refusal(fault: Mapping[str, Any], code: str) -> tuple[int, str]:
    """The answer a fault refuses with: its ``status`` (400), a 5xx as InternalFailure."""
    status = fault.get("status", 400)
    return status, "InternalFailure" if status >= 500 else code


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _parsed(body: bytes) -> Any:
    """The body as JSON (``_DROP`` when it is none: such a body is left as it is)."""
    with contextlib.suppress(UnicodeDecodeError, ValueError):
        return json.loads(body.decode("utf-8") or "{}", parse_constant=_no_constant)
    return _DROP


def _lenient(headers: Mapping[str, str], body: bytes, fault: Mapping[str, Any]
             ) -> bytes | tuple[int, str]:
    """Garbage before the first '{' and after the object it opens ignored."""
    text = body.decode("utf-8", "replace")
    with contextlib.suppress(ValueError):
        found, _ = json.JSONDecoder().raw_decode(text[text.find("{"):])
        return json.dumps(found).encode()
    return body


def _coerce(headers: Mapping[str, str], body: bytes, fault: Mapping[str, Any]
            ) -> bytes | tuple[int, str]:
    parsed = _parsed(body)
    if parsed is _DROP:
        return body
    return json.dumps(_walk(parsed, _coerced(frozenset(fault["members"])))).encode()


def _drop_null_items(headers: Mapping[str, str], body: bytes,
                     fault: Mapping[str, Any]) -> bytes | tuple[int, str]:
    parsed = _parsed(body)
    if parsed is _DROP:
        return body
    return json.dumps(_walk(parsed, lambda k, v: _DROP if k is None and v is None else v)
                      ).encode()


def _null_members(headers: Mapping[str, str], body: bytes,
                  fault: Mapping[str, Any]) -> bytes | tuple[int, str]:
    found: list[str] = []
    parsed = _parsed(body)
    if parsed is not _DROP:
        _walk(parsed, lambda k, v: found.append(k) if k is not None and v is None else v)
    return _refusal(fault, "InvalidInputException") if found else body


def _empty(headers: Mapping[str, str], body: bytes, fault: Mapping[str, Any]
           ) -> bytes | tuple[int, str]:
    return body if body else _refusal(fault, "SerializationException")


def _parameters(headers: Mapping[str, str], body: bytes, fault: Mapping[str, Any]
                ) -> bytes | tuple[int, str]:
    given = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return (415, "UnsupportedMediaTypeException") if ";" in given else body


def _accept(headers: Mapping[str, str], body: bytes, fault: Mapping[str, Any]
            ) -> bytes | tuple[int, str]:
    given = next((v for k, v in headers.items() if k.lower() == "accept"), None)
    return (406, "NotAcceptableException") if given not in (None, REST_JSON) else body


def _special(headers: Mapping[str, str], body: bytes, fault: Mapping[str, Any]
             ) -> bytes | tuple[int, str]:
    found: list[Any] = []
    parsed = _parsed(body)
    if parsed is not _DROP:
        _walk(parsed, lambda k, v: found.append(v) if k == "eventValue"
              and v in ("NaN", "Infinity", "-Infinity") else v)
    return (400, "SerializationException") if found else body


def _overflow(headers: Mapping[str, str], body: bytes, fault: Mapping[str, Any]
              ) -> bytes | tuple[int, str]:
    found: list[Any] = []
    parsed = _parsed(body)
    if parsed is not _DROP:
        _walk(parsed, lambda k, v: found.append(v) if isinstance(v, (int, float))
              and not isinstance(v, bool) and abs(v) >= 2 ** 63 else v)
    return (500, "InternalFailure") if found else body


def _no_content_type(headers: Mapping[str, str], body: bytes,
                     fault: Mapping[str, Any]) -> bytes | tuple[int, str]:
    given = any(k.lower() == "content-type" for k in headers)
    return (500, "InternalFailure") if body and not given else body


#: name -> (headers, body, fault) -> the body the faulty server reads, or its answer
#: (status, code) to the request: how a mutant's ``request`` faults misread a request.
READS: Mapping[str, Callable[[Mapping[str, str], bytes, Mapping[str, Any]],
                             bytes | tuple[int, str]]] = MappingProxyType({
    "lenient-json": _lenient,
    "coerce": _coerce,
    "drop-null-items": _drop_null_items,
    "null-members-refused": _null_members,
    "empty-body-refused": _empty,
    "media-type-parameters-refused": _parameters,
    "accept-exact": _accept,
    "special-float-strings-refused": _special,
    "overflow-5xx": _overflow,
    "no-content-type-5xx": _no_content_type,
})


def wire_handler(entry: Mapping[str, Any]) -> Handler:
    """The reference's HTTP layer with an entry's ``wire`` faults: ``request`` (a list of
    ``{"read": name of READS, ...}``: how the body is misread, or the answer the request
    gets instead), ``accept`` (malformed
    request kinds answered 200 ``{}``), ``refuse`` (kind -> the status to answer it with),
    ``success`` (``status``, ``content_type``, ``body: "array"``, ``timestamps: {"members",
    "as"}``, ``patch``: JSON Patch ops on the body) and ``error`` (``status``,
    ``code_in: "Error.Code"``: the code and message moved into an ``Error`` object,
    ``drop_message``) on the answers, ``drop_headers`` on every answer."""
    faults = entry["wire"]

    def serve(service: ReferenceService, method: str, url: str, headers: Mapping[str, str],
              body: bytes) -> tuple[int, dict[str, str], bytes]:
        kind = _request_kind(url, headers, body)
        # only the status is wrong: the answer is otherwise as its protocol has it
        plain = {"Content-Type": REST_JSON if urlsplit(url).path == "/events" else JSON_11,
                 "x-amzn-RequestId": "mutant"}
        read: bytes | tuple[int, str] = body
        for fault in faults.get("request", ()):
            if isinstance(read, bytes):
                read = READS[fault["read"]](headers, read, fault)
        if isinstance(read, tuple):
            status, code = read
            out_headers = {**plain, "X-Amzn-ErrorType": code}
            out = json.dumps({"__type": code, "message": "no"}).encode()
        elif kind in faults.get("accept", ()):
            status, out_headers, out = 200, plain, b"{}"
        elif kind in faults.get("refuse", {}):
            status = faults["refuse"][kind]
            code = "InternalFailure" if status >= 500 else "SerializationException"
            out_headers = {**plain, "X-Amzn-ErrorType": code}
            out = json.dumps({"__type": code, "message": "no"}).encode()
        else:
            status, out_headers, out = handle(service, method, url, headers, read)
        fault = faults.get("success" if 200 <= status <= 299 else "error", {})
        if fault:
            status, out_headers, out = _answer_fault(fault, status, dict(out_headers), out)
        drop = {h.lower() for h in faults.get("drop_headers", ())}
        return status, {k: v for k, v in out_headers.items() if k.lower() not in drop}, out

    return serve


def _answer_fault(fault: Mapping[str, Any], status: int, headers: dict[str, str],
                  body: bytes) -> tuple[int, dict[str, str], bytes]:
    data = json.loads(body or b"{}")
    status = fault.get("status", status)
    if "content_type" in fault:
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        headers["Content-Type"] = fault["content_type"]
    if "timestamps" in fault:
        data = _timestamps_as(data, frozenset(fault["timestamps"]["members"]),
                              fault["timestamps"]["as"])
    if "patch" in fault:
        with contextlib.suppress(KeyError, IndexError, TypeError):  # not this answer's
            data = apply_patch(data, fault["patch"])
    if fault.get("code_in") == "Error.Code":
        code = next((v for k, v in headers.items() if k.lower() == "x-amzn-errortype"),
                    data.get("__type", ""))
        headers = {k: v for k, v in headers.items() if k.lower() != "x-amzn-errortype"}
        data = {"Error": {"Code": code, "Message": data.get("message", "")}}
    if fault.get("drop_message"):
        data = {k: v for k, v in data.items() if k not in ("message", "Message")}
    out = [data] if fault.get("body") == "array" else data
    return status, headers, json.dumps(out).encode()

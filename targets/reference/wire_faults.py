"""Mutants' faults on the wire: the reference's HTTP answers (and its refusals of
malformed requests) changed from outside, by an entry's ``wire`` data
(``targets/mutants.json``). Such a mutant is served over HTTP (``reference-http``), the
only way its faults show: :func:`wire_handler` is the HTTP layer it is served through.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Mapping
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


def wire_handler(entry: Mapping[str, Any]) -> Handler:
    """The reference's HTTP layer with an entry's ``wire`` faults: ``accept`` (malformed
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
        if kind in faults.get("accept", ()):
            status, out_headers, out = 200, plain, b"{}"
        elif kind in faults.get("refuse", {}):
            status = faults["refuse"][kind]
            code = "InternalFailure" if status >= 500 else "SerializationException"
            out_headers = {**plain, "X-Amzn-ErrorType": code}
            out = json.dumps({"__type": code, "message": "no"}).encode()
        else:
            status, out_headers, out = handle(service, method, url, headers, body)
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

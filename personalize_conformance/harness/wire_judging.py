"""The protocol clauses judged on a raw HTTP exchange (capability ``wire``).

:func:`judge` says, for each response clause of kind ``protocol`` that applies to an
answer, what is wrong with it (``None``: it holds). The facts (content types, where an
error code may be, the timestamp window) are the clauses' ``wire`` entries; the response
schema is the contract's, read as JSON on the wire. One deviation breaks one clause: the
body is judged whatever the Content-Type says, and timestamp members only by
``Protocol.success.timestamps``.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Iterator, Mapping
from typing import Any

from personalize_conformance.contracts import (
    CODE_CLAUSE,
    error_codes,
    json_body,
    media_type,
    protocol_of,
    response_schema,
    schema,
    validator,
    wire,
)
from personalize_conformance.targets.base import Exchange

SUCCESS = ("Protocol.success.status200", "Protocol.success.contentType",
           "Protocol.success.jsonObject", "Protocol.success.timestamps",
           "Protocol.success.memberTypes")
ERROR = ("Protocol.error.status", "Protocol.error.code", "Protocol.error.message")
EVERY = ("Protocol.response.requestId",)
#: The clauses judged on every answer (the ``responses validated`` figure counts them).
RESPONSE_CLAUSES = (*SUCCESS, *ERROR, *EVERY)


def is_unreadable(clause_id: str) -> bool:
    """Whether an answer breaking the protocol clause is one an SDK cannot read as the
    operation's answer (its ``wire`` entry's ``unreadable``: a body that is no object, a
    timestamp or member it cannot parse, a status or an error code it cannot take for
    one): the check it was for does not judge it (one fault, one clause)."""
    return bool(wire(clause_id).get("unreadable"))


def applies(clause_id: str, operation: str) -> bool:
    """Whether the protocol clause applies to ``operation``'s protocol."""
    return protocol_of(operation) in wire(clause_id)["protocols"]


def _timestamps(node: Mapping[str, Any], value: Any, path: tuple[str, ...] = ()
                ) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, value) of every timestamp member (``x-timestamp``) present in ``value``."""
    if node.get("x-timestamp"):
        yield path, value
        return
    if isinstance(value, dict):
        for name, child in node.get("properties", {}).items():
            if name in value:
                yield from _timestamps(child, value[name], (*path, name))
    elif isinstance(value, list) and isinstance(node.get("items"), Mapping):
        for i, item in enumerate(value):
            yield from _timestamps(node["items"], item, (*path, str(i)))


def _without_timestamps(name: str, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with every timestamp member set to 0 (valid): judged elsewhere."""
    out = copy.deepcopy(body)
    for path, _ in list(_timestamps(schema(name), out)):
        parent: Any = out
        for step in path[:-1]:
            parent = parent[int(step)] if isinstance(parent, list) else parent[step]
        parent[int(path[-1]) if isinstance(parent, list) else path[-1]] = 0
    return out


def _success(exchange: Exchange, now: float) -> dict[str, str | None]:
    operation = exchange.operation
    protocol = protocol_of(operation)
    out: dict[str, str | None] = dict.fromkeys(SUCCESS)
    want = wire("Protocol.success.status200")["status"]
    if exchange.status != want:
        out["Protocol.success.status200"] = f"HTTP {exchange.status}, not {want}"
    kind = media_type(exchange.headers.get("content-type"))
    facts = wire("Protocol.success.contentType")
    empty = not exchange.body.strip()
    if kind not in facts["content_types"][protocol] and not (
            not kind and empty and protocol in facts["may_omit_when_empty"]):
        out["Protocol.success.contentType"] = (
            f"Content-Type {exchange.headers.get('content-type')!r}, not "
            f"{' or '.join(facts['content_types'][protocol])}")
    name = response_schema(operation)
    try:
        body = json_body(exchange.body)
    except ValueError as exc:
        out["Protocol.success.jsonObject"] = f"the body is not JSON: {exc}"
        return out
    if body is None:  # an empty body: no output parameters provided (SHOULD be empty)
        return out
    if not isinstance(body, dict):
        out["Protocol.success.jsonObject"] = f"the body is {type(body).__name__}, not an object"
        return out
    if name is None:
        return out
    earliest = wire("Protocol.success.timestamps")["earliest"]
    latest = now + wire("Protocol.success.timestamps")["future_seconds"]
    for path, value in _timestamps(schema(name), body):
        where = "/" + "/".join(path)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out["Protocol.success.timestamps"] = f"{where} is {value!r}, not a JSON number"
            break
        if not earliest <= value <= latest:
            out["Protocol.success.timestamps"] = (
                f"{where} is {value!r}: not epoch seconds between {earliest} and {latest:.0f}")
            break
    errors = [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator(name).iter_errors(_without_timestamps(name, body))
              if e.validator == "type"]  # the other keywords: <Operation>.response.valid
    if errors:
        out["Protocol.success.memberTypes"] = f"not of its shape's JSON type in {name}: " + (
            "; ".join(errors[:3]))
    return out


def _error(exchange: Exchange, strict: bool) -> dict[str, str | None]:
    protocol = protocol_of(exchange.operation) if exchange.operation else "json"
    out: dict[str, str | None] = dict.fromkeys(ERROR)
    if not 400 <= exchange.status <= 599:
        out["Protocol.error.status"] = f"an error answer with HTTP {exchange.status}"
    codes = error_codes(protocol, exchange.headers, exchange.body)
    pattern = re.compile(wire(CODE_CLAUSE)["name_pattern"])
    if not codes:
        out[CODE_CLAUSE] = (f"HTTP {exchange.status}: no error code in the X-Amzn-Errortype "
                            "header, nor in the body's code or __type")
    elif strict and not pattern.match(codes[0][1]):  # the protocols' SHOULD
        out[CODE_CLAUSE] = (f"HTTP {exchange.status}: the error code {codes[0][1]!r} "
                            f"({codes[0][0]}) is not a shape name")
    elif strict and len({code for _, code in codes}) > 1:
        out[CODE_CLAUSE] = f"the places disagree: {codes}"
    try:
        body = json_body(exchange.body)
    except ValueError:
        body = None
    fields = wire("Protocol.error.message")["body_fields"]
    if out[CODE_CLAUSE]:  # no error of this protocol: where its message is, is moot
        return out
    if not (isinstance(body, dict) and any(isinstance(body.get(f), str) for f in fields)):
        out["Protocol.error.message"] = f"no string {' or '.join(fields)} in the error body"
    return out


def judge(exchange: Exchange, *, strict: bool = False, now: float | None = None
          ) -> dict[str, str | None]:
    """Response clause id -> what ``exchange``'s answer breaks of it (``None``: holds),
    for the clauses that apply to it (success or error answer, its protocol)."""
    now = time.time() if now is None else now
    success = 200 <= exchange.status <= 299
    found = _success(exchange, now) if success else _error(exchange, strict)
    header = wire("Protocol.response.requestId")["header"]
    found["Protocol.response.requestId"] = (
        None if exchange.headers.get(header, "").strip() else f"no {header} header")
    if exchange.operation:
        found = {k: v for k, v in found.items() if applies(k, exchange.operation)}
    return found

"""What a request looks like on the wire once botocore has serialized it, and
:class:`RawBody`, a request sent past botocore as it is.

The suite reaches targets through boto3 with validation off; an input is only invalid if
it is still invalid after serialization (a string timestamp becomes a number, an unknown
member is dropped, some wrong types cannot be sent at all).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

import botocore.serialize

from personalize_conformance.contracts import service_model, service_of


class RawBody(dict):
    """A request to send as this exact JSON body, past the client library's serializer.

    For the operations in scope the JSON body *is* the request's members, so a target
    that takes members as data may treat it as any request; a target behind boto3 must
    put it on the wire unchanged (botocore cannot serialize a wrongly typed list, object
    or timestamp). Used for the violations botocore would otherwise rewrite or refuse.
    """


@cache
def _serializer(protocol: str) -> Any:
    return botocore.serialize.create_serializer(protocol, include_validation=False)


def on_the_wire(operation: str, request: Mapping[str, Any]) -> dict[str, Any] | None:
    """The JSON body botocore would send for ``request``; ``None`` if it cannot send it."""
    model = service_model(service_of(operation))
    try:
        serialized = _serializer(model.metadata["protocol"]).serialize_to_request(
            dict(request), model.operation_model(operation)
        )
        body = serialized["body"]
        return json.loads(body or b"{}")
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError):
        return None


def as_sent(operation: str, request: Mapping[str, Any]) -> dict[str, Any] | None:
    """The JSON body a target receives for ``request``: a :class:`RawBody` as it is (sent
    past botocore), any other request as botocore serializes it (:func:`on_the_wire`)."""
    if isinstance(request, RawBody):
        try:
            return json.loads(json.dumps(request, allow_nan=False))
        except (TypeError, ValueError):
            return None
    return on_the_wire(operation, request)

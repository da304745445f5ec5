"""Before a run against a URL the user gave (``--target endpoint``): one harmless call per
service, its raw answer judged. A URL where no service answers as an AWS JSON service
does (an HTML page, a 404 or 501 page, a body that is not JSON) is a wrong URL: the run
is not made (exit 2), with one line naming what came back. A service that answers as AWS
does, even with an error (``UnknownOperationException``, ``ResourceNotFoundException``),
passes; one that does not, beside one that does, is left to the run (its operations are
``unsupported`` or fail their clauses)."""

from __future__ import annotations

import json
from typing import Any

from personalize_conformance.contracts import error_code, json_body, protocol_of
from personalize_conformance.targets.base import DEFAULT_REGION, Exchange, TargetError

#: Per service, a call that creates nothing: a describe of a dataset group that does not
#: exist (a valid ARN), and a PutEvents without its required members (refused).
PROBES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("DescribeDatasetGroup",
     {"datasetGroupArn":
          f"arn:aws:personalize:{DEFAULT_REGION}:000000000000:dataset-group/pcprobe"}),
    ("PutEvents", {}),
)
#: How much of an answer's body the line quotes.
QUOTE = 80


def is_aws_json(operation: str, exchange: Exchange) -> bool:
    """Whether the answer is one an AWS JSON service gives, whatever it says: a JSON object
    with a 2xx, 4xx or 5xx status, or no body with a 2xx status or an error code where the
    protocol lets a client read one (the Content-Type is judged by the run, not here)."""
    if not (200 <= exchange.status <= 299 or 400 <= exchange.status <= 599):
        return False
    try:
        body = json_body(exchange.body)
    except ValueError:  # not UTF-8, or not JSON
        return False
    if body is None:
        return exchange.status <= 299 or bool(
            error_code(protocol_of(operation), exchange.headers, b""))
    return isinstance(body, dict)


def answer_text(exchange: Exchange) -> str:
    """The answer on one line: status, Content-Type, the body's first ``QUOTE`` characters."""
    text = exchange.body.decode("utf-8", "replace")
    quoted = json.dumps(text[:QUOTE], ensure_ascii=False) + ("…" if len(text) > QUOTE else "")
    kind = exchange.headers.get("content-type") or "no Content-Type"
    return f"HTTP {exchange.status}, {kind}, " + (f"body {quoted}" if text else "no body")


def wrong_url(target: Any) -> str | None:
    """What makes ``target``'s URL wrong (``None``: some service answers as AWS does),
    found by ``PROBES`` sent raw (``Target.send_raw``)."""
    seen = []
    for operation, request in PROBES:
        try:
            exchange = target.send_raw(operation, json.dumps(request).encode())
        except TargetError as exc:
            seen.append(f"{operation}: no answer ({exc.message})")
            continue
        if is_aws_json(operation, exchange):
            return None
        seen.append(f"{operation}: {answer_text(exchange)}")
    return (f"{target.endpoint_url} does not answer as an AWS JSON service "
            f"({'; '.join(seen)}); is --endpoint-url the implementation's URL?")

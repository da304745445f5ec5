"""The boto3 adapter: unmodified boto3 clients for both services, against any endpoint.

Client-side parameter validation and retries are off, so what the suite sends reaches the
target as built, and each call is made once. With ``transport`` set, requests are handed
to that callable in-process instead of going over a socket (the embedded reference).

Whatever the target answers becomes a response body, ``TargetError`` or ``Unsupported``:
a hang is ``NoAnswer`` (botocore's read/connect timeouts), a dropped connection
``ConnectionFailed``, and a 2xx answer whose body is not a JSON object
``MalformedResponse`` (botocore would otherwise read garbage as an empty success). The
Content-Type is not judged here: as an SDK that ignores the header, the body is read as
JSON, and the protocol clause ``Protocol.success.contentType`` judges the header on the
raw exchange (capability ``wire``: every call's raw request and answer are kept,
``last_exchange``; ``send_raw`` sends a request botocore would not build, signed by
botocore's SigV4 signer). An error answer's code is read where the protocol lets a client
read it (``contracts.protocol.error_code``), not only where botocore looks.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.awsrequest
import botocore.config
import botocore.exceptions
import botocore.parsers
from botocore import xform_name

from personalize_conformance.contracts import error_code, protocol_of, service_of
from personalize_conformance.strategies import RawBody
from personalize_conformance.targets.base import (
    DEFAULT_CALL_TIMEOUT,
    DEFAULT_REGION,
    Exchange,
    NoAnswer,
    Target,
    TargetError,
    Unsupported,
)

#: (method, url, headers, body) -> (status, headers, body)
Transport = Callable[[str, str, Mapping[str, str], bytes], tuple[int, dict[str, str], bytes]]

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

#: How much of a malformed answer a TargetError quotes.
QUOTE = 300


def _config(call_timeout: float) -> botocore.config.Config:
    return botocore.config.Config(
        parameter_validation=False,
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=min(call_timeout, 5.0),
        read_timeout=call_timeout,
    )


class _Malformed(Exception):
    """Raised from botocore's before-parse hook: the answer is not a well-formed success."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _check_answer(response_dict: Mapping[str, Any], **_: Any) -> None:
    """A 2xx answer must be a JSON object (or empty), whatever its content type."""
    status = response_dict.get("status_code", 0)
    if not 200 <= status < 300:
        return
    body = response_dict.get("body") or b""
    quoted = body[:QUOTE].decode("utf-8", "replace")
    if body.strip():
        try:
            parsed = json.loads(body)
        except ValueError:
            raise _Malformed(status, f"the body is not JSON: {quoted!r}") from None
        if not isinstance(parsed, dict):
            raise _Malformed(status, f"the body is not a JSON object: {quoted!r}")


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in LOOPBACK or host.startswith("127.")


def _plain(value: Any) -> Any:
    """A response as JSON data: timestamps back to Unix seconds, metadata dropped."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.timestamp()
    return value


class _RawBody:
    """Enough of urllib3's response for botocore to read a body produced in-process."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any):
        yield self._body

    def read(self, *_: Any) -> bytes:
        body, self._body = self._body, b""
        return body


class BotoTarget(Target):
    """Any implementation reached through boto3 (HTTP endpoint or in-process transport)."""

    name = "endpoint"

    def __init__(
        self,
        endpoint_url: str | None,
        *,
        region: str = DEFAULT_REGION,
        transport: Transport | None = None,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self.call_timeout = call_timeout
        self._transport = transport
        self._clients: dict[str, Any] = {}
        #: The raw request of the call under way, then its exchange once answered.
        self._sent: Exchange | None = None
        self._last: Exchange | None = None
        if self.over_http():
            self.capabilities = type(self).capabilities | {"wire"}

    def over_http(self) -> bool:
        """Whether calls go over HTTP (not to an in-process transport or mock): then the
        target has capability ``wire``."""
        return self._transport is None

    def last_exchange(self) -> Exchange | None:
        return self._last

    def reaches_aws(self) -> bool:
        """True when calls would go to AWS itself: no transport, no loopback endpoint."""
        return self._transport is None and not (
            self.endpoint_url and is_loopback(self.endpoint_url)
        )

    def _credentials(self) -> dict[str, str]:
        url = self.endpoint_url or "http://in-process"
        if self._transport is not None or is_loopback(url):
            session = boto3.Session()
            if session.get_credentials() is None:
                return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        return {}

    def client(self, service: str) -> Any:
        """The boto3 client for ``service``, made once."""
        if service not in self._clients:
            url = self.endpoint_url or ("http://in-process" if self._transport else None)
            client = boto3.session.Session().client(
                service,
                region_name=self.region or os.environ.get("AWS_DEFAULT_REGION"),
                endpoint_url=url,
                config=_config(self.call_timeout),
                **self._credentials(),
            )
            client.meta.events.register("before-send", self._keep_request)
            client.meta.events.register("before-parse", self._keep_answer)
            client.meta.events.register("before-parse", _check_answer)
            if self._transport is not None:
                client.meta.events.register("before-send", self._send_in_process)
            self._clients[service] = client
        return self._clients[service]

    def _keep_request(self, request: botocore.awsrequest.AWSPreparedRequest,
                      **_: Any) -> None:
        body = request.body or b""
        if not isinstance(body, bytes):
            body = body.encode() if isinstance(body, str) else body.read()
        self._sent = Exchange(request.method, request.url, _headers(request.headers), body)

    def _keep_answer(self, response_dict: Mapping[str, Any],
                     operation_model: Any = None, **_: Any) -> None:
        sent = self._sent or Exchange("", "", {}, b"")
        self._last = dataclasses.replace(
            sent, status=int(response_dict.get("status_code") or 0),
            headers=_headers(response_dict.get("headers") or {}),
            body=response_dict.get("body") or b"",
            operation=getattr(operation_model, "name", "") or "")
        if self.on_exchange is not None:
            self.on_exchange(self._last)

    def _send_in_process(self, request: botocore.awsrequest.AWSPreparedRequest, **_: Any):
        body = request.body or b""
        if not isinstance(body, bytes):
            body = body.encode() if isinstance(body, str) else body.read()
        headers = {k: v.decode() if isinstance(v, bytes) else str(v)
                   for k, v in request.headers.items()}
        status, answer_headers, payload = self._transport(  # type: ignore[misc]
            request.method, request.url, headers, body
        )
        return botocore.awsrequest.AWSResponse(request.url, status, answer_headers,
                                              _RawBody(payload))

    def invoke(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        client = self.client(service_of(operation))
        method = getattr(client, xform_name(operation))
        self._sent = self._last = None
        try:
            if isinstance(request, RawBody):
                return _plain(_send_raw(client, method, operation, json.dumps(request).encode()))
            return _plain(method(**request))
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            raw = self._last
            code = (error_code(protocol_of(operation), raw.headers, raw.body) if raw
                    else "") or error.get("Code", "")
            message = error.get("Message", "")
            if self.is_unsupported(operation, status, code, message):
                raise Unsupported(operation, f"HTTP {status} {code} {message}"[:QUOTE]
                                  .strip()) from exc
            raise TargetError(status, code, message[:QUOTE]) from exc
        except NotImplementedError as exc:  # moto in-process
            raise Unsupported(operation, str(exc)) from exc
        except _Malformed as exc:
            raise TargetError(exc.status, "MalformedResponse", exc.detail) from None
        except botocore.parsers.ResponseParserError as exc:
            raise TargetError(0, "MalformedResponse", str(exc)[:QUOTE]) from None
        except (ValueError, OverflowError) as exc:  # botocore's timestamp parser, e.g.
            if self._last is None:  # not raised reading an answer: the adapter's own
                raise
            raise TargetError(self._last.status, "MalformedResponse",
                              f"botocore cannot parse the answer: {exc}"[:QUOTE]) from None
        except (botocore.exceptions.ReadTimeoutError,
                botocore.exceptions.ConnectTimeoutError) as exc:
            raise NoAnswer(self.call_timeout, str(exc)) from None
        except (botocore.exceptions.ConnectionError,
                botocore.exceptions.HTTPClientError) as exc:
            raise TargetError(0, "ConnectionFailed", f"{type(exc).__name__}: {exc}"[:QUOTE]
                              ) from None

    def is_unsupported(self, operation: str, status: int, code: str, message: str) -> bool:
        """Whether an error answer means "operation not implemented" (override per target).

        UnknownOperationException (and its cousins), HTTP 501, and HTTP 404 that is either
        worded "not (yet) implemented" or carries no AWS error code at all (no route: the
        services in scope answer every modeled error with 400).
        """
        text = f"{code} {message}".lower()
        if code in {"UnknownOperationException", "InvalidAction", "NotImplemented"}:
            return True
        if status == 501:
            return True
        return status == 404 and ("not implemented" in text or "not yet implemented" in text
                                  or code in ("", "404"))


    def send_raw(self, operation: str, body: bytes,
                 headers: Mapping[str, str | None] | None = None) -> Exchange:
        """``body`` as ``operation``'s request with ``headers`` changed (``None`` drops
        one), built and signed by botocore; the exchange, whatever the answer."""
        client = self.client(service_of(operation))
        self._sent = self._last = None
        with contextlib.suppress(botocore.exceptions.BotoCoreError,
                                 botocore.exceptions.ClientError, _Malformed):
            _send_raw(client, getattr(client, xform_name(operation)), operation, body,
                      headers or {})
        if self._last is None:
            raise TargetError(0, "ConnectionFailed", f"no answer to a raw {operation}")
        return self._last


def _headers(headers: Mapping[Any, Any]) -> dict[str, str]:
    """Header names lower-cased, values as text."""
    return {str(k).lower(): v.decode() if isinstance(v, bytes) else str(v)
            for k, v in headers.items()}


def _send_raw(client: Any, method: Callable[..., Any], operation: str, data: bytes,
              headers: Mapping[str, str | None] | None = None) -> Any:
    """Call ``operation`` with ``data`` as its body, unchanged, and ``headers`` changed
    (``None``: removed): botocore builds the request from no members, and the body and
    headers are swapped in before the request is signed."""

    def swap(request: Any, operation_name: str | None = None, **_: Any) -> None:
        if operation_name == operation:
            request.data = data
            for name, value in (headers or {}).items():
                if name in request.headers:
                    del request.headers[name]
                if value is not None:
                    request.headers[name] = value

    client.meta.events.register_first("request-created", swap, unique_id="pc-raw-body")
    try:
        return method()
    finally:
        client.meta.events.unregister("request-created", unique_id="pc-raw-body")

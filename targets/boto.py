"""The boto3 adapter: unmodified boto3 clients for both services, against any endpoint.

Client-side parameter validation and retries are off, so what the suite sends reaches the
target as built, and each call is made once. With ``transport`` set, requests are handed
to that callable in-process instead of going over a socket (the embedded reference).

Whatever the target answers becomes a response body, ``TargetError`` or ``Unsupported``:
a hang is ``NoAnswer`` (botocore's read/connect timeouts), a dropped connection
``ConnectionFailed``, and a 2xx answer that is not a JSON object with a JSON content type
``MalformedResponse`` (botocore would otherwise read garbage as an empty success).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.awsrequest
import botocore.config
import botocore.exceptions
import botocore.parsers
from botocore import xform_name

from personalize_conformance.contracts import service_of
from personalize_conformance.targets.base import NoAnswer, RawBody, Target, TargetError, Unsupported

#: (method, url, headers, body) -> (status, headers, body)
Transport = Callable[[str, str, Mapping[str, str], bytes], tuple[int, dict[str, str], bytes]]

DEFAULT_REGION = "us-east-1"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

#: Seconds a call may take before it counts as unanswered (``--call-timeout``).
DEFAULT_CALL_TIMEOUT = 30.0
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


def _check_answer(response_dict: Mapping[str, Any], *, content_type: bool = True,
                  **_: Any) -> None:
    """A 2xx answer must be a JSON object (or empty) sent with a JSON content type."""
    status = response_dict.get("status_code", 0)
    if not 200 <= status < 300:
        return
    body = response_dict.get("body") or b""
    headers = {k.lower(): v for k, v in (response_dict.get("headers") or {}).items()}
    kind = headers.get("content-type", "")
    quoted = body[:QUOTE].decode("utf-8", "replace")
    if body.strip():
        try:
            parsed = json.loads(body)
        except ValueError:
            raise _Malformed(status, f"the body is not JSON: {quoted!r}") from None
        if not isinstance(parsed, dict):
            raise _Malformed(status, f"the body is not a JSON object: {quoted!r}")
    if content_type and kind and "json" not in kind.lower():
        raise _Malformed(status, f"wrong content type {kind!r} for a JSON protocol")


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
    #: Whether a 2xx answer must carry a JSON content type (the wire protocols say so).
    require_json_content_type: bool = True

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
            client.meta.events.register("before-parse", partial(
                _check_answer, content_type=self.require_json_content_type))
            if self._transport is not None:
                client.meta.events.register("before-send", self._send_in_process)
            self._clients[service] = client
        return self._clients[service]

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
        try:
            if isinstance(request, RawBody):
                return _plain(_send_raw(client, method, operation, request))
            return _plain(method(**request))
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            code = error.get("Code", "")
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


def _send_raw(client: Any, method: Callable[..., Any], operation: str,
              body: Mapping[str, Any]) -> Any:
    """Call ``operation`` with ``body`` as its JSON body, unchanged: botocore builds the
    request from no members, and the body is swapped in before the request is signed."""
    data = json.dumps(body).encode()

    def swap(request: Any, operation_name: str | None = None, **_: Any) -> None:
        if operation_name == operation:
            request.data = data

    client.meta.events.register_first("request-created", swap, unique_id="pc-raw-body")
    try:
        return method()
    finally:
        client.meta.events.unregister("request-created", unique_id="pc-raw-body")

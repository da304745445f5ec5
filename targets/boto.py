"""The boto3 adapter: unmodified boto3 clients for both services, against any endpoint.

Client-side parameter validation and retries are off, so what the suite sends reaches the
target as built, and each call is made once. With ``transport`` set, requests are handed
to that callable in-process instead of going over a socket (the embedded reference).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.awsrequest
import botocore.config
import botocore.exceptions
from botocore import xform_name

from ..contracts import service_of
from .base import Target, TargetError, Unsupported

#: (method, url, headers, body) -> (status, headers, body)
Transport = Callable[[str, str, Mapping[str, str], bytes], tuple[int, dict[str, str], bytes]]

DEFAULT_REGION = "us-east-1"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

_CONFIG = botocore.config.Config(
    parameter_validation=False,
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=5,
    read_timeout=30,
)


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
    ) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self._transport = transport
        self._clients: dict[str, Any] = {}

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
                config=_CONFIG,
                **self._credentials(),
            )
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
        method = getattr(self.client(service_of(operation)), xform_name(operation))
        try:
            return _plain(method(**request))
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            code = error.get("Code", "")
            message = error.get("Message", "")
            if _is_unsupported(status, code, message):
                raise Unsupported(operation, f"HTTP {status} {code} {message}".strip()) from exc
            raise TargetError(status, code, message) from exc
        except NotImplementedError as exc:  # moto in-process
            raise Unsupported(operation, str(exc)) from exc


def _is_unsupported(status: int, code: str, message: str) -> bool:
    text = f"{code} {message}".lower()
    if code in {"UnknownOperationException", "InvalidAction", "NotImplemented"}:
        return True
    return status in (404, 501) and ("not implemented" in text or "not yet implemented" in text
                                     or status == 501)

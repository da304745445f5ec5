"""The adapter protocol every target implements, and the outcomes it reports."""

from __future__ import annotations

import sys
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar

#: Capabilities a target may declare. ``inspect``: it can show the events it recorded;
#: ``wire``: it answers over HTTP, keeps each call's raw exchange (``last_exchange``) and
#: takes raw requests (``send_raw``).
CAPABILITIES: frozenset[str] = frozenset({"inspect", "wire"})

#: Seconds a call may take before it counts as unanswered (``--call-timeout``).
DEFAULT_CALL_TIMEOUT = 30.0
#: The region a client signs for, a reproduction is written for and the reference's ARNs
#: name, unless told otherwise.
DEFAULT_REGION = "us-east-1"


#: Request headers that carry credentials: never written into a report.
SECRET_HEADERS = frozenset({"authorization", "x-amz-security-token"})

#: The client libraries an adapter reaches a target through (top-level packages): a frame
#: of theirs in a traceback is neither the target's nor the adapter's.
CLIENT_LIBRARIES = frozenset({"boto3", "botocore", "s3transfer", "urllib3", "requests",
                              "certifi", "charset_normalizer", "idna", "jmespath",
                              "dateutil"})
#: This package: the suite, its adapters and its reference.
SUITE_PACKAGE = __name__.split(".", 1)[0]
#: The reference's implementation in this package (its service, the mutants of it and
#: their wire faults, its HTTP layer), which any adapter may serve; its adapters
#: (``reference/__init__``) are not.
REFERENCE_IMPLEMENTATION = tuple(f"{__name__.rpartition('.')[0]}.reference.{module}"
                                 for module in ("service", "mutants", "wire_faults",
                                                "http_layer"))


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its answer, as bytes on the wire (header names lower-cased)."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    #: The operation the request was for (``""``: none, e.g. an unknown X-Amz-Target).
    operation: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON data: bodies as text (UTF-8, invalid bytes replaced), credentials in the
        request headers (``SECRET_HEADERS``) redacted."""
        return {"request": {"method": self.method, "url": self.url,
                            "headers": {k: "<redacted>" if k.lower() in SECRET_HEADERS else v
                                        for k, v in self.request_headers.items()},
                            "body": self.request_body.decode("utf-8", "replace")},
                "response": {"status": self.status, "headers": dict(self.headers),
                             "body": self.body.decode("utf-8", "replace")}}


class TargetError(Exception):
    """The target answered with an error, normalized to (HTTP status, error code, message)."""

    def __init__(self, status: int, code: str, message: str = "") -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "code": self.code, "message": self.message}


class Raised(TargetError):
    """The target's own code raised in this process (:meth:`Target.raised_in`): answered
    as HTTP 500 ``InternalFailure``, as a server would, naming the exception and where."""

    def __init__(self, error: BaseException, where: traceback.FrameSummary) -> None:
        super().__init__(500, "InternalFailure", (
            f"{type(error).__name__}: {error} (raised in the target at "
            f"{where.filename}:{where.lineno}, in {where.name})")[:1000])
        self.error = error


class NoAnswer(TargetError):
    """The target did not answer within the per-call timeout (status 0, code NoAnswer)."""

    def __init__(self, seconds: float, detail: str = "") -> None:
        super().__init__(0, "NoAnswer", f"no answer in {seconds:g} s" + (
            f" ({detail})" if detail else ""))
        self.seconds = seconds


class Unsupported(Exception):
    """The target does not implement ``operation`` (not a failure of any clause)."""

    def __init__(self, operation: str, detail: str = "") -> None:
        super().__init__(f"{operation} is not implemented by the target: {detail}".rstrip(": "))
        self.operation = operation
        self.detail = detail


class TargetConfigError(Exception):
    """The user asked for a target that cannot be made (unknown name, bad endpoint...)."""


class Target(ABC):
    """A Personalize event-tracking implementation the suite can call.

    ``invoke`` takes the request body exactly as the suite built it, valid or not, and
    returns the response body as a dict (timestamps as Unix seconds), or raises
    ``TargetError`` for an error answer or ``Unsupported`` for an operation it lacks.
    """

    #: Capabilities this target offers, from ``CAPABILITIES``.
    capabilities: ClassVar[frozenset[str]] = frozenset()
    #: The URL that reproductions should call, when the target is reachable over HTTP.
    endpoint_url: str | None = None
    #: A short human name for reports.
    name: str = "target"
    #: The modules (each with its submodules) of the implementation this adapter runs in
    #: this process: an exception raised there is the target's failure, not the adapter's
    #: (:meth:`raised_in`). ``None``: every module but the standard library's, the client
    #: libraries', the adapter's own (its class' and base classes') and this package's
    #: (but ``REFERENCE_IMPLEMENTATION``).
    implementation: ClassVar[tuple[str, ...] | None] = None
    #: Called with every raw exchange the target keeps, as it is answered (an adapter that
    #: keeps none never calls it); set by a run that writes a bundle's HAR.
    on_exchange: Callable[[Exchange], None] | None = None

    def start(self) -> None:  # noqa: B027 - optional hook
        """Acquire whatever the target needs (a server, a mock); called once before use."""

    def stop(self) -> None:  # noqa: B027 - optional hook
        """Release what ``start`` acquired."""

    @abstractmethod
    def invoke(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Call ``operation`` with ``request``; return the response body."""

    def reaches_aws(self) -> bool:
        """True when calls would reach real AWS (refused unless ``--allow-aws``)."""
        return False

    def last_exchange(self) -> Exchange | None:
        """The raw exchange of the last call (capability ``wire``); ``None`` without one."""
        return None

    def send_raw(self, operation: str, body: bytes,
                 headers: Mapping[str, str | None] | None = None) -> Exchange:
        """Send ``body`` as ``operation``'s request, signed, with ``headers`` changed (a
        ``None`` value drops the header); the exchange (capability ``wire``)."""
        raise NotImplementedError("this target has no 'wire' capability")

    def inspect(self, dataset_group_arn: str) -> list[dict[str, Any]]:
        """The events recorded for a dataset group (capability ``inspect``)."""
        raise NotImplementedError("this target has no 'inspect' capability")

    def raised_in(self, error: BaseException) -> Raised | None:
        """``error``, raised by a call of this target, as the target's answer when it was
        raised in the target's implementation (``Raised``, an HTTP 500); ``None`` when it
        is the adapter's or the suite's. Decided by the innermost frame of its traceback
        that is not the standard library's or a client library's: in the implementation
        (``implementation``), the target's; in the adapter's modules or this package, not."""
        adapter = {cls.__module__ for cls in type(self).__mro__}
        for frame, line in reversed(list(_frames(error.__traceback__))):
            module = str(frame.f_globals.get("__name__") or "")
            top = module.split(".", 1)[0]
            if top in sys.stdlib_module_names or top in CLIENT_LIBRARIES:
                continue
            if module in adapter:
                return None
            if self.implementation is not None:
                if _within(module, self.implementation):
                    return Raised(error, _summary(frame, line))
                if top == SUITE_PACKAGE:
                    return None
                continue  # a library the implementation calls: look further out
            if (top == SUITE_PACKAGE or not module) and not _within(
                    module, REFERENCE_IMPLEMENTATION):
                return None
            return Raised(error, _summary(frame, line))
        return None


def _within(module: str, packages: tuple[str, ...]) -> bool:
    """Whether ``module`` is one of ``packages`` or a submodule of one."""
    return any(module == p or module.startswith(p + ".") for p in packages)


def _frames(tb: TracebackType | None) -> Any:
    """(frame, line number) of each entry of a traceback, outermost first."""
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next


def _summary(frame: Any, line: int) -> traceback.FrameSummary:
    return traceback.FrameSummary(frame.f_code.co_filename, line, frame.f_code.co_name,
                                  lookup_line=False)

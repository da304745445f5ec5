"""The adapter protocol every target implements, and the outcomes it reports."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

#: The operations a target serves, by their API names.
OPERATIONS: tuple[str, ...] = (
    "CreateDatasetGroup",
    "DescribeDatasetGroup",
    "DeleteDatasetGroup",
    "CreateEventTracker",
    "DescribeEventTracker",
    "ListEventTrackers",
    "DeleteEventTracker",
    "PutEvents",
)

#: Capabilities a target may declare. ``inspect``: it can show the events it recorded.
CAPABILITIES: frozenset[str] = frozenset({"inspect"})


class RawBody(dict):
    """A request to send as this exact JSON body, past the client library's serializer.

    For the operations in scope the JSON body *is* the request's members, so a target
    that takes members as data may treat it as any request; a target behind boto3 must
    put it on the wire unchanged (botocore cannot serialize a wrongly typed list, object
    or timestamp). Used for the violations botocore would otherwise rewrite or refuse.
    """


class TargetError(Exception):
    """The target answered with an error, normalized to (HTTP status, error code, message)."""

    def __init__(self, status: int, code: str, message: str = "") -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "code": self.code, "message": self.message}


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

    def inspect(self, dataset_group_arn: str) -> list[dict[str, Any]]:
        """The events recorded for a dataset group (capability ``inspect``)."""
        raise NotImplementedError("this target has no 'inspect' capability")

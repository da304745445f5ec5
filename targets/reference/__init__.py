"""The reference implementation, in-process and over HTTP, both reached through boto3."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from personalize_conformance.targets.base import REFERENCE_IMPLEMENTATION
from personalize_conformance.targets.boto import BotoTarget
from personalize_conformance.targets.reference.http_layer import handle
from personalize_conformance.targets.reference.server import ReferenceServer
from personalize_conformance.targets.reference.service import Behaviour, ReferenceService

__all__ = ["Behaviour", "ReferenceHttpTarget", "ReferenceService", "ReferenceTarget"]


class ReferenceTarget(BotoTarget):
    """The reference in this process: boto3 clients whose requests never leave memory.

    Serves ``service`` if given (a mutant's, say), else ``ReferenceService(behaviour)``.
    """

    name = "reference"
    capabilities: ClassVar[frozenset[str]] = frozenset({"inspect"})
    implementation: ClassVar[tuple[str, ...] | None] = REFERENCE_IMPLEMENTATION

    def __init__(self, behaviour: Behaviour | None = None, *,
                 service: ReferenceService | None = None) -> None:
        self.service = service if service is not None else ReferenceService(behaviour)
        super().__init__(None, transport=partial(handle, self.service))

    def inspect(self, dataset_group_arn: str) -> list[dict[str, Any]]:
        return self.service.recorded_events(dataset_group_arn)


class ReferenceHttpTarget(BotoTarget):
    """The reference served on a free 127.0.0.1 port for the length of the run.

    Serves ``service`` if given, else ``ReferenceService(behaviour)``, through ``serve``
    (the reference's HTTP layer, or a mutant's).
    """

    name = "reference-http"
    capabilities: ClassVar[frozenset[str]] = frozenset({"inspect"})
    implementation: ClassVar[tuple[str, ...] | None] = REFERENCE_IMPLEMENTATION

    def __init__(self, behaviour: Behaviour | None = None, *,
                 service: ReferenceService | None = None,
                 serve: Callable[..., Any] = handle) -> None:
        self.service = service if service is not None else ReferenceService(behaviour)
        self._server = ReferenceServer(self.service, serve=serve)
        super().__init__(self._server.url)

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def inspect(self, dataset_group_arn: str) -> list[dict[str, Any]]:
        return self.service.recorded_events(dataset_group_arn)

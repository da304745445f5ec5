"""The reference implementation, in-process and over HTTP, both reached through boto3."""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from ..boto import BotoTarget
from .server import ReferenceServer
from .service import Behaviour, ReferenceService
from .wire import handle

__all__ = ["Behaviour", "ReferenceHttpTarget", "ReferenceService", "ReferenceTarget"]


class ReferenceTarget(BotoTarget):
    """The reference in this process: boto3 clients whose requests never leave memory."""

    name = "reference"
    capabilities: ClassVar[frozenset[str]] = frozenset({"inspect"})

    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.service = ReferenceService(behaviour)
        super().__init__(None, transport=partial(handle, self.service))

    def inspect(self, dataset_group_arn: str) -> list[dict[str, Any]]:
        return self.service.recorded_events(dataset_group_arn)


class ReferenceHttpTarget(BotoTarget):
    """The reference served on a free 127.0.0.1 port for the length of the run."""

    name = "reference-http"
    capabilities: ClassVar[frozenset[str]] = frozenset({"inspect"})

    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.service = ReferenceService(behaviour)
        self._server = ReferenceServer(self.service)
        super().__init__(self._server.url)

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def inspect(self, dataset_group_arn: str) -> list[dict[str, Any]]:
        return self.service.recorded_events(dataset_group_arn)

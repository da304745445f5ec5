"""moto as a target: in-process (``moto``, ``mock_aws``) and as a server (``moto-server``).

moto 5 implements none of the operations in scope. In-process it raises
``NotImplementedError`` (personalize) or answers 404 "Not yet implemented"
(personalize-events); its server answers HTTP 500 (personalize, an HTML error page) or
a 404 page (no route for ``POST /events``). Both become ``Unsupported``; a 500 only when
moto's own response class lacks the action, so a real 500 from an implemented action
stays a failure. (moto's server labels JSON answers ``text/html``: like any target's
header, that is judged by ``Protocol.success.contentType`` alone.)
"""

from __future__ import annotations

import importlib
import inspect as pyinspect
import os
from typing import Any, ClassVar

from botocore import xform_name

from personalize_conformance.contracts import service_of
from personalize_conformance.targets.base import DEFAULT_CALL_TIMEOUT
from personalize_conformance.targets.boto import BotoTarget

DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                     "AWS_SESSION_TOKEN": "testing"}


def moto_implements(operation: str) -> bool:
    """Whether the installed moto has a handler for ``operation``."""
    module_name = "moto." + service_of(operation).replace("-", "") + ".responses"
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return False
    from moto.core.responses import BaseResponse

    action = xform_name(operation)
    return any(
        issubclass(cls, BaseResponse) and cls is not BaseResponse and hasattr(cls, action)
        for _, cls in pyinspect.getmembers(module, pyinspect.isclass)
    )


class MotoTarget(BotoTarget):
    """moto in this process: ``mock_aws`` around unmodified boto3 clients."""

    name = "moto"
    #: moto's own code: what it raises is moto's failure (its server would answer 500).
    implementation: ClassVar[tuple[str, ...] | None] = ("moto",)

    def __init__(self, call_timeout: float = DEFAULT_CALL_TIMEOUT) -> None:
        super().__init__(None, call_timeout=call_timeout)
        self._mock: Any = None
        self._saved_env: dict[str, str | None] = {}

    def reaches_aws(self) -> bool:
        return False  # mock_aws intercepts every call before it leaves the process

    def over_http(self) -> bool:
        return False  # in-process: no wire to judge

    def _credentials(self) -> dict[str, str]:
        return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

    def start(self) -> None:
        from moto import mock_aws

        self._saved_env = {k: os.environ.get(k) for k in DUMMY_CREDENTIALS}
        os.environ.update(DUMMY_CREDENTIALS)
        self._mock = mock_aws()
        self._mock.start()

    def stop(self) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def is_unsupported(self, operation: str, status: int, code: str, message: str) -> bool:
        return super().is_unsupported(operation, status, code, message) or (
            status >= 500 and not moto_implements(operation))


class MotoServerTarget(MotoTarget):
    """moto's ``ThreadedMotoServer`` on a free 127.0.0.1 port, reached over HTTP."""

    name = "moto-server"

    def over_http(self) -> bool:
        return True

    def __init__(self, call_timeout: float = DEFAULT_CALL_TIMEOUT) -> None:
        super().__init__(call_timeout)
        self._server: Any = None

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        self._clients.clear()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

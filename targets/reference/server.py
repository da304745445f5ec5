"""The reference served over HTTP on a loopback port, in a background thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from personalize_conformance.targets.reference.http_layer import handle
from personalize_conformance.targets.reference.service import ReferenceService


def _handler_for(service: ReferenceService, serve: Callable[..., Any] = handle
                 ) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # one answer is two writes: no 40 ms stall

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, payload = serve(
                service, self.command, self.path, dict(self.headers.items()), body
            )
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_POST = do_GET = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the suite reports, not the server."""

    return Handler


class ReferenceServer:
    """``start()`` binds 127.0.0.1 (port 0: a free one) and serves until ``stop()``;
    ``serve`` answers each request (``http_layer.handle``, or a mutant's wire handler)."""

    def __init__(self, service: ReferenceService, host: str = "127.0.0.1", port: int = 0,
                 serve: Callable[..., Any] = handle):
        self.service = service
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(service, serve))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ReferenceServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="reference-server")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Serve in the calling thread (for ``personalize-conformance serve``)."""
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

"""An independent Personalize event-tracking server (standard library only).

Written from the public documents (the developer guide "Recording Events", the CLI and
API references of PutEvents / Event / CreateEventTracker, the boto3 page of
create_event_tracker, and botocore's service models read as documentation). Nothing here
is loaded from the project's contracts, schemas, reference or strategies.

Services on one endpoint:

- ``personalize`` (AWS JSON 1.1): ``POST /`` with ``X-Amz-Target: AmazonPersonalize.<Op>``
  for CreateDatasetGroup, DescribeDatasetGroup, DeleteDatasetGroup, CreateEventTracker,
  DescribeEventTracker, ListEventTrackers, DeleteEventTracker;
- ``personalize-events`` (REST-JSON): ``POST /events`` (PutEvents).

Readings taken where the documents allow several (the less obvious one, on purpose):

- patterns must match the whole value (Java ``String.matches``); ``.`` matches no line
  terminator (``\\n \\r \\u0085 \\u2028 \\u2029``) and ``\\d`` is ASCII only;
- lengths are counted in UTF-16 code units (Java ``String.length()``);
- tag characters ``\\p{L} \\p{Z} \\p{N}`` are decided by ``unicodedata`` (this Python's
  Unicode database);
- an event's ``properties`` must be a JSON object serialized as a string;
- ``eventValue`` must fit a 32-bit float ("Type: Float"; the strings ``NaN``, ``Infinity``,
  ``-Infinity`` are read as those floats, then refused); ``sentAt`` may also be a string of
  digits (the guide's examples send ``'1553631760'``);
- a null member of an object is read as absent (a null list item is refused);
- a member of the wrong JSON type is a ``SerializationException``;
- more than 200 tags is an ``InvalidInputException``;
- a second tracker on a dataset group is ``ResourceInUseException``;
- a ``roleArn`` is only valid with a ``kmsKeyArn`` and the other way round (model
  documentation of CreateDatasetGroup);
- CreateEventTracker needs an ACTIVE dataset group (it adds a dataset to the group, and "You
  must wait until the status of the dataset group is ACTIVE before adding a dataset");
- PutEvents rejects the tracking ID of a tracker that is not ACTIVE yet (400), of a deleted
  tracker (403 ``AccessDeniedException``), and one never issued (404
  ``ResourceNotFoundException``);
- JSON 1.1 error types are namespaced (``com.amazonaws.personalize#...``), REST-JSON
  ``X-Amzn-ErrorType`` carries a ``:`` suffix, as the protocols allow;
- an event tracker's ARN ends with a sequence number and random hex (``et00001-3fa2b1``),
  or, with ``--arn-scheme name``, with its name, as the guide's example shows (a tracker
  created again with a deleted one's name then gets its ARN); a dataset group's ARN ends
  with its name either way;
- ListEventTrackers lists newest first, 7 to a page unless ``maxResults`` says otherwise,
  with signed keyset tokens; its summaries also carry the trackingId (the operation's
  documentation says the response includes it);
- statuses advance by elapsed time or by describes, whichever is further, and each one is
  reported at least twice to a caller who describes quickly.

To measure what the suite costs a real service, the server can be made slower: every
answer ``latency`` seconds late (``--latency``), a create ACTIVE and a delete ended only
``--active-seconds`` / ``--delete-seconds`` after the call, whatever the describes, and
Nagle's algorithm left on (the default; ``--nodelay`` turns it off).

This module is its HTTP layer (both protocols), ``start``/``stop`` and the command line;
the operations are :mod:`tests.independent.service`, the resources and their statuses
:mod:`tests.independent.resources`, the checks of a request :mod:`tests.independent.validation`.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.independent.resources import ARN_SCHEMES, STEP_SECONDS
from tests.independent.service import FAULTS, Service
from tests.independent.validation import Refusal, no_constant, without_nulls

# ---------------------------------------------------------------------------- HTTP

JSON11 = "application/x-amz-json-1.1"
TARGET_PREFIX = "AmazonPersonalize."


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "IndependentPersonalize/0.1"

    def log_message(self, format, *args):
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def answer(self, status: int, payload: bytes, headers: dict) -> None:
        if self.server.latency:
            time.sleep(self.server.latency)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):
        raw = self.read_body()
        target = self.headers.get("X-Amz-Target")
        if target is not None:
            self.json11(target, raw)
        elif self.path.split("?", 1)[0].rstrip("/") == "/events":
            self.rest_json("PutEvents", raw)
        else:
            self.rest_error(Refusal("UnknownOperationException",
                                    f"Nothing is served at POST {self.path}", 404))

    def do_GET(self):
        self.read_body()
        self.rest_error(Refusal("UnknownOperationException",
                                f"Nothing is served at GET {self.path}", 404))

    do_PUT = do_DELETE = do_GET

    @staticmethod
    def parse(raw: bytes) -> dict:
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw.decode("utf-8"), parse_constant=no_constant)
        except (ValueError, UnicodeDecodeError) as err:
            raise Refusal("SerializationException", f"The body is not JSON: {err}") from None
        if not isinstance(body, dict):
            raise Refusal("SerializationException", "The body must be a JSON object")
        return without_nulls(body)

    def json11(self, target: str, raw: bytes) -> None:
        try:
            if not target.startswith(TARGET_PREFIX):
                raise Refusal("UnknownOperationException", f"Unknown target {target}")
            result = self.server.service.call(target[len(TARGET_PREFIX):], self.parse(raw))
        except Refusal as err:
            space = ("com.amazon.coral.service" if err.code in (
                "SerializationException", "UnknownOperationException")
                else "com.amazonaws.personalize")
            doc = {"__type": f"{space}#{err.code}", "message": err.message}
            self.answer(err.status, json.dumps(doc).encode(), {"Content-Type": JSON11})
            return
        payload = b"" if result is None else json.dumps(result).encode()
        self.answer(200, payload, {"Content-Type": JSON11})

    def rest_json(self, operation: str, raw: bytes) -> None:
        try:
            result = self.server.service.call(operation, self.parse(raw))
        except Refusal as err:
            self.rest_error(err)
            return
        if result is None:
            self.answer(200, b"", {})
        else:
            self.answer(200, json.dumps(result).encode(), {"Content-Type": "application/json"})

    def rest_error(self, err: Refusal) -> None:
        kind = f"{err.code}:http://internal.amazon.com/coral/com.amazonaws.personalizeevents/"
        self.answer(err.status, json.dumps({"message": err.message}).encode(),
                    {"Content-Type": "application/json", "X-Amzn-ErrorType": kind})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def _handler(nodelay: bool) -> type:
    return type("NoDelayHandler", (Handler,), {"disable_nagle_algorithm": True}) \
        if nodelay else Handler


def make(port: int = 0, host: str = "127.0.0.1", faults=(), verbose: bool = False,
         step: float = STEP_SECONDS, nodelay: bool = False, arn_scheme: str = "seq",
         latency: float = 0.0, active_seconds: float | None = None,
         delete_seconds: float | None = None) -> Server:
    """The server, not yet serving (the keywords of :func:`start`)."""
    server = Server((host, port), _handler(nodelay))
    server.service = Service(faults, step, arn_scheme, active_seconds, delete_seconds)
    server.verbose = verbose
    server.latency = latency
    return server


def start(port: int = 0, host: str = "127.0.0.1", faults=(), verbose: bool = False,
          step: float = STEP_SECONDS, nodelay: bool = False, arn_scheme: str = "seq",
          latency: float = 0.0, active_seconds: float | None = None,
          delete_seconds: float | None = None):
    """Serve in a daemon thread; returns (server, url). ``stop(server)`` ends it.
    ``arn_scheme``: how a tracker's ARN ends (``ARN_SCHEMES``).
    ``nodelay``: answer without Nagle's algorithm (``TCP_NODELAY``). By default the server
    is as naive as the standard library makes it: headers and body go out in two writes,
    and the body waits for the client's delayed ACK (about 40 ms a call on Linux).
    ``latency``: seconds added before every answer; ``active_seconds`` /
    ``delete_seconds``: a create ACTIVE, a delete ended, that long after the call (by
    time alone; ``None``: by steps, or every two describes)."""
    server = make(port, host, faults, verbose, step, nodelay, arn_scheme, latency,
                  active_seconds, delete_seconds)
    thread = threading.Thread(target=server.serve_forever, name="independent-personalize",
                              daemon=True)
    thread.start()
    server.thread = thread
    return server, f"http://{host}:{server.server_address[1]}"


def stop(server) -> None:
    server.shutdown()
    server.server_close()
    server.thread.join(timeout=5)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.independent.server",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS),
                        help="inject one fault (repeatable): " + ", ".join(
                            f"{k} ({v})" for k, v in FAULTS.items()))
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument("--step-seconds", type=float, default=STEP_SECONDS,
                        help=f"seconds per status step (default {STEP_SECONDS}; "
                             "a status also steps every two describes)")
    parser.add_argument("--nodelay", action="store_true",
                        help="answer with TCP_NODELAY (about 40 ms a call faster)")
    parser.add_argument("--arn-scheme", choices=ARN_SCHEMES, default="seq",
                        help="how an event tracker's ARN ends: a sequence number and random "
                             "hex (seq, the default), or its name (name)")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds added before every answer (default 0)")
    parser.add_argument("--active-seconds", type=float, default=None,
                        help="a create is ACTIVE this long after it, whatever the describes")
    parser.add_argument("--delete-seconds", type=float, default=None,
                        help="a delete ends this long after it, whatever the describes")
    args = parser.parse_args(argv)
    server = make(args.port, args.host, args.fault, args.verbose, args.step_seconds,
                  args.nodelay, args.arn_scheme, args.latency, args.active_seconds,
                  args.delete_seconds)
    print(f"serving on http://{args.host}:{server.server_address[1]}"
          + (f" with faults {', '.join(args.fault)}" if args.fault else ""), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

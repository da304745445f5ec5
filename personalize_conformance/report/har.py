"""The raw exchanges of a run as a HAR 1.2 file (``exchanges.har`` of a bundle).

While a bundle's run goes, each process keeps a journal (``Journal``): every exchange its
target keeps (``Target.on_exchange``) is written at once, as one HAR entry per line, with
credentials redacted (``SECRET_HEADERS``; signature and credential query parameters), so
none reaches the disk. The bundle gathers the journals into one HAR (``har``). Bodies are
exact: UTF-8 text as it is, anything else base64 (``encoding``; a request's ``postData``
says so in ``_encoding``, HAR 1.2 having no field for it). Timings are not measured:
``startedDateTime`` is when the answer was read.
"""

from __future__ import annotations

import base64
import datetime as dt
import heapq
import http
import json
import os
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from personalize_conformance import __version__
from personalize_conformance.targets.base import SECRET_HEADERS, Exchange

#: Where a bundle's journals are kept while its run goes (removed once the HAR is written).
JOURNAL_DIR = ".exchanges"
REDACTED = "<redacted>"
#: Query parameters of a presigned URL that carry credentials.
SECRET_QUERY = frozenset({"x-amz-signature", "x-amz-credential", "x-amz-security-token"})
NO_TIMINGS = "timings are not measured; startedDateTime is when the answer was read"
_STARTED = re.compile(r'^\{"startedDateTime": "([^"]+)"')


def _body(data: bytes) -> tuple[str, bool]:
    """(text, whether it is base64): UTF-8 text as it is, other bytes base64."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), True


def _headers(headers: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"name": k, "value": REDACTED if k.lower() in SECRET_HEADERS else v}
            for k, v in headers.items()]


def _url(url: str) -> tuple[str, list[dict[str, str]]]:
    """The URL with credential query parameters redacted, and its query as HAR pairs."""
    parts = urlsplit(url)
    query = [(k, REDACTED if k.lower() in SECRET_QUERY else v)
             for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    clean = urlunsplit(parts._replace(query=urlencode(query))) if query else url
    return clean, [{"name": k, "value": v} for k, v in query]


def _status_text(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def entry(exchange: Exchange, process: str, when: dt.datetime | None = None) -> dict[str, Any]:
    """One HAR 1.2 entry for ``exchange``, credentials redacted."""
    url, query = _url(exchange.url)
    sent, sent_b64 = _body(exchange.request_body)
    got, got_b64 = _body(exchange.body)
    post = {"mimeType": exchange.request_headers.get("content-type", ""), "text": sent}
    if sent_b64:
        post["_encoding"] = "base64"
    content = {"size": len(exchange.body), "mimeType": exchange.headers.get("content-type", ""),
               "text": got}
    if got_b64:
        content["encoding"] = "base64"
    when = when or dt.datetime.now(dt.timezone.utc)
    return {
        "startedDateTime": when.isoformat(), "time": 0,
        "request": {"method": exchange.method, "url": url, "httpVersion": "HTTP/1.1",
                    "cookies": [], "headers": _headers(exchange.request_headers),
                    "queryString": query, "postData": post, "headersSize": -1,
                    "bodySize": len(exchange.request_body)},
        "response": {"status": exchange.status, "statusText": _status_text(exchange.status),
                     "httpVersion": "HTTP/1.1", "cookies": [],
                     "headers": _headers(exchange.headers), "content": content,
                     "redirectURL": "", "headersSize": -1, "bodySize": len(exchange.body)},
        "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0},
        "_operation": exchange.operation, "_process": process,
    }


class Journal:
    """One process' exchanges, each written as it is answered (one HAR entry a line)."""

    def __init__(self, bundle: str | Path, process: str) -> None:
        self.process = process
        self.path = Path(bundle) / JOURNAL_DIR / f"{process}-{os.getpid()}.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # a timed-out call may be answered from its thread
        self._file = self.path.open("a", encoding="utf-8")

    def record(self, exchange: Exchange) -> None:
        line = json.dumps(entry(exchange, self.process), ensure_ascii=False)
        with self._lock:
            if not self._file.closed:
                self._file.write(line + "\n")
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


def _started(line: str) -> str:
    """When a journal line's exchange was answered (``entry`` writes it first)."""
    match = _STARTED.match(line)
    return match[1] if match else ""


def har(entries: Iterable[Mapping[str, Any]], covers: str) -> dict[str, Any]:
    """The HAR 1.2 document of ``entries``; ``covers`` says which exchanges it holds."""
    return {"log": {"version": "1.2",
                    "creator": {"name": "personalize-conformance", "version": __version__},
                    "comment": f"{covers}; {NO_TIMINGS}", "pages": [],
                    "entries": list(entries)}}


def write(bundle: str | Path, out: str | Path, covers: str) -> int:
    """Write the HAR of a bundle's journals to ``out``, one entry a line, in the order the
    exchanges were answered, never holding them all in memory (a ``certify`` run's bodies
    come to about a gigabyte); how many entries it holds."""
    streams = [path.open(encoding="utf-8")
               for path in sorted((Path(bundle) / JOURNAL_DIR).glob("*.jsonl"))]
    prefix, suffix = json.dumps(har([], covers), ensure_ascii=False).rsplit("[]", 1)
    count = 0
    try:
        lines = heapq.merge(*((ln for ln in s if ln.strip()) for s in streams), key=_started)
        with Path(out).open("w", encoding="utf-8") as document:
            document.write(prefix + "[\n")
            for line in lines:
                document.write(("," if count else "") + line.rstrip("\n") + "\n")
                count += 1
            document.write("]" + suffix + "\n")
    finally:
        for stream in streams:
            stream.close()
    return count


def _entry_problems(n: int, one: Any) -> list[str]:
    request = one.get("request") if isinstance(one, Mapping) else None
    if not isinstance(request, Mapping) or not isinstance(one.get("response"), Mapping):
        return [f"entry {n} has no request and response"]
    leaked = sorted({str(h.get("name", "")) for h in request.get("headers", [])
                     if isinstance(h, Mapping) and str(h.get("name", "")).lower()
                     in SECRET_HEADERS and h.get("value") != REDACTED})
    return [f"entry {n} carries credentials ({', '.join(leaked)} not redacted)"] if leaked \
        else []


def _is_log(document: Any) -> bool:
    log = document.get("log") if isinstance(document, Mapping) else None
    return isinstance(log, Mapping) and log.get("version") == "1.2" \
        and isinstance(log.get("entries"), list)


def _streamed(path: Path) -> tuple[int, list[str]] | None:
    """(entries, problems) of a HAR laid out as ``write`` lays it out, read an entry at a
    time; None for any other layout."""
    count, found = 0, []
    with path.open(encoding="utf-8") as lines:
        head = lines.readline()
        try:
            if not head.endswith("[\n") or not _is_log(json.loads(head[:-2] + "[]}}")):
                return None
            for line in lines:
                if line.startswith("]"):
                    json.loads(head[:-2] + "[]" + line[1:])
                    return count, found
                count += 1
                found += _entry_problems(count, json.loads(line[1:] if count > 1 else line))
        except ValueError:
            return None
    return None


def scan(path: str | Path) -> tuple[int, list[str]]:
    """(how many entries, what makes it no HAR 1.2 of a bundle) of the HAR at ``path``:
    its shape, and any credential left in it. ``ValueError`` when it is not JSON."""
    streamed = _streamed(Path(path))
    if streamed is not None:
        return streamed
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    if not _is_log(document):
        return 0, ["is not a HAR 1.2 file (log.version 1.2 and log.entries)"]
    entries = document["log"]["entries"]
    return len(entries), [p for n, one in enumerate(entries, 1)
                          for p in _entry_problems(n, one)]

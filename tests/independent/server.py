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
- ``eventValue`` must fit a 32-bit float ("Type: Float"); ``sentAt`` may also be a string of
  digits (the guide's examples send ``'1553631760'``);
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
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import itertools
import json
import math
import re
import secrets
import sys
import threading
import time
import unicodedata
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REGION = "us-west-2"
ACCOUNT = "000011112222"
ARN_HEAD = f"arn:aws:personalize:{REGION}:{ACCOUNT}"

# Each fault breaks exactly one documented rule: name -> the catalog clause it breaks.
FAULTS = {
    "eventlist-accepts-11": "PutEvents.eventList.maxItems",
    "tracker-name-max-62": "CreateEventTracker.name.maxLength",
    "describe-wrong-tracking-id": "DescribeEventTracker.agreesWithCreate",
    "list-ignores-max-results": "ListEventTrackers.maxResults",
    "deleted-tracker-accepts-events": "PutEvents.deletedTrackingId",
    "second-tracker-allowed": "CreateEventTracker.oneTrackerPerDatasetGroup",
    "tracker-tag-value-max-255": "CreateEventTracker.tags[].tagValue.maxLength",
}

#: How an event tracker's ARN ends: a sequence number and random hex, or its name.
ARN_SCHEMES = ("seq", "name")
STEP_SECONDS = 0.4  # one status step per this many seconds (or per two describes)
DEFAULT_PAGE = 7

# ---------------------------------------------------------------------------- errors


class Refusal(Exception):
    """An error answer: code, message, HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def bad(message: str) -> Refusal:
    return Refusal("InvalidInputException", message)


def wrong_type(where: str, wanted: str) -> Refusal:
    return Refusal("SerializationException", f"Cannot deserialize {where}: expected {wanted}")


# ------------------------------------------------------------- character-level checks

_LINE_ENDS = "\n\r\u0085\u2028\u2029"
_ANY = "[^" + _LINE_ENDS + "]"  # Java's '.' without DOTALL

_RESOURCE_ARN = re.compile(f"arn:[a-z0-9-]+:personalize:{_ANY}*:{_ANY}*:{_ANY}+")
_ROLE_ARN = re.compile(r"arn:[a-z0-9-]+:iam::[0-9]{12}:role/?[A-Za-z0-9_+=,.@/-]+")
_KMS_ARN = re.compile(f"arn:aws{_ANY}*:kms:{_ANY}*:[0-9]{{12}}:key/{_ANY}*")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_DIGITS_TIME = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_TAG_PUNCT = frozenset("_.:/=+-@")
_FLOAT32_MAX = 3.4028234663852886e38


def utf16_len(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def tag_text_ok(text: str) -> bool:
    for ch in text:
        if ch in _TAG_PUNCT:
            continue
        if unicodedata.category(ch)[0] not in ("L", "Z", "N"):
            return False
    return True


def attribution_ok(text: str) -> bool:
    printable = all(0x20 <= ord(ch) <= 0x7E for ch in text)
    return printable and any(ch != " " for ch in text)


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v) -> bool:
    return (isinstance(v, (int, float))) and not isinstance(v, bool)


# ---------------------------------------------------------------- member checkers


def present(obj: dict, key: str, where: str, need: bool) -> bool:
    """Whether ``key`` is in ``obj``; its absence refused when it is ``need``-ed."""
    if key not in obj and need:
        raise bad(f"Missing required parameter {where}")
    return key in obj


def text(obj: dict, key: str, where: str, *, need=False, most=None, least=None, shape=None):
    """A string member: present if needed, a string, within [least, most] UTF-16 units,
    matching ``shape`` (a compiled pattern, full match, or a predicate)."""
    if not present(obj, key, where, need):
        return None
    value = obj[key]
    if not isinstance(value, str):
        raise wrong_type(where, "a string")
    size = utf16_len(value)
    if most is not None and size > most:
        raise bad(f"{where} is {size} characters long; the limit is {most}")
    if least is not None and size < least:
        raise bad(f"{where} must have at least {least} character(s)")
    if shape is not None:
        fits = shape.fullmatch(value) is not None if hasattr(shape, "fullmatch") else shape(value)
        if not fits:
            raise bad(f"{where} is not in the accepted format")
    return value


def array(obj: dict, key: str, where: str, *, need=False, most=None, least=None):
    if not present(obj, key, where, need):
        return None
    value = obj[key]
    if not isinstance(value, list):
        raise wrong_type(where, "a list")
    if most is not None and len(value) > most:
        raise bad(f"{where} holds {len(value)} entries; no more than {most} are allowed")
    if least is not None and len(value) < least:
        raise bad(f"{where} needs at least {least} entr{'y' if least == 1 else 'ies'}")
    return value


def record(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise wrong_type(where, "an object")
    return value


def check_tags(body: dict, where: str, value_most: int = 256) -> list:
    tags = array(body, "tags", where)
    if tags is None:
        return []
    for n, tag in enumerate(tags):
        spot = f"{where}[{n}]"
        record(tag, spot)
        # the value first, then the key (an order of our own)
        text(tag, "tagValue", f"{spot}.tagValue", need=True, most=value_most, shape=tag_text_ok)
        text(tag, "tagKey", f"{spot}.tagKey", need=True, most=128, least=1, shape=tag_text_ok)
    if len(tags) > 200:
        raise bad(f"{where}: at most 200 tags can be applied, got {len(tags)}")
    return [{"tagKey": t["tagKey"], "tagValue": t["tagValue"]} for t in tags]


def resource_arn(body: dict, key: str, where: str, need: bool):
    return text(body, key, where, need=need, most=256, shape=_RESOURCE_ARN)


# ----------------------------------------------------------------------- resources

CREATE_STAGES = ("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE")


class Resource:
    """Status bookkeeping: advances by time or by describes (two per step)."""

    delete_stages: tuple[str, ...] = ()

    def __init__(self, clock: float, wall: float):
        self.born, self.born_wall = clock, wall
        self.looks = 0
        self.dying_since: float | None = None
        self.dying_looks = 0
        self.shown = CREATE_STAGES[0]
        self.changed_wall = wall

    def stage_at(self, clock: float) -> str | None:
        if self.dying_since is None:
            step = max(int((clock - self.born) / STEP_SECONDS), self.looks // 2)
            return CREATE_STAGES[min(step, len(CREATE_STAGES) - 1)]
        step = max(int((clock - self.dying_since) / STEP_SECONDS), self.dying_looks // 2)
        return self.delete_stages[step] if step < len(self.delete_stages) else None

    def status(self, clock: float, wall: float, looking: bool = False) -> str | None:
        now = self.stage_at(clock)
        if looking:
            if self.dying_since is None:
                self.looks += 1
            else:
                self.dying_looks += 1
        if now is not None and now != self.shown:
            self.shown, self.changed_wall = now, wall
        return now

    def begin_delete(self, clock: float, wall: float) -> None:
        self.dying_since = clock
        self.shown, self.changed_wall = self.delete_stages[0], wall


class DatasetGroup(Resource):
    delete_stages = ("DELETE PENDING",)

    def __init__(self, clock, wall, name, arn, role, kms, domain, tags):
        super().__init__(clock, wall)
        self.name, self.arn, self.role, self.kms, self.domain, self.tags = (
            name, arn, role, kms, domain, tags)
        self.events: list[dict] = []


class Tracker(Resource):
    delete_stages = ("DELETE PENDING", "DELETE IN_PROGRESS")

    def __init__(self, clock, wall, seq, name, group_arn, tags, scheme="seq"):
        super().__init__(clock, wall)
        self.seq, self.name, self.group_arn, self.tags = seq, name, group_arn, tags
        ending = name if scheme == "name" else f"et{seq:05d}-{secrets.token_hex(3)}"
        self.arn = f"{ARN_HEAD}:event-tracker/{ending}"
        self.tracking_id = "tk_" + base64.urlsafe_b64encode(secrets.token_bytes(24)).decode()


def stamp(wall: float) -> float:
    return round(wall, 3)


# ------------------------------------------------------------------------- service


class Service:
    def __init__(self, faults=(), step: float = STEP_SECONDS, arn_scheme: str = "seq"):
        unknown = sorted(set(faults) - set(FAULTS))
        if unknown:
            raise ValueError(f"unknown fault(s): {', '.join(unknown)}")
        if arn_scheme not in ARN_SCHEMES:
            raise ValueError(f"no ARN scheme {arn_scheme!r}: {', '.join(ARN_SCHEMES)}")
        self.arn_scheme = arn_scheme
        if step <= 0:
            raise ValueError(f"a status step takes some time, not {step}s")
        self.faults = frozenset(faults)
        # statuses step every ``step`` seconds: the service's clock runs that much faster
        self.pace = STEP_SECONDS / step
        self.lock = threading.Lock()
        self.groups: dict[str, DatasetGroup] = {}
        self.trackers: dict[str, Tracker] = {}
        self.by_tracking_id: dict[str, Tracker] = {}
        self.revoked: set[str] = set()
        self.seq = itertools.count(1)
        self.event_ids = itertools.count(1)
        self.key = secrets.token_bytes(16)

    # -- plumbing

    def call(self, operation: str, body: dict):
        handler = getattr(self, "op_" + operation, None)
        if handler is None:
            raise Refusal("UnknownOperationException", f"No operation named {operation}")
        with self.lock:
            clock, wall = time.monotonic() * self.pace, time.time()
            self.sweep(clock, wall)
            return handler(body, clock, wall)

    def sweep(self, clock, wall) -> None:
        for arn, tr in list(self.trackers.items()):
            if tr.dying_since is not None and tr.status(clock, wall) is None:
                del self.trackers[arn]
                self.by_tracking_id.pop(tr.tracking_id, None)
                self.revoked.add(tr.tracking_id)
        for arn, grp in list(self.groups.items()):
            if grp.dying_since is not None and grp.status(clock, wall) is None:
                del self.groups[arn]

    def group_tracker(self, group_arn: str) -> Tracker | None:
        return next((t for t in self.trackers.values() if t.group_arn == group_arn), None)

    # -- personalize: dataset groups

    def op_CreateDatasetGroup(self, body, clock, wall):
        tags = check_tags(body, "tags")
        domain = body.get("domain")
        if "domain" in body:
            if not isinstance(domain, str):
                raise wrong_type("domain", "a string")
            if domain not in ("ECOMMERCE", "VIDEO_ON_DEMAND"):
                raise bad("domain must be ECOMMERCE or VIDEO_ON_DEMAND")
        kms = text(body, "kmsKeyArn", "kmsKeyArn", most=2048, shape=_KMS_ARN)
        role = text(body, "roleArn", "roleArn", most=256, shape=_ROLE_ARN)
        name = text(body, "name", "name", need=True, most=63, least=1, shape=_NAME)
        if (role is None) != (kms is None):
            raise bad("roleArn and kmsKeyArn go together: give both or neither")
        arn = f"{ARN_HEAD}:dataset-group/{name}"
        if arn in self.groups:
            raise Refusal("ResourceAlreadyExistsException", f"Dataset group {name} exists")
        self.groups[arn] = DatasetGroup(clock, wall, name, arn, role, kms, domain, tags)
        answer = {"datasetGroupArn": arn}
        if domain is not None:
            answer["domain"] = domain
        return answer

    def find_group(self, arn: str) -> DatasetGroup:
        grp = self.groups.get(arn)
        if grp is None:
            raise Refusal("ResourceNotFoundException", f"No dataset group has the ARN {arn}")
        return grp

    def op_DescribeDatasetGroup(self, body, clock, wall):
        grp = self.find_group(resource_arn(body, "datasetGroupArn", "datasetGroupArn", True))
        status = grp.status(clock, wall, looking=True)
        out = {
            "name": grp.name, "datasetGroupArn": grp.arn, "status": status,
            "creationDateTime": stamp(grp.born_wall),
            "lastUpdatedDateTime": stamp(grp.changed_wall),
        }
        for key, value in (("roleArn", grp.role), ("kmsKeyArn", grp.kms),
                           ("domain", grp.domain)):
            if value is not None:
                out[key] = value
        return {"datasetGroup": out}

    def op_DeleteDatasetGroup(self, body, clock, wall):
        grp = self.find_group(resource_arn(body, "datasetGroupArn", "datasetGroupArn", True))
        if grp.dying_since is not None:
            raise Refusal("ResourceInUseException", "The dataset group is already being deleted")
        if self.group_tracker(grp.arn) is not None:
            raise Refusal("ResourceInUseException",
                          "Delete the dataset group's event tracker first")
        grp.begin_delete(clock, wall)
        return None

    # -- personalize: event trackers

    def op_CreateEventTracker(self, body, clock, wall):
        value_most = 255 if "tracker-tag-value-max-255" in self.faults else 256
        tags = check_tags(body, "tags", value_most)
        name_most = 62 if "tracker-name-max-62" in self.faults else 63
        name = text(body, "name", "name", need=True, most=name_most, least=1, shape=_NAME)
        group_arn = resource_arn(body, "datasetGroupArn", "datasetGroupArn", True)
        grp = self.find_group(group_arn)
        if grp.dying_since is not None:
            raise Refusal("ResourceInUseException", "The dataset group is being deleted")
        if "second-tracker-allowed" not in self.faults and self.group_tracker(grp.arn):
            raise Refusal("ResourceInUseException",
                          "This dataset group already has its one event tracker")
        if grp.status(clock, wall) != "ACTIVE":
            raise Refusal("ResourceInUseException",
                          "The dataset group is not ACTIVE yet; try again when it is")
        if any(t.name == name for t in self.trackers.values()):  # one being deleted too
            raise Refusal("ResourceAlreadyExistsException",
                          f"An event tracker named {name} exists")
        tracker = Tracker(clock, wall, next(self.seq), name, grp.arn, tags, self.arn_scheme)
        self.trackers[tracker.arn] = tracker
        self.by_tracking_id[tracker.tracking_id] = tracker
        return {"eventTrackerArn": tracker.arn, "trackingId": tracker.tracking_id}

    def find_tracker(self, arn: str) -> Tracker:
        tracker = self.trackers.get(arn)
        if tracker is None:
            raise Refusal("ResourceNotFoundException", f"No event tracker has the ARN {arn}")
        return tracker

    def op_DescribeEventTracker(self, body, clock, wall):
        tracker = self.find_tracker(
            resource_arn(body, "eventTrackerArn", "eventTrackerArn", True))
        status = tracker.status(clock, wall, looking=True)
        tracking_id = tracker.tracking_id
        if "describe-wrong-tracking-id" in self.faults:
            tracking_id = tracking_id[:-4] + "Zz9Q"
        return {"eventTracker": {
            "name": tracker.name, "eventTrackerArn": tracker.arn, "accountId": ACCOUNT,
            "trackingId": tracking_id, "datasetGroupArn": tracker.group_arn,
            "status": status, "creationDateTime": stamp(tracker.born_wall),
            "lastUpdatedDateTime": stamp(tracker.changed_wall),
        }}

    def op_DeleteEventTracker(self, body, clock, wall):
        tracker = self.find_tracker(
            resource_arn(body, "eventTrackerArn", "eventTrackerArn", True))
        if tracker.dying_since is not None:
            raise Refusal("ResourceInUseException", "The event tracker is already being deleted")
        tracker.begin_delete(clock, wall)
        return None

    def token_for(self, last_seq: int, scope) -> str:
        payload = base64.urlsafe_b64encode(json.dumps([1, last_seq, scope]).encode())
        sig = hmac.new(self.key, payload, hashlib.sha256).hexdigest()[:16]
        return payload.decode().rstrip("=") + "~" + sig

    def token_seq(self, token: str, scope) -> int:
        payload, _, sig = token.partition("~")
        want = hmac.new(self.key, (payload + "=" * (-len(payload) % 4)).encode(),
                        hashlib.sha256).hexdigest()[:16]
        if not sig or not hmac.compare_digest(sig, want):
            raise bad("nextToken was not issued by this service")
        version, last_seq, its_scope = json.loads(
            base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if version != 1 or its_scope != scope:
            raise Refusal("InvalidNextTokenException",
                          "nextToken belongs to a listing with another datasetGroupArn")
        return last_seq

    def op_ListEventTrackers(self, body, clock, wall):
        page = DEFAULT_PAGE
        if "maxResults" in body:
            page = body["maxResults"]
            if not is_int(page):
                raise wrong_type("maxResults", "an integer")
            if page > 100 or page < 1:
                raise bad("maxResults must lie between 1 and 100")
        token = text(body, "nextToken", "nextToken", most=1500,
                     shape=lambda s: all(ord(c) < 128 for c in s))
        scope = resource_arn(body, "datasetGroupArn", "datasetGroupArn", False)
        if "list-ignores-max-results" in self.faults:
            page = 10**9
        below = self.token_seq(token, scope) if token is not None else None
        chosen = sorted(
            (t for t in self.trackers.values()
             if (scope is None or t.group_arn == scope) and (below is None or t.seq < below)),
            key=lambda t: -t.seq)
        shown, rest = chosen[:page], chosen[page:]
        summaries = []
        for t in shown:
            status = t.status(clock, wall)
            summaries.append({
                "name": t.name, "eventTrackerArn": t.arn, "status": status,
                "trackingId": t.tracking_id,
                "creationDateTime": stamp(t.born_wall),
                "lastUpdatedDateTime": stamp(t.changed_wall),
            })
        answer = {"eventTrackers": summaries}
        if rest:
            answer["nextToken"] = self.token_for(shown[-1].seq, scope)
        return answer

    # -- personalize-events

    def check_event(self, event, where: str) -> dict:
        record(event, where)
        attribution = event.get("metricAttribution")
        if "metricAttribution" in event:
            record(attribution, f"{where}.metricAttribution")
            text(attribution, "eventAttributionSource",
                 f"{where}.metricAttribution.eventAttributionSource", need=True, most=1024,
                 shape=attribution_ok)
        seen = array(event, "impression", f"{where}.impression", least=1, most=25)
        for n, item in enumerate(seen or ()):
            text({"i": item}, "i", f"{where}.impression[{n}]", least=1, most=256)
        text(event, "recommendationId", f"{where}.recommendationId", least=1, most=40)
        props = text(event, "properties", f"{where}.properties", least=1, most=1024)
        if props is not None:
            try:
                parsed = json.loads(props, parse_constant=_no_constant)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                raise bad(f"{where}.properties must be a JSON object written as a string")
        if "sentAt" not in event:
            raise bad(f"Missing required parameter {where}.sentAt")
        sent = event["sentAt"]
        if isinstance(sent, str) and _DIGITS_TIME.fullmatch(sent):
            sent = float(sent)
        if not is_num(sent):
            raise wrong_type(f"{where}.sentAt", "a timestamp in Unix seconds")
        if not math.isfinite(sent):
            raise bad(f"{where}.sentAt is not a point in time")
        text(event, "itemId", f"{where}.itemId", least=1, most=256)
        if "eventValue" in event:
            value = event["eventValue"]
            if not is_num(value):
                raise wrong_type(f"{where}.eventValue", "a number")
            if not math.isfinite(value) or abs(value) > _FLOAT32_MAX:
                raise bad(f"{where}.eventValue does not fit a 32-bit float")
        text(event, "eventType", f"{where}.eventType", need=True, least=1, most=256)
        text(event, "eventId", f"{where}.eventId", least=1, most=256)
        return event

    def op_PutEvents(self, body, clock, wall):
        most = 11 if "eventlist-accepts-11" in self.faults else 10
        events = array(body, "eventList", "eventList", need=True, least=1, most=most)
        checked = [self.check_event(e, f"eventList[{n}]") for n, e in enumerate(events)]
        user = text(body, "userId", "userId", least=1, most=256)
        session = text(body, "sessionId", "sessionId", need=True, least=1, most=256)
        tid = text(body, "trackingId", "trackingId", need=True, least=1, most=256)
        accept_dead = "deleted-tracker-accepts-events" in self.faults
        tracker = self.by_tracking_id.get(tid)
        if tracker is None:
            if tid in self.revoked and not accept_dead:
                raise Refusal("AccessDeniedException",
                              "This tracking ID was revoked with its event tracker", 403)
            if tid not in self.revoked:
                raise Refusal("ResourceNotFoundException",
                              "No event tracker issued this tracking ID", 404)
            return None
        if tracker.dying_since is not None:
            if not accept_dead:
                raise Refusal("AccessDeniedException",
                              "This tracking ID's event tracker is being deleted", 403)
            return None
        if tracker.status(clock, wall) != "ACTIVE":
            raise bad("The event tracker is not ACTIVE yet: wait before sending events")
        grp = self.groups.get(tracker.group_arn)
        if grp is not None:
            for event in checked:
                kept = dict(event)
                kept.setdefault("eventId", f"gen-{next(self.event_ids):08d}")
                kept.update(sessionId=session, userId=user)
                grp.events.append(kept)
        return None


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


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
            body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
        except (ValueError, UnicodeDecodeError) as err:
            raise Refusal("SerializationException", f"The body is not JSON: {err}") from None
        if not isinstance(body, dict):
            raise Refusal("SerializationException", "The body must be a JSON object")
        return body

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


def start(port: int = 0, host: str = "127.0.0.1", faults=(), verbose: bool = False,
          step: float = STEP_SECONDS, nodelay: bool = False, arn_scheme: str = "seq"):
    """Serve in a daemon thread; returns (server, url). ``stop(server)`` ends it.
    ``arn_scheme``: how a tracker's ARN ends (``ARN_SCHEMES``).
    ``nodelay``: answer without Nagle's algorithm (``TCP_NODELAY``). By default the server
    is as naive as the standard library makes it: headers and body go out in two writes,
    and the body waits for the client's delayed ACK (about 40 ms a call on Linux)."""
    server = Server((host, port), _handler(nodelay))
    server.service = Service(faults, step, arn_scheme)
    server.verbose = verbose
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
    args = parser.parse_args(argv)
    server = Server((args.host, args.port), _handler(args.nodelay))
    server.service = Service(args.fault, args.step_seconds, args.arn_scheme)
    server.verbose = args.verbose
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

"""The independent server's operations (``Service.call``): one method per operation, its
faults (:data:`FAULTS`) injected by name; no HTTP here (:mod:`tests.independent.server`).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import math
import secrets
import threading
import time

from tests.independent.resources import (
    ACCOUNT,
    ARN_HEAD,
    ARN_SCHEMES,
    STEP_SECONDS,
    DatasetGroup,
    Timing,
    Tracker,
    stamp,
)
from tests.independent.validation import (
    DIGITS_TIME,
    FLOAT32_MAX,
    KMS_ARN,
    NAME,
    ROLE_ARN,
    Refusal,
    array,
    attribution_ok,
    bad,
    check_tags,
    float_value,
    is_int,
    is_num,
    no_constant,
    record,
    resource_arn,
    text,
    wrong_type,
)

# Each fault breaks exactly one documented rule: name -> the catalog clause it breaks.
FAULTS = {
    "eventlist-accepts-11": "PutEvents.eventList.maxItems",
    "tracker-name-max-62": "CreateEventTracker.name.maxLength",
    "describe-wrong-tracking-id": "DescribeEventTracker.agreesWithCreate",
    "list-ignores-max-results": "ListEventTrackers.maxResults",
    "deleted-tracker-accepts-events": "PutEvents.deletedTrackingId",
    "second-tracker-allowed": "CreateEventTracker.oneTrackerPerDatasetGroup",
    "tracker-tag-value-max-255": "CreateEventTracker.tags[].tagValue.maxLength",
    "sent-at-number-strings": "Protocol.request.timestampEncoding",
}

DEFAULT_PAGE = 7

# ------------------------------------------------------------------------- service


class Service:
    def __init__(self, faults=(), step: float = STEP_SECONDS, arn_scheme: str = "seq",
                 active_seconds: float | None = None, delete_seconds: float | None = None):
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
        self.timing = Timing(self.pace, active_seconds, delete_seconds)
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
        kms = text(body, "kmsKeyArn", "kmsKeyArn", most=2048, shape=KMS_ARN)
        role = text(body, "roleArn", "roleArn", most=256, shape=ROLE_ARN)
        name = text(body, "name", "name", need=True, most=63, least=1, shape=NAME)
        if (role is None) != (kms is None):
            raise bad("roleArn and kmsKeyArn go together: give both or neither")
        arn = f"{ARN_HEAD}:dataset-group/{name}"
        if arn in self.groups:
            raise Refusal("ResourceAlreadyExistsException", f"Dataset group {name} exists")
        self.groups[arn] = DatasetGroup(clock, wall, name, arn, role, kms, domain, tags,
                                        self.timing)
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
        name = text(body, "name", "name", need=True, most=name_most, least=1, shape=NAME)
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
        tracker = Tracker(clock, wall, next(self.seq), name, grp.arn, tags, self.arn_scheme,
                          self.timing)
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
                parsed = json.loads(props, parse_constant=no_constant)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                raise bad(f"{where}.properties must be a JSON object written as a string")
        if "sentAt" not in event:
            raise bad(f"Missing required parameter {where}.sentAt")
        sent = event["sentAt"]
        if isinstance(sent, str) and DIGITS_TIME.fullmatch(sent):
            sent = float(sent)
        elif isinstance(sent, str) and "sent-at-number-strings" in self.faults:
            with contextlib.suppress(ValueError):
                sent = float(sent)
        if not is_num(sent):
            raise wrong_type(f"{where}.sentAt", "a timestamp in Unix seconds")
        if not math.isfinite(sent):
            raise bad(f"{where}.sentAt is not a point in time")
        text(event, "itemId", f"{where}.itemId", least=1, most=256)
        if "eventValue" in event:
            value = float_value(event["eventValue"])
            if not is_num(value):
                raise wrong_type(f"{where}.eventValue", "a number")
            if not math.isfinite(value) or abs(value) > FLOAT32_MAX:
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



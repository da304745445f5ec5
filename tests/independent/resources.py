"""The independent server's resources (dataset groups, event trackers) and their statuses,
which advance by elapsed time or by describes, whichever is further.
"""

from __future__ import annotations

import base64
import secrets

REGION = "us-west-2"
ACCOUNT = "000011112222"
ARN_HEAD = f"arn:aws:personalize:{REGION}:{ACCOUNT}"

#: How an event tracker's ARN ends: a sequence number and random hex, or its name.
ARN_SCHEMES = ("seq", "name")
STEP_SECONDS = 0.4  # one status step per this many seconds (or per two describes)

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



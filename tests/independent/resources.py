"""The independent server's resources (dataset groups, event trackers) and their statuses,
which advance by elapsed time or by describes, whichever is further; or, with a
:class:`Timing` that says so, by elapsed time alone (ACTIVE ``active_seconds`` after the
create, gone ``delete_seconds`` after the delete), as a real service's would.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

REGION = "us-west-2"
ACCOUNT = "000011112222"
ARN_HEAD = f"arn:aws:personalize:{REGION}:{ACCOUNT}"

#: How an event tracker's ARN ends: a sequence number and random hex, or its name.
ARN_SCHEMES = ("seq", "name")
STEP_SECONDS = 0.4  # one status step per this many seconds (or per two describes)

# ----------------------------------------------------------------------- resources


@dataclass(frozen=True)
class Timing:
    """How the service's clock relates to seconds (``pace``: service seconds per second),
    and, where given, the seconds a create takes to become ACTIVE and a delete to end,
    whatever the describes (``None``: by steps, or every two describes)."""

    pace: float = 1.0
    active_seconds: float | None = None
    delete_seconds: float | None = None

    def step(self, elapsed: float, total: float | None, stages: int, looks: int) -> int:
        """The stage reached ``elapsed`` service seconds into ``stages`` more stages."""
        if total is None:
            return max(int(elapsed / STEP_SECONDS), looks // 2)
        seconds = elapsed / self.pace
        return stages if seconds >= total else int(seconds / total * stages)

CREATE_STAGES = ("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE")


class Resource:
    """Status bookkeeping: advances by time or by describes (two per step)."""

    delete_stages: tuple[str, ...] = ()

    def __init__(self, clock: float, wall: float, timing: Timing | None = None):
        self.timing = timing or Timing()
        self.born, self.born_wall = clock, wall
        self.looks = 0
        self.dying_since: float | None = None
        self.dying_looks = 0
        self.shown = CREATE_STAGES[0]
        self.changed_wall = wall

    def stage_at(self, clock: float) -> str | None:
        if self.dying_since is None:
            step = self.timing.step(clock - self.born, self.timing.active_seconds,
                                    len(CREATE_STAGES) - 1, self.looks)
            return CREATE_STAGES[min(step, len(CREATE_STAGES) - 1)]
        step = self.timing.step(clock - self.dying_since, self.timing.delete_seconds,
                                len(self.delete_stages), self.dying_looks)
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

    def __init__(self, clock, wall, name, arn, role, kms, domain, tags, timing=None):
        super().__init__(clock, wall, timing)
        self.name, self.arn, self.role, self.kms, self.domain, self.tags = (
            name, arn, role, kms, domain, tags)
        self.events: list[dict] = []


class Tracker(Resource):
    delete_stages = ("DELETE PENDING", "DELETE IN_PROGRESS")

    def __init__(self, clock, wall, seq, name, group_arn, tags, scheme="seq", timing=None):
        super().__init__(clock, wall, timing)
        self.seq, self.name, self.group_arn, self.tags = seq, name, group_arn, tags
        ending = name if scheme == "name" else f"et{seq:05d}-{secrets.token_hex(3)}"
        self.arn = f"{ARN_HEAD}:event-tracker/{ending}"
        self.tracking_id = "tk_" + base64.urlsafe_b64encode(secrets.token_bytes(24)).decode()


def stamp(wall: float) -> float:
    return round(wall, 3)



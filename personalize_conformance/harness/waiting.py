"""The one wait with backoff: poll until something holds, within a deadline.

:class:`Backoff` starts its deadline when made; :meth:`Backoff.pause` sleeps the current
delay and doubles it up to ``most`` (``first == most``: a fixed delay, for retrying a
delete the target refuses while something still uses the resource). Used by every loop
that waits on a target: the harness' waits for ``ACTIVE`` and for a deletion's end, and
the suite's describes of a resource being created or deleted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """A deadline ``seconds`` from now, and the delay before the next attempt."""

    seconds: float
    first: float = 0.01
    most: float = 1.0
    #: Told the seconds of each pause (the harness counts them as waiting).
    spent: Callable[[float], None] | None = None
    deadline: float = field(init=False)
    delay: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.seconds
        self.delay = self.first

    def overdue(self) -> bool:
        """Whether the deadline has passed."""
        return time.monotonic() > self.deadline

    def pause(self) -> None:
        """Sleep the current delay, then double it (at most ``most``)."""
        time.sleep(self.delay)
        if self.spent is not None:
            self.spent(self.delay)
        self.delay = min(self.delay * 2, self.most)

"""The settings of a run: ``RunSettings``, everything it was asked for, validated, with
the files it names already parsed (made once by ``session.prepare``; an xdist worker gets
them from its controller as plain data, ``to_wire``/``from_wire``, and never reads the
files itself), and ``effective_readings``, the readings of the ambiguity register its
target takes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from personalize_conformance.harness import profiles
from personalize_conformance.run.options import DEFAULT_CALL_TIMEOUT, DEFAULT_TARGET


@dataclass(frozen=True)
class RunSettings:
    """Everything a run was asked for, validated; files already parsed."""

    target: str = DEFAULT_TARGET
    endpoint_url: str | None = None
    allow_aws: bool = False
    #: Seconds a call may take (None: no limit), after the option, env and default.
    call_timeout: float | None = DEFAULT_CALL_TIMEOUT
    profile: str = profiles.DEFAULT
    #: The Hypothesis seed as Hypothesis' option holds it (a string), or None.
    seed: str | None = None
    report_dir: str | None = None
    strict: bool = False
    #: ``--readings``: ambiguity id -> reading id, as given (``all-alt`` expanded).
    readings: Mapping[str, str] | None = None
    workers: str = "0"
    run_id: str = ""
    waivers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: The ``--replay`` path (recorded as ``replay_of``) and the keys of the tests to rerun.
    replay: str | None = None
    replay_tests: tuple[str, ...] | None = None
    max_examples: int | None = None
    clauses: tuple[str, ...] | None = None
    progress: bool = False
    #: The clauses the run sets out to check (``--clauses``, or those of the tests
    #: ``--replay`` re-runs); None: every clause. The verdict counts no other as unchecked.
    scope: tuple[str, ...] | None = None
    allow_incomplete: bool = False
    #: ``--baseline``: the path and the earlier report's clause statuses.
    baseline: str | None = None
    baseline_statuses: Mapping[str, str] | None = None
    label: str | None = None
    #: The runner's console: the whole matrix, no colour, pytest's traceback style.
    verbose: bool = False
    no_color: bool = False
    tb: str | None = None
    #: ``--bundle`` (where each process journals its exchanges too) and ``--product``'s
    #: path and its parsed content.
    bundle: str | None = None
    product: str | None = None
    product_data: Mapping[str, Any] | None = None

    def to_wire(self) -> dict[str, Any]:
        """What an xdist worker needs, as plain data (it never reads the files itself)."""
        return {
            "target": self.target, "endpoint_url": self.endpoint_url,
            "allow_aws": self.allow_aws, "call_timeout": self.call_timeout,
            "profile": self.profile, "seed": self.seed, "strict": self.strict,
            "readings": None if self.readings is None else dict(self.readings),
            "run_id": self.run_id, "max_examples": self.max_examples,
            "replay": self.replay,
            "replay_tests": None if self.replay_tests is None else list(self.replay_tests),
            "clauses": None if self.clauses is None else list(self.clauses),
            "scope": None if self.scope is None else list(self.scope),
            "bundle": self.bundle,
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> RunSettings:
        values = dict(data)
        for key in ("replay_tests", "clauses", "scope"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        return cls(**values)


def effective_readings(settings: RunSettings) -> dict[str, str] | None:
    """The readings the run's target takes: for the reference targets, under ``--strict``
    every entry's ``strict_reading``, then those ``--readings`` gives; ``None`` for any
    other target (which ``--readings`` cannot configure)."""
    from personalize_conformance.contracts import strict_readings
    from personalize_conformance.targets import takes_readings

    if not takes_readings(settings.target):
        return None
    return {**(strict_readings() if settings.strict else {}), **(settings.readings or {})}

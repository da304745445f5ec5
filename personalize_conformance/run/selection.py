"""Which tests a run keeps: ``--clauses`` keeps those naming one of its clauses (with
``@pytest.mark.clause``, ``clause_ids``), ``--replay`` those that failed in an earlier
report (``replayed``: its failing tests, by ``node_key``, the same wherever the suite was
run from); ``scope`` is the clauses the run then sets out to check, which the verdict
counts as the whole (``partial``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from personalize_conformance.report import failing_tests
from personalize_conformance.run.options import OptionError
from personalize_conformance.run.settings import RunSettings


def node_key(nodeid: str) -> str:
    """A node id without its directories, the same wherever the suite was run from."""
    path, sep, rest = nodeid.partition("::")
    return path.rsplit("/", 1)[-1] + sep + rest


def clause_ids(item: pytest.Item) -> list[str]:
    """The clause ids a test names with ``@pytest.mark.clause``."""
    return [cid for mark in item.iter_markers("clause") for cid in mark.args]


def replayed(path: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The report ``--replay`` names and the keys of its failing tests (there must be one)."""
    try:
        earlier = json.loads(Path(path).read_text(encoding="utf-8"))
        failing = failing_tests(earlier)
    except OSError as exc:
        raise OptionError(f"cannot read --replay {path!r}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise OptionError(f"--replay {path!r} is not a report.json of this suite") from None
    if not failing:
        raise OptionError(f"--replay {path!r}: the report has no failing test to re-run")
    return earlier, tuple(sorted({node_key(nodeid) for nodeid in failing}))


def scope(clauses: tuple[str, ...] | None, earlier: Mapping[str, Any],
          replay_tests: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The clauses a run sets out to check: those ``--clauses`` names, or those the tests
    ``--replay`` re-runs named in the earlier report (None: every clause)."""
    if clauses:
        return tuple(clauses)
    if replay_tests is None or not earlier:
        return None
    wanted = set(replay_tests)
    return tuple(c["id"] for c in earlier["clauses"]
                 if wanted.intersection(node_key(t) for t in c.get("tests", [])))


def selected(settings: RunSettings, items: Iterable[pytest.Item]) -> list[pytest.Item]:
    """The tests ``--replay`` (those that failed before) and ``--clauses`` (those naming
    one of them) keep."""
    keep = list(items)
    if settings.replay_tests is not None:
        wanted = set(settings.replay_tests)
        keep = [item for item in keep if node_key(item.nodeid) in wanted]
    if settings.clauses:
        named = set(settings.clauses)
        keep = [item for item in keep if named.intersection(clause_ids(item))]
    return keep

"""Fixtures of the conformance suite: the target behind a harness, and isolated resources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from personalize_conformance.harness import Harness, session_harness
from personalize_conformance.suite.support import undocumented_status


@pytest.fixture(scope="session")
def harness(pytestconfig: pytest.Config) -> Iterator[Harness]:
    """The target of this run, started once per process (per xdist worker); everything
    the run created is deleted at the end, even after failures or an interruption."""
    with session_harness(pytestconfig, status_check=undocumented_status) as harness:
        yield harness


@pytest.fixture(autouse=True)
def _test_record(harness: Harness, request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test records its own checks (the plugin reports them), and its reproductions
    start from its own calls."""
    with harness.running_test(request.node):
        yield


@pytest.fixture
def dataset_group(harness: Harness) -> Iterator[str]:
    """A dataset group of this test alone, ACTIVE; deleted (with its trackers) after."""
    arn = harness.create_dataset_group()
    yield arn
    harness.delete_dataset_group(arn)


@pytest.fixture
def tracker(harness: Harness, dataset_group: str) -> dict[str, Any]:
    """An ACTIVE event tracker on this test's dataset group: the create response."""
    return harness.create_tracker(dataset_group)


@pytest.fixture
def active_tracker(harness: Harness) -> dict[str, Any]:
    """An ACTIVE event tracker shared with other tests (the harness' pool): for a test
    that only sends it events, never creating on its dataset group or deleting it."""
    return harness.pooled("event-tracker")


@pytest.fixture
def shared_group(harness: Harness) -> str:
    """An ACTIVE dataset group without a tracker shared with other tests (the harness'
    pool): for a test that neither creates on it nor deletes it (an ARN to derive
    never-seen ones from)."""
    return harness.pooled("dataset-group")["datasetGroupArn"]

"""CreateEventTracker: one tracker per dataset group."""

from __future__ import annotations

import pytest

from personalize_conformance.checks import rejected
from personalize_conformance.harness import Harness


@pytest.mark.clause("CreateEventTracker.oneTrackerPerDatasetGroup")
def test_second_tracker_on_a_dataset_group_is_rejected(harness: Harness, dataset_group, tracker):
    second = {"name": harness.new_name("et"), "datasetGroupArn": dataset_group}
    rejected(harness, "CreateEventTracker.oneTrackerPerDatasetGroup", "CreateEventTracker",
             second, whole=True)

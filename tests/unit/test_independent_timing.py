"""The independent server made slow on purpose (benchmarks/economy.py): latency per
answer, creates ACTIVE and deletes ended only after so many seconds, whatever the
describes."""

from __future__ import annotations

import time

import boto3
import pytest

from tests.independent.server import start, stop


@pytest.fixture
def slow():
    server, url = start(nodelay=True, latency=0.05, active_seconds=0.6, delete_seconds=0.6)
    client = boto3.client("personalize", endpoint_url=url, region_name="us-west-2",
                          aws_access_key_id="a", aws_secret_access_key="b")
    yield client
    stop(server)


def _statuses_until(client, arn: str, last: str) -> list[tuple[str, float]]:
    started, seen = time.monotonic(), []
    while not seen or seen[-1][0] != last:
        status = client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"]
        if not seen or seen[-1][0] != status:
            seen.append((status, time.monotonic() - started))
    return seen


def test_every_answer_is_late_and_active_comes_by_time_alone(slow):
    started = time.monotonic()
    arn = slow.create_dataset_group(name="g")["datasetGroupArn"]
    assert time.monotonic() - started >= 0.05
    seen = _statuses_until(slow, arn, "ACTIVE")
    assert [s for s, _ in seen] == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    assert seen[-1][1] >= 0.5  # the describes (a dozen) did not hurry it


def test_a_delete_ends_after_its_seconds(slow):
    arn = slow.create_dataset_group(name="g")["datasetGroupArn"]
    _statuses_until(slow, arn, "ACTIVE")
    started = time.monotonic()
    slow.delete_dataset_group(datasetGroupArn=arn)
    with pytest.raises(slow.exceptions.ResourceNotFoundException):
        while True:
            assert slow.describe_dataset_group(
                datasetGroupArn=arn)["datasetGroup"]["status"] == "DELETE PENDING"
    assert time.monotonic() - started >= 0.55

"""The reference served over HTTP (``personalize-conformance serve``) as clients nobody here
wrote see it: the AWS CLI v1 running the developer guide's own examples, and the AWS SDK
for JavaScript v3 walking every operation in scope, errors read by their modeled class.
Its ARNs name the region a request is signed for and the account it is given.

The guide's commands are copied here (each cites its file and section) so that the tests
do not depend on ``../shared`` being present. The JavaScript clients are installed from
npm into ``.cache/js-clients`` (ignored by git) the first time (``python -m
tests.unit.test_clients`` installs them, as ``.ci/run`` does); without node or npm that
test is skipped, saying so.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from personalize_conformance.targets.reference import Behaviour, ReferenceService
from personalize_conformance.targets.reference.http_layer import signed_region
from personalize_conformance.targets.reference.server import ReferenceServer

ROOT = Path(__file__).resolve().parents[2]
JS_SOURCES = ROOT / "tests" / "unit" / "data" / "js"
JS_CACHE = ROOT / ".cache" / "js-clients"
JS_PACKAGES = ("@aws-sdk/client-personalize", "@aws-sdk/client-personalize-events")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

#: 000 "Getting a Tracking ID", AWS CLI: verbatim.
GUIDE_CREATE_EVENT_TRACKER = r"""aws personalize create-event-tracker \
    --name MovieClickTracker \
    --dataset-group-arn arn:aws:personalize:us-west-2:acct-id:dataset-group/MovieClickGroup
"""
#: ... and the answer it shows ("for example": the tracking ID is the service's).
GUIDE_TRACKER_ARN = "arn:aws:personalize:us-west-2:acct-id:event-tracker/MovieClickTracker"
#: 000 "PutEvents Operation", the second AWS CLI example: verbatim but for the tracking ID.
GUIDE_PUT_EVENTS = r"""aws personalize-events put-events \
    --tracking-id tracking_id \
    --user-id user555 \
    --session-id session1 \
    --event-list '[{
        "eventId": "event1",
        "sentAt": "1553631760",
        "eventType": "like",
        "properties": "{\"itemId\": \"choc-panama\", \"eventValue\": \"true\"}"
      }, {
        "eventId": "event2",
        "sentAt": "1553631782",
        "eventType": "rating",
        "properties": "{\"itemId\": \"movie_ten\", \"eventValue\": \"4\", \"numRatings\": \"13\"}"
      }]'
"""
#: 001 "Shorthand Syntax" of --event-list, its placeholders filled: two events.
SHORTHAND_EVENTS = [
    "eventId=event3,eventType=click,eventValue=4,itemId=choc-panama,sentAt=1553631790,"
    "recommendationId=rec1,impression=choc-panama,movie_ten",
    "eventType=like,sentAt=1553631791,properties='{\"numRatings\": 13}'",
]


@pytest.fixture(scope="module")
def guide_server() -> Iterator[ReferenceServer]:
    """The reference as the guide's examples assume it: account ``acct-id``, ARNs ending
    with the resource's name (register entry ``Arn.resourceId``, reading ``name``)."""
    service = ReferenceService(Behaviour(readings={"Arn.resourceId": "name"}))
    service.account = "acct-id"
    server = ReferenceServer(service).start()
    yield server
    server.stop()


def aws(server: ReferenceServer, command: str | list[str], tmp_path: Path
        ) -> subprocess.CompletedProcess[str]:
    """The AWS CLI v1 run as a user would, signing for us-west-2, against ``server``."""
    if importlib.util.find_spec("awscli") is None:
        pytest.skip("the AWS CLI v1 is not installed (pip install -e '.[dev]' installs it)")
    argv = (shlex.split(command.replace("\\\n", " ")) if isinstance(command, str)
            else command)
    assert argv[0] == "aws"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-west-2", "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    return subprocess.run([sys.executable, "-m", "awscli", "--endpoint-url", server.url,
                           *argv[1:]], capture_output=True, text=True, env=env, timeout=60)


def test_the_cli_runs_the_guides_examples_verbatim(guide_server, tmp_path):
    made = aws(guide_server, "aws personalize create-dataset-group --name MovieClickGroup",
               tmp_path)
    assert made.returncode == 0, made.stderr
    created = aws(guide_server, GUIDE_CREATE_EVENT_TRACKER, tmp_path)
    assert created.returncode == 0, created.stderr
    answer = json.loads(created.stdout)
    assert answer["eventTrackerArn"] == GUIDE_TRACKER_ARN
    assert UUID.fullmatch(answer["trackingId"])
    put = aws(guide_server, GUIDE_PUT_EVENTS.replace("tracking_id", answer["trackingId"]),
              tmp_path)
    assert (put.returncode, put.stdout) == (0, ""), put.stderr
    shorthand = aws(guide_server, ["aws", "personalize-events", "put-events", "--tracking-id",
                                   answer["trackingId"], "--session-id", "session2",
                                   "--event-list", *SHORTHAND_EVENTS], tmp_path)
    assert shorthand.returncode == 0, shorthand.stderr
    group = json.loads(made.stdout)["datasetGroupArn"]
    recorded = [r["event"] for r in guide_server.service.recorded_events(group)]
    assert [(e.get("eventId"), e["sentAt"]) for e in recorded][:3] == [
        ("event1", 1553631760), ("event2", 1553631782), ("event3", 1553631790)]
    assert json.loads(recorded[1]["properties"])["numRatings"] == "13"
    assert recorded[2]["impression"] == ["choc-panama", "movie_ten"]
    assert json.loads(recorded[3]["properties"]) == {"numRatings": 13}


def test_the_cli_reads_an_error_answer(guide_server, tmp_path):
    missing = aws(guide_server, ["aws", "personalize", "describe-event-tracker",
                                 "--event-tracker-arn", GUIDE_TRACKER_ARN + "-none"], tmp_path)
    assert missing.returncode == 254 or missing.returncode == 255
    assert "(ResourceNotFoundException) when calling the DescribeEventTracker" in missing.stderr


def js_clients() -> Path:
    """The directory with the JavaScript clients installed (by npm, once) and the walk."""
    JS_CACHE.mkdir(parents=True, exist_ok=True)
    wanted = (JS_SOURCES / "package.json").read_text(encoding="utf-8")
    manifest = JS_CACHE / "package.json"
    installed = all((JS_CACHE / "node_modules" / p / "package.json").exists()
                    for p in JS_PACKAGES)
    if not installed or not manifest.exists() or manifest.read_text(encoding="utf-8") != wanted:
        manifest.write_text(wanted, encoding="utf-8")
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=JS_CACHE, check=True, timeout=600)
    shutil.copyfile(JS_SOURCES / "walk.mjs", JS_CACHE / "walk.mjs")
    return JS_CACHE


def walk_with_js(url: str, region: str) -> dict:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node or npm is not installed: the AWS SDK for JavaScript v3 cannot run")
    done = subprocess.run(["node", "walk.mjs", url, region], cwd=js_clients(),
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NODE_NO_WARNINGS": "1"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_js_sdk_walks_every_operation_and_reads_every_answer():
    service = ReferenceService()
    service.account = "111122223333"
    server = ReferenceServer(service).start()
    try:
        seen = walk_with_js(server.url, "eu-west-1")
    finally:
        server.stop()
    head = "arn:aws:personalize:eu-west-1:111122223333:"
    tracker = seen["DescribeEventTracker"]
    assert seen["CreateDatasetGroup"]["datasetGroupArn"].startswith(head + "dataset-group/")
    assert seen["DescribeDatasetGroup"]["status"] == "ACTIVE"
    assert isinstance(seen["DescribeDatasetGroup"]["creationDateTime"], float)
    assert tracker["eventTrackerArn"] == seen["CreateEventTracker"]["eventTrackerArn"]
    assert tracker["eventTrackerArn"].startswith(head + "event-tracker/")
    assert tracker["accountId"] == "111122223333"
    assert isinstance(tracker["lastUpdatedDateTime"], float)
    assert seen["ListEventTrackers"] == [tracker["eventTrackerArn"]]
    assert seen["PutEvents"] == {"status": 200}
    errors = {op: (e["error"], e["modeled"], e["status"]) for op, e in seen["errors"].items()}
    assert errors == {
        "DescribeEventTracker": ("ResourceNotFoundException", True, 400),
        "CreateDatasetGroup": ("ResourceAlreadyExistsException", True, 400),
        "CreateEventTracker": ("ResourceAlreadyExistsException", True, 400),
        "ListEventTrackers": ("InvalidNextTokenException", True, 400),
        "PutEvents": ("InvalidInputException", True, 400),
    }
    for deleted in ("DeleteEventTracker", "DeleteDatasetGroup"):
        assert (seen[deleted]["error"], seen[deleted]["modeled"]) == (
            "ResourceNotFoundException", True)


def test_serve_answers_in_the_signed_region_with_the_given_account(tmp_path):
    served = subprocess.Popen(
        [sys.executable, "-m", "personalize_conformance", "serve", "--port", "0",
         "--account", "210987654321"], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert served.stdout is not None
        url = re.search(r"http://\S+", served.stdout.readline()).group(0)
        client = boto3.client("personalize", endpoint_url=url, region_name="ap-south-1",
                              aws_access_key_id="k", aws_secret_access_key="s")
        arn = client.create_dataset_group(name="g")["datasetGroupArn"]
    finally:
        served.terminate()
        served.wait(timeout=10)
    assert arn.startswith("arn:aws:personalize:ap-south-1:210987654321:dataset-group/")


def test_the_region_is_the_credential_scopes():
    auth = ("AWS4-HMAC-SHA256 Credential=AKID/20261201/eu-central-1/personalize/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=abc")
    assert signed_region({"Authorization": auth}) == "eu-central-1"
    assert signed_region({"authorization": auth.replace("eu-central-1", "us-gov-west-1")}
                         ) == "us-gov-west-1"
    assert signed_region({}) is None


if __name__ == "__main__":
    print(f"JavaScript clients installed in {js_clients()}")

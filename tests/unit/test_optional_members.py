"""A faithful target may leave out a member the model makes optional: the agreement
clauses compare the values an answer gives, never require one it leaves out."""

from __future__ import annotations

from benchmarks.power import run_suite
from personalize_conformance.targets.reference import ReferenceTarget
from personalize_conformance.targets.reference.mutants import mutant

#: Optional members (the model's) that describe and list answers leave out.
LEFT_OUT = [
    {"operation": "DescribeEventTracker", "patch": [
        {"op": "remove", "path": "/eventTracker/name"},
        {"op": "remove", "path": "/eventTracker/datasetGroupArn"}]},
    {"operation": "ListEventTrackers", "patch": [
        {"op": "remove", "path": "/eventTrackers/*/creationDateTime"}]},
    {"operation": "DescribeDatasetGroup", "patch": [
        {"op": "remove", "path": "/datasetGroup/name"}]},
]
AGREEMENT = ["DescribeEventTracker.agreesWithCreate", "ListEventTrackers.agreesWithDescribe",
             "DescribeDatasetGroup.agreesWithCreate", "CreateEventTracker.sameName.noOverwrite",
             "CreateDatasetGroup.sameName.noOverwrite"]


class SparseReference(ReferenceTarget):
    """The reference, its answers without the optional members of :data:`LEFT_OUT`."""

    name = "sparse-reference"

    def __init__(self) -> None:
        super().__init__(service=mutant({"id": "sparse", "response_patches": LEFT_OUT}))


def test_answers_without_optional_members_agree():
    run = run_suite(f"{__name__}:SparseReference", clauses=AGREEMENT, quiet=True)
    statuses = {c["id"]: c["status"] for c in run.report["clauses"] if c["id"] in AGREEMENT}
    assert statuses == dict.fromkeys(AGREEMENT, "passed"), statuses

"""Blame by where it happened (issue 22, item 3): an exception raised in process by the
target's own code (moto's backend, a plugin's service, the reference) is the target's
answer, HTTP 500 ``InternalFailure``, and fails the clause under test with a reproduction;
one raised by the adapter or the suite stays an ``error``. Decided by the traceback's
innermost frame outside the standard library and the client libraries."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from benchmarks.power import run_suite
from personalize_conformance.harness import Harness, outcomes
from personalize_conformance.targets import Target, TargetError
from personalize_conformance.targets.boto import BotoTarget
from personalize_conformance.targets.reference import ReferenceService, ReferenceTarget
from personalize_conformance.targets.reference.service import ServiceError

#: The clause whose violations (an ARN that is no string) make the fake backend crash.
CLAUSE = "DescribeDatasetGroup.datasetGroupArn.type"
ARN = "arn:aws:personalize:us-east-1:000000000000:dataset-group/g"

#: A tiny moto-like package: the reference behind an HTTP handler that, like moto's
#: backends, takes every ARN for a string.
FAKEMOTO = {
    "__init__.py": '"""A moto-like fake."""\n',
    "models.py": '''
        """The fake's backend."""
        import json

        from personalize_conformance.targets.reference import ReferenceService
        from personalize_conformance.targets.reference.http_layer import handle


        class Backend:
            def __init__(self):
                self.service = ReferenceService()

            def serve(self, method, url, headers, body):
                request = json.loads(body or b"{}")
                if isinstance(request, dict) and "datasetGroupArn" in request:
                    str.split(request["datasetGroupArn"], "/")  # TypeError for a list
                return handle(self.service, method, url, headers, body)
        ''',
}


@pytest.fixture
def fakemoto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    package = tmp_path / "fakemoto"
    package.mkdir()
    for name, text in FAKEMOTO.items():
        (package / name).write_text(textwrap.dedent(text), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for name in [m for m in sys.modules if m == "fakemoto" or m.startswith("fakemoto.")]:
        del sys.modules[name]


class FakeMoto(BotoTarget):
    """The fake in process, declaring its implementation as moto's adapter does."""

    name = "fake-moto"
    implementation: ClassVar[tuple[str, ...] | None] = ("fakemoto",)

    def __init__(self) -> None:
        from fakemoto.models import Backend

        super().__init__(None, transport=Backend().serve)


class PlainPlugin(FakeMoto):
    """The same, declaring nothing: every module outside this package, the client
    libraries and the adapter's own is the implementation."""

    name = "plain-plugin"
    implementation = None


class DirectPlugin(Target):
    """A plugin calling the reference service directly (as the README's example does)."""

    name = "direct"

    def __init__(self) -> None:
        self.service = ReferenceService()

    def invoke(self, operation, request):
        try:
            return self.service.call(operation, dict(request))
        except ServiceError as err:
            raise TargetError(err.status, err.code, err.message) from None


class BuggyAdapter(BotoTarget):
    """The reference behind an adapter that itself takes every ARN for a string."""

    name = "buggy-adapter"

    def __init__(self) -> None:
        self.reference = ReferenceTarget()
        super().__init__(None, transport=self.reference._transport)

    def invoke(self, operation, request):
        if "datasetGroupArn" in request:
            str.split(request["datasetGroupArn"], "/")  # the adapter's own TypeError
        return super().invoke(operation, request)


def test_the_targets_exception_is_its_500_and_the_adapters_is_not(fakemoto):
    for target in (FakeMoto(), PlainPlugin()):
        with pytest.raises(TargetError) as raised:
            Harness(target, run_id="c").call("DescribeDatasetGroup", {"datasetGroupArn": [ARN]})
        assert (raised.value.status, raised.value.code) == (500, "InternalFailure")
        assert "TypeError: descriptor 'split'" in raised.value.message
        assert "fakemoto/models.py" in raised.value.message and "in serve" in raised.value.message
    # the reference's own code: its service raising is the reference's 500, behind its
    # own adapters or a plugin's ...
    for reference in (ReferenceTarget(), DirectPlugin()):
        reference.service._dataset_groups = None  # type: ignore[assignment]
        with pytest.raises(TargetError) as raised:
            Harness(reference, run_id="c").call("DescribeDatasetGroup",
                                                {"datasetGroupArn": ARN})
        assert raised.value.status == 500 and "reference/service.py" in raised.value.message
    # ... but not what the adapter, or code outside the implementation, raised
    with pytest.raises(TypeError):
        Harness(BuggyAdapter(), run_id="c").call("DescribeDatasetGroup",
                                                 {"datasetGroupArn": [ARN]})
    outside = ReferenceTarget()

    def broken(*args):  # neither the reference's implementation nor its adapter
        raise KeyError("the suite's own fault")

    outside._transport = broken
    with pytest.raises(KeyError):
        Harness(outside, run_id="c").call("DescribeDatasetGroup", {"datasetGroupArn": ARN})


def test_a_crash_of_the_target_fails_the_clause_with_a_reproduction(fakemoto):
    for target in ("FakeMoto", "PlainPlugin"):
        run = run_suite(f"{__name__}:{target}", clauses=[CLAUSE], quiet=True)
        clause = next(c for c in run.report["clauses"] if c["id"] == CLAUSE)
        assert clause["status"] == outcomes.FAILED, (target, clause)
        failure = clause["failures"][0]
        assert failure["observed"]["status"] == 500, failure["observed"]
        assert failure["observed"]["code"] == "InternalFailure"
        assert "TypeError" in failure["observed"]["message"]
        assert "fakemoto/models.py" in failure["observed"]["message"]
        assert not failure.get("crash")
        assert "describe_dataset_group" in failure["reproduction"]["boto3"]
        assert run.exit_code == 1
    run = run_suite(f"{__name__}:BuggyAdapter", clauses=[CLAUSE], quiet=True)
    clause = next(c for c in run.report["clauses"] if c["id"] == CLAUSE)
    assert clause["status"] == outcomes.ERROR, clause
    assert "TypeError" in clause["failures"][0]["crash"]
    assert clause["failures"][0]["reproduction"] is None

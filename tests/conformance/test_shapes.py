"""Shape clauses of every operation: valid requests are accepted (and answered with a valid
response), and each clause's violations are rejected as the clause says (never accepted,
never a 5xx).

Cases come from the strategies package. Where it cannot make a case for a clause yet
(no operator for its keyword, a pattern it cannot compile, nothing that survives
botocore's serialization), the test records the clause as not exercised: the report
calls it ``incomplete``, never ``passed``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import FailedHealthCheck, HypothesisException, Unsatisfiable

from personalize_conformance import checks
from personalize_conformance.checks import accepted, blame, rejected
from personalize_conformance.contracts import (
    Clause,
    catalog,
    issued_by_service,
    name_length,
    operation_kind,
    operations,
    request_schema,
    resource_members,
    schema,
    shape_clauses,
)
from personalize_conformance.harness import Harness, profiles
from personalize_conformance.strategies import maximal, requests, supported, violations
from personalize_conformance.suite.support import check_response, response_clause

#: The resource each create operation makes a run-unique name for (``harness.new_name``).
NAMED = {"CreateDatasetGroup": "dg", "CreateEventTracker": "et"}
#: Operations whose valid requests leave their pinned resources usable for the next one:
#: those that create or delete nothing.
REUSABLE = frozenset(o for o in operations() if operation_kind(o) in ("describe", "list", "put"))


def _name(harness: Harness, draw: Callable[..., Any] | None, kind: str) -> str:
    """A run-unique valid name whose length leans to the edges (short and the longest a
    name may be); without ``draw``, the shortest. (The drawn length does not depend on the
    run-unique part, so Hypothesis sees the same strategy on every replay.)"""
    if draw is None:
        return harness.new_name(kind)
    longest = name_length()[1]
    size = draw(st.one_of(st.just(0), st.just(longest), st.integers(0, longest)),
                label=f"{kind} name length")
    return harness.new_name(kind, size)


@contextlib.contextmanager
def _pinned(harness: Harness, operation: str, draw: Callable[..., Any] | None = None, *,
            shared: bool = False, longest: bool = False) -> Iterator[dict[str, Any]]:
    """The members that must name live (or unique) resources for ``operation``: a
    run-unique name for a create, a live resource for each member the contract annotates
    as naming one (:func:`contracts.resource_members`); the resources are deleted
    afterwards (a tracker with its dataset group). ``shared``: the resources come from the
    harness' pool (``Harness.pooled``), for a test whose accepted side neither creates on
    them nor deletes them (an accepted create or delete on one takes it out of the pool).
    ``longest``: a create's name is as long as a name may be."""
    groups: list[str] = []

    def group() -> str:
        groups.append(harness.create_dataset_group())
        return groups[-1]

    def live(kind: str) -> dict[str, Any]:
        """A new ACTIVE resource of ``kind`` (or the pool's): what its create answered."""
        if shared:
            return harness.pooled(kind)
        if kind == "dataset-group":
            return {"datasetGroupArn": group()}
        if kind == "event-tracker":
            return harness.create_tracker(group())
        raise ValueError(f"no way to make a {kind} for {operation}")

    try:
        pinned: dict[str, Any] = {}
        if operation in NAMED:
            pinned["name"] = (harness.new_name(NAMED[operation], name_length()[1]) if longest
                              else _name(harness, draw, NAMED[operation]))
        for member, resource in resource_members(operation).items():
            pinned[member] = live(resource["kind"])[resource["attribute"]]
        if not pinned:
            raise ValueError(f"no resources known for {operation}")
        yield pinned
    finally:
        for arn in groups:
            harness.delete_dataset_group(arn)


def _cleanup(harness: Harness, operation: str, response: dict[str, Any]) -> None:
    """Delete what a successful create made."""
    if operation == "CreateDatasetGroup" and "datasetGroupArn" in response:
        harness.delete_dataset_group(response["datasetGroupArn"])


def _ids(operation: str) -> list[str]:
    return [c.id for c in shape_clauses(operation)]


#: Root causes one valid-requests property gathers before it stops.
MAX_ROOT_CAUSES = 5
#: Drawn valid requests under ``ci`` of an operation that creates or deletes (each makes
#: resources of its own), after its two maximal ones; ``certify`` and ``dev`` keep their
#: profile's number.
CI_FRESH_EXAMPLES = 1


def _profile(config: pytest.Config) -> str:
    return config.getoption("hypothesis_profile", None) or profiles.DEFAULT


@pytest.fixture
def fresh_examples(pytestconfig: pytest.Config) -> int | None:
    return CI_FRESH_EXAMPLES if _profile(pytestconfig) == "ci" else None


def _valid_params() -> list[Any]:
    params = []
    for operation in operations():
        ids = _ids(operation)
        if not ids:
            continue
        extra = [response_clause(operation)] if response_clause(operation) else []
        params.append(pytest.param(operation, marks=pytest.mark.clause(*ids, *extra),
                                   id=operation))
    return params


class CannotGenerate(Exception):
    """The strategies failed to make a case (not the target, not Hypothesis)."""


def _draw(data: st.DataObject, strategy: Callable[[], st.SearchStrategy], label: str) -> Any:
    """``data.draw(strategy())``; an error of the strategies stops the property as
    ``CannotGenerate`` (Hypothesis' own control flow passes through)."""
    try:
        return data.draw(strategy(), label=label)
    except Exception as exc:
        if isinstance(exc, HypothesisException | AssertionError):
            raise
        raise CannotGenerate(f"{type(exc).__name__}: {exc}".splitlines()[0]) from exc


def _run_given(harness: Harness, body: Callable[[st.DataObject], None], clause_ids: list[str],
               side: str, max_examples: int | None = None) -> None:
    """Run ``body`` as a Hypothesis property under the active profile (at most
    ``max_examples`` when given); if the strategies cannot make its cases, record
    ``clause_ids`` as not exercised on ``side``."""
    def example(data: st.DataObject) -> None:
        harness.stop_if_spent()  # a shrink past its budget draws nothing more
        body(data)

    test = given(data=st.data())(example)
    if max_examples is not None:
        test = settings(max_examples=min(max_examples, settings.default.max_examples))(test)
    try:
        test()
    except (CannotGenerate, Unsatisfiable, FailedHealthCheck) as exc:
        reason = f"the strategies cannot make a case: {type(exc).__name__}: {exc}"
        for clause_id in clause_ids:
            checks.not_exercised(harness, clause_id, side, reason.splitlines()[0])


@pytest.mark.parametrize("operation", _valid_params())
def test_valid_requests_are_accepted(harness: Harness, operation: str,
                                     fresh_examples: int | None):
    """Valid requests (members at their edges, optional ones present or absent) are
    accepted; each shape clause whose location the request fills has a valid case; the
    response validates against its schema. A wrongly rejected request fails its root
    cause (:mod:`blame`), and the property goes on without that cause (up to
    ``MAX_ROOT_CAUSES``), so the clauses it had not reached are still checked."""
    clauses = shape_clauses(operation)
    drop = issued_by_service(operation)
    schema_name = request_schema(operation)
    failures: list[checks.ClauseFailure] = []  # each of its own root cause

    def check(data: st.DataObject | None, pinned: dict[str, Any],
              fixed: dict[str, Any] | None = None) -> None:
        request = fixed if data is None else _draw(
            data, lambda: requests(schema_name, pinned), "request")
        request = {k: v for k, v in request.items() if k not in drop}
        blamed = [c for f in failures for c in checks.rooted(f)]
        request = blame.without(operation, blamed, request)
        if request is None:
            return  # it would only show a root cause already failed
        filled = [c.id for c in clauses if c.location and c.location.present(request)]
        response = accepted(harness, filled, operation, request)
        try:
            check_response(harness, operation, request, response)
        finally:
            _cleanup(harness, operation, response)

    ids = [c.id for c in clauses]
    try:
        requests(schema_name)  # the strategy can be built at all
    except Exception as exc:
        for clause_id in ids:
            checks.not_exercised(harness, clause_id, "accepted",
                                 f"the strategies cannot make a case: "
                                 f"{type(exc).__name__}: {exc}")
        return
    _maximal_first(harness, operation, check, failures)
    if operation in REUSABLE:
        with _pinned(harness, operation, shared=True) as shared:
            _until_each_cause(harness, lambda data: check(data, shared), ids, failures)
    else:
        def fresh(data: st.DataObject) -> None:
            with _pinned(harness, operation, data.draw) as pinned:
                check(data, pinned)
        _until_each_cause(harness, fresh, ids, failures, fresh_examples)


def _maximal_first(harness: Harness, operation: str, check: Callable[..., None],
                   failures: list[checks.ClauseFailure]) -> None:
    """Two fixed requests with every optional member present first: strings as short as
    they may be, then as long (a create's name too), so that each clause's accepted side
    runs, at both edges, whatever cases the seed draws (ci draws only a few); on the
    pool's resources where the operation leaves them usable. A root cause one shows is
    failed, and it is sent again without that cause (so are the requests after it)."""
    schema_name = request_schema(operation)
    for longest in (False, True):
        while len(failures) < MAX_ROOT_CAUSES - 1:
            try:
                with _pinned(harness, operation, longest=longest,
                             shared=operation in REUSABLE) as pinned:
                    check(None, pinned, {**maximal(schema(schema_name), longest=longest),
                                         **pinned})
            except checks.ClauseFailure as failure:
                if not checks.rooted(failure):
                    raise
                failures.append(failure)
                harness.record.failed_here()
                continue
            break


def _until_each_cause(harness: Harness, body: Callable[[st.DataObject], None],
                      clause_ids: list[str], failures: list[checks.ClauseFailure],
                      max_examples: int | None = None) -> None:
    """Run the valid-requests property; when it fails with a root cause (shrunk as usual),
    note the failure and run it again without that cause (``body`` reads ``failures``),
    until it passes, fails without a root cause or has ``MAX_ROOT_CAUSES``; then raise
    the failures as one."""
    while True:
        try:
            _run_given(harness, body, clause_ids, "accepted", max_examples)
        except checks.ClauseFailure as failure:
            if not checks.rooted(failure) or len(failures) + 1 >= MAX_ROOT_CAUSES:
                raise checks.one_failure([*failures, failure]) from None
            failures.append(failure)
            harness.record.failed_here()
            continue
        break
    if failures:
        raise checks.one_failure(failures)


def _invalid_params() -> list[Any]:
    return [pytest.param(c.id, marks=pytest.mark.clause(c.id), id=c.id)
            for c in shape_clauses()]


def _cannot_break(clause: Clause) -> str | None:
    """Why the strategies cannot break ``clause`` at all, if they cannot."""
    if not supported(clause):
        return f"the strategies have no operator for {clause.keyword!r} yet"
    return None


#: Examples per clause's violations under ``ci``: over a hundred clauses, each a property
#: of its own; ``certify`` and ``dev`` keep their profile's number.
CI_VIOLATION_EXAMPLES = 1


@pytest.fixture
def violation_examples(pytestconfig: pytest.Config) -> int | None:
    return CI_VIOLATION_EXAMPLES if _profile(pytestconfig) == "ci" else None


@pytest.mark.parametrize("clause_id", _invalid_params())
def test_shape_violations_are_rejected(harness: Harness, clause_id: str,
                                       violation_examples: int | None):
    """Generated requests that break only ``clause_id`` are rejected with its expected
    status and error (any other answer, acceptance or a 5xx fails it)."""
    clause = catalog()[clause_id]
    reason = _cannot_break(clause)
    if reason:
        checks.not_exercised(harness, clause_id, "rejected", reason)
        return
    operation = clause.operation
    with _pinned(harness, operation, shared=True) as pinned:
        def check(data: st.DataObject) -> None:
            # a fresh name in every example (drawn, shrunk or replayed), of the same size:
            # no create meets a resource an earlier one made
            here = {**pinned, "name": harness.new_name(NAMED[operation], len(pinned["name"]))
                    } if operation in NAMED else pinned
            case = _draw(data, lambda: violations(operation, here, clause_id), "violation")
            rejected(harness, clause_id, operation, case.request)

        _run_given(harness, check, [clause_id], "rejected", violation_examples)

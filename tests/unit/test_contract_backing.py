"""Every expectation of the catalog is backed by its source sentence, or by a lenient
entry of the ambiguity register."""

from __future__ import annotations

from typing import Any

from personalize_conformance import contracts

SCHEMAS = sorted(p.name for p in (contracts.ROOT / "schemas").iterdir()
                 if p.name.endswith(".json"))
SHAPE_CLAUSES = [c for c in contracts.catalog() if c.kind == "shape"]
ARN = "arn:aws:personalize:us-west-2:acct-id:dataset-group/MovieClickGroup"
TRACKER_ARN = "arn:aws:personalize:us-west-2:acct-id:event-tracker/MovieClickTracker"


#: The clause whose sentence says what status a successful answer has.
SUCCESS_CLAUSE = "Protocol.success.status200"


def _cited(clause: contracts.Clause) -> str:
    """The text a clause cites: its section (``Errors, ResourceNotFoundException``: the
    sentence is that error's documentation) and sentence and, for a protocol clause, its
    ``also``."""
    also = clause.extra.get("wire", {}).get("also", {})
    return " ".join([clause.source["section"], clause.source["sentence"],
                     also.get("sentence", "")])


def _admits(expected: dict, outcome: dict) -> bool:
    """Whether every answer ``outcome`` allows is one ``expected`` allows."""
    want, got = expected["status"], outcome["status"]
    status_ok = (got == "4xx" or (isinstance(got, int) and 400 <= got <= 499)
                 if want == "4xx" else got == want)
    codes_ok = not expected["errors"] or (
        bool(outcome["errors"]) and set(outcome["errors"]) <= set(expected["errors"]))
    return status_ok and codes_ok


def _tokens(outcome: dict) -> list[str]:
    """What is specific in an outcome: an exact error status, each error code."""
    status = outcome["status"]
    specific = [str(status)] if isinstance(status, int) and status != 200 else []
    return specific + list(outcome["errors"])


def _validation_error(operation: str, code: str) -> bool:
    """Whether ``code`` is an exception the operation's model lists whose documentation
    is about an invalid value ("Provide a valid value for the field or parameter."): the
    refusal of a request breaking a shape of the model."""
    import botocore.session

    service = contracts.operations()[operation]["service"]
    model = botocore.session.get_session().get_service_model(service)
    documented = contracts.operations()[operation]["errors"]
    return code in documented and "valid value" in model.shape_for(code).documentation


def _entries_of(clause: contracts.Clause) -> list[contracts.Ambiguity]:
    register = contracts.catalog().ambiguities
    return [a for a in register.values()
            if a.id == clause.ambiguity or clause.id in a.affects]


def unbacked(clause: contracts.Clause) -> list[str]:
    """What of a clause's expected outcomes (default and ``--strict``) neither its cited
    text nor a lenient register entry it names backs.

    A token (an exact error status, an error code) is backed when the cited sentence holds
    it; for a shape clause, when it is the operation's validation error; for the status,
    when every expected code is a documented exception of the operation (each is HTTP 400:
    ``Errors.status400``'s sentence); or by an entry naming the clause whose readings'
    outcomes hold it, provided the default admits every refusing reading's outcome and the
    strict outcome is the strict reading's."""
    text = _cited(clause)
    status_text = contracts.catalog()[contracts.STATUS_CLAUSE].source["sentence"]
    documented = set(contracts.operations().get(clause.operation, {}).get("errors", ()))
    problems = []
    for mode, outcome in (("default", clause.expected),
                          ("strict", clause.expected_for(True))):
        for token in _tokens(outcome):
            if token in text:
                continue
            if clause.kind == "shape" and _validation_error(clause.operation, token):
                continue
            if (token.isdigit() and outcome["errors"] and set(outcome["errors"]) <= documented
                    and f"HTTP Status Code: {token}" in status_text):
                continue
            if any(_lenient_for(entry, clause, token, mode) for entry in _entries_of(clause)):
                continue
            problems.append(f"{clause.id} ({mode}): {token} is in neither its sentence nor "
                            "a lenient register entry it names")
    return problems


def _lenient_for(entry: contracts.Ambiguity, clause: contracts.Clause, token: str,
                 mode: str) -> bool:
    """Whether ``entry`` backs ``token`` of ``clause``'s outcome in ``mode``: a reading's
    outcome holds it, the default admits every refusing reading's outcome, and under
    --strict the outcome is within the strict reading's."""
    outcomes = {r.id: r.outcome for r in entry.readings if r.outcome}
    if not any(token in _tokens(o) for o in outcomes.values()):
        return False
    refusing = [o for o in outcomes.values() if o["status"] != 200]
    if not all(_admits(clause.expected, o) for o in refusing):
        return False
    strict = outcomes.get(entry.strict_reading)
    return mode == "default" or (strict is not None
                                 and _admits(strict, clause.expected_for(True)))


def test_every_expectation_is_backed_by_its_sentence_or_a_lenient_entry():
    assert "200" in contracts.catalog()[SUCCESS_CLAUSE].source["sentence"]
    problems = [p for clause in contracts.catalog() for p in unbacked(clause)]
    assert not problems, "\n".join(problems)


def _clause_like(clause_id: str, **changes: Any) -> contracts.Clause:
    from dataclasses import replace

    return replace(contracts.catalog()[clause_id], **changes)


def test_the_backing_rule_can_fail():
    """A code no sentence names, an entry whose default names one reading only, a status
    the sentence does not give: each is reported."""
    named = _clause_like("DeleteEventTracker.unknownIsNotFound",
                         expected={"status": 400, "errors": ["ResourceInUseException"]})
    assert unbacked(named) == []  # the cited errors list names it
    unnamed = _clause_like("DeleteEventTracker.thenNotFound",
                           expected={"status": 400, "errors": ["ResourceInUseException"]})
    assert [p.split(": ", 1)[1].split()[0] for p in unbacked(unnamed)] == [
        "ResourceInUseException"] * 2
    narrow = _clause_like("CreateEventTracker.oneTrackerPerDatasetGroup",
                          expected={"status": 400, "errors": ["ResourceAlreadyExistsException",
                                                              "ResourceInUseException"]})
    assert unbacked(narrow)  # the entry's other readings are not admitted
    status = _clause_like("Protocol.request.missingTarget",
                          expected={"status": 400, "errors": []})
    assert unbacked(status) == [
        f"Protocol.request.missingTarget ({mode}): 400 is in neither its sentence nor a "
        "lenient register entry it names" for mode in ("default", "strict")]

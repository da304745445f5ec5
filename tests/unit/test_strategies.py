"""The strategies are sound and complete on the shipped catalog: valid inputs validate as
sent, violations break only their clause (or what it entails), every shape clause has an
operator, a boundary vector and a fixed violation, and ambiguous inputs pass only the
lenient reading. Runs under the ``ci`` profile; ``STRATEGIES_EXAMPLES=2000`` runs the
soundness tests with that many examples each (not part of the default run)."""

from __future__ import annotations

import json
import os
import re
import unicodedata

import pytest
import regex
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from personalize_conformance import contracts
from personalize_conformance.contracts import broken_at, request_schema, shape_clauses
from personalize_conformance.strategies import (
    RawBody,
    Violation,
    ambiguous,
    as_sent,
    boundary_for,
    boundary_vectors,
    fixed,
    invalid,
    invalid_vectors,
    maximal,
    on_the_wire,
    patterns,
    put_events,
    requests,
    reserved_key_requests,
    supported,
    valid,
    violations,
    violations_of,
    wire_unbreakable,
)
from personalize_conformance.strategies.ambiguous import ambiguous_kinds
from personalize_conformance.strategies.invalid import OPERATORS, only_breaks
from personalize_conformance.strategies.patterns import fullmatch

OPERATIONS = sorted(contracts.operations())
SHAPE = [c.id for c in shape_clauses()]
_N = int(os.environ.get("STRATEGIES_EXAMPLES", "0"))
many = settings(max_examples=_N) if _N else (lambda f: f)
_CHECKS = [HealthCheck.filter_too_much, HealthCheck.too_slow]
#: ``many``, and no health check for the filtering a violation's wire check does.
lenient = settings(suppress_health_check=_CHECKS, **({"max_examples": _N} if _N else {}))


def _valid_as_sent(operation: str, request: dict) -> dict:
    body = on_the_wire(operation, request)
    assert body is not None, request
    contracts.validator(request_schema(operation)).validate(body)
    return body


@many
@given(put_events())
def test_valid_put_events_validate_as_sent(request):
    body = _valid_as_sent("PutEvents", request)
    assert 1 <= len(body["eventList"]) <= 10


@pytest.mark.parametrize("operation", OPERATIONS)
@many
@given(data=st.data())
def test_valid_requests_validate_as_sent(operation, data):
    _valid_as_sent(operation, data.draw(requests(request_schema(operation))))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_fixed_maximal_requests_validate_as_sent_at_both_edges(operation):
    """test_shapes' two fixed valid requests: every optional member, strings at their
    shortest, then at their longest (a name at Name.json's maxLength)."""
    node = contracts.schema(request_schema(operation))
    short, long = maximal(node), maximal(node, longest=True)
    sent = [_valid_as_sent(operation, request) for request in (short, long)]
    assert set(short) == set(long) == set(node.get("properties", {}))
    if "name" in long:
        assert len(sent[1]["name"]) == contracts.name_length()[1] > len(sent[0]["name"])


@pytest.mark.parametrize("operation", OPERATIONS)
def test_boundary_vectors_validate_as_sent(operation):
    vectors = boundary_vectors(operation)
    assert vectors
    for clause_id, request in vectors:
        assert contracts.catalog()[clause_id].operation == operation
        _valid_as_sent(operation, request)


def _sound(case: Violation) -> None:
    clause = contracts.catalog()[case.clause]
    broken = broken_at(clause.location.file, as_sent(case.operation, case.request))
    assert clause.schema in broken
    assert broken - {clause.schema} <= clause.entails, broken
    assert set(case.also) == broken - {clause.schema}
    assert only_breaks(case)
    assert case.keyword == clause.keyword
    assert repr(case.old) != repr(case.new) or case.keyword == "required"
    # the path names the value the clause constrains, list items by their index
    assert [s if isinstance(s, str) else contracts.ITEMS for s in case.path] == list(
        clause.location.path)


@pytest.mark.parametrize("operation", OPERATIONS)
@lenient
@given(data=st.data())
def test_violations_fail_only_at_their_clause(operation, data):
    _sound(data.draw(violations(operation)))


def test_every_shape_clause_has_an_operator_and_a_boundary_vector():
    assert len(SHAPE) >= 100
    vectors = {cid for op in OPERATIONS for cid, _ in boundary_vectors(op)}
    missing = [f"{c.id}: no operator for {c.keyword!r}" for c in shape_clauses()
               if not supported(c)]
    missing += [f"{cid}: no boundary vector" for cid in SHAPE if cid not in vectors]
    assert not missing, "\n".join(missing)
    assert {c.keyword for c in shape_clauses()} == set(OPERATORS)


@pytest.mark.parametrize("clause_id", SHAPE)
def test_every_shape_clause_has_a_fixed_violation(clause_id):
    """Botocore cannot send some wrong types (a list or object member given a scalar, a
    timestamp given a string): only those come as raw bodies, sent past botocore."""
    clause = contracts.catalog()[clause_id]
    assert boundary_for(clause)
    found = invalid_vectors(clause, count=1)
    assert found and supported(clause), f"{clause_id}: no violation"
    raw = isinstance(found[0].request, RawBody)
    assert raw == wire_unbreakable(clause)
    assert not raw or clause.keyword == "type", clause_id
    _sound(found[0])


@pytest.mark.parametrize("operation", OPERATIONS)
@lenient
@given(data=st.data())
def test_ambiguous_inputs_pass_only_the_lenient_reading(operation, data):
    if not ambiguous_kinds(operation):
        pytest.skip(f"{operation} has no ambiguous input")
    case = data.draw(ambiguous(operation))
    _valid_as_sent(operation, case.request)  # the validator's (lenient) reading accepts it
    clause = contracts.catalog()[case.clause]
    node = clause.location.node()
    if "pattern" in node:
        assert not fullmatch(node["pattern"], case.value)
    else:
        assert len(case.value.encode("utf-16-le")) // 2 > node["maxLength"]
    assert case.ambiguity in contracts.catalog().ambiguities


@many
@given(data=st.data())
def test_valid_properties_never_hold_a_reserved_key(data):
    """No valid PutEvents body holds userId, eventType... as a properties key, in any case
    (PutEvents.properties.reservedKeys): under the reading that refuses them it would be
    a false failure."""
    body = _valid_as_sent("PutEvents", data.draw(put_events("t")))
    assert contracts.reserved_keys_in("PutEventsRequest.json", body) == []
    assert not any(map(contracts.is_reserved_key, json.loads(
        data.draw(valid.CAMEL.map(lambda k: json.dumps({k: 1}))))))


@lenient
@given(data=st.data())
def test_reserved_key_requests_are_valid_but_for_one_reserved_key(data):
    case = data.draw(reserved_key_requests("t"))
    body = _valid_as_sent("PutEvents", case.request)  # valid against the schema
    (where, key), = contracts.reserved_keys_in("PutEventsRequest.json", body)
    assert where == case.path and key.lower() in contracts.reserved_keys()
    assert isinstance(json.loads(case.value), dict) and 1 <= len(case.value) <= 1024
    assert case.ambiguity == "Event.properties.reservedKeys"
    assert case.clause == contracts.RESERVED_KEYS


def test_a_value_valid_on_the_wire_is_not_a_violation():
    """A string timestamp becomes a number on the wire: no violation there."""
    case = Violation("PutEvents.eventList[].sentAt.type", "PutEvents",
                     {"trackingId": "t", "sessionId": "s",
                      "eventList": [{"eventType": "e", "sentAt": "1553631760"}]},
                     ("eventList", 0, "sentAt"), "type", 1553631760, "1553631760")
    assert not only_breaks(case)


def test_name_minimum_length_breaks_only_what_it_entails():
    case = invalid_vectors("CreateEventTracker.name.minLength", count=1)[0]
    assert case.new == ""
    assert case.also == ("CreateEventTrackerRequest.json#/properties/name/pattern",)


def test_pattern_violations_hit_start_middle_and_end():
    seen: set[str] = set()

    @settings(max_examples=150, database=None, deadline=None, phases=[Phase.generate],
              derandomize=True)
    @given(violations_of("CreateEventTracker.tags[].tagKey.pattern"))
    def collect(case):
        bad = [i for i, (a, b) in enumerate(zip(case.old, case.new, strict=False)) if a != b]
        if bad and len(case.new) > 2:
            where = bad[0]
            seen.add("start" if where == 0 else "end" if where == len(case.new) - 1
                     else "middle")

    collect()
    assert seen == {"start", "middle", "end"}


def test_unicode_classes_reach_valid_tags():
    """``\\p{L}`` etc.: valid tag values hold non-ASCII letters, digits and spaces."""
    seen: set[bool] = set()

    @settings(max_examples=30, database=None, deadline=None, phases=[Phase.generate])
    @given(requests("CreateEventTrackerRequest.json"))
    def collect(request):
        _valid_as_sent("CreateEventTracker", request)
        text = "".join(t["tagKey"] + t["tagValue"] for t in request.get("tags", []))
        seen.add(any(ord(c) > 0x7F for c in text))

    collect()
    assert True in seen


def test_fixed_examples_are_the_same_on_every_run_and_distinct():
    strategy = violations_of("PutEvents.eventList[].eventType.maxLength")
    first, again = fixed(strategy, 3), fixed(strategy, 3)
    assert len(first) == 3
    assert [repr(v) for v in first] == [repr(v) for v in again]
    assert len({repr(v) for v in first}) == 3
    assert fixed(st.nothing(), 2) == []  # nothing to draw: none, no error
    assert sorted(fixed(st.sampled_from([1, 2]), 5)) == [1, 2]  # fewer than asked: all


# -- readings: every Unicode version, JSON properties, nothing the service never issued ---

#: The Unicode databases a class is taken in: the ``regex`` module's (the validator's,
#: newest), Python's ``unicodedata`` and ``unicodedata.ucd_3_2_0`` (Unicode 3.2.0).
_DATABASES = {
    "regex": lambda name, char: regex.fullmatch(rf"\p{{{name}}}", char) is not None,
    unicodedata.unidata_version:
        lambda name, char: unicodedata.category(char).startswith(name),
    unicodedata.ucd_3_2_0.unidata_version:
        lambda name, char: unicodedata.ucd_3_2_0.category(char).startswith(name),
}
_CLASS = re.compile(r"\\p\{([A-Z])\}")


def _class_patterns() -> list[tuple[str, str]]:
    """(pattern, clause id) of every pattern clause whose pattern uses a one-letter
    general category (``\\p{L}``, ``\\p{Z}``, ``\\p{N}``)."""
    return [(c.location.bound, c.id) for c in shape_clauses()
            if c.keyword == "pattern" and _CLASS.search(c.location.bound)]


def _alphabets(node: patterns.Node) -> list[patterns.Alphabet]:
    if node.kind == "char":
        return [node.alphabet]
    return [a for part in node.parts for a in _alphabets(part)]


def _stable_inside(names: list[str], literals: str, char: str) -> bool:
    """In one of the classes in every database, or one of the class's literals."""
    return char in literals or any(all(test(name, char) for test in _DATABASES.values())
                                   for name in names)


def _outside_everywhere(names: list[str], char: str) -> bool:
    return not any(test(name, char) for test in _DATABASES.values() for name in names)


def test_unicode_class_patterns_are_the_tag_patterns():
    found = {pattern for pattern, _ in _class_patterns()}
    assert found == {"^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$"}, found


def test_valid_alphabets_hold_only_characters_of_their_class_in_every_unicode_version():
    """Each character a valid value of a ``\\p{X}`` pattern may draw has class X in the
    ``regex`` module's database, in ``unicodedata``'s and in Unicode 3.2.0's."""
    for pattern, clause_id in _class_patterns():
        names = _CLASS.findall(pattern)
        literals = "_.:/=+-@"
        for alphabet in _alphabets(patterns.parse(pattern)):
            bad = [hex(lo + i) for lo, hi in alphabet.ranges for i in range(hi - lo + 1)
                   if not _stable_inside(names, literals, chr(lo + i))]
            assert not bad, f"{clause_id}: {bad[:10]} ({len(bad)}) change class"


def test_the_stability_rule_removes_what_any_version_disagrees_on():
    for name, gone in (("L", "\u0c5c\ua7d2\u1885"), ("N", "\u2183"), ("Z", "\u200b")):
        stable, widest = patterns.stable_class(name), patterns.any_class(name)
        for alphabet in patterns.class_versions(name).values():
            assert not stable.minus(alphabet).ranges and not alphabet.minus(widest).ranges
        for char in gone:
            assert char not in stable, (name, hex(ord(char)))
            assert char in widest, (name, hex(ord(char)))
    assert patterns.stable_class("ASCII") == patterns.any_class("ASCII")
    assert patterns.stable_class("ASCII").ranges == ((0, 0x7F),)
    with pytest.raises(ValueError, match="Unicode version"):
        patterns.class_versions("Greek")


@pytest.mark.parametrize("pattern, inside, outside", [
    ("^\\p{L}+$", "a\u00e9\u4e2d", "\u0c5c\u1885!"),  # newer letter, changed class, other
    ("^\\P{L}+$", "!1 ", "\u0c5c\u1885a"),  # outside in every version
    ("^[^\\p{L}]+$", "!1 ", "\u0c5c\u1885a"),
    ("^[^\\P{L}]+$", "a\u00e9", "\u0c5c\u1885!"),
])
def test_strict_classes_match_in_every_version_and_lenient_ones_in_some(pattern, inside,
                                                                       outside):
    for char in inside:
        assert patterns.fullmatch(pattern, char), hex(ord(char))
        assert patterns.could_match(pattern, char), hex(ord(char))
    for char in outside:
        assert not patterns.fullmatch(pattern, char), hex(ord(char))
    # a character of changed class might match in some version: never a safe breaker
    assert patterns.could_match("^\\p{L}+$", "\u1885")
    assert patterns.could_match("^\\p{L}+$", "\u0c5c")
    assert not patterns.could_match("^\\p{L}+$", "!")


def test_pattern_breakers_are_outside_the_class_in_every_version():
    """A character drawn to break a ``\\p{X}`` pattern has no class X in any database."""
    for pattern, clause_id in _class_patterns():
        names = _CLASS.findall(pattern)
        breaking = [c for c in invalid._BREAKERS if not patterns.could_match(pattern, c)]
        assert breaking, clause_id
        for char in breaking:
            assert _outside_everywhere(names, char), (clause_id, hex(ord(char)))
            assert unicodedata.ucd_3_2_0.category(char) != "Cn", hex(ord(char))  # assigned
        for case in invalid_vectors(clause_id, count=3):
            new = [c for c in case.new if not _stable_inside(names, "_.:/=+-@", c)]
            assert new and all(_outside_everywhere(names, c) for c in new), case.new


@pytest.mark.parametrize("schema_name", ["CreateEventTrackerRequest.json",
                                         "CreateDatasetGroupRequest.json"])
def test_drawn_tag_values_are_letters_digits_and_spaces_in_unicode_3_2(schema_name):
    """Regression: tag values once held letters of Unicode 15/16 (``U+0C5C``, ``U+A7D2``)
    that an implementation on an older Unicode database rejects."""
    seen: list[str] = []

    def check(tags: list[dict]) -> None:
        for tag in tags:
            for text in (tag["tagKey"], tag["tagValue"]):
                for char in text:
                    assert char in "_.:/=+-@" or all(
                        db.category(char)[0] in "LZN"
                        for db in (unicodedata, unicodedata.ucd_3_2_0)), hex(ord(char))
                    seen.append(char)

    @settings(max_examples=60, database=None, deadline=None, phases=[Phase.generate])
    @given(requests(schema_name))
    def collect(request):
        check(request.get("tags", []))

    collect()
    operation = schema_name.removesuffix("Request.json")
    for _, request in boundary_vectors(operation):  # the alphabet walked: range ends
        check(request.get("tags", []))
    assert any(ord(c) > 0x7F for c in seen)


_PROPERTIES = [c.id for c in shape_clauses("PutEvents") if ".properties." in c.id]


@pytest.mark.parametrize("clause_id", [c for c in _PROPERTIES
                                       if not c.endswith((".type", ".minLength"))])
def test_properties_violations_are_json_objects(clause_id):
    """A ``properties`` violation breaks its clause and not the JSON reading
    (``Event.properties.json``): a too-long one is a JSON object text, of exactly the
    maximum plus one characters and far longer. (``.type`` gives no string; the only
    string under ``.minLength`` is ``""``, which no JSON reading accepts either.)"""
    high = contracts.clause(clause_id).location.bound
    lengths: set[int] = set()

    @settings(max_examples=40, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=_CHECKS)
    @given(violations_of(clause_id))
    def collect(case):
        assert isinstance(json.loads(case.new), dict), case.new[:40]
        lengths.add(len(case.new))

    collect()
    for case in invalid_vectors(clause_id, count=3):
        assert isinstance(json.loads(case.new), dict)
    assert high + 1 in lengths and max(lengths) > high + 1, sorted(lengths)


def test_properties_clauses_are_type_min_and_max_length():
    assert sorted(c.rsplit(".", 1)[1] for c in _PROPERTIES) == ["maxLength", "minLength",
                                                                "type"]


def test_a_violation_breaking_another_reading_is_not_kept():
    """Not JSON, or a letter of a newer Unicode only: the violation would break a second
    rule under an allowed reading, so it is no violation of its clause alone."""
    event = {"eventType": "e", "sentAt": 1553631760, "properties": "x" * 1025}
    request = {"trackingId": "t", "sessionId": "s", "eventList": [event]}
    case = Violation("PutEvents.eventList[].properties.maxLength", "PutEvents", request,
                     ("eventList", 0, "properties"), "maxLength", "{}", "x" * 1025)
    assert not only_breaks(case)
    json_text = '{"k":"' + "x" * 1017 + '"}'
    assert len(json_text) == 1025
    assert only_breaks(Violation(case.clause, "PutEvents",
                                 {**request, "eventList": [{**event, "properties": json_text}]},
                                 case.path, "maxLength", "{}", json_text))
    tag = {"name": "n", "datasetGroupArn": "arn:aws:personalize:r:a:dataset-group/g",
           "tags": [{"tagKey": "k", "tagValue": "\u0c5c" * 257}]}
    too_long = Violation("CreateEventTracker.tags[].tagValue.maxLength", "CreateEventTracker",
                         tag, ("tags", 0, "tagValue"), "maxLength", "", "\u0c5c" * 257)
    assert not only_breaks(too_long)  # U+0C5C breaks the pattern in Unicode 14 and 3.2
    assert only_breaks(Violation(too_long.clause, "CreateEventTracker",
                                 {**tag, "tags": [{"tagKey": "k", "tagValue": "a" * 257}]},
                                 too_long.path, "maxLength", "", "a" * 257))


@lenient
@given(data=st.data())
def test_violations_of_other_clauses_carry_no_next_token(data):
    """Any nextToken a generator makes was never issued (a second, behavioural rule): only
    the nextToken clauses' own violations have one."""
    case = data.draw(violations("ListEventTrackers"))
    if contracts.clause(case.clause).location.subject != "nextToken":
        assert "nextToken" not in case.request, case.clause

"""The clause catalog as one typed model: clauses, their locations, the ambiguity
register, and the facts of the contract other layers read instead of restating them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

import jsonschema
import regex

from personalize_conformance.contracts.files import (
    broken_at,
    load,
    operations,
    prerequisites,
    request_schema,
    response_schema,
    schema,
)
from personalize_conformance.contracts.location import Location, nodes, request_path

#: The clause that judges the HTTP status of every documented exception (operations.json:
#: "the exceptions its model lists (each HTTP 400)").
STATUS_CLAUSE = "Errors.status400"


@dataclass(frozen=True)
class Clause:
    """One rule of the contract, as the catalog states it."""

    id: str
    operation: str
    kind: str
    level: str
    statement: str
    source: dict
    schema: str | None
    capability: str | None
    expected: dict
    ambiguity: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @cached_property
    def location(self) -> Location | None:
        """Where a shape clause applies (``None`` for other kinds)."""
        return Location.parse(self.schema) if self.schema else None

    @property
    def keyword(self) -> str | None:
        """The schema keyword of a shape clause (``required`` for ``.../required/<i>``)."""
        return self.location.keyword if self.location else None

    @property
    def entails(self) -> frozenset[str]:
        """The schema pointers a violation of this clause may break besides its own (the
        catalog's ``entails``: ``""`` for a name breaks its minimum length and its pattern)."""
        return frozenset(self.extra.get("entails", ()))

    @property
    def dependents(self) -> tuple[str, ...]:
        """The clauses a failure of this clause necessarily fails as well (the catalog's
        ``dependents``: a PutEvents shape wrongly rejected fails
        ``PutEvents.validRequest.accepted``)."""
        return tuple(self.extra.get("dependents", ()))

    def expected_for(self, strict: bool = False) -> dict:
        """The expected outcome: ``expected``, or under ``--strict`` its ``strict`` entry
        (else, for an ambiguous clause, the first listed error only).

        A violation of a shape clause on a member that names a resource or that only the
        service issues also names nothing that exists (a malformed ARN, a nextToken never
        issued): in the default mode its outcome is the union of the clause's and the one
        the member's ``x-unknown`` annotation gives (:func:`unknown_outcome`; ambiguity
        ``Errors.shapeAndBehaviour``); ``--strict`` keeps the shape clause's own."""
        if strict and "strict" in self.expected:
            return self.expected["strict"]
        if strict and self.ambiguity and self.expected["errors"]:
            return {**self.expected, "errors": self.expected["errors"][:1]}
        if not strict:
            unknown = unknown_outcome(self)
            if unknown is not None:
                return union(self.expected, unknown)
        return self.expected

    def accepts_error(self, status: int, code: str, strict: bool = False) -> bool:
        """Whether (status, code) is an outcome this clause's violation may have."""
        expected = self.expected_for(strict)
        want = expected["status"]
        status_ok = 400 <= status <= 499 if want == "4xx" else status == want
        return status_ok and (not expected["errors"] or code in expected["errors"])

    def status_judged_apart(self, status: int, code: str, strict: bool = False) -> bool:
        """Whether the error answer (``status``, ``code``) refused this clause's violation
        for the right reason (a code the clause expects, which operations.json documents
        for its operation) with another error status than the clause's. The status of a
        documented exception is the rule of :data:`STATUS_CLAUSE`, judged there alone, so
        one wrong status fails one clause, not every clause whose check saw it."""
        expected = self.expected_for(strict)
        documented = operations().get(self.operation, {}).get("errors", ())
        return (400 <= status <= 599 and status != expected["status"]
                and code in expected["errors"] and code in documented)


@dataclass(frozen=True)
class Reading:
    """One reading of an ambiguity: a short kebab-case ``id``, what it says, and for an
    entry on which answer a request gets, that answer (``outcome``: status and codes)."""

    id: str
    text: str
    outcome: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Ambiguity:
    """An entry of the ambiguity register: a question the documents leave open, the
    readings they allow (the default mode's first), what the default mode accepts and what
    ``--strict`` requires, and the clauses it bears on besides those naming it."""

    id: str
    question: str
    sources: tuple[str, ...]
    readings: tuple[Reading, ...]
    default: str
    strict: str
    affects: tuple[str, ...] = ()
    #: The id of the reading ``--strict`` holds targets to (a strict reference takes it).
    strict_reading: str = ""
    #: Readings the suite does not honour: id -> the reason (``rejected_readings``).
    rejected: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, entry: dict[str, Any]) -> Ambiguity:
        """The entry as the catalog writes it (``readings``: ``{"id", "text"}`` objects)."""
        return cls(entry["id"], entry["question"], tuple(entry["sources"]),
                   tuple(Reading(r["id"], r["text"], r.get("outcome")) for r in entry["readings"]),
                   entry["default"], entry["strict"], tuple(entry.get("affects", ())),
                   entry["strict_reading"],
                   {r["id"]: r["reason"] for r in entry.get("rejected_readings", ())})

    @property
    def default_reading(self) -> str:
        """The id of the default reading (the first)."""
        return self.readings[0].id

    @property
    def alternative_reading(self) -> str:
        """The id of the last reading (``--readings all-alt``)."""
        return self.readings[-1].id

    @property
    def reading_ids(self) -> tuple[str, ...]:
        """The ids of the readings, in register order (the first is the default mode's)."""
        return tuple(r.id for r in self.readings)

    def reading(self, reading_id: str) -> Reading:
        """The reading called ``reading_id``."""
        for found in self.readings:
            if found.id == reading_id:
                return found
        raise KeyError(f"no reading {reading_id!r} of {self.id}; "
                       f"readings: {', '.join(self.reading_ids)}")


#: ``--readings`` value for every entry's last (alternative) reading.
ALL_ALT = "all-alt"


def checked_readings(chosen: Mapping[str, str]) -> dict[str, str]:
    """``chosen`` (ambiguity id -> reading id), checked against the register; raises
    ``ValueError`` naming the choices for an unknown entry or reading."""
    register = catalog().ambiguities
    out = {}
    for entry_id, reading_id in chosen.items():
        if entry_id not in register:
            raise ValueError(f"no ambiguity {entry_id!r} in the register; choose one of: "
                             f"{', '.join(register)}")
        entry = register[entry_id]
        if reading_id not in entry.reading_ids:
            why = (f" (rejected: {entry.rejected[reading_id]})"
                   if reading_id in entry.rejected else "")
            raise ValueError(f"no reading {reading_id!r} of {entry_id}{why}; choose one of: "
                             f"{', '.join(entry.reading_ids)}")
        out[entry_id] = reading_id
    return out


def parse_readings(text: str) -> dict[str, str]:
    """A ``--readings`` value: ``all-alt`` (every entry's last reading) or
    ``ID=READING[,ID=READING...]``, checked (``ValueError`` otherwise)."""
    text = text.strip()
    if text == ALL_ALT:
        return {a.id: a.alternative_reading for a in catalog().ambiguities.values()}
    chosen: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        entry_id, sep, reading_id = part.partition("=")
        if not sep or not entry_id.strip() or not reading_id.strip():
            raise ValueError(f"{part!r} is not ID=READING (or give {ALL_ALT})")
        chosen[entry_id.strip()] = reading_id.strip()
    if not chosen:
        raise ValueError(f"give ID=READING[,ID=READING...] or {ALL_ALT}")
    return checked_readings(chosen)


def strict_readings() -> dict[str, str]:
    """Ambiguity id -> the reading ``--strict`` holds targets to (``strict_reading``)."""
    return {a.id: a.strict_reading for a in catalog().ambiguities.values()}


@dataclass(frozen=True)
class Catalog:
    """The clause catalog and its ambiguity register."""

    clauses: dict[str, Clause]
    ambiguities: dict[str, Ambiguity]

    def __getitem__(self, clause_id: str) -> Clause:
        try:
            return self.clauses[clause_id]
        except KeyError:
            raise KeyError(f"no clause {clause_id!r} in the catalog") from None

    def __iter__(self) -> Iterator[Clause]:
        return iter(self.clauses.values())

    def __len__(self) -> int:
        return len(self.clauses)

    @cached_property
    def _by_schema(self) -> dict[str, Clause]:
        return {c.schema: c for c in self if c.schema}

    def by_schema(self, schema_pointer: str) -> Clause | None:
        """The shape clause whose schema location is ``schema_pointer``."""
        return self._by_schema.get(schema_pointer)


_FIELDS = {f for f in Clause.__dataclass_fields__ if f != "extra"}


@cache
def catalog() -> Catalog:
    """The catalog, checked against ``catalog.schema.json``."""
    data = load("clauses.json")
    jsonschema.Draft7Validator(load("catalog.schema.json")).validate(data)
    clauses = {
        c["id"]: Clause(**{k: v for k, v in c.items() if k in _FIELDS},
                        extra={k: v for k, v in c.items() if k not in _FIELDS})
        for c in data["clauses"]
    }
    return Catalog(clauses, {a["id"]: Ambiguity.of(a) for a in data["ambiguities"]})


def clause(ref: Clause | str) -> Clause:
    """A clause, given itself or its id."""
    return catalog()[ref] if isinstance(ref, str) else ref


def shape_clauses(operation: str | None = None) -> list[Clause]:
    """The catalog's shape clauses (for one operation when given), in catalog order."""
    return [c for c in catalog() if c.kind == "shape" and c.schema
            and (operation is None or c.operation == operation)]


def violated(file: str, body: Any) -> set[str] | None:
    """The shape clauses ``body`` breaks in ``file``; ``None`` if it breaks a rule that no
    clause names."""
    out: set[str] = set()
    for pointer in broken_at(file, body):
        found = catalog().by_schema(pointer)
        if found is None:
            return None
        out.add(found.id)
    return out


# -- facts of the contract, read from the data -----------------------------------------


def status_order(clause_id: str) -> tuple[tuple[str, ...], ...]:
    """The documented order of statuses a clause states (its ``statuses``): ranks, each the
    statuses of one step (``EventTracker.status.createOrder``: CREATE PENDING, then CREATE
    IN_PROGRESS, then ACTIVE or CREATE FAILED)."""
    return tuple(tuple(rank) for rank in catalog()[clause_id].extra["statuses"])


def status_rank(clause_id: str) -> dict[str, int]:
    """Status -> its step in :func:`status_order` (statuses of one step share a rank)."""
    return {s: i for i, rank in enumerate(status_order(clause_id)) for s in rank}


@cache
def _field_boundary() -> regex.Pattern:
    rule = catalog()["PutEvents.semantics.propertiesMapToFields"].extra["field_name"]
    return regex.compile(rule["boundary"])


def interaction_field(key: str) -> str:
    """The Interactions schema field a camelCase properties key names (numRatings ->
    NUM_RATINGS), by the rule of ``PutEvents.semantics.propertiesMapToFields``."""
    return _field_boundary().sub("_", key).upper()


#: The clause on the keys a properties JSON object may not hold.
RESERVED_KEYS = "PutEvents.properties.reservedKeys"


@cache
def reserved_keys() -> frozenset[str]:
    """The keys a properties JSON object may not hold, lower-cased: they are compared
    case-insensitively (``PutEvents.properties.reservedKeys``)."""
    return frozenset(k.lower() for k in catalog()[RESERVED_KEYS].extra["reserved_keys"]["keys"])


def is_reserved_key(key: str) -> bool:
    """Whether ``key``, in any case, is one a properties object may not hold."""
    return key.lower() in reserved_keys()


@cache
def reserved_keys_location() -> Location:
    """Where the properties JSON strings of a request are (the clause's ``at``)."""
    return Location.parse(catalog()[RESERVED_KEYS].extra["reserved_keys"]["at"] + "/type")


def reserved_keys_in(file: str, body: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """The reserved keys the properties JSON objects of ``body`` (a request of schema
    ``file``) hold, each with the request path of its properties string."""
    at = reserved_keys_location()
    if at.file != file:
        return []
    out = []
    for where, text in at.located(body):
        try:
            value = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            continue
        if isinstance(value, dict):
            out += [(where, k) for k in value if is_reserved_key(k)]
    return out


def name_length() -> tuple[int, int]:
    """The lengths a resource name (``Name.json``) may have."""
    name = schema("Name.json")
    return name["minLength"], name["maxLength"]


@cache
def member_annotations(operation: str, annotation: str) -> dict[str, Any]:
    """The request members of ``operation`` that carry ``annotation`` (``x-resource``,
    ``x-issued-by-service``) in its schema: dotted request path -> the annotation's value."""
    return {".".join(request_path(steps)): node[annotation]
            for steps, node in nodes(schema(request_schema(operation)))
            if annotation in node}


@cache
def described(operation: str) -> tuple[str, str]:
    """A describe operation's (response member holding the resource, request member
    naming it), read from its schemas: ``("eventTracker", "eventTrackerArn")``."""
    (member,) = resource_members(operation)
    (key,) = schema(response_schema(operation)).get("properties", {})
    return key, member


def resource_members(operation: str) -> dict[str, dict[str, str]]:
    """Top-level request members of ``operation`` that name a live resource of the target:
    member -> its ``x-resource`` annotation (``kind``, ``attribute``, ``stand-in``)."""
    return dict(member_annotations(operation, "x-resource"))


def names_resource(operation: str) -> tuple[str, ...]:
    """Top-level request members of ``operation`` whose value names a resource: a live one
    of the target (``x-resource``) or one elsewhere (``x-names-resource``: an IAM role, a
    KMS key). At a bound such a value names nothing that exists."""
    named = {**member_annotations(operation, "x-resource"),
             **member_annotations(operation, "x-names-resource")}
    return tuple(m for m in named if "." not in m)


def issued_by_service(operation: str) -> tuple[str, ...]:
    """Request members of ``operation`` only the service can issue (a ``nextToken``)."""
    return tuple(m for m, v in member_annotations(operation, "x-issued-by-service").items()
                 if v)


def unknown_outcome(clause: Clause) -> dict | None:
    """What answers a value that names nothing, for a violation of ``clause`` (a shape
    clause on a member with an ``x-unknown`` annotation; not ``required`` or
    ``dependencies``: a missing member names nothing): the outcome of the behavioural
    clause the annotation names (its
    default-mode ``expected``), or the ``{"status", "errors"}`` it gives; ``None`` where
    there is none (no annotation, or ``null``: an unknown value is no error there)."""
    at = clause.location
    if at is None or at.keyword in ("required", "dependencies"):
        return None
    given = member_annotations(clause.operation, "x-unknown").get(".".join(at.path))
    if given is None:
        return None
    if isinstance(given, str):
        given = catalog()[given].expected
    return {"status": given["status"], "errors": list(given["errors"])}


def union(first: dict, second: dict) -> dict:
    """An outcome accepting what either does: the status where both agree, else any client
    error; the error codes of both (any, if either accepts any)."""
    status = first["status"] if first["status"] == second["status"] else "4xx"
    if not first["errors"] or not second["errors"]:
        errors: list[str] = []
    else:
        errors = [*first["errors"], *(e for e in second["errors"] if e not in first["errors"])]
    return {"status": status, "errors": errors}


def all_operations() -> tuple[str, ...]:
    """The operations in scope, in ``operations.json`` order."""
    return tuple(operations())


# -- what each operation does, read from operations.json -------------------------------


def _entry(operation: str) -> Mapping[str, Any]:
    """``operation``'s entry in ``operations.json`` (in scope or a prerequisite; empty for
    an operation it does not list)."""
    return operations().get(operation) or prerequisites().get(operation) or {}


def operation_kind(operation: str) -> str | None:
    """What ``operation`` does: ``create``, ``describe``, ``list``, ``delete`` or ``put``
    (``None``: an operation ``operations.json`` does not list)."""
    return _entry(operation).get("kind")


def operation_resource(operation: str) -> str | None:
    """The resource ``operation`` acts on (``event-tracker``, ``dataset-group``, ...)."""
    return _entry(operation).get("resource")


def operation_on(resource: str, kind: str) -> str:
    """The operation of ``kind`` on ``resource``: ``("event-tracker", "delete")`` is
    ``DeleteEventTracker``."""
    return next(name for name in (*operations(), *prerequisites())
                if operation_kind(name) == kind and operation_resource(name) == resource)


def status_order_clause(describe: str, after: str = "create") -> str | None:
    """The clause stating the order of statuses ``describe`` reports after a ``create``
    or a ``delete`` (``statusOrders``; ``None``: none stated)."""
    return _entry(describe).get("statusOrders", {}).get(after)


def status_describes() -> frozenset[str]:
    """The describes in scope whose answers show a resource's status: those a create
    order of statuses is stated for."""
    return frozenset(name for name in operations() if status_order_clause(name))

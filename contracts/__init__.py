"""The contract as data: JSON Schemas of every shape, the operations, and the clause catalog.

This module only reads the files beside it; the rules themselves live in the JSON.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema
import regex

_ROOT = files(__name__)


def _load(path: str) -> Any:
    return json.loads((_ROOT / path).read_text(encoding="utf-8"))


@cache
def raw_schema(name: str) -> dict:
    """The schema file ``schemas/<name>`` exactly as written (``name`` ends in ``.json``)."""
    return _load(f"schemas/{name}")


def _inline(node: Any) -> Any:
    if isinstance(node, dict):
        if set(node) == {"$ref"}:
            target = copy.deepcopy(raw_schema(node["$ref"]))
            for key in ("$schema", "$id", "title"):
                target.pop(key, None)
            return _inline(target)
        return {key: _inline(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value) for value in node]
    return node


@cache
def _schema(name: str) -> str:
    return json.dumps(_inline(raw_schema(name)))


def schema(name: str) -> dict:
    """The schema ``name`` with every ``$ref`` to a sibling file inlined (a fresh copy)."""
    return json.loads(_schema(name))


def _regex_pattern(validator, pattern, instance, schema):
    """``pattern`` with the ``regex`` module, which knows ``\\p{L}`` as the AWS patterns use it."""
    if isinstance(instance, str) and not regex.search(pattern, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


def _required(validator, required, instance, schema):
    """``required`` with the missing member's index in the schema path (``.../required/1``),
    so each required member is a clause of its own location."""
    if validator.is_type(instance, "object"):
        for index, member in enumerate(required):
            if member not in instance:
                yield jsonschema.ValidationError(f"{member!r} is a required property",
                                                 schema_path=[index])


#: Draft-07's format checker, with ``regex`` checked by the ``regex`` module (for ``\\p{L}``).
FORMAT_CHECKER = jsonschema.FormatChecker()
FORMAT_CHECKER.checkers["regex"] = (regex.compile, (regex.error,))

Validator = jsonschema.validators.extend(
    jsonschema.Draft7Validator, {"pattern": _regex_pattern, "required": _required},
    format_checker=FORMAT_CHECKER,
)


def check_schema(schema_: dict) -> None:
    """Raise ``SchemaError`` unless ``schema_`` is a valid draft-07 schema (patterns: ``regex``)."""
    Validator.check_schema(schema_, format_checker=FORMAT_CHECKER)


@cache
def validator(name: str) -> jsonschema.protocols.Validator:
    """A draft-07 validator for the inlined schema ``name``."""
    return Validator(schema(name))


def pointer(error: jsonschema.ValidationError, schema_name: str) -> str:
    """The catalog-style pointer (``File.json#/path/keyword``) of the keyword that failed;
    for a missing member, ``.../required/<index of the member>``."""
    return schema_name + "#/" + "/".join(str(part) for part in error.schema_path)


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

    @property
    def keyword(self) -> str | None:
        """The schema keyword of a shape clause (``required`` for ``.../required/<i>``)."""
        if not self.schema:
            return None
        parts = self.schema.split("/")
        return parts[-2] if parts[-1].isdigit() else parts[-1]

    def expected_for(self, strict: bool = False) -> dict:
        """The expected outcome: ``expected``, or under ``--strict`` its ``strict`` entry
        (else, for an ambiguous clause, the first listed error only)."""
        if strict and "strict" in self.expected:
            return self.expected["strict"]
        if strict and self.ambiguity and self.expected["errors"]:
            return {**self.expected, "errors": self.expected["errors"][:1]}
        return self.expected

    def accepts_error(self, status: int, code: str, strict: bool = False) -> bool:
        """Whether (status, code) is an outcome this clause's violation may have."""
        expected = self.expected_for(strict)
        want = expected["status"]
        status_ok = 400 <= status <= 499 if want == "4xx" else status == want
        return status_ok and (not expected["errors"] or code in expected["errors"])


@dataclass(frozen=True)
class Catalog:
    """The clause catalog and its ambiguity register."""

    clauses: dict[str, Clause]
    ambiguities: dict[str, dict]

    def __getitem__(self, clause_id: str) -> Clause:
        try:
            return self.clauses[clause_id]
        except KeyError:
            raise KeyError(f"no clause {clause_id!r} in the catalog") from None

    def __iter__(self) -> Iterator[Clause]:
        return iter(self.clauses.values())

    def __len__(self) -> int:
        return len(self.clauses)

    def by_schema(self, schema_pointer: str) -> Clause | None:
        """The shape clause whose schema location is ``schema_pointer``."""
        return next((c for c in self if c.schema == schema_pointer), None)


_FIELDS = {f for f in Clause.__dataclass_fields__ if f != "extra"}


@cache
def catalog() -> Catalog:
    """The catalog, checked against ``catalog.schema.json``."""
    data = _load("clauses.json")
    jsonschema.Draft7Validator(_load("catalog.schema.json")).validate(data)
    clauses = {
        c["id"]: Clause(**{k: v for k, v in c.items() if k in _FIELDS},
                        extra={k: v for k, v in c.items() if k not in _FIELDS})
        for c in data["clauses"]
    }
    return Catalog(clauses, {a["id"]: a for a in data["ambiguities"]})


@cache
def operations() -> dict[str, dict]:
    """Operation name -> {service, request, response} (schema file names)."""
    return {k: v for k, v in _load("operations.json").items() if not k.startswith("$")}


def service_of(operation: str) -> str:
    """The AWS service (botocore name) that carries ``operation``."""
    return operations()[operation]["service"]


def digest() -> str:
    """A SHA-256 over every contract file, so a report names the contract it checked."""
    h = hashlib.sha256()
    entries = [(p.name, p) for p in _ROOT.iterdir() if p.name.endswith(".json")]
    entries += [(f"schemas/{p.name}", p) for p in (_ROOT / "schemas").iterdir()
                if p.name.endswith(".json")]
    for name, path in sorted(entries, key=lambda e: e[0]):
        h.update(name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()

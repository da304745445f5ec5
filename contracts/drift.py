"""Drift check: our schemas and catalog against the installed botocore service models.

Both sides are flattened into constraints ``(operation, side, path, keyword) -> value``
where ``path`` is the member path in clause-id form (``eventList[].eventType``) and
``keyword`` the JSON Schema keyword (``maxLength``, ``pattern``, ``required``...).
botocore's ``min``/``max`` map to ``minLength``/``maxLength`` (strings),
``minItems``/``maxItems`` (lists) or ``minimum``/``maximum`` (numbers); a minimum of 0 is
no constraint and is dropped. ``required`` compares as a set. Every difference not
listed in ``drift-allowances.json`` is drift.

The same flattening of the request shapes yields the shape clauses the catalog must hold
(``expected_shape_clauses``): one per constraint per use site, ``type`` included.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.loaders

from personalize_conformance.contracts.files import (
    ROOT,
    operations,
    prerequisites,
    request_schema,
    response_schema,
    schema,
    service_of,
)
from personalize_conformance.contracts.location import Location, dotted, nodes, request_path
from personalize_conformance.contracts.model import catalog

#: botocore scalar types -> JSON Schema ``type`` on the wire (timestamps: epoch seconds).
TYPES = {"string": "string", "list": "array", "structure": "object", "integer": "integer",
         "long": "integer", "float": "number", "double": "number", "timestamp": "number",
         "boolean": "boolean", "blob": "string"}
#: JSON Schema keywords the drift check compares.
KEYWORDS = ("type", "minLength", "maxLength", "pattern", "enum", "minItems", "maxItems",
            "minimum", "maximum", "required")
#: Keywords of rules botocore's shapes cannot carry, stated in its documentation strings
#: (``dependencies``: a roleArn is only valid with a kmsKeyArn): no constraint to compare.
PROSE_KEYWORDS = ("dependencies",)


@dataclass(frozen=True)
class Constraint:
    """One constraint at one use site."""

    operation: str
    side: str  # "request" or "response"
    path: str  # clause-id form; "" for the body itself
    keyword: str
    value: Any
    shape: str  # the botocore shape (or our schema location) that carries it
    pointer: str  # JSON pointer inside the inlined schema, keyword included

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.operation, self.side, self.path, self.keyword)


@cache
def model(service: str) -> dict:
    """The installed botocore service model of ``service``."""
    return botocore.loaders.Loader().load_service_model(service, "service-2")


def _join(path: str, member: str) -> str:
    return f"{path}.{member}" if path else member


def _botocore_walk(shapes: dict, name: str, op: str, side: str, path: str, pointer: str
                   ) -> Iterator[Constraint]:
    shape = shapes[name]
    kind = shape["type"]

    def c(keyword: str, value: Any, where: str = pointer) -> Constraint:
        return Constraint(op, side, path, keyword, value, name, f"{where}/{keyword}")

    if path:  # the body's own type is fixed by the protocol, not a member constraint
        yield c("type", TYPES[kind])
    bounds = {"string": ("minLength", "maxLength"), "list": ("minItems", "maxItems"),
              "integer": ("minimum", "maximum"), "long": ("minimum", "maximum")}.get(kind)
    if bounds:
        if shape.get("min", 0) != 0:
            yield c(bounds[0], shape["min"])
        if "max" in shape:
            yield c(bounds[1], shape["max"])
    if "pattern" in shape:
        yield c("pattern", shape["pattern"])
    if "enum" in shape:
        yield c("enum", list(shape["enum"]))
    if kind == "list":
        yield from _botocore_walk(shapes, shape["member"]["shape"], op, side, path + "[]",
                                  pointer + "/items")
    if kind == "structure":
        if shape.get("required"):
            yield c("required", sorted(shape["required"]))
        for member, ref in shape["members"].items():
            yield from _botocore_walk(shapes, ref["shape"], op, side, _join(path, member),
                                      f"{pointer}/properties/{member}")


def _schema_constraints(document: dict, op: str, side: str) -> Iterator[Constraint]:
    for steps, node in nodes(document):
        path = dotted(request_path(steps))
        pointer = "".join("/" + step for step in steps)
        for keyword in KEYWORDS:
            if keyword in node and (keyword != "type" or path):
                value = node[keyword]
                value = sorted(value) if keyword == "required" else value
                yield Constraint(op, side, path, keyword, value, pointer or "#",
                                 f"{pointer}/{keyword}")


def botocore_constraints(operation: str, side: str) -> list[Constraint]:
    """The constraints botocore's model puts on ``operation``'s input or output."""
    service = service_of(operation)
    op_model = model(service)["operations"][operation]
    ref = op_model.get("input" if side == "request" else "output")
    if not ref:
        return []
    shapes = model(service)["shapes"]
    return list(_botocore_walk(shapes, ref["shape"], operation, side, "", ""))


def schema_constraints(operation: str, side: str, document: dict | None = None
                       ) -> list[Constraint]:
    """The constraints our (inlined) schema, or ``document`` in its place, puts on
    ``operation``'s request or response."""
    name = request_schema(operation) if side == "request" else response_schema(operation)
    if document is None and name:
        document = schema(name)
    return list(_schema_constraints(document, operation, side)) if document else []


@cache
def allowances() -> dict[tuple[str, str, str, str], dict]:
    """Differences kept on purpose (``drift-allowances.json``), by constraint key."""
    data = json.loads((ROOT / "drift-allowances.json").read_text(encoding="utf-8"))
    return {(a["operation"], a["side"], a["path"], a["keyword"]): a for a in data["constraints"]}


@cache
def allowed_codes() -> dict[str, str]:
    """Error codes clauses may expect beyond the model's lists: code -> reason."""
    data = json.loads((ROOT / "drift-allowances.json").read_text(encoding="utf-8"))
    return {a["code"]: a["reason"] for a in data["codes"]}


def _show(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value)


def constraint_drift(operation: str, side: str, ours: list[Constraint] | None = None
                     ) -> list[str]:
    """Differences between our schema and botocore for one side of one operation."""
    mine = {c.key: c for c in (schema_constraints(operation, side) if ours is None else ours)}
    theirs = {c.key: c for c in botocore_constraints(operation, side)}
    problems = []
    for key in sorted(set(mine) | set(theirs)):
        a, b = mine.get(key), theirs.get(key)
        va, vb = (a.value if a else None), (b.value if b else None)
        if va == vb:
            continue
        allowed = allowances().get(key)
        if allowed and allowed["ours"] == va and allowed["botocore"] == vb:
            continue
        where = f"botocore shape {b.shape}" if b else f"no botocore constraint; ours at {a.pointer}"
        member = key[2] or "(body)"
        problems.append(f"{operation} {side}: member {member} ({where}) "
                        f"{key[3]}: ours {_show(va)}, botocore {_show(vb)}")
    return problems


def error_drift() -> list[str]:
    """operations.json's error lists against botocore's, and the catalog's codes against both."""
    problems = []
    ops = operations()
    for operation, entry in {**ops, **prerequisites()}.items():
        modelled = [e["shape"] for e in
                    model(entry["service"])["operations"][operation].get("errors", [])]
        if sorted(modelled) != sorted(entry["errors"]):
            problems.append(f"{operation} errors: ours {sorted(entry['errors'])}, "
                            f"botocore {sorted(modelled)}")
    for clause in catalog():
        codes = (set(clause.expected_for(strict=False)["errors"])  # with x-unknown's
                 | set(clause.expected["errors"])
                 | set(clause.expected.get("strict", {}).get("errors", [])))
        listed = (set(ops[clause.operation]["errors"]) if clause.operation in ops
                  else set.intersection(*(set(e["errors"]) for e in ops.values()))
                  if clause.operation == "*" else set())  # "*": what every operation lists
        for code in sorted(codes - listed - set(allowed_codes())):
            problems.append(f"clause {clause.id} expects {code}, which botocore does not list "
                            f"for {clause.operation}")
    return problems


def clause_id(c: Constraint) -> str:
    """The id of the shape clause for a request constraint (``required``: one per member)."""
    return ".".join(part for part in (c.operation, c.path, c.keyword) if part)


def expected_shape_clauses() -> dict[str, str]:
    """Shape clause id -> schema pointer, for every botocore request constraint in scope.

    ``required`` gives one clause per member, ``<Op>.<path>.<member>.required``, pointing
    at that member's entry in the schema's ``required`` array (``.../required/<index>``).
    """
    out: dict[str, str] = {}
    for operation, entry in operations().items():
        file = entry["request"]
        for c in botocore_constraints(operation, "request"):
            if c.keyword != "required":
                out[clause_id(c)] = f"{file}#{c.pointer}"
                continue
            listed = Location.parse(f"{file}#{c.pointer}").node().get("required", [])
            for member in c.value:
                index = listed.index(member) if member in listed else "?"
                base = _join(c.path, member)
                out[f"{operation}.{base}.required"] = f"{file}#{c.pointer}/{index}"
    return out


def coverage_drift() -> list[str]:
    """Shape clauses botocore's constraints call for that the catalog lacks, or has extra."""
    want = expected_shape_clauses()
    have = {c.id: c.schema for c in catalog()
            if c.kind == "shape" and c.keyword not in PROSE_KEYWORDS}
    problems = [f"catalog lacks shape clause {i} ({p})" for i, p in sorted(want.items())
                if i not in have]
    problems += [f"shape clause {i} points at {have[i]}, botocore's constraint is at {p}"
                 for i, p in sorted(want.items()) if i in have and have[i] != p]
    problems += [f"shape clause {i} has no botocore constraint" for i in sorted(have)
                 if i not in want]
    return problems


def _words(text: str) -> str:
    """``text`` as its words, lower-case, one space apart (HTML tags, entities and
    punctuation out)."""
    plain = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(re.findall(r"[\w']+", plain.lower()))


def documentation(document: str, section: str) -> str | None:
    """The documentation string a catalog source names (``botocore:<service>/...``, section
    ``shapes.<Shape>[.members.<member>].documentation`` or
    ``operations.<Operation>.documentation``); ``None`` if the model has none there."""
    node: Any = model(document.removeprefix("botocore:").split("/")[0])
    for step in section.split("."):
        if not isinstance(node, dict) or step not in node:
            return None
        node = node[step]
    return node if isinstance(node, str) else None


def prose_drift() -> list[str]:
    """Clauses citing one documentation string of a botocore model (a prose rule, such as
    the reserved properties keys) whose sentence it no longer holds, word for word."""
    problems = []
    for clause in catalog():
        document, section = clause.source["document"], clause.source["section"]
        if (not document.startswith("botocore:") or ";" in section
                or not section.endswith(".documentation")):
            continue
        text = documentation(document, section)
        if text is None:
            problems.append(f"clause {clause.id} cites {section}, which botocore lacks")
        elif _words(clause.source["sentence"]) not in _words(text):
            problems.append(f"clause {clause.id}: botocore's {section} no longer says "
                            f"{clause.source['sentence']!r}")
    return problems


def check() -> list[str]:
    """Every drift: constraints of both sides of every operation (a prerequisite's too),
    errors, catalog coverage, the documentation strings prose clauses cite."""
    problems = []
    for operation in (*operations(), *prerequisites()):
        for side in ("request", "response"):
            problems += constraint_drift(operation, side)
    return problems + error_drift() + coverage_drift() + prose_drift()


def summary() -> dict[str, int]:
    """Counts for the report line: botocore request constraints (raw and after dropping
    minimums of 0, ``required`` per member), the catalog's shape clauses that match one,
    and its shape clauses of :data:`PROSE_KEYWORDS` (no botocore constraint)."""
    raw = effective = 0
    for operation, entry in operations().items():
        shapes = model(entry["service"])["shapes"]
        ref = model(entry["service"])["operations"][operation].get("input")
        raw += _raw_count(shapes, ref["shape"], top=True) if ref else 0
        effective += sum(len(c.value) if c.keyword == "required" else 1
                         for c in botocore_constraints(operation, "request"))
    shape = sum(c.kind == "shape" and c.keyword not in PROSE_KEYWORDS for c in catalog())
    prose = sum(c.kind == "shape" and c.keyword in PROSE_KEYWORDS for c in catalog())
    return {"botocore_raw": raw, "botocore_effective": effective, "shape_clauses": shape,
            "prose_shape_clauses": prose}


def _raw_count(shapes: dict, name: str, top: bool = False) -> int:
    shape = shapes[name]
    n = (0 if top else 1) + sum(k in shape for k in ("min", "max", "pattern", "enum"))
    n += len(shape.get("required", []))
    if shape["type"] == "list":
        n += _raw_count(shapes, shape["member"]["shape"])
    for ref in shape.get("members", {}).values():
        n += _raw_count(shapes, ref["shape"])
    return n

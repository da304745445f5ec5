"""The contract's files: JSON Schemas (``schemas/``, ``$ref`` to sibling files inlined),
``operations.json``, and their validators. Reading only; the rules live in the JSON."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema
import regex

ROOT = files("personalize_conformance.contracts")


def load(path: str) -> Any:
    """A JSON file of the contract, by its path inside ``contracts/``."""
    return json.loads((ROOT / path).read_text(encoding="utf-8"))


@cache
def raw_schema(name: str) -> dict:
    """The schema file ``schemas/<name>`` exactly as written (``name`` ends in ``.json``)."""
    return load(f"schemas/{name}")


def _inline(node: Any) -> Any:
    if isinstance(node, dict):
        if "$ref" in node and all(key.startswith("x-") for key in node if key != "$ref"):
            target = copy.deepcopy(raw_schema(node["$ref"]))
            for key in ("$schema", "$id", "title"):
                target.pop(key, None)
            # annotations beside a $ref (x-resource...) are ours: kept on the inlined node
            return {**_inline(target), **{k: v for k, v in node.items() if k != "$ref"}}
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


def _dependencies(validator, dependencies, instance, schema):
    """``dependencies`` (members only: each present member's list of members it needs)
    with the member and the needed one's index in the schema path
    (``.../dependencies/roleArn/0``), so each dependency is a clause of its own location."""
    if validator.is_type(instance, "object"):
        for member, needs in dependencies.items():
            if member not in instance:
                continue
            for index, needed in enumerate(needs):
                if needed not in instance:
                    yield jsonschema.ValidationError(
                        f"{needed!r} is a dependency of {member!r}",
                        schema_path=[member, index])


#: Draft-07's format checker, with ``regex`` checked by the ``regex`` module (for ``\\p{L}``).
FORMAT_CHECKER = jsonschema.FormatChecker()
FORMAT_CHECKER.checkers["regex"] = (regex.compile, (regex.error,))

Validator = jsonschema.validators.extend(
    jsonschema.Draft7Validator,
    {"pattern": _regex_pattern, "required": _required, "dependencies": _dependencies},
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


@cache
def _fast(name: str) -> Any:
    """jsonschema-rs' draft-07 validator for the inlined schema ``name`` (``None`` where
    it is not installed or cannot compile the schema)."""
    try:
        import jsonschema_rs

        return jsonschema_rs.Draft7Validator(schema(name))
    except Exception:  # not installed, or a pattern its regex engine refuses
        return None


def _surely_valid(file: str, body: Any) -> bool:
    """Whether jsonschema-rs calls ``body`` valid. It is as strict as :data:`Validator` or
    stricter wherever they differ (its ``\\d`` is ASCII, its ``$`` no newline's edge, its
    Unicode tables not newer than ``regex``'s), so its "valid" is the contract's "valid";
    anything else is left to :data:`Validator` (``tests/unit/test_contracts.py`` checks
    the two agree on the strategies' valid and invalid requests)."""
    fast = _fast(file)
    try:
        return fast is not None and fast.is_valid(body)
    except Exception:  # a value it cannot convert (an integer past 64 bits)
        return False


def broken_at(file: str, body: Any) -> set[str]:
    """The catalog-style pointers of every keyword ``body`` fails in schema ``file``
    (a valid body is recognised by jsonschema-rs, 50 times faster: :func:`_surely_valid`)."""
    if _surely_valid(file, body):
        return set()
    return {pointer(e, file) for e in validator(file).iter_errors(body)}


@cache
def _table() -> dict[str, dict]:
    """Every operation of ``operations.json``, in scope or a prerequisite."""
    return {k: v for k, v in load("operations.json").items() if not k.startswith("$")}


@cache
def operations() -> dict[str, dict]:
    """The operations in scope: name -> {service, request, response, error, errors}
    (schema file names)."""
    return {k: v for k, v in _table().items() if not v.get("prerequisite")}


@cache
def prerequisites() -> dict[str, dict]:
    """The operations outside the scope the suite calls to set a test up (no clause is
    theirs, nor is their answer judged): name -> the same entry as :func:`operations`."""
    return {k: v for k, v in _table().items() if v.get("prerequisite")}


@cache
def interactions_dataset() -> dict[str, Any]:
    """What the suite makes an Interactions dataset of (``interactions.json``): its
    ``datasetType`` and its Avro ``schema`` (as data)."""
    data = load("interactions.json")
    return {k: data[k] for k in ("datasetType", "schema")}


def event_fields() -> dict[str, str]:
    """The Interactions field each PutEvents member fills (``interactions.json``):
    ``userId`` -> ``USER_ID``, ``sentAt`` -> ``TIMESTAMP``...; the request's ``userId``
    first, then the members of an event."""
    return dict(_event_fields())


@cache
def _event_fields() -> tuple[tuple[str, str], ...]:
    return tuple(load("interactions.json")["event_fields"].items())


def service_of(operation: str) -> str:
    """The AWS service (botocore name) that carries ``operation``."""
    return _table()[operation]["service"]


def request_schema(operation: str) -> str:
    """The schema file of ``operation``'s request."""
    return _table()[operation]["request"]


def response_schema(operation: str) -> str | None:
    """The schema file of ``operation``'s response, if its output has members."""
    return _table()[operation]["response"]


def pointer_steps(pointer: str) -> list[str]:
    """A JSON pointer (RFC 6901) as its reference tokens: ``/a/b~1c`` -> ``["a", "b/c"]``
    (``""`` -> ``[]``)."""
    if pointer and not pointer.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/': {pointer!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def split_pointer(pointer: str) -> tuple[str, list[str]]:
    """``File.json#/a/b`` -> (``File.json``, ``["a", "b"]``), JSON-pointer escapes undone."""
    file, _, rest = pointer.partition("#")
    return file, [step for step in pointer_steps(rest) if step]


def patched_schema(name: str, patches: Mapping[str, Any]) -> dict:
    """The inlined schema ``name`` with ``patches`` applied: ``{"File.json#/pointer": value}``
    sets the keyword at the pointer (``None`` removes it); patches of other files are ignored."""
    out = schema(name)
    for where, value in patches.items():
        file, steps = split_pointer(where)
        if file != name:
            continue
        node: Any = out
        for step in steps[:-1]:
            node = node[int(step)] if isinstance(node, list) else node[step]
        if value is None:
            node.pop(steps[-1], None)
        else:
            node[steps[-1]] = value
    return out


def digest() -> str:
    """A SHA-256 over every contract file, so a report names the contract it checked."""
    h = hashlib.sha256()
    entries = [(p.name, p) for p in ROOT.iterdir() if p.name.endswith(".json")]
    entries += [(f"schemas/{p.name}", p) for p in (ROOT / "schemas").iterdir()
                if p.name.endswith(".json")]
    for name, path in sorted(entries, key=lambda e: e[0]):
        h.update(name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()

"""The contract as data: JSON Schemas of every shape, the operations, and the clause catalog
with its ambiguity register, read into one typed model.

Every other layer asks this package about the contract (a clause's location, bounds,
which members name a resource); none parses a pointer or restates a fact itself.

- :mod:`.files`: the files and their validators (``schema``, ``validator``, ``operations``).
- :mod:`.location`: :class:`Location`, a shape clause's schema location parsed once, and
  the one schema walk (``nodes``), and ``get``/``put`` of a value at a request path.
- :mod:`.visit`: :class:`SchemaVisitor`, the one dispatch on a schema node's type for
  every walk that makes something of a schema (strategies, instances).
- :mod:`.model`: :class:`Clause`, :class:`Catalog`, the register's :class:`Ambiguity`
  (its :class:`Reading` objects, by id), ``shape_clauses``, ``violated`` and the
  contract's facts (status orders, resource members, members only the service issues,
  what answers an unknown value (``x-unknown``), the properties-key mapping, name lengths).
- :mod:`.protocol`: the wire protocols' facts (``protocol_of``, ``error_code``, the
  clauses' ``wire`` entries, botocore's ``service_model``).
- :mod:`.drift`: the drift check of the schemas and catalog against botocore's models
  (``drift.check()``, ``drift.summary()``).

Other layers import these names from this front only (``tests/unit/test_imports.py``).
"""

from personalize_conformance.contracts import drift
from personalize_conformance.contracts.files import (
    FORMAT_CHECKER,
    ROOT,
    Validator,
    broken_at,
    check_schema,
    digest,
    event_fields,
    interactions_dataset,
    operations,
    patched_schema,
    pointer,
    pointer_steps,
    prerequisites,
    raw_schema,
    request_schema,
    response_schema,
    schema,
    service_of,
    split_pointer,
    validator,
)
from personalize_conformance.contracts.location import (
    DELETE,
    ITEMS,
    Location,
    get,
    node_at,
    nodes,
    put,
)
from personalize_conformance.contracts.model import (
    ALL_ALT,
    RESERVED_KEYS,
    STATUS_CLAUSE,
    Ambiguity,
    Catalog,
    Clause,
    Reading,
    all_operations,
    catalog,
    checked_readings,
    clause,
    described,
    interaction_field,
    is_reserved_key,
    issued_by_service,
    member_annotations,
    name_length,
    names_resource,
    parse_readings,
    reserved_keys,
    reserved_keys_in,
    resource_members,
    shape_clauses,
    status_order,
    status_rank,
    strict_readings,
    union,
    unknown_outcome,
    violated,
)
from personalize_conformance.contracts.protocol import (
    CODE_CLAUSE,
    RAW_OPERATIONS,
    error_code,
    error_codes,
    json_body,
    media_type,
    protocol_of,
    sanitize,
    service_model,
    wire,
)
from personalize_conformance.contracts.visit import SchemaVisitor

__all__ = [
    "ALL_ALT",
    "CODE_CLAUSE",
    "DELETE",
    "FORMAT_CHECKER",
    "ITEMS",
    "RAW_OPERATIONS",
    "RESERVED_KEYS",
    "ROOT",
    "STATUS_CLAUSE",
    "Ambiguity",
    "Catalog",
    "Clause",
    "Location",
    "Reading",
    "SchemaVisitor",
    "Validator",
    "all_operations",
    "broken_at",
    "catalog",
    "check_schema",
    "checked_readings",
    "clause",
    "described",
    "digest",
    "drift",
    "error_code",
    "error_codes",
    "event_fields",
    "get",
    "interaction_field",
    "interactions_dataset",
    "is_reserved_key",
    "issued_by_service",
    "json_body",
    "media_type",
    "member_annotations",
    "name_length",
    "names_resource",
    "node_at",
    "nodes",
    "operations",
    "parse_readings",
    "patched_schema",
    "pointer",
    "pointer_steps",
    "prerequisites",
    "protocol_of",
    "put",
    "raw_schema",
    "request_schema",
    "reserved_keys",
    "reserved_keys_in",
    "resource_members",
    "response_schema",
    "sanitize",
    "schema",
    "service_model",
    "service_of",
    "shape_clauses",
    "split_pointer",
    "status_order",
    "status_rank",
    "strict_readings",
    "union",
    "unknown_outcome",
    "validator",
    "violated",
    "wire",
]

"""Hypothesis strategies derived from the contract (``contracts/schemas`` and the clause
catalog): valid inputs, fixed boundary vectors, single-clause violations, and inputs
whose validity depends on an ambiguous reading.

Public API (every request is a dict as passed to boto3; ``pinned`` members are set as
given, e.g. a live ``trackingId``):

- ``requests(schema_file, pinned=None)``: valid request bodies, edge-biased (lengths 1
  and the maximum, list sizes at the minimum and maximum, each pattern's whole alphabet
  incl. ``\\p{L}``/``\\p{N}``/``\\p{Z}``/``\\p{ASCII}`` classes, taken in every Unicode
  version consulted (:mod:`.patterns`), non-ASCII BMP text).
  ``put_events(tracking_id=None)``: valid PutEvents bodies (1 to 10 events).
- ``boundary_vectors(operation, pinned=None) -> [(clause_id, request)]`` and
  ``boundary_for(clause) -> [request]``: deterministic requests just inside each shape
  clause. The suite does not send them: they are the valid vectors of ``export-vectors``
  and are checked by the self-tests.
- ``violations_of(clause, pinned=None)``: a strategy of :class:`Violation`
  (``request, clause (its id), operation, path, keyword, old, new, also``)
  whose request, as botocore sends it (:mod:`.serialized`), fails its schema at the clause's
  pointer and nowhere else but what the catalog says it ``entails`` (listed in ``also``),
  under every reading (other patterns in full and in every Unicode version, JSON strings
  JSON objects, no nextToken the service never issued: :mod:`.invalid`).
  ``violations(operation, pinned=None, clause=None)``: the same over every shape clause
  of an operation. ``invalid_vectors(clause, count=3) -> [Violation]``: fixed ones (the
  same every run). ``invalid.only_breaks(v)`` re-checks a violation;
  ``invalid.wire_unbreakable(clause)`` names the wrong-type clauses botocore cannot send.
- ``ambiguous(operation, pinned=None)``: :class:`Ambiguous` requests valid only under
  one reading of an ambiguity in the register (e.g. ``a!b`` as a Name). The suite does
  not send them: the self-tests and ``benchmarks.strategies`` use them.
  ``reserved_key_requests(tracking_id)``: PutEvents requests valid but for one reserved
  properties key (any case), refused or ignored by the reading (the suite sends them:
  ``test_put_events.py``, through "accepted or refused").

Also exported for the layers above: ``as_sent``/``on_the_wire`` (a request as a target
receives it, :mod:`.serialized`), :class:`RawBody` (a request sent past botocore as it
is), ``fixed(strategy, count)`` (deterministic examples), ``supported(clause)`` (an
operator exists), ``minimal``/``maximal``/``from_node``/``string_of``/
``with_dependencies`` (valid values of a schema node, :mod:`.valid`) and ``Walker`` (a
deterministic :class:`.patterns.Picker`). Other layers import these names from this front
only (``tests/unit/test_imports.py``).

Invalid inputs come from mutation operators keyed by schema keyword
(``invalid.OPERATORS``), not per field: a constraint added to a schema gets violations
without new code.

Why not hypothesis-jsonschema: it cannot compile the ``\\p{...}`` classes AWS patterns
use (Python's ``re`` does not know them), it treats ``pattern`` as a search (so "valid"
names like ``a!b`` would be generated, valid only under one reading), and it reaches
lengths by filtering, so a string of exactly 1,024 characters is never produced. A small
compiler for the keywords our schemas use (:mod:`.valid`, :mod:`.patterns`) does all three.
"""

from personalize_conformance.strategies.ambiguous import (
    Ambiguous,
    ambiguous,
    reserved_key_requests,
)
from personalize_conformance.strategies.boundary import boundary_for, boundary_vectors
from personalize_conformance.strategies.invalid import (
    Violation,
    fixed,
    invalid_vectors,
    supported,
    violations,
    violations_of,
    wire_unbreakable,
)
from personalize_conformance.strategies.patterns import Walker
from personalize_conformance.strategies.serialized import RawBody, as_sent, on_the_wire
from personalize_conformance.strategies.valid import (
    from_node,
    maximal,
    minimal,
    put_events,
    requests,
    string_of,
    with_dependencies,
)

__all__ = ["Ambiguous", "RawBody", "Violation", "Walker", "ambiguous", "as_sent",
           "boundary_for", "boundary_vectors", "fixed", "from_node", "invalid_vectors",
           "maximal", "minimal", "on_the_wire", "put_events", "requests",
           "reserved_key_requests", "string_of", "supported", "violations", "violations_of",
           "wire_unbreakable", "with_dependencies"]

"""One dispatch for every walk that makes something of a schema node (a strategy, an
instance): on the node's ``enum`` or ``const``, else on its ``type``, the way botocore's
validator dispatches on a shape's type (``getattr(self, f"_validate_{type}")``).

A visitor defines ``_visit_<type>`` for each type it handles (``_visit_object``,
``_visit_string``...) and recurses through :meth:`SchemaVisitor.visit`; a node of a
type it does not handle is a ``ValueError`` naming the node.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar

T = TypeVar("T")


class SchemaVisitor(Generic[T]):
    """Make a ``T`` of a schema node by its kind."""

    #: What the visitor makes, for the error on a type it does not handle.
    makes: ClassVar[str] = "visitor"

    def visit(self, node: Mapping[str, Any]) -> T:
        """The ``T`` of ``node``: ``_visit_enum``, ``_visit_const`` or ``_visit_<type>``."""
        if "enum" in node:
            return self._visit_enum(node)
        if "const" in node:
            return self._visit_const(node)
        kind = node.get("type")
        method = getattr(self, f"_visit_{kind}", None) if isinstance(kind, str) else None
        if method is None:
            raise ValueError(f"no {self.makes} for schema type {kind!r} in {node}")
        return method(node)

    def _visit_enum(self, node: Mapping[str, Any]) -> T:
        raise ValueError(f"no {self.makes} for an enum in {node}")

    def _visit_const(self, node: Mapping[str, Any]) -> T:
        raise ValueError(f"no {self.makes} for a const in {node}")

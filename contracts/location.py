"""Where a shape clause applies: its schema location, parsed once.

A shape clause's ``schema`` is a pointer into an inlined request schema that ends at the
keyword it names (``PutEventsRequest.json#/properties/eventList/items/properties/
eventType/maxLength``); a required member is ``.../required/<index>``, a member another
needs ``.../dependencies/<member>/<index>`` (``roleArn`` needs ``kmsKeyArn``).
:class:`Location` reads that pointer and answers everything else asks of it: the schema
node, the bound, the request member it constrains, and the values a request has there.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from personalize_conformance.contracts.files import schema, split_pointer

#: A step of a request path into a list: every item (in :attr:`Location.path`).
ITEMS = "[]"


def node_at(root: Any, steps: Iterator[str] | tuple[str, ...] | list[str]) -> Any:
    """The node ``steps`` lead to from ``root`` (list indexes as digit strings)."""
    node = root
    for step in steps:
        node = node[int(step)] if isinstance(node, list) else node[step]
    return node


def nodes(node: Mapping[str, Any], steps: tuple[str, ...] = ()
          ) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any]]]:
    """Every subschema of ``node`` with its schema steps, depth first: the node itself, its
    ``items``, then each of its ``properties`` (the walk every schema visit shares)."""
    yield steps, node
    if isinstance(node.get("items"), Mapping):
        yield from nodes(node["items"], (*steps, "items"))
    for name, child in node.get("properties", {}).items():
        yield from nodes(child, (*steps, "properties", name))


def _request_steps(steps: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Schema steps grouped by the request step each makes: ``("properties", name)`` or
    ``("items",)``."""
    i = 0
    while i < len(steps):
        if steps[i] == "properties" and i + 1 < len(steps):
            yield steps[i:i + 2]
            i += 2
        elif steps[i] == "items":
            yield steps[i:i + 1]
            i += 1
        else:
            raise ValueError(f"no request path through schema step {steps[i]!r} in {steps}")


def request_path(steps: tuple[str, ...]) -> tuple[str, ...]:
    """Schema steps as a request path: member names, :data:`ITEMS` for a list's items."""
    return tuple(ITEMS if group == ("items",) else group[1] for group in _request_steps(steps))


def dotted(path: tuple[str, ...]) -> str:
    """A request path in clause-id form: ``eventList[].eventType``."""
    return ".".join(path).replace("." + ITEMS, ITEMS)


@dataclass(frozen=True)
class Location:
    """A shape clause's schema location: the file, the schema steps to the node that holds
    the keyword, the keyword, for ``required`` the member it requires, for
    ``dependencies`` the member present and the member it ``needs``."""

    file: str
    steps: tuple[str, ...]
    keyword: str
    pointer: str
    member: str | None = None
    needs: str | None = None

    @classmethod
    def parse(cls, pointer: str) -> Location:
        """Read a catalog pointer (``File.json#/path/keyword``; ``.../required/<index>``;
        ``.../dependencies/<member>/<index>``)."""
        file, parts = split_pointer(pointer)
        if len(parts) >= 2 and parts[-2] == "required" and parts[-1].isdigit():
            holder = node_at(schema(file), parts[:-2])
            return cls(file, tuple(parts[:-2]), "required", pointer,
                       holder["required"][int(parts[-1])])
        if len(parts) >= 3 and parts[-3] == "dependencies" and parts[-1].isdigit():
            holder = node_at(schema(file), parts[:-3])
            return cls(file, tuple(parts[:-3]), "dependencies", pointer, parts[-2],
                       holder["dependencies"][parts[-2]][int(parts[-1])])
        return cls(file, tuple(parts[:-1]), parts[-1], pointer)

    def node(self) -> dict[str, Any]:
        """The (inlined) schema node that holds the keyword (a fresh copy)."""
        return node_at(schema(self.file), self.steps)

    def trail(self) -> tuple[tuple[str, dict[str, Any]], ...]:
        """Each step of :attr:`holder_path` with the schema node it leads to (read once
        per location, shared: not to be changed): what a walk into a request meets on the
        way to the keyword's holder."""
        return self._trail

    @cached_property
    def _trail(self) -> tuple[tuple[str, dict[str, Any]], ...]:
        node: Any = schema(self.file)
        out: list[tuple[str, dict[str, Any]]] = []
        for step, at in zip(self.holder_path, _request_steps(self.steps), strict=True):
            node = node_at(node, at)
            out.append((step, node))
        return tuple(out)

    @cached_property
    def bound(self) -> Any:
        """The keyword's value (``maxLength`` -> 63); for ``required``, the member; for
        ``dependencies``, the member needed."""
        if self.keyword == "dependencies":
            return self.needs
        return self.member if self.keyword == "required" else self.node()[self.keyword]

    @cached_property
    def holder_path(self) -> tuple[str, ...]:
        """The request path to the node holding the keyword (an object for ``required``)."""
        return request_path(self.steps)

    @cached_property
    def path(self) -> tuple[str, ...]:
        """The request path to the value the clause constrains (for ``required``, to the
        member it requires; for ``dependencies``, to the member that needs another)."""
        return (*self.holder_path, self.member) if self.member else self.holder_path

    @property
    def subject(self) -> str:
        """The top-level request member the clause is about."""
        return self.path[0] if self.path else ""

    @property
    def dotted(self) -> str:
        """The constrained member in clause-id form (``eventList[].eventType``)."""
        return dotted(self.path)

    def values(self, request: Any) -> list[Any]:
        """Every value ``request`` has where the keyword applies (for ``required``: each
        object that must hold the member), lists expanded."""
        return [value for _, value in self.located(request)]

    def located(self, request: Any) -> list[tuple[tuple[str | int, ...], Any]]:
        """:meth:`values`, each with its concrete request path (list items by index)."""
        found: list[tuple[tuple[str | int, ...], Any]] = [((), request)]
        for step in self.holder_path:
            if step == ITEMS:
                found = [((*where, i), item) for where, v in found if isinstance(v, list)
                         for i, item in enumerate(v)]
            else:
                found = [((*where, step), v[step]) for where, v in found
                         if isinstance(v, dict) and step in v]
        return found

    def present(self, request: Any) -> bool:
        """Whether ``request`` has a value where the clause applies (for ``required``: the
        member itself; for ``dependencies``: the member that needs another), so accepting
        it is a valid case of the clause."""
        if self.member is not None:
            return any(isinstance(v, dict) and self.member in v for v in self.values(request))
        return bool(self.values(request))

    def concrete(self, indexes: Mapping[int, int] | None = None) -> tuple[str | int, ...]:
        """:attr:`path` with each :data:`ITEMS` step made an index (0 unless ``indexes``
        gives one for that position)."""
        return tuple((indexes or {}).get(i, 0) if step == ITEMS else step
                     for i, step in enumerate(self.path))


#: A value for :func:`put` that removes the member instead.
DELETE = object()


def get(request: Any, path: tuple[str | int, ...]) -> Any:
    """The value at a concrete request ``path``."""
    for step in path:
        request = request[step]
    return request


def put(request: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """A deep copy of ``request`` (of the same type) with ``value`` at the concrete ``path``
    (:data:`DELETE` removes the member; an empty path replaces the request)."""
    if not path:
        return copy.deepcopy(value)
    out = copy.deepcopy(request)
    holder: Any = get(out, path[:-1])
    if value is DELETE:
        holder.pop(path[-1], None)
    else:
        holder[path[-1]] = value
    return out

"""One root cause per wrongly rejected valid request.

When a target rejects a valid request, :func:`responsible` minimizes the request member by
member (drops optional members, replaces a member by its minimal valid value
(``strategies.minimal``), shortens lists toward their minimum, and moves a value that
sits at a bound off it), re-sending each candidate, until the rejection goes away: the
member whose change made it go away is responsible, and only the shape clauses located at
it (of those, the ones whose bound the rejected value touches) are failed, with the
clauses the catalog declares ``dependents`` of them.

Pinned members (live ARNs, tracking IDs, service-issued tokens) are never changed. A
create's ``name`` gets a fresh run-unique name on every re-send (``harness.new_name``), so
no re-send collides with an earlier resource; what a successful re-send creates is deleted
at once (``harness.undo``), so the next call meets the state the rejection met.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from personalize_conformance.contracts import (
    DELETE,
    ITEMS,
    Clause,
    Validator,
    catalog,
    get,
    issued_by_service,
    operation_kind,
    put,
    request_schema,
    resource_members,
    schema,
    shape_clauses,
)
from personalize_conformance.harness import Harness
from personalize_conformance.strategies import Walker, minimal, string_of, with_dependencies
from personalize_conformance.targets import TargetError

#: The most re-sends one failure may make to find its cause.
MAX_RESENDS = 30
#: The member a create names its resource by (a fresh unique name on every re-send).
NAME = "name"
#: Keywords whose bound a value may touch, with how to measure the value against it.
BOUND_KEYWORDS = ("minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum")


class _Budget(Exception):
    """The re-sends are used up."""


@dataclass
class Blame:
    """What minimization found: the responsible clauses (empty: none found), the request
    member (concrete path, dotted) that holds the cause, and the re-sends it took."""

    clauses: list[str] = field(default_factory=list)
    member: str | None = None
    change: str | None = None
    resends: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"clauses": self.clauses, "member": self.member, "change": self.change,
                "resends": self.resends}


def with_dependents(clause_ids: Iterable[str]) -> list[str]:
    """``clause_ids`` and, transitively, the clauses the catalog declares dependent."""
    out: list[str] = []
    todo = list(clause_ids)
    while todo:
        clause_id = todo.pop(0)
        if clause_id in out:
            continue
        out.append(clause_id)
        todo.extend(catalog()[clause_id].dependents)
    return out


def _abstract(path: tuple[str | int, ...]) -> tuple[str, ...]:
    return tuple(ITEMS if isinstance(step, int) else step for step in path)


def _dotted(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in path).lstrip(".")


def _touches(keyword: str, bound: Any, value: Any) -> bool:
    if keyword in ("minLength", "maxLength") and isinstance(value, str):
        return len(value) == bound
    if keyword in ("minItems", "maxItems") and isinstance(value, list):
        return len(value) == bound
    if keyword in ("minimum", "maximum") and isinstance(value, int | float) \
            and not isinstance(value, bool):
        return value == bound
    return False


def clauses_at(operation: str, path: tuple[str | int, ...], value: Any,
               *, size: bool = False) -> list[str]:
    """The shape clauses of ``operation`` located at the member ``path`` (the list's size
    clauses with ``size``), ``required`` aside (the member was there); of those, the ones
    whose bound ``value`` touches, when any does."""
    sizes = ("minItems", "maxItems")
    own = [c for c in _located(operation, path)
           if (not size or c.keyword in sizes)
           and not (not size and isinstance(value, list) and c.keyword in sizes)]
    touched = [c for c in own if _touched_by(c, value)]
    return [c.id for c in (touched or own)]


def _located(operation: str, path: tuple[str | int, ...]) -> list[Clause]:
    """The shape clauses of ``operation`` located at the member ``path``, ``required``
    aside."""
    at = _abstract(path)
    return [c for c in shape_clauses(operation)
            if c.location and c.location.path == at and c.keyword != "required"]


def _touched_by(clause: Clause, value: Any) -> bool:
    """Whether ``value`` touches the bound of the (bound) shape clause."""
    return (clause.keyword in BOUND_KEYWORDS and clause.location is not None
            and _touches(clause.keyword, clause.location.bound, value))


class _Search:
    def __init__(self, harness: Harness, operation: str, request: Mapping[str, Any],
                 pinned: Iterable[str], budget: int,
                 rejection: tuple[int, str | None] | None) -> None:
        self.harness = harness
        self.rejection = rejection
        self.operation = operation
        self.current = copy.deepcopy(dict(request))
        self.root = schema(request_schema(operation))
        self.pinned = {*pinned, *resource_members(operation),
                       *issued_by_service(operation)} - {NAME}
        self.named = (operation_kind(operation) == "create"
                      and NAME in self.root.get("properties", {}))
        self.budget = budget
        self.resends = 0

    # -- sending ---------------------------------------------------------------------
    def _fresh(self, value: Any) -> str:
        return self.harness.new_name("m", len(value) if isinstance(value, str) else 0)

    def accepts(self, candidate: dict[str, Any]) -> bool | None:
        """Re-send ``candidate``; whether the target accepted it (``None``: it rejected it
        otherwise than the request, e.g. a create's resource now exists: no conclusion)."""
        if self.resends >= self.budget:
            raise _Budget
        self.resends += 1
        sent = dict(candidate)
        if self.named and NAME in sent:
            sent[NAME] = self._fresh(sent[NAME])
        try:
            made = self.harness.call(self.operation, sent)
        except TargetError as exc:
            same = self.rejection is None or (exc.status, exc.code) == self.rejection
            return False if same else None
        self.harness.undo(self.operation, made)  # the next re-send meets the same state
        return True

    def attempt(self, candidate: dict[str, Any]) -> bool:
        """``True`` if ``candidate`` is accepted (the change is the cause); otherwise it
        becomes the current (still rejected, smaller) request."""
        if candidate == self.current:
            return False
        answer = self.accepts(candidate)
        if answer:
            return True
        if answer is False:
            self.current = candidate
        return False

    # -- the walk --------------------------------------------------------------------
    def blame(self, path: tuple[str | int, ...], change: str, *, size: bool = False,
              value: Any = None, also: Iterable[tuple[str | int, ...]] = ()) -> Blame:
        """The clauses at ``path`` (and at the ``also`` members dropped with it)."""
        value = get(self.current, path) if value is None else value
        found = clauses_at(self.operation, path, value, size=size)
        for other in also:
            found += [c for c in clauses_at(self.operation, other, get(self.current, other))
                      if c not in found]
        member = ", ".join(_dotted(p) for p in (path, *also))
        return Blame(found, member, change, self.resends)

    def object(self, path: tuple[str | int, ...], node: Mapping[str, Any]) -> Blame | None:
        required = set(node.get("required", []))
        for name, child in node.get("properties", {}).items():
            here = (*path, name)
            if not path and name in self.pinned:
                continue
            if name not in get(self.current, path):
                continue
            found = self.member(here, child, name in required, node)
            if found:
                return found
        return None

    def member(self, path: tuple[str | int, ...], node: Mapping[str, Any],
               required: bool, parent: Mapping[str, Any]) -> Blame | None:
        composite = isinstance(get(self.current, path), dict | list)
        if composite:  # search inside first: a drop that succeeds ends the search
            found = self.inside(path, node)
            if found:
                return found
        if not required and not (self.named and path == (NAME,)):
            # with the member go those that need it (a kmsKeyArn and its roleArn)
            holder = with_dependencies(parent, get(put(self.current, path, DELETE), path[:-1]))
            also = [(*path[:-1], k) for k in get(self.current, path[:-1])
                    if k not in holder and k != path[-1]]
            if self.attempt(put(self.current, path[:-1], holder)):
                return self.blame(path, "dropped", also=also)
            return None  # dropped: the rejection stayed
        return None if composite else self.inside(path, node)

    def inside(self, path: tuple[str | int, ...], node: Mapping[str, Any]) -> Blame | None:
        """Search within the member at ``path`` (kept present)."""
        value = get(self.current, path)
        kind = node.get("type")
        if kind == "object" or "properties" in node:
            return self.object(path, node) if isinstance(value, dict) else None
        if kind == "array" or "items" in node:
            return self.array(path, node) if isinstance(value, list) else None
        return self.leaf(path, node)

    def columns(self, path: tuple[str | int, ...], items: Mapping[str, Any]) -> Blame | None:
        """A list of objects in a create: each member made minimal in every item at once
        (one re-send a member: a cause repeated in many items, such as every tag value at
        its maximum, goes away only so); the member of the first item whose value was at
        a bound (else the first changed) is blamed."""
        value = get(self.current, path)
        members = items.get("properties")
        if not isinstance(members, Mapping) or not all(isinstance(v, dict) for v in value):
            return None
        for name, child in members.items():
            small = minimal(child)
            column = [{**item, name: copy.deepcopy(small)} if name in item else item
                      for item in value]
            if column == value or not self.attempt(put(self.current, path, column)):
                value = get(self.current, path)
                continue
            changed = [i for i, item in enumerate(value)
                       if name in item and item[name] != small]
            index = next((i for i in changed
                          if any(_touched_by(c, value[i][name])
                                 for c in _located(self.operation, (*path, i, name)))),
                         changed[0])
            return self.blame((*path, index, name), "minimal in every item",
                              value=value[index][name])
        return None

    def leaf(self, path: tuple[str | int, ...], node: Mapping[str, Any]) -> Blame | None:
        value = get(self.current, path)
        smallest = minimal(node)
        if self.named and path == (NAME,):
            smallest = ""  # the shortest fresh name
        if smallest != value and self.attempt(put(self.current, path, smallest)):
            return self.blame(path, "minimal value", value=value)
        value = get(self.current, path)
        off = _off_bound(node, value)
        if off is not None and self.attempt(put(self.current, path, off)):
            return self.blame(path, "off its bound", value=value)
        return None

    def array(self, path: tuple[str | int, ...], node: Mapping[str, Any]) -> Blame | None:
        items = node.get("items", {})
        low, high = node.get("minItems", 0), node.get("maxItems")
        value = get(self.current, path)
        if not value:
            return None
        small = minimal(items)
        if self.named:
            # a create: the first success changes the target (the resource exists), so
            # the search goes to the leaves first, where a success names the member: a
            # member minimal in every item at once, then item by item
            found = self.columns(path, items)
            if found:
                return found
            for index in range(len(value)):
                found = self.inside((*path, index), items)
                if found:
                    return found
        # the items' contents: all minimal at once, else one at a time
        every = [copy.deepcopy(small) for _ in value]
        if not self.named and self.attempt(put(self.current, path, every)):
            for index in range(len(value)):
                here = (*path, index)
                if get(self.current, here) != small and self.attempt(
                        put(self.current, here, copy.deepcopy(small))):
                    return self.inside(here, items) or self.blame(here, "item minimized")
        # the count (the items left are alike): shortened toward the minimum
        value = get(self.current, path)
        keep = max(low, 1)
        if len(value) > keep and self.attempt(put(self.current, path, value[:keep])):
            return self.blame(path, "shortened", size=True, value=value)
        value = get(self.current, path)
        for index in range(0 if self.named else len(value)):
            found = self.inside((*path, index), items)
            if found:
                return found
        value = get(self.current, path)
        longer = [*value, copy.deepcopy(value[-1])] if value else None
        if longer and len(value) == low and (high is None or len(value) < high) \
                and self.attempt(put(self.current, path, longer)):
            return self.blame(path, "lengthened", size=True, value=value)
        return None


def _off_bound(node: Mapping[str, Any], value: Any) -> Any:
    """A valid value of ``node`` next to ``value`` but off the bound it sits at (``None``:
    it sits at none, or there is no such value)."""
    if isinstance(value, str) and "enum" not in node:
        low, high = node.get("minLength", 0), node.get("maxLength")
        size = len(value)
        if size == low and (high is None or size + 1 <= high):
            size += 1
        elif high is not None and size == high and size - 1 >= max(low, 1):
            size -= 1
        else:
            return None
        try:
            moved = string_of(node, size, Walker())
        except Exception:
            return None
        return moved if Validator(node).is_valid(moved) else None
    if isinstance(value, int) and not isinstance(value, bool):
        low, high = node.get("minimum"), node.get("maximum")
        if value == low and (high is None or value + 1 <= high):
            return value + 1
        if value == high and (low is None or value - 1 >= low):
            return value - 1
    return None


def responsible(harness: Harness, operation: str, request: Mapping[str, Any],
                pinned: Iterable[str] = (), budget: int = MAX_RESENDS,
                rejection: tuple[int, str | None] | None = None) -> Blame:
    """Minimize the rejected valid ``request`` until the target accepts it; the clauses
    of the member whose change made the rejection go away (none found: ``clauses`` empty).
    ``rejection`` (status, code) is how the target rejected it: a candidate rejected
    otherwise proves nothing and is not kept."""
    search = _Search(harness, operation, request, pinned, budget, rejection)
    try:
        found = search.object((), search.root)
    except _Budget:
        found = None
    if found is None:
        return Blame(resends=search.resends)
    found.resends = search.resends
    return found


def recurs(clause_id: str, request: Mapping[str, Any]) -> bool:
    """Whether ``request`` holds again the root cause a blamed shape clause names: a value
    at the clause's location touching its bound (``maxItems``: exactly as many items),
    for another keyword any value there."""
    at = catalog()[clause_id].location
    if at is None:
        return False
    if at.keyword in BOUND_KEYWORDS:
        return any(_touches(at.keyword, at.bound, v) for v in at.values(request))
    return at.present(request)


def without(operation: str, blamed: Iterable[str], request: Mapping[str, Any]
            ) -> dict[str, Any] | None:
    """``request`` without the root causes the ``blamed`` clauses name, so a property can
    go on checking the other clauses after a failure: a value touching a blamed bound is
    moved off it (a string one character longer, a list one item shorter...); failing
    that, or for another keyword, the top-level optional member holding the cause is
    dropped (with the members that need it); ``None`` when it is in a member the request
    must have (the request would only show that failure again)."""
    root = schema(request_schema(operation))
    out = copy.deepcopy(dict(request))
    for clause_id in blamed:
        at = catalog()[clause_id].location
        if at is not None and at.keyword in BOUND_KEYWORDS:
            for where, value in at.located(out):
                if _touches(at.keyword, at.bound, value):
                    moved = _moved(at.node(), value)
                    if moved is not None:
                        out = put(out, where, moved)
        if not recurs(clause_id, out):
            continue
        assert at is not None  # recurs: a shape clause
        if at.subject in root.get("required", []):
            return None
        out.pop(at.subject)
        out = with_dependencies(root, out)
    return out


def _moved(node: Mapping[str, Any], value: Any) -> Any:
    """``value`` moved off the bound it touches: :func:`_off_bound`, and for a list one
    item fewer (at its maximum) or one more (at its minimum); ``None`` where it cannot."""
    if not isinstance(value, list):
        return _off_bound(node, value)
    low, high = node.get("minItems", 0), node.get("maxItems")
    if len(value) == high and len(value) - 1 >= low:
        return value[:-1]
    if value and len(value) == low and (high is None or len(value) < high):
        return [*value, copy.deepcopy(value[-1])]
    return None


#: Lists at most this long are searched item by item by :func:`smallest`.
ITEMS_SEARCHED = 10


def smallest(operation: str, request: Mapping[str, Any], holds: Callable[[dict], bool],
             keep: Iterable[str] = ()) -> dict[str, Any]:
    """``request`` made as small as ``holds`` (a static check, nothing is sent) allows:
    each member (the top-level ``keep`` aside) dropped when optional, else made minimal,
    else searched within; a list cut to one of its items, else its items made minimal at
    once, then (when short) searched item by item. A shape violation so becomes the
    violation inside the minimal valid request."""
    current = copy.deepcopy(dict(request))
    kept = set(keep)

    def attempt(candidate: dict[str, Any]) -> bool:
        nonlocal current
        if candidate == current or not holds(candidate):
            return False
        current = candidate
        return True

    def walk(path: tuple[str | int, ...], node: Mapping[str, Any]) -> None:
        value = get(current, path)
        members, items = node.get("properties"), node.get("items")
        if isinstance(value, dict) and isinstance(members, Mapping):
            required = set(node.get("required", ()))
            for name, child in members.items():
                here = (*path, name)
                if (not path and name in kept) or name not in get(current, path):
                    continue
                if name not in required and attempt(put(current, here, DELETE)):
                    continue
                if not attempt(put(current, here, minimal(child))):
                    walk(here, child)
        elif isinstance(value, list) and value and isinstance(items, Mapping):
            if not any(attempt(put(current, path, [copy.deepcopy(item)])) for item in value):
                attempt(put(current, path, [minimal(items) for _ in value]))
            value = get(current, path)
            for index in range(len(value) if len(value) <= ITEMS_SEARCHED else 0):
                walk((*path, index), items)

    walk((), schema(request_schema(operation)))
    return type(request)(current) if isinstance(request, dict) else current

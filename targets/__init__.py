"""Targets: the adapter protocol, the built-in targets, and the name -> target registry."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from typing import Any

from .base import (
    CAPABILITIES,
    OPERATIONS,
    Target,
    TargetConfigError,
    TargetError,
    Unsupported,
)

__all__ = [
    "CAPABILITIES",
    "OPERATIONS",
    "Target",
    "TargetConfigError",
    "TargetError",
    "Unsupported",
    "mutants",
    "reference_behaviour",
    "resolve",
]


@cache
def mutants() -> dict[str, dict[str, Any]]:
    """The mutant catalog (``mutants.json``): id -> entry."""
    data = json.loads((files(__name__) / "mutants.json").read_text(encoding="utf-8"))
    return {m["id"]: m for m in data["mutants"]}


def _reference(endpoint_url: str | None) -> Target:
    from .reference import ReferenceTarget

    return ReferenceTarget()


def _reference_http(endpoint_url: str | None) -> Target:
    from .reference import ReferenceHttpTarget

    return ReferenceHttpTarget()


def _endpoint(endpoint_url: str | None) -> Target:
    from .boto import BotoTarget

    if not endpoint_url:
        raise TargetConfigError("--target endpoint needs --endpoint-url URL")
    return BotoTarget(endpoint_url)


def reference_behaviour(name: str, *, progressive: bool = False) -> Any:
    """The ``Behaviour`` of the reference (``reference``) or of a mutant (``mutant:<id>``)."""
    from .reference import Behaviour

    if name == "reference":
        return Behaviour(progressive=progressive)
    entry = mutants().get(name.removeprefix("mutant:")) if name.startswith("mutant:") else None
    if entry is None:
        raise TargetConfigError(
            f"unknown mutant {name!r}; see targets/mutants.json for the ids"
            if name.startswith("mutant:") else f"{name!r} is not the reference or a mutant"
        )
    return Behaviour(
        progressive=progressive,
        schema_patches=entry.get("schema_patches", {}),
        faults=frozenset(entry.get("faults", [])),
    )


def _mutant(name: str) -> Target:
    from .reference import ReferenceTarget

    target = ReferenceTarget(reference_behaviour(name))
    target.name = name
    return target


#: Built-in target names -> factory(endpoint_url).
BUILTIN: dict[str, Callable[[str | None], Target]] = {
    "reference": _reference,
    "reference-http": _reference_http,
    "endpoint": _endpoint,
}


def resolve(name: str, endpoint_url: str | None = None) -> Target:
    """The target called ``name`` (a built-in, or ``mutant:<id>``)."""
    if name in BUILTIN:
        return BUILTIN[name](endpoint_url)
    if name.startswith("mutant:"):
        return _mutant(name)
    known = ", ".join([*BUILTIN, "mutant:<id>"])
    raise TargetConfigError(f"unknown target {name!r}; choose one of: {known}")

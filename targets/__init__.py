"""Targets: the adapter protocol, the built-in targets, and the name -> target registry."""

from __future__ import annotations

import importlib
import inspect
import json
import shlex
from collections.abc import Callable, Mapping
from functools import cache
from importlib.metadata import entry_points
from importlib.resources import files
from typing import Any

from personalize_conformance.targets.base import (
    CAPABILITIES,
    NoAnswer,
    Target,
    TargetConfigError,
    TargetError,
    Unsupported,
)

#: The entry-point group third-party targets register their names under.
ENTRY_POINT_GROUP = "personalize_conformance.targets"

__all__ = [
    "CAPABILITIES",
    "ENTRY_POINT_GROUP",
    "REFERENCE_TARGETS",
    "NoAnswer",
    "Target",
    "TargetConfigError",
    "TargetError",
    "Unsupported",
    "mutants",
    "reference_handler",
    "reference_service",
    "resolve",
    "served_by",
    "takes_readings",
]


@cache
def mutants() -> dict[str, dict[str, Any]]:
    """The mutant catalog (``mutants.json``): id -> entry."""
    data = json.loads((files(__name__) / "mutants.json").read_text(encoding="utf-8"))
    return {m["id"]: m for m in data["mutants"]}


#: The targets ``--readings`` applies to (besides ``mutant:<id>``): the reference's.
REFERENCE_TARGETS = ("reference", "reference-progressive", "reference-http")


def takes_readings(name: str) -> bool:
    """Whether the target ``name`` is the reference (or a mutant of it), which can take
    any reading of the ambiguity register (``--readings``)."""
    return name in REFERENCE_TARGETS or name.startswith("mutant:")


def _reference(endpoint_url: str | None, readings: Mapping[str, str]) -> Target:
    from personalize_conformance.targets.reference import ReferenceTarget

    return ReferenceTarget(service=reference_service("reference", readings=readings))


def _reference_progressive(endpoint_url: str | None, readings: Mapping[str, str]) -> Target:
    from personalize_conformance.targets.reference import ReferenceTarget

    target = ReferenceTarget(service=reference_service("reference", progressive=True,
                                                       readings=readings))
    target.name = "reference-progressive"
    return target


def _reference_http(endpoint_url: str | None, readings: Mapping[str, str]) -> Target:
    from personalize_conformance.targets.reference import ReferenceHttpTarget

    return ReferenceHttpTarget(service=reference_service("reference", readings=readings))


def _endpoint(endpoint_url: str | None) -> Target:
    """Any URL; no URL at all means AWS itself (refused unless ``--allow-aws``)."""
    from personalize_conformance.targets.boto import BotoTarget

    return BotoTarget(endpoint_url or None)


def _moto(endpoint_url: str | None) -> Target:
    from personalize_conformance.targets.moto import MotoTarget

    return MotoTarget()


def _moto_server(endpoint_url: str | None) -> Target:
    from personalize_conformance.targets.moto import MotoServerTarget

    return MotoServerTarget()


def reference_service(name: str, *, progressive: bool = False,
                      readings: Mapping[str, str] | None = None) -> Any:
    """The ``ReferenceService`` of the reference (``reference``) or of a mutant
    (``mutant:<id>``: the reference with that entry of ``mutants.json`` applied), taking
    ``readings`` of the ambiguity register (id -> reading id; ``TargetConfigError`` for
    one the register lacks)."""
    from personalize_conformance.targets.reference import Behaviour, ReferenceService

    readings = dict(readings or {})
    if name == "reference":
        return ReferenceService(Behaviour(progressive=progressive, readings=readings))
    entry = mutants().get(name.removeprefix("mutant:")) if name.startswith("mutant:") else None
    if entry is None:
        raise TargetConfigError(
            f"unknown mutant {name!r}; see targets/mutants.json for the ids"
            if name.startswith("mutant:") else f"{name!r} is not the reference or a mutant"
        )
    from personalize_conformance.targets.reference.mutants import SERVICES, mutant

    if "service" in entry and entry["service"] not in SERVICES:
        raise TargetConfigError(f"mutant {name!r} names an unknown service {entry['service']!r}")
    return mutant(entry, progressive=progressive, readings=readings)


def reference_handler(name: str) -> Any | None:
    """The HTTP layer a mutant with ``wire`` faults is served through (``None``: the
    reference's own, for the reference and every other mutant)."""
    entry = mutants().get(name.removeprefix("mutant:"), {}) if name.startswith("mutant:") else {}
    if "wire" not in entry:
        return None
    from personalize_conformance.targets.reference.wire_faults import wire_handler

    return wire_handler(entry)


def _mutant(name: str, readings: Mapping[str, str]) -> Target:
    """A mutant in this process; one with ``wire`` faults over HTTP, where they show."""
    from personalize_conformance.targets.reference import ReferenceHttpTarget, ReferenceTarget

    service = reference_service(name, readings=readings)
    handler = reference_handler(name)
    if handler is not None:
        target: Target = ReferenceHttpTarget(service=service, serve=handler)
    else:
        target = ReferenceTarget(service=service)
    target.name = name
    return target


#: Built-in target names -> factory(endpoint_url) (the reference's also take readings).
READING_BUILTIN: dict[str, Callable[[str | None, Mapping[str, str]], Target]] = {
    "reference": _reference,
    "reference-progressive": _reference_progressive,
    "reference-http": _reference_http,
}
BUILTIN: dict[str, Callable[[str | None], Target]] = {
    **{name: (lambda url, make=make: make(url, {})) for name, make in READING_BUILTIN.items()},
    "endpoint": _endpoint,
    "moto": _moto,
    "moto-server": _moto_server,
}

#: How each built-in that runs in the run's process (or on a server of the run's own) is
#: served on its own for a reproduction (``served_by``): the reference's, which take
#: ``{readings}``, by this package's ``serve``; moto's by its server.
SERVED: dict[str, str] = {
    "reference": "personalize-conformance serve --target reference{readings} --port {port}",
    "reference-progressive": ("personalize-conformance serve --target reference "
                              "--progressive{readings} --port {port}"),
    "reference-http": "personalize-conformance serve --target reference{readings} --port {port}",
    "moto": "moto_server -p {port}",
    "moto-server": "moto_server -p {port}",
}
#: How a mutant (``mutant:<id>``) is served on its own.
MUTANT_SERVED = "personalize-conformance serve --target {name}{readings} --port {port}"


def _instantiate(cls: Any, where: str, endpoint_url: str | None) -> Target:
    """A plugin target: ``cls()``, or ``cls(endpoint_url=...)`` if it takes one."""
    if not (inspect.isclass(cls) and issubclass(cls, Target)):
        raise TargetConfigError(f"{where} is not a subclass of "
                                "personalize_conformance.targets.Target")
    try:
        takes_url = "endpoint_url" in inspect.signature(cls).parameters
        target = cls(endpoint_url=endpoint_url) if takes_url else cls()
    except Exception as exc:
        raise TargetConfigError(f"cannot make target {where}: {type(exc).__name__}: {exc}"
                                ) from None
    return target


def _plugin(spec: str, endpoint_url: str | None) -> Target:
    """``package.module:Class``."""
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise TargetConfigError(f"cannot import {module_name!r} for target {spec!r}: "
                                f"{type(exc).__name__}: {exc}") from None
    cls = getattr(module, attr, None)
    if cls is None:
        raise TargetConfigError(f"module {module_name!r} has no {attr!r} (target {spec!r})")
    return _instantiate(cls, spec, endpoint_url)


def registered() -> dict[str, Any]:
    """Targets registered by installed packages: name -> entry point."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def resolve(name: str, endpoint_url: str | None = None, *,
            call_timeout: float | None = None,
            readings: Mapping[str, str] | None = None) -> Target:
    """The target called ``name``: a built-in, ``mutant:<id>``, ``package.module:Class``,
    or a name registered under the entry-point group ``personalize_conformance.targets``.

    ``readings`` (ambiguity id -> reading id) configures the reference targets
    (:func:`takes_readings`); any other target refuses them (``TargetConfigError``)."""
    if readings and not takes_readings(name):
        raise TargetConfigError(
            f"--readings configures the reference only ({', '.join(REFERENCE_TARGETS)}, "
            f"mutant:<id>), not target {name!r}")
    if name in READING_BUILTIN:
        target = READING_BUILTIN[name](endpoint_url, dict(readings or {}))
    elif name in BUILTIN:
        target = BUILTIN[name](endpoint_url)
    elif name.startswith("mutant:"):
        target = _mutant(name, dict(readings or {}))
    elif ":" in name:
        target = _plugin(name, endpoint_url)
    elif name in (plugins := registered()):
        try:
            cls = plugins[name].load()
        except Exception as exc:
            raise TargetConfigError(f"cannot load registered target {name!r}: "
                                    f"{type(exc).__name__}: {exc}") from None
        target = _instantiate(cls, f"{name!r} ({plugins[name].value})", endpoint_url)
    else:
        known = ", ".join([*BUILTIN, *plugins, "mutant:<id>", "package.module:Class"])
        raise TargetConfigError(f"unknown target {name!r}; choose one of: {known}")
    if call_timeout is not None and hasattr(target, "call_timeout"):
        target.call_timeout = call_timeout
    return target


def served_by(name: str, readings: Mapping[str, str] | None, port: int) -> str | None:
    """The shell command that serves the target registered as ``name`` on its own, at
    ``127.0.0.1:port``, taking ``readings`` of the ambiguity register (``SERVED``: for a
    reproduction of a run whose target lived in its process, or on a server of the run's
    own, now gone); ``None`` for one reached at its endpoint (``endpoint``, a plugin)."""
    command = MUTANT_SERVED if name.startswith("mutant:") else SERVED.get(name)
    if command is None:
        return None
    taken = (" --readings " + shlex.quote(",".join(f"{k}={v}" for k, v in readings.items()))
             if readings else "")
    return command.format(name=shlex.quote(name), readings=taken, port=port)

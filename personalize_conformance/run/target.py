"""The run's target, from its settings: ``resolve_target`` makes the one the settings
name (``targets.resolve``: a built-in, a mutant, a plugin) and refuses one that would
reach AWS without ``--allow-aws`` (``refuse_aws``). An endpoint the user gives is checked
before any test: something must listen there (``check_reachable``), and for a boto3
target calling it (``--target endpoint``) something must answer as an AWS JSON service
(``check_answers``, by ``probe.py``'s one harmless call per service). Either failing is
an ``OptionError``: a run that cannot be made (exit 2).
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from personalize_conformance.run.options import OptionError
from personalize_conformance.run.settings import RunSettings, effective_readings
from personalize_conformance.targets import Target, TargetConfigError


def check_reachable(url: str) -> None:
    """Refuse an ``--endpoint-url`` (validated) nothing listens on."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=5):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OptionError(f"cannot reach {url} ({reason}); start the server or fix "
                          "--endpoint-url") from None


def check_answers(target: Target | None, url: str) -> None:
    """Refuse an ``--endpoint-url`` where nothing answers as an AWS JSON service
    (``probe.wrong_url``), for a boto3 target calling that URL (``--target endpoint``; the
    targets the suite starts itself are not probed)."""
    from personalize_conformance.run.probe import wrong_url
    from personalize_conformance.targets.boto import BotoTarget

    if isinstance(target, BotoTarget) and target.over_http() and target.endpoint_url == url:
        problem = wrong_url(target)
        if problem:
            raise OptionError(problem)


def refuse_aws(target: Target, allow_aws: bool) -> None:
    """Raise ``TargetConfigError`` if ``target`` would reach AWS without ``--allow-aws``."""
    if target.reaches_aws() and not allow_aws:
        where = (f"--endpoint-url {target.endpoint_url} is not a loopback address"
                 if target.endpoint_url else f"target {target.name!r} has no --endpoint-url")
        raise TargetConfigError(
            f"{where}, so the run could reach real AWS; give a 127.0.0.1 --endpoint-url, "
            "or pass --allow-aws, which allows any non-loopback host (a docker-compose "
            "service too, not only AWS; resources are prefixed and deleted)")


def resolve_target(settings: RunSettings) -> Target:
    """The target the settings name, refused if it would reach AWS unallowed."""
    from personalize_conformance.targets import resolve

    try:
        target = resolve(settings.target, settings.endpoint_url,
                         call_timeout=settings.call_timeout,
                         readings=effective_readings(settings) or settings.readings)
        refuse_aws(target, settings.allow_aws)
    except TargetConfigError as exc:
        raise OptionError(str(exc)) from None
    return target

"""Hypothesis settings profiles: ``ci`` (deterministic, quick), ``certify`` (thorough),
``dev`` (for working on the suite). Selected with ``--hypothesis-profile`` or the
runner's ``--profile``."""

from __future__ import annotations

NAMES = ("ci", "certify", "dev")
DEFAULT = "ci"


def register() -> None:
    """Register the profiles with Hypothesis (idempotent)."""
    from hypothesis import HealthCheck, Phase, settings

    common = dict(
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    settings.register_profile(
        "ci", max_examples=10, derandomize=True, database=None, print_blob=False,
        phases=[Phase.explicit, Phase.generate, Phase.target, Phase.shrink], **common,
    )
    settings.register_profile(
        "certify", max_examples=200, derandomize=False, database=None, print_blob=True,
        **common,
    )
    settings.register_profile("dev", max_examples=50, print_blob=True, **common)

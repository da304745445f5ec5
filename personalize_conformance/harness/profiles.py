"""Hypothesis settings profiles: ``ci`` (deterministic, quick), ``certify`` (thorough),
``dev`` (for working on the suite). Selected with ``--hypothesis-profile`` or the
runner's ``--profile``; registered and loaded only in a session that runs the conformance
suite (the plugin decides), so other test suites in the environment keep their own.

Every profile takes a seed (``--seed``/``--hypothesis-seed``): ``ci`` is deterministic
through a recorded default seed, ``CI_SEED``, not ``derandomize`` (which would ignore
the seed), so two seeds draw different cases and one seed the same cases.

Below the run, so the suite reads them too (``test_shapes``: fewer violations per clause
under ``ci``)."""

from __future__ import annotations

NAMES = ("ci", "certify", "dev")
DEFAULT = "ci"
#: The seed of a ``ci`` run given none.
CI_SEED = 0


def register() -> None:
    """Register the profiles with Hypothesis (idempotent)."""
    from hypothesis import HealthCheck, Phase, settings

    common = dict(
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    settings.register_profile(
        "ci", max_examples=10, derandomize=False, database=None, print_blob=False,
        phases=[Phase.explicit, Phase.generate, Phase.target, Phase.shrink], **common,
    )
    settings.register_profile(
        "certify", max_examples=200, derandomize=False, database=None, print_blob=True,
        **common,
    )
    settings.register_profile("dev", max_examples=50, print_blob=True, **common)

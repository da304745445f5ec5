"""The generation-only kill mode of ``python -m benchmarks``: a kill counts only when a
generated Hypothesis example failed, not a fixed test."""

from __future__ import annotations

from benchmarks.power import GENERATION_SUFFIX, KILL_SUFFIX, kill


def test_a_fault_only_a_fixed_test_sees_is_not_a_generated_kill():
    """A nextToken the service never issued is sent by fixed tests only."""
    fixed = kill("invalid-next-token-accepted", "ci" + KILL_SUFFIX, count_examples=True,
                 quiet=True)
    generated = kill("invalid-next-token-accepted", "ci" + GENERATION_SUFFIX, quiet=True)
    assert fixed.result == "killed"
    assert generated.result == "survived" and generated.examples_until_caught is None


def test_a_generated_kill_says_after_how_many_examples():
    """The lifecycle model pages the account list by 1 across its initial trackers."""
    found = kill("paging-loses-item", "ci" + GENERATION_SUFFIX, quiet=True)
    assert found.result == "killed"
    assert found.examples_until_caught is not None and found.examples_until_caught >= 1

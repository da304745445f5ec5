"""The project's self-tests: the contract, strategies, reference, mutants, runner and
report of personalize-conformance tested (not part of the conformance suite users run)."""

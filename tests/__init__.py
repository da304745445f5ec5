"""Tests of personalize-conformance: the conformance suite and its self-tests."""

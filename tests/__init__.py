"""Tests of personalize-conformance: ``conformance/`` is the suite users run against an
implementation (the product); ``unit/`` is the project's self-tests."""

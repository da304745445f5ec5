"""The conformance suite: run against any target with ``--target`` (default: reference)."""

"""Benchmarks: modules run with ``python -m benchmarks.<name>`` that print figures (never tests)."""

"""Repository-level pytest configuration.

The suite's own plugin (options, profiles, reporting) is installed as a pytest11 entry
point; nothing else is needed here. Self-tests live in ``tests/unit``.
"""

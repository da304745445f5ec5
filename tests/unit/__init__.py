"""The project's self-tests."""

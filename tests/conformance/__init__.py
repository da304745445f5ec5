"""The product: the conformance suite, run against any target (``--target``; default the
embedded reference). Installed as ``personalize_conformance.suite``; every test names the
catalog clauses it checks. The project's own self-tests are in ``tests/unit``."""

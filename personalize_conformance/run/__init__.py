"""The run, the top layer (it may import any layer below; none imports it).

``options`` (the one table of a run's options), ``settings`` (``RunSettings``),
``target`` (the run's target resolved, an endpoint checked), ``selection`` (the tests
``--clauses`` and ``--replay`` keep), ``session`` (the ``Run`` carried in memory, and
``prepare``), ``waivers``, ``probe`` (a wrong URL found before the run), ``plugin`` (the
pytest plugin), ``cli`` (the ``personalize-conformance`` command and its exit statuses),
``console`` and ``progress`` (what the runner prints).
"""

"""An independent implementation of the Personalize event-tracking API, to test the suite.

``tests.independent.server`` is a small HTTP server written from the public documents
alone (``../shared/seeds/`` and botocore's service models, read as documentation and
transcribed by hand), with the Python standard library only. It shares no code or data
with the project's reference (``targets/reference/``), its contracts (``contracts/``) or
its strategies, and wherever the documents allow more than one reading it deliberately
takes the less obvious one (full-match patterns with Java's ``.`` and ``\\d``, lengths in
UTF-16 code units, ``properties`` as a JSON object, namespaced error types, statuses that
repeat and advance by time or by describes, keyset page tokens, a small default page
size, another client error for unknown tracking IDs...).

Its purpose: a correct implementation written by other hands must come out of the suite
``conformant``; each single injected fault (``FAULTS``) must fail the clause it breaks.

Run it with ``python -m tests.independent.server --port N [--fault NAME]``, or in a
thread with ``start(port=0, faults=(...)) -> (server, url)`` and ``stop(server)``.
"""

"""The report of a run, between the checks and the harness (it imports neither the
checks nor the run).

The front holds what a run does with its results: ``clause_status`` (``status``: one
status per clause), ``verdict`` and ``outcome`` (``conclusion``), ``build``, ``schema``
and ``write`` (``document``: ``report.json`` and its files), and ``statuses``,
``ratchet`` and ``failing_tests`` (``earlier``: an earlier report read again). Reached as
modules of their own: ``render`` (``junit.xml``, ``report.md``, ``report.html``),
``reproduce`` (the boto3 and shell reproductions of a failure) and ``vectors`` (the
fixed tier as portable JSON).
"""

from personalize_conformance.report.conclusion import outcome, verdict
from personalize_conformance.report.document import build, schema, write
from personalize_conformance.report.earlier import failing_tests, ratchet, statuses
from personalize_conformance.report.status import clause_status

__all__ = ["build", "clause_status", "failing_tests", "outcome", "ratchet", "schema",
           "statuses", "verdict", "write"]

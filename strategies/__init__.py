"""Hypothesis strategies derived from the contract: valid inputs and single-clause
violations."""

from .invalid import Violation, violations
from .valid import put_events, requests

__all__ = ["Violation", "put_events", "requests", "violations"]

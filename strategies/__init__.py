"""Hypothesis strategies derived from the contract: valid inputs, fixed boundary vectors,
single-clause violations, and inputs that depend on an ambiguous reading."""

from .ambiguous import Ambiguous, ambiguous
from .boundary import boundary_vectors
from .invalid import Violation, violations
from .valid import put_events, requests

__all__ = ["Ambiguous", "Violation", "ambiguous", "boundary_vectors", "put_events",
           "requests", "violations"]

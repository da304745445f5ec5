"""personalize-conformance: a property-based contract test suite for the Amazon
Personalize event-tracking API."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("personalize-conformance")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0+unknown"

"""Waivers: known deviations a target declares, read from a JSON file checked by
``waivers.schema.json`` (``{"waivers": [{"clause": id, "reason": text}, ...]}``)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path

import jsonschema

from personalize_conformance.contracts import catalog


class WaiverError(ValueError):
    """The waivers file is missing, malformed, or names an unknown clause (one line)."""


@cache
def schema() -> dict:
    """The JSON Schema of a waivers file."""
    return json.loads((files(__package__) / "waivers.schema.json").read_text(encoding="utf-8"))


def load(path: str | Path) -> dict[str, str]:
    """Clause id -> reason, from the waivers file at ``path``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise WaiverError(f"cannot read waivers file {str(path)!r}: "
                          f"{exc.strerror or exc}") from None
    except ValueError as exc:
        raise WaiverError(f"waivers file {str(path)!r} is not JSON: {exc}") from None
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft7Validator(schema()).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "top level"
        raise WaiverError(f"waivers file {str(path)!r} is malformed at {where}: "
                          f"{error.message}")
    waivers: dict[str, str] = {}
    for entry in data["waivers"]:
        clause_id = entry["clause"]
        if clause_id not in catalog().clauses:
            raise WaiverError(f"waivers file {str(path)!r} names unknown clause {clause_id!r}")
        if clause_id in waivers:
            raise WaiverError(f"waivers file {str(path)!r} names clause {clause_id!r} twice")
        waivers[clause_id] = entry["reason"]
    return waivers

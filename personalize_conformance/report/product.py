"""``product.yaml``: the implementation a certification bundle is for, checked by
``product.schema.json`` (vendor, product, version, url, contact)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import yaml


class ProductError(ValueError):
    """product.yaml is missing, not YAML, or not valid against its schema (one line)."""


@cache
def schema() -> dict:
    """The JSON Schema of ``product.yaml``."""
    return json.loads((files(__package__) / "product.schema.json").read_text(encoding="utf-8"))


def problems(data: Any) -> list[str]:
    """What makes ``data`` no valid product description, one line each (none: valid)."""
    found = []
    for error in sorted(jsonschema.Draft7Validator(schema()).iter_errors(data),
                        key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            missing = sorted(set(error.validator_value) - set(data))
            found += [f"missing field {name!r}" for name in missing]
        elif error.validator == "additionalProperties":
            found.append(f"unknown field: {error.message}")
        elif error.validator == "type" and where == "version":
            found.append(f"version {error.instance!r} is not a string (quote it: "
                         f"version: \"{error.instance}\")")
        else:
            found.append(f"{where or 'top level'}: {error.message}")
    return found


def parse(text: str) -> Any:
    """The YAML document in ``text`` (``ProductError`` when it is not YAML)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProductError(f"is not YAML: {' '.join(str(exc).split())}") from None


def load(path: str | Path) -> dict[str, Any]:
    """The product description at ``path``, validated; ``ProductError`` names the problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ProductError(f"cannot read --product {str(path)!r}: "
                           f"{exc.strerror or exc}") from None
    try:
        data = parse(text)
    except ProductError as exc:
        raise ProductError(f"--product {str(path)!r} {exc}") from None
    found = problems(data)
    if found:
        raise ProductError(f"--product {str(path)!r}: {'; '.join(found)} (fields: vendor, "
                           "product, version, url, contact)")
    return data

"""The options of a run, described once.

``OPTIONS`` is the one table of a run's options: the runner (``personalize-conformance
run``, argparse, ``add_to_argparse``) and the pytest plugin (``pytest_addoption``,
``add_to_pytest``; ``values_of`` reads them back, with the Hypothesis options it takes
instead of declaring its own) both declare them from it. ``validated`` checks every
option given (and parses the files ``--baseline`` and ``--clauses`` name, the catalog's
ids); an ``OptionError`` is one line the user can fix, a run that cannot be made (exit 2),
found before any test. ``--waivers`` is parsed with ``waivers_of``, the call timeout
settled with ``effective_call_timeout`` (the option, ``$PC_CALL_TIMEOUT``, the default).
``session.prepare`` turns the validated values into a run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import pytest

from personalize_conformance.harness import profiles
from personalize_conformance.run import matching
from personalize_conformance.targets.base import DEFAULT_CALL_TIMEOUT

DEFAULT_TARGET = "reference"
#: The environment variable giving the seconds a call may take (``--call-timeout``).
CALL_TIMEOUT_ENV = "PC_CALL_TIMEOUT"


class OptionError(ValueError):
    """An option (or a file it names) the user can fix; one line."""


_SAME = object()


@dataclass(frozen=True)
class Option:
    """One option of a run: its settings name, flags, parsing, default and validation.

    ``cli``/``plugin`` are its flags on each side (empty: that side lacks it); ``foreign``
    names the pytest option another plugin declares for it (Hypothesis), which the plugin
    reads instead of declaring its own. ``kind``: ``value`` takes an argument, ``flag`` is
    on when given, ``switch`` is the runner's ``--x/--no-x`` (not given: decided from the
    other options) and the plugin's flag. ``cli_default`` is the runner's default where
    it differs (the runner writes a report unless told where; pytest only when told).
    """

    name: str
    help: str
    cli: tuple[str, ...] = ()
    plugin: tuple[str, ...] = ()
    foreign: str | None = None
    kind: Literal["value", "flag", "switch"] = "value"
    type: Callable[[str], Any] | None = None
    default: Any = None
    cli_default: Any = _SAME
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    #: Checks (and may normalise) a given value; raises ``OptionError``.
    check: Callable[[Any], Any] | None = None

    @property
    def dest(self) -> str:
        """The attribute pytest keeps it under (the plugin's long flag, as argparse names it)."""
        return self.plugin[-1].lstrip("-").replace("-", "_") if self.plugin else self.name

    def default_for(self, runner: bool) -> Any:
        return self.cli_default if runner and self.cli_default is not _SAME else self.default

    def validated(self, value: Any) -> Any:
        return self.check(value) if self.check is not None and value is not None else value


def _at_least_one(value: int) -> int:
    if value < 1:
        raise OptionError("--max-examples must be at least 1")
    return value


def _clause_list(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))


def _known_clauses(ids: tuple[str, ...]) -> tuple[str, ...]:
    from personalize_conformance.contracts import catalog

    if not ids:
        raise OptionError("--clauses: no clause id given (see 'personalize-conformance "
                          "list-clauses')")
    try:
        return matching.expand(ids, list(catalog().clauses))
    except ValueError as exc:
        raise OptionError(str(exc)) from None


def _keyword(expression: str) -> tuple[str, ...]:
    """``-k``: the clause ids the expression keeps."""
    from personalize_conformance.contracts import catalog

    try:
        return matching.keyword(expression, list(catalog().clauses))
    except ValueError as exc:
        raise OptionError(str(exc)) from None


def _workers(text: str) -> str:
    """``-n``: a number of workers (0: in-process) or one of xdist's automatic counts."""
    if text in ("auto", "logical") or (text.isdigit() and text.isascii()):
        return text
    raise OptionError(f"-n/--workers {text!r}: give a number of workers (0: in-process) "
                      "or auto")


def _call_timeout(value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise OptionError(f"--call-timeout {value:g}: give a positive number of seconds "
                          "(0: no limit)")
    return value


def _endpoint_url(url: str) -> str:
    """An http(s) URL with a host; a bare ``host:port`` is told to add ``http://``."""
    if "://" not in url:
        raise OptionError(f"--endpoint-url {url!r} has no scheme: add http:// "
                          f"(--endpoint-url http://{url})")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OptionError(f"--endpoint-url {url!r} is not an http(s) URL")
    try:
        parts.port  # noqa: B018  (a port out of range raises here)
    except ValueError:
        raise OptionError(f"--endpoint-url {url!r} has no valid port") from None
    return url


def _report_dir(text: str) -> str:
    """A directory the report can be written to, found before any test runs (nothing is
    created here: the nearest existing ancestor must be a writable directory)."""
    path = Path(text)
    existing = next(p for p in (path, *path.absolute().parents) if p.exists())
    if not existing.is_dir():
        what = "is a file" if existing == path else f"is under a file ({existing})"
        raise OptionError(f"--report-dir {text!r} {what}; give a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OptionError(f"--report-dir {text!r} cannot be written ({existing} is not "
                          "writable)")
    return text


def _bundle_dir(text: str) -> str:
    """``--bundle``: a directory that does not exist yet or is empty, and can be made."""
    path = Path(text)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise OptionError(f"--bundle {text!r} is {'not empty' if path.is_dir() else 'a file'}"
                          "; give a new or empty directory")
    try:
        return _report_dir(text)
    except OptionError as exc:
        raise OptionError(str(exc).replace("--report-dir", "--bundle", 1)) from None


def product_of(path: str | None, bundle: str | None) -> Mapping[str, Any] | None:
    """``--product``: the product.yaml a bundle needs, validated (and only with one)."""
    from personalize_conformance.report.product import ProductError, load

    if bool(path) != bool(bundle):
        raise OptionError("--bundle DIR needs --product FILE (vendor, product, version, url, "
                          "contact)" if bundle else "--product is for --bundle DIR")
    if not path:
        return None
    try:
        return load(path)
    except ProductError as exc:
        raise OptionError(str(exc)) from None


def _baseline(path: str) -> dict[str, str]:
    """``--baseline``: the earlier report's clause statuses (clause id -> status)."""
    from personalize_conformance.report import statuses

    try:
        return statuses(json.loads(Path(path).read_text(encoding="utf-8")))
    except OSError as exc:
        raise OptionError(f"cannot read --baseline {path!r}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError):
        raise OptionError(f"--baseline {path!r} is not a report.json of this suite") from None


def _readings(text: str) -> dict[str, str]:
    from personalize_conformance.contracts import parse_readings

    try:
        return parse_readings(text)
    except ValueError as exc:
        raise OptionError(f"--readings: {exc}") from None


OPTIONS: tuple[Option, ...] = (
    Option("target", "the implementation to check: reference (default), "
           "reference-progressive, reference-http, endpoint, moto, moto-server, "
           "mutant:<id>, package.module:Class, or a name registered by a plugin",
           cli=("--target",), plugin=("--target",), default=DEFAULT_TARGET),
    Option("endpoint_url", "the implementation's URL (http://HOST:PORT), for --target "
           "endpoint", cli=("--endpoint-url",), plugin=("--endpoint-url",),
           check=_endpoint_url),
    Option("allow_aws", "allow a run against any non-loopback host (real AWS, or a "
           "docker-compose service name), or with no --endpoint-url",
           cli=("--allow-aws",), plugin=("--allow-aws",), kind="flag", default=False),
    Option("call_timeout", "seconds one call may take before it fails as unanswered "
           f"(default: ${CALL_TIMEOUT_ENV} or {DEFAULT_CALL_TIMEOUT:g}; 0: no limit)",
           cli=("--call-timeout",), plugin=("--call-timeout",), type=float,
           check=_call_timeout),
    Option("profile", "ci: quick and deterministic (default); certify: thorough",
           cli=("--profile",), foreign="hypothesis_profile", choices=profiles.NAMES),
    Option("seed", "Hypothesis seed, in every profile (recorded in the report; default: "
           f"{profiles.CI_SEED} under ci, a fresh one otherwise)",
           cli=("--seed",), foreign="hypothesis_seed", type=int),
    Option("report_dir", "where report.json goes (the runner's default: "
           "./conformance-report; pytest writes none unless given)",
           cli=("--report-dir",), plugin=("--report-dir",), cli_default="conformance-report",
           check=_report_dir),
    Option("bundle", "also write a self-contained bundle (a certification, for a certify "
           "run of the whole catalog) into this new or empty directory; needs --product",
           cli=("--bundle",), metavar="DIR", check=_bundle_dir),
    Option("product", "product.yaml of the implementation, for --bundle: vendor, product, "
           "version, url, contact", cli=("--product",), metavar="FILE"),
    Option("strict", "hold the target to one reading wherever the documents allow two",
           cli=("--strict",), plugin=("--strict-readings",), kind="flag", default=False),
    Option("readings", "the readings of the ambiguity register the reference takes "
           "(reference targets and mutants only): ID=READING[,ID=READING...] "
           "(ids and readings of contracts/clauses.json 'ambiguities'), or all-alt for "
           "every entry's alternative (last) reading; under --strict the others take "
           "their strict_reading", cli=("--readings",), plugin=("--readings",),
           metavar="ID=READING[,...]|all-alt", check=_readings),
    Option("workers", "pytest-xdist workers: a number or 'auto' (default: 0, in-process)",
           cli=("-n", "--workers"), cli_default="0", check=_workers),
    Option("run_id", "a short id put into the names of the resources the run creates "
           "(default: a fresh one)", plugin=("--run-id",)),
    Option("waivers", "JSON file of known deviations: clause ids with a reason each",
           cli=("--waivers",), plugin=("--waivers",), metavar="FILE"),
    Option("replay", "re-run only the tests that failed in an earlier report.json "
           "(the runner: with its profile, seed, strictness and readings unless given)",
           cli=("--replay",), plugin=("--replay",), metavar="REPORT"),
    Option("max_examples", "cap Hypothesis examples per test (overrides the profile)",
           cli=("--max-examples",), plugin=("--max-examples",), type=int,
           check=_at_least_one),
    Option("clauses", "run only the tests that check one of these catalog clauses: ids or "
           "globs ('PutEvents.*', '*.maxLength')",
           cli=("--clauses",), plugin=("--clauses",), metavar="PATTERN[,...]",
           type=_clause_list, check=_known_clauses),
    Option("keyword", "run only the tests of the clauses whose id matches EXPR, a pytest -k "
           "expression ('PutEvents and not maxLength'; with --clauses: both)", cli=("-k",),
           metavar="EXPR", check=_keyword),
    Option("progress", "show clauses done and the clause running (the runner's default: "
           "a live line on a terminal, a line every 30 s otherwise)", cli=("--progress",),
           plugin=("--conformance-progress",), kind="switch", default=False,
           cli_default=None),
    Option("label", "the implementation's name for the reports' title (default: the "
           "target), e.g. \"Acme Personalize 2.3\"", cli=("--label",),
           plugin=("--conformance-label",), metavar="TEXT"),
    Option("verbose", "show the whole conformance matrix, not only what did not pass",
           cli=("-v", "--verbose"), kind="flag", default=False),
    Option("no_color", "no colour on the console (also: the NO_COLOR environment variable)",
           cli=("--no-color",), kind="flag", default=False),
    Option("tb", "show pytest's tracebacks in this style (default: none)", cli=("--tb",),
           choices=("auto", "long", "short", "line", "native")),
    Option("allow_incomplete", "exit 0, not 3, when the verdict is incomplete (gate on "
           "what the target implements)", cli=("--allow-incomplete",), kind="flag",
           default=False),
    Option("baseline", "an earlier report.json: exit 1 only for clauses that passed there "
           "and do not now (a ratchet); print the clauses that newly pass",
           cli=("--baseline",), metavar="REPORT", check=_baseline),
)


def _argument(option: Option, runner: bool) -> dict[str, Any]:
    """The keyword arguments of ``add_argument`` (runner) or ``addoption`` (plugin)."""
    kwargs: dict[str, Any] = {"dest": option.name if runner else option.dest,
                              "help": option.help, "default": option.default_for(runner)}
    if option.kind == "flag" or (option.kind == "switch" and not runner):
        kwargs["action"] = "store_true"
    elif option.kind == "switch":
        kwargs["action"] = argparse.BooleanOptionalAction
    else:
        for key in ("type", "metavar", "choices"):
            if getattr(option, key) is not None:
                kwargs[key] = getattr(option, key)
    return kwargs


def add_to_argparse(parser: Any) -> None:
    """Declare the runner's options (``run``) on an argparse parser."""
    for option in OPTIONS:
        if option.cli:
            parser.add_argument(*option.cli, **_argument(option, runner=True))


def add_to_pytest(parser: pytest.Parser) -> None:
    """Declare the plugin's options on pytest's parser."""
    group = parser.getgroup("personalize-conformance")
    for option in OPTIONS:
        if option.plugin:
            group.addoption(*option.plugin, **_argument(option, runner=False))


def values_of(config: pytest.Config) -> dict[str, Any]:
    """The options a pytest run was given, by settings name (its own and foreign ones)."""
    values = {}
    for option in OPTIONS:
        if option.plugin:
            values[option.name] = config.getoption(option.dest)
        elif option.foreign:
            values[option.name] = getattr(config.option, option.foreign, None)
    return values


def validated(values: Mapping[str, Any], *, runner: bool) -> dict[str, Any]:
    """Every option by settings name: the value given (missing: the option's default, the
    runner's or the plugin's), checked and normalised; ``OptionError`` for the first of
    the table that is wrong."""
    return {o.name: o.validated(values.get(o.name, o.default_for(runner))) for o in OPTIONS}


def waivers_of(path: str) -> dict[str, str]:
    """``--waivers``: the waived clauses of the file (clause id -> reason)."""
    from personalize_conformance.run.waivers import WaiverError, load

    try:
        return load(path)
    except WaiverError as exc:
        raise OptionError(str(exc)) from None


def effective_call_timeout(value: float | None) -> float | None:
    """``--call-timeout``, else ``$PC_CALL_TIMEOUT``, else the default; 0 means none."""
    if value is None:
        text = os.environ.get(CALL_TIMEOUT_ENV) or str(DEFAULT_CALL_TIMEOUT)
        try:
            value = _call_timeout(float(text))
        except (ValueError, OptionError):
            raise OptionError(f"${CALL_TIMEOUT_ENV}={text!r}: give a positive number of "
                              "seconds (0: no limit)") from None
    return value or None



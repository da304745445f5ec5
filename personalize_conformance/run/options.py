"""The options of a run, described once.

``OPTIONS`` is the one table: the runner (``personalize-conformance run``, argparse) and
the pytest plugin (``pytest_addoption``) both declare their options from it, and both
turn what they were given into one ``RunSettings`` with ``prepare``, which validates each
option and parses the waivers and replay files. A ``Run`` carries the settings, the target
(resolved once per process), the harnesses made for it, and at the end the report: the
runner hands its ``Run`` to pytest in memory (``pytest.main(argv, plugins=[run])``); a bare
pytest run makes one from its options; an xdist worker from what its controller sent.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import random
import socket
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import pytest

from personalize_conformance.run import profiles
from personalize_conformance.targets import Target, TargetConfigError

DEFAULT_TARGET = "reference"
#: The conformance suite, as pytest imports it (``--pyargs``).
SUITE = "personalize_conformance.suite"
#: Seconds a single call may take (``--call-timeout``, or the environment variable).
CALL_TIMEOUT_ENV = "PC_CALL_TIMEOUT"
DEFAULT_CALL_TIMEOUT = 30.0
#: Where a bare pytest run keeps its ``Run`` (the runner's is put there by the ``Run``).
RUN = pytest.StashKey["Run"]()
#: The key of the settings an xdist controller sends each worker.
WORKER_INPUT = "pc_settings"


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
    unknown = sorted(set(ids) - set(catalog().clauses))
    if unknown:
        raise OptionError(f"--clauses: no clause {', '.join(unknown)} in the catalog")
    return ids


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


def _product(path: str | None, bundle: str | None) -> Mapping[str, Any] | None:
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
    try:
        earlier = json.loads(Path(path).read_text(encoding="utf-8"))
        return {str(c["id"]): str(c["status"]) for c in earlier["clauses"]}
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
    Option("clauses", "run only the tests that check one of these catalog clauses",
           cli=("--clauses",), plugin=("--clauses",), metavar="ID[,ID...]",
           type=_clause_list, check=_known_clauses),
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
    Option("bundle", "also write a self-contained bundle (a certification, for a certify "
           "run of the whole catalog) into this new or empty directory; needs --product",
           cli=("--bundle",), metavar="DIR", check=_bundle_dir),
    Option("product", "product.yaml of the implementation, for --bundle: vendor, product, "
           "version, url, contact", cli=("--product",), metavar="FILE"),
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


@dataclass(frozen=True)
class RunSettings:
    """Everything a run was asked for, validated; files already parsed."""

    target: str = DEFAULT_TARGET
    endpoint_url: str | None = None
    allow_aws: bool = False
    #: Seconds a call may take (None: no limit), after the option, env and default.
    call_timeout: float | None = DEFAULT_CALL_TIMEOUT
    profile: str = profiles.DEFAULT
    #: The Hypothesis seed as Hypothesis' option holds it (a string), or None.
    seed: str | None = None
    report_dir: str | None = None
    strict: bool = False
    #: ``--readings``: ambiguity id -> reading id, as given (``all-alt`` expanded).
    readings: Mapping[str, str] | None = None
    workers: str = "0"
    run_id: str = ""
    waivers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: The ``--replay`` path (recorded as ``replay_of``) and the keys of the tests to rerun.
    replay: str | None = None
    replay_tests: tuple[str, ...] | None = None
    max_examples: int | None = None
    clauses: tuple[str, ...] | None = None
    progress: bool = False
    #: The clauses the run sets out to check (``--clauses``, or those of the tests
    #: ``--replay`` re-runs); None: every clause. The verdict counts no other as unchecked.
    scope: tuple[str, ...] | None = None
    allow_incomplete: bool = False
    #: ``--baseline``: the path and the earlier report's clause statuses.
    baseline: str | None = None
    baseline_statuses: Mapping[str, str] | None = None
    label: str | None = None
    #: ``--bundle`` (where each process journals its exchanges too) and ``--product``'s
    #: path and its parsed content.
    bundle: str | None = None
    product: str | None = None
    product_data: Mapping[str, Any] | None = None
    #: The runner's console: the whole matrix, no colour, pytest's traceback style.
    verbose: bool = False
    no_color: bool = False
    tb: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """What an xdist worker needs, as plain data (it never reads the files itself)."""
        return {
            "target": self.target, "endpoint_url": self.endpoint_url,
            "allow_aws": self.allow_aws, "call_timeout": self.call_timeout,
            "profile": self.profile, "seed": self.seed, "strict": self.strict,
            "readings": None if self.readings is None else dict(self.readings),
            "run_id": self.run_id, "max_examples": self.max_examples,
            "replay": self.replay,
            "replay_tests": None if self.replay_tests is None else list(self.replay_tests),
            "clauses": None if self.clauses is None else list(self.clauses),
            "scope": None if self.scope is None else list(self.scope),
            "bundle": self.bundle,
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> RunSettings:
        values = dict(data)
        for key in ("replay_tests", "clauses", "scope"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        return cls(**values)


def effective_readings(settings: RunSettings) -> dict[str, str] | None:
    """The readings the run's target takes: for the reference targets, under ``--strict``
    every entry's ``strict_reading``, then those ``--readings`` gives; ``None`` for any
    other target (which ``--readings`` cannot configure)."""
    from personalize_conformance.contracts import strict_readings
    from personalize_conformance.targets import takes_readings

    if not takes_readings(settings.target):
        return None
    return {**(strict_readings() if settings.strict else {}), **(settings.readings or {})}


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


def node_key(nodeid: str) -> str:
    """A node id without its directories, the same wherever the suite was run from."""
    path, sep, rest = nodeid.partition("::")
    return path.rsplit("/", 1)[-1] + sep + rest


def _earlier(path: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The report ``--replay`` names and the keys of its failing tests (there must be one)."""
    from personalize_conformance.report.verdict import failing_tests

    try:
        earlier = json.loads(Path(path).read_text(encoding="utf-8"))
        failing = failing_tests(earlier)
    except OSError as exc:
        raise OptionError(f"cannot read --replay {path!r}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise OptionError(f"--replay {path!r} is not a report.json of this suite") from None
    if not failing:
        raise OptionError(f"--replay {path!r}: the report has no failing test to re-run")
    return earlier, tuple(sorted({node_key(nodeid) for nodeid in failing}))


def _waivers(path: str) -> dict[str, str]:
    from personalize_conformance.run.waivers import WaiverError, load

    try:
        return load(path)
    except WaiverError as exc:
        raise OptionError(str(exc)) from None


def check_reachable(url: str) -> None:
    """Refuse an ``--endpoint-url`` nothing listens on (the runner checks before a run)."""
    parts = urlsplit(_endpoint_url(url))
    assert parts.hostname is not None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=5):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OptionError(f"cannot reach {url} ({reason}); start the server or fix "
                          "--endpoint-url") from None


def check_answers(target: Target | None, url: str) -> None:
    """Refuse an ``--endpoint-url`` where nothing answers as an AWS JSON service
    (``probe.wrong_url``), for a boto3 target calling that URL (``--target endpoint``; the
    targets the suite starts itself are not probed)."""
    from personalize_conformance.run.probe import wrong_url
    from personalize_conformance.targets.boto import BotoTarget

    if isinstance(target, BotoTarget) and target.over_http() and target.endpoint_url == url:
        problem = wrong_url(target)
        if problem:
            raise OptionError(problem)


def refuse_aws(target: Target, allow_aws: bool) -> None:
    """Raise ``TargetConfigError`` if ``target`` would reach AWS without ``--allow-aws``."""
    if target.reaches_aws() and not allow_aws:
        where = (f"--endpoint-url {target.endpoint_url} is not a loopback address"
                 if target.endpoint_url else f"target {target.name!r} has no --endpoint-url")
        raise TargetConfigError(
            f"{where}, so the run could reach real AWS; give a 127.0.0.1 --endpoint-url, "
            "or pass --allow-aws, which allows any non-loopback host (a docker-compose "
            "service too, not only AWS; resources are prefixed and deleted)")


def resolve_target(settings: RunSettings) -> Target:
    """The target the settings name, refused if it would reach AWS unallowed."""
    from personalize_conformance.targets import resolve

    try:
        target = resolve(settings.target, settings.endpoint_url,
                         call_timeout=settings.call_timeout,
                         readings=effective_readings(settings) or settings.readings)
        refuse_aws(target, settings.allow_aws)
    except TargetConfigError as exc:
        raise OptionError(str(exc)) from None
    return target


class _HarnessFigures(Protocol):
    throttling_retries: int
    cleanup_failures: list[dict[str, str]]
    unsupported: dict[str, str]


class Run:
    """One run in one process: its settings, its target (resolved once, on first use),
    the harnesses made for it, and, once the session has finished, its report.

    Registered as a pytest plugin (``pytest.main(argv, plugins=[run])``) it puts itself
    where the conformance plugin looks for it, so pytest's options are not read again.
    """

    def __init__(self, settings: RunSettings, target: Target | None = None, *,
                 runner: bool = False) -> None:
        self.settings = settings
        #: Made by ``personalize-conformance run`` (which prints the verdict itself).
        self.runner = runner
        self._target = target
        self.harnesses: list[_HarnessFigures] = []
        #: The report built at the end of the session (the controller's), or None.
        self.report: dict[str, Any] | None = None

    @property
    def target(self) -> Target:
        """The run's target, resolved (and checked against ``--allow-aws``) once."""
        if self._target is None:
            self._target = resolve_target(self.settings)
        return self._target

    def harness_figures(self) -> dict[str, Any]:
        """What the report needs from this process' harnesses (throttling, cleanup)."""
        return {
            "throttling_retries": sum(h.throttling_retries for h in self.harnesses),
            "responses": sum(h.responses for h in self.harnesses),
            "responses_validated": sum(h.responses_validated for h in self.harnesses),
            "cleanup_failures": [f for h in self.harnesses for f in h.cleanup_failures],
            "unsupported_operations": sorted({o for h in self.harnesses for o in h.unsupported}),
        }

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[RUN] = self


def prepare(values: Mapping[str, Any], *, runner: bool) -> Run:
    """The run the options ask for, every option validated and every file parsed once.

    ``values`` maps settings names to what was given (missing: the option's default).
    The runner (``runner=True``) also resolves the target now and checks the endpoint is
    reachable and answers as an AWS JSON service (``check_answers``), takes an earlier
    report's profile, seed, strictness and example cap when replaying it (and its
    readings, for the reference), and draws a seed when none is given; a pytest run
    resolves the target now unless it is the default reference without readings (which
    cannot be misconfigured), and checks a given endpoint the same way."""
    from personalize_conformance.targets import takes_readings

    given = {o.name: o.validated(values.get(o.name, o.default_for(runner))) for o in OPTIONS}
    timeout = effective_call_timeout(given["call_timeout"])
    replayed, replay_tests = _earlier(given["replay"]) if given["replay"] else ({}, None)
    earlier = replayed if runner else {}
    readings = given["readings"] or None
    if readings is None and earlier.get("readings") and takes_readings(given["target"]):
        readings = dict(earlier["readings"])  # replaying: the readings it was run under
    probe = RunSettings(target=given["target"], endpoint_url=given["endpoint_url"] or None,
                        allow_aws=bool(given["allow_aws"]), call_timeout=timeout,
                        strict=bool(given["strict"] or earlier.get("strict")),
                        readings=readings)
    target = (resolve_target(probe) if runner or probe.target != DEFAULT_TARGET
              or probe.readings else None)
    if given["endpoint_url"]:
        check_reachable(given["endpoint_url"])
        check_answers(target, given["endpoint_url"])
    waivers = _waivers(given["waivers"]) if given["waivers"] else {}
    product = _product(given["product"], given["bundle"])
    profile = given["profile"] or earlier.get("profile") or profiles.DEFAULT
    seed = given["seed"] if given["seed"] is not None else earlier.get("seed")
    if seed is None and profile == "ci":
        seed = profiles.CI_SEED  # deterministic by default, and recorded
    elif seed is None and runner:
        seed = random.SystemRandom().randrange(2**32)
    progress = given["progress"]
    settings = dataclasses.replace(
        probe,
        profile=profile,
        seed=None if seed is None else str(seed),
        report_dir=given["report_dir"] or None,
        strict=bool(given["strict"] or earlier.get("strict")),
        workers=str(given["workers"] or "0"),
        run_id=given["run_id"] or uuid.uuid4().hex[:6],
        waivers=waivers,
        replay=given["replay"] or None,
        replay_tests=replay_tests,
        max_examples=given["max_examples"] or earlier.get("max_examples") or None,
        clauses=given["clauses"] or None,
        progress=bool(progress) if progress is not None else runner,
        label=given["label"] or None,
        verbose=bool(given["verbose"]),
        no_color=bool(given["no_color"]),
        tb=given["tb"] or None,
        scope=_scope(given["clauses"], replayed, replay_tests),
        allow_incomplete=bool(given["allow_incomplete"]),
        baseline=values.get("baseline"),
        baseline_statuses=given["baseline"],
        bundle=given["bundle"] or None,
        product=given["product"] or None,
        product_data=product,
    )
    return Run(settings, target, runner=runner)


def _scope(clauses: tuple[str, ...] | None, earlier: Mapping[str, Any],
           replay_tests: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The clauses a run sets out to check: those ``--clauses`` names, or those the tests
    ``--replay`` re-runs named in the earlier report (None: every clause)."""
    if clauses:
        return tuple(clauses)
    if replay_tests is None or not earlier:
        return None
    wanted = set(replay_tests)
    return tuple(c["id"] for c in earlier["clauses"]
                 if wanted.intersection(node_key(t) for t in c.get("tests", [])))


def run_of(config: pytest.Config) -> Run:
    """The run of a pytest session (put there by the runner or the plugin)."""
    return config.stash[RUN]


def clause_ids(item: pytest.Item) -> list[str]:
    """The clause ids a test names with ``@pytest.mark.clause``."""
    return [cid for mark in item.iter_markers("clause") for cid in mark.args]


def selected(settings: RunSettings, items: Iterable[pytest.Item]) -> list[pytest.Item]:
    """The tests ``--replay`` (those that failed before) and ``--clauses`` (those naming
    one of them) keep."""
    keep = list(items)
    if settings.replay_tests is not None:
        wanted = set(settings.replay_tests)
        keep = [item for item in keep if node_key(item.nodeid) in wanted]
    if settings.clauses:
        named = set(settings.clauses)
        keep = [item for item in keep if named.intersection(clause_ids(item))]
    return keep

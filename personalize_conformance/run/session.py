"""The ``Run``: one run in one process, carried in memory. It holds the settings, the
target (resolved once, on first use), the harnesses made for it, and at the end the
report: the runner hands its ``Run`` to pytest (``pytest.main(argv, plugins=[run])``),
where the conformance plugin finds it (``run_of``) without reading pytest's options
again; a bare pytest run makes one from its options; an xdist worker from what its
controller sent.

``prepare`` makes the run the options ask for, every option validated and every file
parsed once, before any test: a run that cannot be made is an ``OptionError`` (exit 2).
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

import pytest

from personalize_conformance.harness import profiles
from personalize_conformance.run.options import (
    DEFAULT_TARGET,
    OptionError,
    effective_call_timeout,
    product_of,
    validated,
    waivers_of,
)
from personalize_conformance.run.selection import replayed, scope
from personalize_conformance.run.settings import RunSettings
from personalize_conformance.run.target import check_answers, check_reachable, resolve_target
from personalize_conformance.targets import Target, takes_readings

#: Where a pytest session keeps its ``Run`` (the runner's is put there by the ``Run``).
RUN = pytest.StashKey["Run"]()


class _HarnessFigures(Protocol):
    throttling_retries: int
    cleanup_failures: list[dict[str, str]]
    unsupported: dict[str, str]

    def spending(self) -> dict[str, Any]: ...


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
            "spending": [h.spending() for h in self.harnesses],
        }

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[RUN] = self


def run_of(config: pytest.Config) -> Run:
    """The run of a pytest session (put there by the runner or the plugin)."""
    return config.stash[RUN]


def _target_settings(given: Mapping[str, Any], timeout: float | None,
                     earlier: Mapping[str, Any]) -> RunSettings:
    """The settings that decide the target: name, endpoint, timeout, strictness and
    readings (replaying, the reference takes the readings the earlier run was under)."""
    readings = given["readings"] or None
    if readings is None and earlier.get("readings") and takes_readings(given["target"]):
        readings = dict(earlier["readings"])  # replaying: the readings it was run under
    return RunSettings(target=given["target"], endpoint_url=given["endpoint_url"] or None,
                       allow_aws=bool(given["allow_aws"]), call_timeout=timeout,
                       strict=bool(given["strict"] or earlier.get("strict")),
                       readings=readings)


def _seed(given: Any, earlier: Mapping[str, Any], profile: str, runner: bool) -> str | None:
    """The Hypothesis seed: given, else the replayed run's, else ``ci``'s recorded one,
    else (the runner) a fresh one; a pytest run under another profile leaves it to
    Hypothesis."""
    seed = given if given is not None else earlier.get("seed")
    if seed is None and profile == "ci":
        seed = profiles.CI_SEED  # deterministic by default, and recorded
    elif seed is None and runner:
        seed = random.SystemRandom().randrange(2**32)
    return None if seed is None else str(seed)


def prepare(values: Mapping[str, Any], *, runner: bool) -> Run:
    """The run the options ask for, every option validated and every file parsed once.

    ``values`` maps settings names to what was given (missing: the option's default).
    The runner (``runner=True``) also resolves the target now and checks the endpoint is
    reachable and answers as an AWS JSON service (``check_answers``), takes an earlier
    report's profile, seed, strictness and example cap when replaying it (and its
    readings, for the reference), and draws a seed when none is given; a pytest run
    resolves the target now unless it is the default reference without readings (which
    cannot be misconfigured), and checks a given endpoint the same way."""
    given = validated(values, runner=runner)
    timeout = effective_call_timeout(given["call_timeout"])
    replay, replay_tests = replayed(given["replay"]) if given["replay"] else ({}, None)
    earlier = replay if runner else {}
    probe = _target_settings(given, timeout, earlier)
    target = (resolve_target(probe) if runner or probe.target != DEFAULT_TARGET
              or probe.readings else None)
    if given["endpoint_url"]:
        check_reachable(given["endpoint_url"])
        check_answers(target, given["endpoint_url"])
    waivers = waivers_of(given["waivers"]) if given["waivers"] else {}
    product = product_of(given["product"], given["bundle"])
    profile = given["profile"] or earlier.get("profile") or profiles.DEFAULT
    progress = given["progress"]
    settings = dataclasses.replace(
        probe, profile=profile, seed=_seed(given["seed"], earlier, profile, runner),
        report_dir=given["report_dir"] or None, workers=str(given["workers"] or "0"),
        run_id=given["run_id"] or uuid.uuid4().hex[:6], waivers=waivers,
        replay=given["replay"] or None, replay_tests=replay_tests,
        max_examples=given["max_examples"] or earlier.get("max_examples") or None,
        clauses=_chosen(given["clauses"], given["keyword"]) or None,
        progress=bool(progress) if progress is not None else runner,
        label=given["label"] or None, verbose=bool(given["verbose"]),
        no_color=bool(given["no_color"]), tb=given["tb"] or None,
        scope=scope(_chosen(given["clauses"], given["keyword"]), replay, replay_tests),
        allow_incomplete=bool(given["allow_incomplete"]),
        baseline=values.get("baseline"), baseline_statuses=given["baseline"],
        bundle=given["bundle"] or None, product=given["product"] or None,
        product_data=product,
    )
    return Run(settings, target, runner=runner)


def _chosen(clauses: tuple[str, ...] | None, keyword: tuple[str, ...] | None
            ) -> tuple[str, ...] | None:
    """The clauses ``--clauses`` and ``-k`` choose (both, when both are given)."""
    if clauses is None or keyword is None:
        return clauses or keyword
    chosen = tuple(c for c in clauses if c in keyword)
    if not chosen:
        raise OptionError("--clauses and -k together keep no clause")
    return chosen

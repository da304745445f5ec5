"""The ``personalize-conformance`` command.

``run``: the conformance suite against a target, through pytest; writes the report and
exits 0 (no clause failed), 1 (a clause failed) or 2 (the run could not be made).
``serve``: the reference (or a mutant) over HTTP on a loopback port, until interrupted.
``drift``: compare the contract with the installed botocore models; exit 0 (none) or 1.
``export-vectors``: the fixed tier (boundary and invalid vectors) as portable JSON files.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import socket
import sys
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

from . import profiles

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
SUITE = "personalize_conformance.suite"


class UsageError(Exception):
    """A mistake the user can fix; printed as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="personalize-conformance", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="run the conformance suite against a target")
    run.add_argument("--target", default="reference",
                     help="reference (default), reference-progressive, reference-http, "
                          "endpoint, moto, moto-server, mutant:<id>, package.module:Class, "
                          "or a name registered by a plugin")
    run.add_argument("--endpoint-url", help="the implementation's URL, for --target endpoint")
    run.add_argument("--allow-aws", action="store_true",
                     help="allow a run against real AWS (non-loopback endpoint, or none)")
    run.add_argument("--call-timeout", type=float, default=None,
                     help="seconds one call may take (default: $PC_CALL_TIMEOUT or 30)")
    run.add_argument("--profile", choices=profiles.NAMES, default=None,
                     help="ci: quick and deterministic (default); certify: thorough")
    run.add_argument("--seed", type=int, help="Hypothesis seed (recorded in the report)")
    run.add_argument("--report-dir", default="conformance-report",
                     help="where report.json goes (default: ./conformance-report)")
    run.add_argument("--strict", action="store_true",
                     help="hold the target to one reading wherever the documents allow two")
    run.add_argument("-n", "--workers", default="0",
                     help="pytest-xdist workers: a number or 'auto' (default: 0, in-process)")
    run.add_argument("--waivers", metavar="FILE",
                     help="JSON file of known deviations: clause ids with a reason each")
    run.add_argument("--replay", metavar="REPORT",
                     help="re-run only the failing tests of an earlier report.json "
                          "(with its profile and seed unless given)")
    run.add_argument("--max-examples", type=int,
                     help="cap Hypothesis examples per test (overrides the profile)")
    run.add_argument("--clauses", metavar="ID[,ID...]",
                     help="run only the tests that check these catalog clauses")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="show clauses done and the clause running (default: on for certify)")
    vectors = sub.add_parser("export-vectors",
                             help="write the boundary and invalid vectors as JSON files")
    vectors.add_argument("directory", help="where the vector files go")
    serve = sub.add_parser("serve", help="serve the reference (or a mutant) over HTTP")
    serve.add_argument("--target", default="reference", help="reference or mutant:<id>")
    serve.add_argument("--port", type=int, default=4566, help="port on 127.0.0.1 (4566)")
    serve.add_argument("--progressive", action="store_true",
                       help="statuses pass through CREATE PENDING and CREATE IN_PROGRESS")
    sub.add_parser("drift", help="compare the contract with the installed botocore models")
    return parser


def _drift(args: argparse.Namespace) -> int:
    from .contracts import drift

    problems = drift.check()
    for problem in problems:
        print(f"drift: {problem}")
    counts = drift.summary()
    print(f"{len(problems)} differences; {counts['shape_clauses']} shape clauses for "
          f"{counts['botocore_effective']} botocore request constraints "
          f"({counts['botocore_raw']} before dropping minimums of 0)")
    return EXIT_FAILED if problems else EXIT_OK


def _check_reachable(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--endpoint-url {url!r} is not an http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=5):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(f"cannot reach {url} ({reason}); start the server or fix "
                         "--endpoint-url") from None


def _run(args: argparse.Namespace) -> int:
    import pytest

    from .harness import refuse_aws
    from .targets import TargetConfigError, resolve

    try:
        refuse_aws(resolve(args.target, args.endpoint_url), args.allow_aws)
    except TargetConfigError as exc:
        raise UsageError(str(exc)) from None
    if args.endpoint_url:
        _check_reachable(args.endpoint_url)
    if args.waivers:
        from .waivers import WaiverError, load

        try:
            load(args.waivers)
        except WaiverError as exc:
            raise UsageError(str(exc)) from None
    if args.max_examples is not None and args.max_examples < 1:
        raise UsageError("--max-examples must be at least 1")
    earlier = _replayed(args.replay) if args.replay else {}
    profile = args.profile or earlier.get("profile") or profiles.DEFAULT
    seed = args.seed if args.seed is not None else earlier.get("seed")
    if seed is None:
        seed = random.SystemRandom().randrange(2**32)
    max_examples = args.max_examples or earlier.get("max_examples")
    report_dir = Path(args.report_dir)
    report_path = report_dir / "report.json"
    report_path.unlink(missing_ok=True)
    argv = [
        "--pyargs", SUITE, "-q", "-p", "no:cacheprovider", "--no-header", "-rN",
        "--target", args.target, "--hypothesis-profile", profile,
        "--hypothesis-seed", str(seed), "--report-dir", str(report_dir),
    ]
    if args.endpoint_url:
        argv += ["--endpoint-url", args.endpoint_url]
    if args.strict or earlier.get("strict"):
        argv.append("--strict-readings")
    if args.waivers:
        argv += ["--waivers", args.waivers]
    if args.replay:
        argv += ["--replay", args.replay]
    if max_examples:
        argv += ["--max-examples", str(max_examples)]
    if args.clauses:
        argv += ["--clauses", args.clauses]
    if args.progress or (args.progress is None and profile == "certify"):
        argv.append("--conformance-progress")
    if args.allow_aws:
        argv.append("--allow-aws")
    if args.call_timeout is not None:
        argv += ["--call-timeout", str(args.call_timeout)]
    if args.workers not in ("0", 0):
        argv += ["-n", str(args.workers)]
    code = pytest.main(argv)
    if not report_path.exists():
        raise UsageError(f"the run could not be made (pytest exit status {int(code)}); "
                         "see the output above")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    _print_summary(report, report_path)
    return EXIT_FAILED if report["summary"]["failed"] else EXIT_OK


def _replayed(path: str) -> dict:
    """The earlier report ``--replay`` names; it must have a failing test to re-run."""
    from .report import failing_tests

    try:
        earlier = json.loads(Path(path).read_text(encoding="utf-8"))
        failing = failing_tests(earlier)
    except OSError as exc:
        raise UsageError(f"cannot read --replay {path!r}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UsageError(f"--replay {path!r} is not a report.json of this suite") from None
    if not failing:
        raise UsageError(f"--replay {path!r}: the report has no failing test to re-run")
    return earlier


def _print_summary(report: dict, path: Path) -> None:
    print()
    for clause in report["clauses"]:
        status = clause["status"]
        if status == "waived":
            status = f"waived ({clause['observed_status']})"
        print(f"  {status:<22} {clause['level']:<6} {clause['examples']:>6} ex  {clause['id']}")
    counts = ", ".join(f"{v} {k}" for k, v in report["summary"].items() if v)
    print(f"\n{report['target']}: {report['verdict']}")
    print(f"({counts}); report: {path.parent}/report.{{json,md}}, junit.xml")


def _serve(args: argparse.Namespace) -> int:
    from .targets import TargetConfigError, reference_behaviour
    from .targets.reference import ReferenceService
    from .targets.reference.server import ReferenceServer

    try:
        behaviour = reference_behaviour(args.target, progressive=args.progressive)
    except TargetConfigError as exc:
        raise UsageError(f"cannot serve {args.target!r}: {exc}") from None
    try:
        server = ReferenceServer(ReferenceService(behaviour), port=args.port)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port} ({exc.strerror}); "
                         "choose another --port") from None
    print(f"serving {args.target} at {server.url} (Ctrl-C stops)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return EXIT_OK


def _export_vectors(args: argparse.Namespace) -> int:
    from .vectors import export

    try:
        written = export(args.directory)
    except OSError as exc:
        raise UsageError(f"cannot write vectors to {args.directory!r}: "
                         f"{exc.strerror or exc}") from None
    print(f"wrote {len(written)} files to {args.directory}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        command = {"run": _run, "serve": _serve, "drift": _drift,
                   "export-vectors": _export_vectors}
        return command[args.command](args)
    except UsageError as exc:
        print(f"personalize-conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

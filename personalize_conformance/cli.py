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
import sys
from pathlib import Path
from typing import NoReturn

from personalize_conformance.options import add_to_argparse

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
    add_to_argparse(run)
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
    from personalize_conformance.contracts import drift

    problems = drift.check()
    for problem in problems:
        print(f"drift: {problem}")
    counts = drift.summary()
    print(f"{len(problems)} differences; {counts['shape_clauses']} shape clauses for "
          f"{counts['botocore_effective']} botocore request constraints "
          f"({counts['botocore_raw']} before dropping minimums of 0)")
    return EXIT_FAILED if problems else EXIT_OK


def _run(args: argparse.Namespace) -> int:
    """The suite through pytest, in this process (or its xdist workers), with the run's
    settings, target and parsed files handed to the plugin in memory; the report comes
    back the same way (and is written to ``--report-dir``)."""
    import pytest

    from personalize_conformance.console import Console
    from personalize_conformance.options import OptionError, prepare

    try:
        run = prepare(vars(args), runner=True)
    except OptionError as exc:
        raise UsageError(str(exc)) from None
    settings = run.settings
    report_path = Path(settings.report_dir or ".") / "report.json"
    report_path.unlink(missing_ok=True)
    console = Console(run)  # the header, progress and summary; pytest's own output quiet
    console.header()
    argv = [
        "--pyargs", SUITE, *console.quiet_argv(), "-p", "no:cacheprovider",
        "--hypothesis-profile", settings.profile, "--hypothesis-seed", str(settings.seed),
    ]
    if settings.workers not in ("0", ""):
        argv += ["-n", settings.workers]
    code = pytest.main(argv, plugins=[run, console])
    if run.report is None:
        raise UsageError(f"the run could not be made (pytest exit status {int(code)}); "
                         "see the output above")
    console.summary(run.report, report_path.parent)
    return EXIT_FAILED if run.report["summary"]["failed"] else EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from personalize_conformance.targets import TargetConfigError, reference_service
    from personalize_conformance.targets.reference.server import ReferenceServer

    try:
        service = reference_service(args.target, progressive=args.progressive)
    except TargetConfigError as exc:
        raise UsageError(f"cannot serve {args.target!r}: {exc}") from None
    try:
        server = ReferenceServer(service, port=args.port)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port} ({exc.strerror}); "
                         "choose another --port") from None
    print(f"serving {args.target} at {server.url} (Ctrl-C stops)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return EXIT_OK


def _export_vectors(args: argparse.Namespace) -> int:
    from personalize_conformance.vectors import export

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

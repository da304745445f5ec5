"""The ``personalize-conformance`` command.

``run``: the conformance suite against a target, through pytest; writes the report and
exits 0 (no clause failed), 1 (a clause failed, or a suite error; with ``--baseline``: a
clause passed there and not now), 2 (the run could not be made, checked before any test:
an option, a file or an endpoint), 3 (verdict incomplete, unless ``--allow-incomplete``),
130/143 (interrupted by SIGINT/SIGTERM; the session is still torn down, so what it
created is deleted, and the report says ``interrupted``).
``serve``: the reference (or a mutant) over HTTP on a loopback port, until interrupted.
``drift``: compare the contract with the installed botocore models; exit 0 (none) or 1.
``export-vectors``: the fixed tier (boundary and invalid vectors) as portable JSON files.
``list-clauses``, ``list-mutants``: the catalog's clauses and the faulty targets.
``verify``: check a bundle (``run --bundle``) offline; exit 0 (it holds) or 1 (a line
per problem). ``compare``: one matrix (matrix.html, matrix.md) of several reports.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Iterator
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any, NoReturn

from personalize_conformance import __version__
from personalize_conformance.run.matching import plural
from personalize_conformance.run.options import add_to_argparse

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3
#: The pytest configuration of a run (``-c``): none of the current directory's is read.
RUNNER_INI = "runner.ini"


class UsageError(Exception):
    """A mistake the user can fix; printed as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        from personalize_conformance.run.matching import hint

        raise UsageError(f"{hint(message, self._all_options())} (see '{self.prog} --help')")

    def _all_options(self) -> list[str]:
        """Its option strings and its sub-commands'."""
        names = list(self._option_string_actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    names += list(sub._option_string_actions)
        return names


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535)")
    return int(text)


def _suite_dir() -> str:
    """The installed suite's directory, which ``run`` collects by path (with ``--pyargs``
    pytest would also load the conftest.py of the directory it is started from), and
    above which no conftest.py is loaded."""
    from importlib.util import find_spec

    from personalize_conformance.run.plugin import SUITE

    spec = find_spec(SUITE)
    assert spec is not None and spec.submodule_search_locations
    return str(next(iter(spec.submodule_search_locations)))


def _account(text: str) -> str:
    if not text or len(text) > 256 or any(c in text for c in ":/ \t\n"):
        raise argparse.ArgumentTypeError(f"{text!r} is not an account id (such as 123456789012)")
    return text


def _serve_readings(text: str) -> dict[str, str]:
    from personalize_conformance.contracts import parse_readings

    try:
        return parse_readings(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _operations() -> list[str]:
    from personalize_conformance.contracts import catalog

    return sorted({c.operation for c in catalog()})


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="personalize-conformance", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="run the conformance suite against a target")
    add_to_argparse(run)
    vectors = sub.add_parser("export-vectors",
                             help="write the boundary and invalid vectors as JSON files")
    vectors.add_argument("directory", help="where the vector files go")
    serve = sub.add_parser("serve", help="serve the reference (or a mutant) over HTTP")
    serve.add_argument("--target", default="reference", help="reference or mutant:<id>")
    serve.add_argument("--port", type=_port, default=4566,
                       help="port on 127.0.0.1 (4566; 0: a free one)")
    serve.add_argument("--account", type=_account, default=None,
                       help="the account id its ARNs and accountId name (123456789012)")
    serve.add_argument("--progressive", action="store_true",
                       help="statuses pass through CREATE PENDING and CREATE IN_PROGRESS")
    serve.add_argument("--readings", type=_serve_readings, default={},
                       metavar="ID=READING[,...]|all-alt",
                       help="the readings of the ambiguity register the reference takes, "
                       "as for run (a failure's reproduction gives the run's)")
    sub.add_parser("drift", help="compare the contract with the installed botocore models")
    clauses = sub.add_parser("list-clauses", help="the catalog's clauses: id, level, kind")
    clauses.add_argument("--operation", choices=_operations(), metavar="OP",
                         help="only this operation's clauses")
    sub.add_parser("list-mutants", help="the faulty targets (--target mutant:<id>): id, "
                   "the clause it breaks, its category")
    verify = sub.add_parser("verify", help="check a bundle offline (exit 0: it holds; 1: a "
                            "line per problem)")
    verify.add_argument("directory", help="the bundle (run --bundle DIR)")
    compare = sub.add_parser("compare", help="one matrix of several reports "
                             "(matrix.html, matrix.md)")
    compare.add_argument("reports", nargs="+", metavar="REPORT",
                         help="report.json files, or the directories holding them")
    compare.add_argument("--out", required=True, metavar="DIR", help="where the matrix goes")
    return parser


def _list_clauses(args: argparse.Namespace) -> int:
    from personalize_conformance.contracts import catalog

    for clause in catalog():
        if args.operation in (None, clause.operation):
            print(f"{clause.id}\t{clause.level}\t{clause.kind}")
    return EXIT_OK


def _list_mutants(args: argparse.Namespace) -> int:
    from personalize_conformance.targets import mutants

    for mutant_id, entry in mutants().items():
        print(f"{mutant_id}\t{entry['kills'][0]}\t{entry['category']}")
    return EXIT_OK


def _drift(args: argparse.Namespace) -> int:
    from personalize_conformance.contracts import drift

    problems = drift.check()
    for problem in problems:
        print(f"drift: {problem}")
    counts = drift.summary()
    print(f"{plural(len(problems), 'difference')}; "
          f"{counts['shape_clauses'] + counts['prose_shape_clauses']} shape clauses: "
          f"{counts['shape_clauses']} for the {counts['botocore_effective']} botocore request "
          f"constraints ({counts['botocore_raw']} before dropping minimums of 0), "
          f"{counts['prose_shape_clauses']} from botocore's documentation")
    return EXIT_FAILED if problems else EXIT_OK


def _run(args: argparse.Namespace) -> int:
    """The suite through pytest, in this process (or its xdist workers), with the run's
    settings, target and parsed files handed to the plugin in memory; the report comes
    back the same way (and is written to ``--report-dir``)."""
    import pytest

    from personalize_conformance.run.console import Console
    from personalize_conformance.run.options import OptionError
    from personalize_conformance.run.session import prepare

    try:
        run = prepare(vars(args), runner=True)
    except OptionError as exc:
        raise UsageError(str(exc)) from None
    settings = run.settings
    report_path = Path(settings.report_dir or ".") / "report.json"
    console = Console(run)  # the header, progress and summary; pytest's own output quiet
    console.header()
    with as_file(files(__package__) / RUNNER_INI) as ini, _interruptible() as stopped:
        argv = [
            _suite_dir(), "--confcutdir", _suite_dir(), "-c", str(ini),
            *console.quiet_argv(), "-p", "no:cacheprovider",
            "--hypothesis-profile", settings.profile, "--hypothesis-seed", str(settings.seed),
        ]
        if settings.workers not in ("0", ""):
            argv += ["-n", settings.workers]
        code = pytest.main(argv, plugins=[run, console])
    if run.report is None:
        if stopped:
            return 128 + stopped[0]
        raise UsageError(f"the run could not be made (pytest exit status {int(code)}); "
                         "see the output above")
    console.summary(run.report, report_path.parent)
    if settings.bundle:
        _bundle(run, console.out.export_text())
    if stopped:
        return 128 + stopped[0]
    if settings.baseline_statuses is not None:
        return _ratchet(run.report, settings.baseline or "", settings.baseline_statuses,
                        report_path)
    if run.report["summary"]["failed"] or run.report["summary"].get("error"):
        return EXIT_FAILED  # a suite error is no pass either: its clause was not judged
    if run.report["outcome"] == "incomplete" and not settings.allow_incomplete:
        return EXIT_INCOMPLETE
    return EXIT_OK


def _covers(target: Any) -> str:
    """Which exchanges a bundle's HAR holds, for the run's target."""
    from personalize_conformance.targets.boto import BotoTarget

    if "wire" in target.capabilities:
        return (f"every exchange the run's tests made with {target.endpoint_url} over HTTP "
                "(setup, checks and clean-up; not the endpoint probe before them)")
    if isinstance(target, BotoTarget):
        return ("every request and answer of the run's tests as the boto3 adapter saw them: "
                "the target ran in-process (no socket), so these are the bytes botocore "
                "built and the bytes the in-process target answered")
    return "none: this target's adapter keeps no raw exchanges"


def _bundle(run: Any, console_log: str) -> None:
    """``--bundle``: the run's bundle, and one line saying what it is."""
    from personalize_conformance.report import bundle, certification

    settings = run.settings
    bundle.write(settings.bundle, run.report, product_file=settings.product,
                 product=settings.product_data or {}, covers=_covers(run.target),
                 console_log=console_log)
    gaps = certification.gaps(run.report)
    print(f"bundle: {settings.bundle} (" + ("a certification)" if not gaps else
          f"not a certification: {gaps[0]}" + (f"; and {len(gaps) - 1} more, see its "
                                                "README.md)" if len(gaps) > 1 else ")")))


def _verify(args: argparse.Namespace) -> int:
    from personalize_conformance.report import verify

    if not Path(args.directory).is_dir():
        raise UsageError(f"verify: {args.directory!r} is not a directory (give a bundle: "
                         "run --bundle DIR)")
    problems = verify.problems(args.directory)
    for problem in problems:
        print(f"{args.directory}: {problem}")
    if not problems:
        print(f"{args.directory}: verified: {verify.summary(args.directory)}")
    return EXIT_FAILED if problems else EXIT_OK


def _compare(args: argparse.Namespace) -> int:
    from personalize_conformance.report import compare

    try:
        written = compare.write(args.reports, args.out)
    except compare.CompareError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {', '.join(str(p) for p in written)}")
    return EXIT_OK


@contextlib.contextmanager
def _interruptible() -> Iterator[list[int]]:
    """SIGINT and SIGTERM unwind the run like Ctrl-C (pytest tears the session down, so
    what the run created is deleted, and the report is written, saying ``interrupted``);
    the list yielded gets the signal's number."""
    stopped: list[int] = []

    def stop(signum: int, frame: Any) -> None:
        stopped.append(signum)
        _interrupt_workers()
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stopped
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt_workers() -> None:
    """Pass an interrupt on to the xdist workers as SIGINT (what Ctrl-C in a terminal does
    to the whole process group): a SIGTERM sent to this process alone would otherwise
    leave each worker in its current test until xdist kills it, ten seconds later, before
    its session teardown has deleted what it created."""
    import psutil

    for child in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            if "sys.stdin.readline" in " ".join(child.cmdline()):  # an execnet worker
                child.send_signal(signal.SIGINT)


def _ratchet(report: dict, baseline: str, statuses: dict, report_path: Path) -> int:
    """``--baseline``: exit 1 only for clauses that passed there and do not now; name the
    clauses that newly pass."""
    from personalize_conformance.report import ratchet

    regressed, promoted = ratchet(statuses, report)
    for clause_id, status in regressed.items():
        print(f"regressed: {clause_id} passed in {baseline}, {status} now")
    known = report.get("known_failures", [])
    if known:
        print(f"known: {plural(len(known), 'failure')} the baseline already had, "
              f"not regressions: {', '.join(known)}")
    if promoted:
        print(f"{plural(len(promoted), 'clause newly passes', 'clauses newly pass')}; promote "
              f"these to your baseline (cp {report_path} {baseline}): {', '.join(promoted)}")
    print(f"baseline {baseline}: {plural(len(regressed), 'regression')}")
    return EXIT_FAILED if regressed else EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from personalize_conformance.targets import (
        TargetConfigError,
        reference_handler,
        reference_service,
    )
    from personalize_conformance.targets.reference.server import ReferenceServer

    try:
        service = reference_service(args.target, progressive=args.progressive,
                                    readings=args.readings)
    except TargetConfigError as exc:
        raise UsageError(f"cannot serve {args.target!r}: {exc}") from None
    if args.account:
        service.account = args.account
    handler = reference_handler(args.target)
    try:
        server = (ReferenceServer(service, port=args.port) if handler is None
                  else ReferenceServer(service, port=args.port, serve=handler))
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port} ({exc.strerror}); "
                         "choose another --port") from None
    print(f"serving {args.target} at {server.url} (Ctrl-C stops)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return EXIT_OK


def _export_vectors(args: argparse.Namespace) -> int:
    from personalize_conformance.report.vectors import export

    try:
        written = export(args.directory)
    except OSError as exc:
        raise UsageError(f"cannot write vectors to {args.directory!r}: "
                         f"{exc.strerror or exc}") from None
    print(f"wrote {plural(len(written), 'file')} to {args.directory}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        command = {"run": _run, "serve": _serve, "drift": _drift,
                   "export-vectors": _export_vectors, "list-clauses": _list_clauses,
                   "list-mutants": _list_mutants, "verify": _verify, "compare": _compare}
        return command[args.command](args)
    except UsageError as exc:
        print(f"personalize-conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

"""Minimal reproductions of a failing call: a boto3 snippet and an AWS CLI script.

A reproduction replays the calls the failing one depends on (the dataset group and
tracker it names), feeding each answer's ARN or tracking ID into the next call by
variable rather than by the literal value seen in the run, so it works on a fresh server.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore import xform_name

from personalize_conformance.contracts import service_of

#: Where an in-process target is served by ``personalize-conformance serve``.
SERVE_URL = "http://127.0.0.1:4566"
#: The exit statuses of a shell reproduction.
REPRODUCED, NOT_REPRODUCED, UNDECIDED = 1, 0, 3


@dataclass(frozen=True)
class Replay:
    """Where and how a reproduction reaches the target as it was run: its URL, region, the
    command that serves it first (an in-process target), and the run's name prefix, which a
    reproduction swaps for one unique to each execution (same length)."""

    url: str = SERVE_URL
    region: str = "us-east-1"
    serve: str | None = None
    prefix: str | None = None


def serve_command(target_name: str, readings: Mapping[str, str] | None = None) -> str | None:
    """The shell command that serves an in-process target at ``SERVE_URL``, taking the
    run's ``readings`` of the ambiguity register (``None``: the target is reached at its
    endpoint)."""
    port = SERVE_URL.rsplit(":", 1)[1]
    taken = (" --readings " + shlex.quote(",".join(f"{k}={v}" for k, v in readings.items()))
             if readings else "")
    if target_name.startswith("mutant:") or target_name in ("reference", "reference-http"):
        name = "reference" if target_name == "reference-http" else target_name
        return f"personalize-conformance serve --target {shlex.quote(name)}{taken} --port {port}"
    if target_name == "reference-progressive":
        return (f"personalize-conformance serve --target reference --progressive{taken} "
                f"--port {port}")
    if target_name in ("moto", "moto-server"):  # in-process, or on a port of the run's own
        return f"moto_server -p {port}"
    return None


def replay_of(target: Any, run_id: str | None) -> Replay:
    """The ``Replay`` of a run's target (``Target``): served first when in-process (the
    reference and its mutants with the readings they take)."""
    behaviour = getattr(getattr(target, "service", None), "behaviour", None)
    serve = serve_command(getattr(target, "name", ""), getattr(behaviour, "readings", None))
    url = SERVE_URL if serve else (target.endpoint_url or SERVE_URL)
    return Replay(url=url, region=getattr(target, "region", "us-east-1"), serve=serve,
                  prefix=f"pc{run_id}" if run_id else None)


@dataclass(frozen=True)
class Expect:
    """What the failing call should have got, for a script to decide whether the deviation
    is reproduced: ``rejected`` (with one of ``codes``; none: any error), ``accepted``, or
    ``held`` (a property of the answers no script decides)."""

    outcome: str
    codes: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class Call:
    """One call the suite made: operation, request, and the response if it succeeded."""

    operation: str
    request: dict[str, Any]
    response: dict[str, Any] | None = None


def _outputs(calls: Sequence[Call]) -> dict[str, tuple[int, str]]:
    """String value -> (index of the call that returned it, top-level response key)."""
    found: dict[str, tuple[int, str]] = {}
    for index, call in enumerate(calls):
        for key, value in (call.response or {}).items():
            if isinstance(value, str) and len(value) >= 8:
                found.setdefault(value, (index, key))
    return found


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def chain(history: Sequence[Call], failing: Call, *, whole: bool = False) -> list[Call]:
    """The calls to replay before ``failing``: those whose answers it uses, transitively.

    With ``whole``, every earlier create/put/delete call (for behavioural tests, where the
    order of earlier calls is the point).
    """
    mutating = [c for c in history if not c.operation.startswith(("Describe", "List"))]
    if whole:
        return [*mutating, failing]
    needed: list[Call] = []
    wanted = set(_strings(failing.request))
    for call in reversed(mutating):
        if call.response and wanted & set(_strings(call.response)):
            needed.insert(0, call)
            wanted |= set(_strings(call.request))
    return [*needed, failing]


def _py(node: Any, refs: dict[str, tuple[int, str]], limit: int,
        prefix: str | None = None) -> str:
    if isinstance(node, dict):
        return "{" + ", ".join(f"{k!r}: {_py(v, refs, limit, prefix)}"
                               for k, v in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(_py(v, refs, limit, prefix) for v in node) + "]"
    if isinstance(node, str) and node in refs and refs[node][0] < limit:
        index, key = refs[node]
        return f"r{index + 1}[{key!r}]"
    if isinstance(node, str):
        return _unique_py(node, prefix)
    return repr(node)


#: For a request botocore would rewrite (a wrongly typed list, object or timestamp): the
#: body is swapped in, unchanged, before the request is signed.
RAW_HELPER = [
    "",
    "import json",
    "",
    "def send_raw(client, operation, body):  # botocore would rewrite this body",
    "    data = json.dumps(body).encode()",
    "    swap = lambda request, **_: setattr(request, 'data', data)",
    "    client.meta.events.register_first('request-created', swap, unique_id='raw')",
    "    try:",
    "        return getattr(client, operation)()",
    "    finally:",
    "        client.meta.events.unregister('request-created', unique_id='raw')",
    "",
]


def _is_raw(call: Call) -> bool:
    from personalize_conformance.targets.base import RawBody

    return isinstance(call.request, RawBody)


def _http_of(operation: str) -> dict[str, Any]:
    from personalize_conformance.vectors import http_of

    return http_of(operation)


def _unique_py(text: str, prefix: str | None) -> str:
    """``text`` as Python, the run's name prefix swapped for the execution's (``U``)."""
    if not prefix or prefix not in text:
        return repr(text)
    return " + U + ".join(repr(part) for part in text.split(prefix)).replace("'' + ", "")


def boto3_snippet(calls: Sequence[Call], replay: Replay, expected: str, observed: str) -> str:
    """Python that replays ``calls`` with unmodified boto3 (validation off, no retries);
    names carry a prefix unique to each execution."""
    refs = _outputs(calls[:-1])
    services = sorted({service_of(c.operation) for c in calls})
    lines = [
        *([f"# first serve the target: {replay.serve}", ""] if replay.serve else []),
        "import secrets",
        "",
        "import boto3",
        "from botocore.config import Config",
        "",
        'config = Config(parameter_validation=False, retries={"total_max_attempts": 1})',
        f"common = dict(region_name={replay.region!r}, endpoint_url={replay.url!r}, "
        "config=config,",
        '              aws_access_key_id="testing", aws_secret_access_key="testing")',
    ]
    if replay.prefix:
        size = len(replay.prefix) - 2
        lines.append(f"U = 'pc' + secrets.token_hex({(size + 1) // 2})[:{size}]"
                     "  # names unique to this execution")
    for service in services:
        lines.append(f"{service.replace('-', '_')} = boto3.client({service!r}, **common)")
    if any(_is_raw(c) for c in calls):
        lines += RAW_HELPER
    for index, call in enumerate(calls):
        client = service_of(call.operation).replace("-", "_")
        body = _py(call.request, refs, index, replay.prefix)
        text = f"{client}.{xform_name(call.operation)}(**{body})"
        if _is_raw(call):
            text = f"send_raw({client}, {xform_name(call.operation)!r}, {body})"
        if index < len(calls) - 1:
            lines.append(f"r{index + 1} = {text}")
        else:
            lines.append(f"# expected: {expected}")
            lines.append(f"# observed: {observed}")
            lines.append(f"print({text})")
    return "\n".join(lines) + "\n"


_SHELL_SPECIAL = re.compile(r'([\\"$`])')


def _verdict_lines(expect: Expect) -> list[str]:
    """The end of a shell reproduction: exit 1 when the answer shows the deviation, 0 when
    it does not, 3 when no script can decide (a property of the answers)."""
    expected = shlex.quote(f"expected: {expect.text}")
    if expect.outcome == "rejected":
        codes = "|".join(re.escape(c) for c in expect.codes)
        match = f" && grep -qE {shlex.quote(codes)} <<<\"$OUT\"" if codes else ""
        ok = f'[ "$RC" -ne 0 ]{match}'
    elif expect.outcome == "accepted":
        ok = '[ "$RC" -eq 0 ]'
    else:
        return [f"echo {expected}; echo 'decide from the answer above'",
                f"exit {UNDECIDED}"]
    return [f"if {ok}; then echo 'not reproduced:' {expected}; exit {NOT_REPRODUCED}; fi",
            f"echo 'deviation reproduced:' {expected}", f"exit {REPRODUCED}"]


def cli_script(calls: Sequence[Call], replay: Replay, expect: Expect) -> str:
    """A bash script that replays ``calls`` with the AWS CLI (validation off by config),
    serving the target first if it ran in-process, with names unique to each execution;
    it prints what came back and exits 1 when the deviation is reproduced."""
    url = replay.url
    refs = _outputs(calls[:-1])
    lines = ["set -euo pipefail"]
    if replay.serve:
        host, port = url.rsplit("/", 1)[1].split(":")
        lines += [f"{replay.serve} & SERVER=$!",
                  'trap \'kill "$SERVER"\' EXIT',
                  f"for _ in $(seq 300); do (: <>/dev/tcp/{host}/{port}) 2>/dev/null "
                  "&& break; sleep 0.1; done"]
    if replay.prefix:
        size = len(replay.prefix) - 2
        lines.append(f"U=pc$(od -An -N{(size + 1) // 2} -tx1 /dev/urandom | tr -d ' \\n' | "
                     f"cut -c1-{size})  # names unique to this execution")
    lines += [
        "export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing",
        f"export AWS_DEFAULT_REGION={shlex.quote(replay.region)}",
        "export AWS_CONFIG_FILE=$(mktemp)",
        "printf '[default]\\nparameter_validation = false\\n' > \"$AWS_CONFIG_FILE\"",
    ]
    for index, call in enumerate(calls):
        placeholders: dict[str, str] = {}

        def swap(node: Any, index: int = index, placeholders: dict = placeholders) -> Any:
            if isinstance(node, dict):
                return {k: swap(v) for k, v in node.items()}
            if isinstance(node, list):
                return [swap(v) for v in node]
            if isinstance(node, str) and node in refs and refs[node][0] < index:
                mark = f"@@{len(placeholders)}@@"
                ref_index, key = refs[node]
                placeholders[mark] = f"$R{ref_index + 1}_{key.upper()}"
                return mark
            return node

        body = _SHELL_SPECIAL.sub(r"\\\1", json.dumps(swap(call.request)))
        for mark, var in placeholders.items():
            body = body.replace(mark, var)
        if replay.prefix:
            body = body.replace(replay.prefix, "${U}")
        command = (f"aws --endpoint-url {shlex.quote(url)} {service_of(call.operation)} "
                   f"{xform_name(call.operation, '-')} --cli-input-json \"{body}\"")
        if _is_raw(call):  # the AWS CLI would rewrite this body: curl sends it unsigned
            http = _http_of(call.operation)
            headers = " ".join(f"-H {shlex.quote(f'{k}: {v}')}" for k, v in
                               http["headers"].items())
            command = (f"curl -sS --fail-with-body -X {http['method']} "
                       f"{shlex.quote(url.rstrip('/') + http['path'])} {headers} "
                       f"--data \"{body}\"")
        used = sorted({key for v, (i, key) in refs.items() if i == index})
        if index < len(calls) - 1 and used:
            names = " ".join(f"R{index + 1}_{key.upper()}" for key in used)
            query = shlex.quote("[" + ",".join(used) + "]")
            lines += [f"OUT=$({command} --query {query} --output text)",
                      f'read -r {names} <<< "$OUT"']
        elif index < len(calls) - 1:
            lines.append(command)
        else:
            lines += ["set +e", f"OUT=$({command} 2>&1)", "RC=$?", "set -e",
                      'printf \'the target answered (exit status %s):\\n%s\\n\' "$RC" "$OUT"',
                      *_verdict_lines(expect)]
    return "\n".join(lines) + "\n"

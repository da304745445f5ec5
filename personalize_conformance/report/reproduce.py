"""Minimal reproductions of a failing call: a boto3 snippet and an AWS CLI script.

A reproduction replays the calls the failing one depends on (the dataset group and
tracker it names), feeding each answer's ARN or tracking ID into the next call by
variable rather than by the literal value seen in the run, so it works on a fresh server.
It serves a target that ran in-process first (``targets.served_by``), with names unique
to each execution; checks without stopping the steps the run saw refused; deletes what it
created; and exits 1 when the deviation reproduces, 0 when it does not, 3 when no script
can decide.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore import xform_name

from personalize_conformance.contracts import (
    operation_kind,
    operation_on,
    operation_resource,
    request_schema,
    schema,
    service_of,
)
from personalize_conformance.harness import Call
from personalize_conformance.targets import served_by
from personalize_conformance.targets.base import DEFAULT_REGION

#: Where an in-process target is served by ``personalize-conformance serve``.
SERVE_PORT = 4566
SERVE_URL = f"http://127.0.0.1:{SERVE_PORT}"
#: The exit statuses of a shell reproduction.
REPRODUCED, NOT_REPRODUCED, UNDECIDED = 1, 0, 3


@dataclass(frozen=True)
class Replay:
    """Where and how a reproduction reaches the target as it was run: its URL, region, the
    command that serves it first (an in-process target), and the run's name prefix, which a
    reproduction swaps for one unique to each execution (same length)."""

    url: str = SERVE_URL
    region: str = DEFAULT_REGION
    serve: str | None = None
    prefix: str | None = None


def replay_of(target: Any, run_id: str | None) -> Replay:
    """The ``Replay`` of a run's target (``Target``): served first when in-process (the
    reference and its mutants with the readings they take)."""
    behaviour = getattr(getattr(target, "service", None), "behaviour", None)
    serve = served_by(getattr(target, "name", ""), getattr(behaviour, "readings", None),
                      SERVE_PORT)
    url = SERVE_URL if serve else (target.endpoint_url or SERVE_URL)
    return Replay(url=url, region=getattr(target, "region", DEFAULT_REGION), serve=serve,
                  prefix=f"pc{run_id}" if run_id else None)


@dataclass(frozen=True)
class Expect:
    """What the failing call should have got, for a script to decide whether the deviation
    is reproduced: ``rejected`` (with one of ``codes``; none: any error), ``accepted``, or
    ``held`` (a property of the answers no script decides)."""

    outcome: str
    codes: tuple[str, ...] = ()
    text: str = ""


def outputs(calls: Sequence[Call]) -> dict[str, tuple[int, str]]:
    """String value -> (index of the call that returned it, top-level response key)."""
    found: dict[str, tuple[int, str]] = {}
    for index, call in enumerate(calls):
        for key, value in (call.response or {}).items():
            if isinstance(value, str) and len(value) >= 8:
                found.setdefault(value, (index, key))
    return found


def strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return [node] if isinstance(node, str) else []


def is_read(call: Call) -> bool:
    """Whether ``call`` only reads (a describe or a list)."""
    return operation_kind(call.operation) in ("describe", "list")


def chain(history: Sequence[Call], failing: Call, *, whole: bool = False,
          reads: bool = False) -> list[Call]:
    """The calls to replay before ``failing``: those whose answers it uses, transitively.

    With ``whole``, every earlier create/put/delete call (for behavioural tests, where the
    order of earlier calls is the point), and with ``reads`` the describes and lists too
    (a faulty target's state may change on a read).
    """
    mutating = [c for c in history if not is_read(c)]
    if whole:
        return [*(history if reads else mutating), failing]
    needed: list[Call] = []
    wanted = set(strings(failing.request))
    for call in reversed(mutating):
        if call.response and wanted & set(strings(call.response)):
            needed.insert(0, call)
            wanted |= set(strings(call.request))
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
    from personalize_conformance.strategies import RawBody

    return isinstance(call.request, RawBody)


def _http_of(operation: str) -> dict[str, Any]:
    from personalize_conformance.report.vectors import http_of

    return http_of(operation)


#: The shortest run id swapped on its own (where a violation changed the prefix around it).
RUN_ID_SWAPPED = 4


def _unique_parts(text: str, prefix: str | None) -> list[tuple[bool, str]]:
    """``text`` cut at the run's name prefix (``U`` in a reproduction) and at the run id
    alone (``V``: a violation may have changed the characters around it): (whether the
    part is one of those, the part or the variable)."""
    if not prefix:
        return [(False, text)]
    marks = [re.escape(prefix)]
    if len(prefix) - 2 >= RUN_ID_SWAPPED:
        marks.append(re.escape(prefix[2:]))
    parts = re.split(f"({'|'.join(marks)})", text)
    return [(True, "U") if part == prefix else (True, "V") if part == prefix[2:]
            else (False, part) for part in parts if part]


def _unique_py(text: str, prefix: str | None) -> str:
    """``text`` as Python, the run's name prefix swapped for the execution's (``U``, and
    ``V`` for the run id alone)."""
    parts = _unique_parts(text, prefix)
    if not any(mark for mark, _ in parts):
        return repr(text)
    return " + ".join(part if mark else repr(part) for mark, part in parts)


def created_by(call: Call) -> tuple[str, str] | None:
    """What deletes the resource ``call`` made, if it is a create: the delete operation
    and the member naming the resource (``CreateEventTracker``: ``DeleteEventTracker``,
    ``eventTrackerArn``)."""
    resource = operation_resource(call.operation)
    if operation_kind(call.operation) != "create" or resource is None:
        return None
    delete = operation_on(resource, "delete")
    (member,) = schema(request_schema(delete))["required"]
    return delete, member


def _shown(observed: str | Sequence[str]) -> list[str]:
    return [observed] if isinstance(observed, str) else list(observed)


def _py_head(calls: Sequence[Call], replay: Replay) -> list[str]:
    """The start of a boto3 reproduction: what serves the target, the imports, one client
    per service (validation off, no retries), the execution's names, the raw sender."""
    lines = [
        *([f"# first serve the target: {replay.serve}", ""] if replay.serve else []),
        "import secrets",
        "import sys",
        "import time",
        "",
        "import boto3",
        "from botocore.config import Config",
        "from botocore.exceptions import ClientError",
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
        lines.append("V = U[2:]")
    for service in sorted({service_of(c.operation) for c in calls}):
        lines.append(f"{service.replace('-', '_')} = boto3.client({service!r}, **common)")
    if any(_is_raw(c) for c in calls):
        lines += RAW_HELPER
    return lines


def _py_step(call: Call, index: int, last: bool, refs: dict[str, tuple[int, str]],
             prefix: str | None, shown: list[str]) -> list[str]:
    """One call of a boto3 reproduction (inside its ``try``): the failing one last, its
    answer kept (``shown``: the expected and observed comments above it); one the run saw
    accepted, its answer named for the later calls; one it saw refused, checked, not
    fatal. What a create made is kept for the deletion at the end."""
    client = service_of(call.operation).replace("-", "_")
    body = _py(call.request, refs, index, prefix)
    text = f"{client}.{xform_name(call.operation)}(**{body})"
    if _is_raw(call):
        text = f"send_raw({client}, {xform_name(call.operation)!r}, {body})"
    deleted = created_by(call)
    keep = (f"        made.append(({client}.{xform_name(deleted[0])}, {deleted[1]!r}, "
            f"{{}}.get({deleted[1]!r})))") if deleted else ""
    step = f"step {index + 1} ({call.operation})"
    if last:
        return [*shown,
                "    try:", f"        answer, refused = {text}, None",
                *([keep.replace("{}", "answer")] if keep else []),
                "    except ClientError as error:",
                "        answer, refused = error.response, error.response['Error']"
                "['Code']",
                "    print(answer)"]
    if call.response is not None:
        return [f"    r{index + 1} = {text}",
                *([keep.replace("{}", f"r{index + 1}")[4:]] if keep else [])]
    return ["    try:", f"        accepted = {text}",  # refused in the run
            *([keep.replace("{}", "accepted")] if keep else []),
            f"        print({step + ': accepted; the run saw it refused'!r})",
            "    except ClientError as error:",
            f"        print({step + ': refused, as in the run:'!r}, "
            "error.response['Error']['Code'])"]


#: The end of a boto3 reproduction's ``try``: a step the run saw accepted refused leaves
#: it undecided; what it created is deleted, newest first.
PY_CLEANUP = [
    "except ClientError as error:  # a step the run saw accepted",
    "    print('a step the run saw accepted was refused:', error)",
    f"    sys.exit({UNDECIDED})",
    "finally:",
    "    for delete, member, arn in reversed([m for m in made if m[2]]):",
    "        for _ in range(50):  # a dataset group waits for its tracker's deletion",
    "            try:",
    "                delete(**{member: arn})",
    "            except ClientError as error:",
    "                if error.response['Error']['Code'] == 'ResourceInUseException':",
    "                    time.sleep(0.2)",
    "                    continue",
    "            break",
]


def boto3_snippet(calls: Sequence[Call], replay: Replay, expected: str,
                  observed: str | Sequence[str], expect: Expect | None = None) -> str:
    """Python that replays ``calls`` with unmodified boto3 (validation off, no retries);
    names carry a prefix unique to each execution. A step the run saw refused is checked,
    not fatal; what the script created is deleted at the end; it exits 1 when the last
    answer shows the deviation ``expect`` decides, 0 when it does not (3: no script can
    decide). ``observed``: what the run saw (the shrunk example's, then the first's)."""
    expect = expect or Expect("held", text=expected)
    refs = outputs(calls[:-1])
    shown = [f"    # expected: {expected}", *(f"    # observed: {o}" for o in _shown(observed))]
    lines = [*_py_head(calls, replay),
             "made = []  # what this script created: deleted at the end, newest first", "",
             "try:"]
    for index, call in enumerate(calls):
        lines += _py_step(call, index, index == len(calls) - 1, refs, replay.prefix, shown)
    lines += [*PY_CLEANUP, *_py_verdict(expect)]
    return "\n".join(lines) + "\n"


def _py_verdict(expect: Expect) -> list[str]:
    """The end of a boto3 reproduction: exit 1 when the answer shows the deviation, 0 when
    it does not, 3 when no script can decide."""
    said = repr(f"expected: {expect.text}")
    if expect.outcome == "rejected":
        shows = (f"refused is None or refused not in {tuple(expect.codes)!r}" if expect.codes
                 else "refused is None")
    elif expect.outcome == "accepted":
        shows = "refused is not None"
    else:
        return [f"print({said}, '- decide from the answer above')",
                f"sys.exit({UNDECIDED})"]
    return [f"if {shows}:",
            f"    print('deviation reproduced:', {said})", f"    sys.exit({REPRODUCED})",
            f"print('not reproduced:', {said})", f"sys.exit({NOT_REPRODUCED})"]


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


#: The shell function a script reads a top-level string member of an answer with.
FIELD = ('field() { sed -n "s/.*\\"$1\\": *\\"\\([^\\"]*\\)\\".*/\\1/p" <<< "$2" '
         '| head -n 1; }')


def _sh_head(replay: Replay) -> list[str]:
    """The start of a shell reproduction: the AWS CLI's settings (validation off), the
    cleanup that deletes what the script made when it exits, the target served first (an
    in-process one) and the execution's names."""
    url = replay.url
    lines = [
        "set -euo pipefail", FIELD,
        "MADE=()  # what this script created: deleted when it exits, newest first",
        "export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing",
        f"export AWS_DEFAULT_REGION={shlex.quote(replay.region)}",
        "export AWS_CONFIG_FILE=$(mktemp)",
        "printf '[default]\\nparameter_validation = false\\n' > \"$AWS_CONFIG_FILE\"",
        "cleanup() {",
        "  local i",
        "  for ((i = ${#MADE[@]} - 1; i >= 0; i--)); do",
        "    for _ in $(seq 50); do  # a dataset group waits for its tracker's deletion",
        f"      if ERR=$(aws --endpoint-url {shlex.quote(url)} ${{MADE[i]}} 2>&1); then break; fi",
        "      grep -q ResourceInUseException <<< \"$ERR\" || break; sleep 0.2",
        "    done",
        "  done",
        *(['  kill "$SERVER" 2>/dev/null || true'] if replay.serve else []),
        "}",
    ]
    if replay.serve:
        host, port = url.rsplit("/", 1)[1].split(":")
        lines += [f"{replay.serve} & SERVER=$!",
                  "trap cleanup EXIT",
                  f"for _ in $(seq 300); do (: <>/dev/tcp/{host}/{port}) 2>/dev/null "
                  "&& break; sleep 0.1; done"]
    else:
        lines.append("trap cleanup EXIT")
    if replay.prefix:
        size = len(replay.prefix) - 2
        lines.append(f"U=pc$(od -An -N{(size + 1) // 2} -tx1 /dev/urandom | tr -d ' \\n' | "
                     f"cut -c1-{size})  # names unique to this execution")
        lines.append("V=${U:2}")
    return lines


def _sh_body(call: Call, index: int, refs: dict[str, tuple[int, str]],
             prefix: str | None) -> str:
    """``call``'s request as the inside of a double-quoted shell string: an earlier
    answer's value by its variable (``$R<n>_<KEY>``), the run's names by the execution's
    (``U``, ``V``), everything else escaped."""
    placeholders: dict[str, str] = {}

    def swap(node: Any) -> Any:
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

    body = json.dumps(swap(call.request))
    for mark, var in placeholders.items():
        body = body.replace(mark, f"\0{var}\0")
    if prefix:
        body = "".join(f"\0${{{part}}}\0" if mark else part
                       for mark, part in _unique_parts(body, prefix))
    return "".join(piece if n % 2 else _SHELL_SPECIAL.sub(r"\\\1", piece)
                   for n, piece in enumerate(body.split("\0")))


def _sh_command(call: Call, body: str, url: str) -> str:
    """The command that sends ``call``: the AWS CLI, or curl for a body the AWS CLI would
    rewrite (sent unsigned)."""
    if _is_raw(call):
        http = _http_of(call.operation)
        headers = " ".join(f"-H {shlex.quote(f'{k}: {v}')}" for k, v in
                           http["headers"].items())
        return (f"curl -sS --fail-with-body -X {http['method']} "
                f"{shlex.quote(url.rstrip('/') + http['path'])} {headers} "
                f"--data \"{body}\"")
    return (f"aws --endpoint-url {shlex.quote(url)} {service_of(call.operation)} "
            f"{xform_name(call.operation, '-')} --cli-input-json \"{body}\"")


def _sh_made(call: Call) -> list[str]:
    """What keeps the resource ``call`` made (if it is a create) for the cleanup."""
    deleted = created_by(call)
    if not deleted:
        return []
    op, member = deleted
    return [f'{member.upper()}=$(field {member} "$OUT")',
            f'[ -z "${member.upper()}" ] || MADE+=("{service_of(op)} '
            f'{xform_name(op, "-")} --{xform_name(member, "-")} ${member.upper()}")']


def _sh_step(call: Call, index: int, refs: dict[str, tuple[int, str]], command: str,
             ) -> list[str]:
    """One call of a shell reproduction but the last: one the run saw accepted must be
    accepted (else the script cannot decide), its answer's values kept for later calls;
    one it saw refused is checked, not fatal."""
    made = _sh_made(call)
    step = f"step {index + 1} ({call.operation})"
    if call.response is not None:
        used = sorted({key for v, (i, key) in refs.items() if i == index})
        return [f"if ! OUT=$({command} 2>&1); then",
                f"  printf '{step}: refused; the run saw it accepted:\\n%s\\n' \"$OUT\"",
                f"  exit {UNDECIDED}", "fi", *made,
                *(f'R{index + 1}_{key.upper()}=$(field {key} "$OUT")' for key in used)]
    return [f"if OUT=$({command} 2>&1); then",  # refused in the run
            f"  echo '{step}: accepted; the run saw it refused'",
            *(f"  {m}" for m in made),
            f"else echo '{step}: refused, as in the run'; fi"]


def _sh_last(call: Call, command: str, expect: Expect, observed: Sequence[str]
             ) -> list[str]:
    """The failing call of a shell reproduction: what came back, and the verdict."""
    made = _sh_made(call)
    return [f"# expected: {expect.text}", *(f"# observed: {o}" for o in observed),
            f"if OUT=$({command} 2>&1); then RC=0; else RC=$?; fi",
            *([f"if [ \"$RC\" -eq 0 ]; then {'; '.join(made)}; fi"] if made else []),
            'printf \'the target answered (exit status %s):\\n%s\\n\' "$RC" "$OUT"',
            *_verdict_lines(expect)]


def cli_script(calls: Sequence[Call], replay: Replay, expect: Expect,
               observed: Sequence[str] = ()) -> str:
    """A bash script that replays ``calls`` with the AWS CLI (validation off by config),
    serving the target first if it ran in-process, with names unique to each execution;
    a step the run saw refused is checked, not fatal; what the script created is deleted
    when it exits; it prints what came back and exits 1 when the deviation is reproduced,
    0 when it is not (3: it cannot decide). ``observed``: what the run saw."""
    refs = outputs(calls[:-1])
    lines = _sh_head(replay)
    for index, call in enumerate(calls):
        command = _sh_command(call, _sh_body(call, index, refs, replay.prefix), replay.url)
        lines += (_sh_last(call, command, expect, observed) if index == len(calls) - 1
                  else _sh_step(call, index, refs, command))
    return "\n".join(lines) + "\n"

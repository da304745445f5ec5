"""Minimal reproductions of a failing call: a boto3 snippet and an AWS CLI script.

A reproduction replays the calls the failing one depends on (the dataset group and
tracker it names), feeding each answer's ARN or tracking ID into the next call by
variable rather than by the literal value seen in the run, so it works on a fresh server.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore import xform_name

from personalize_conformance.contracts import service_of

#: Where an in-process target is served by ``personalize-conformance serve``.
SERVE_URL = "http://127.0.0.1:4566"


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


def _py(node: Any, refs: dict[str, tuple[int, str]], limit: int) -> str:
    if isinstance(node, dict):
        return "{" + ", ".join(f"{k!r}: {_py(v, refs, limit)}" for k, v in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(_py(v, refs, limit) for v in node) + "]"
    if isinstance(node, str) and node in refs and refs[node][0] < limit:
        index, key = refs[node]
        return f"r{index + 1}[{key!r}]"
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


def boto3_snippet(calls: Sequence[Call], endpoint_url: str | None, region: str,
                  expected: str, observed: str) -> str:
    """Python that replays ``calls`` with unmodified boto3 (validation off, no retries)."""
    url = endpoint_url or SERVE_URL
    refs = _outputs(calls[:-1])
    services = sorted({service_of(c.operation) for c in calls})
    lines = [
        "import boto3",
        "from botocore.config import Config",
        "",
        'config = Config(parameter_validation=False, retries={"total_max_attempts": 1})',
        f"common = dict(region_name={region!r}, endpoint_url={url!r}, config=config,",
        '              aws_access_key_id="testing", aws_secret_access_key="testing")',
    ]
    for service in services:
        lines.append(f"{service.replace('-', '_')} = boto3.client({service!r}, **common)")
    if any(_is_raw(c) for c in calls):
        lines += RAW_HELPER
    for index, call in enumerate(calls):
        client = service_of(call.operation).replace("-", "_")
        text = f"{client}.{xform_name(call.operation)}(**{_py(call.request, refs, index)})"
        if _is_raw(call):
            text = (f"send_raw({client}, {xform_name(call.operation)!r}, "
                    f"{_py(call.request, refs, index)})")
        if index < len(calls) - 1:
            lines.append(f"r{index + 1} = {text}")
        else:
            lines.append(f"# expected: {expected}")
            lines.append(f"# observed: {observed}")
            lines.append(text)
    return "\n".join(lines) + "\n"


_SHELL_SPECIAL = re.compile(r'([\\"$`])')


def cli_script(calls: Sequence[Call], endpoint_url: str | None, region: str) -> str:
    """A shell script that replays ``calls`` with the AWS CLI (validation off by config)."""
    url = endpoint_url or SERVE_URL
    refs = _outputs(calls[:-1])
    lines = [
        "export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing",
        f"export AWS_DEFAULT_REGION={shlex.quote(region)}",
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
        command = (f"aws --endpoint-url {shlex.quote(url)} {service_of(call.operation)} "
                   f"{xform_name(call.operation, '-')} --cli-input-json \"{body}\"")
        if _is_raw(call):  # the AWS CLI would rewrite this body: curl sends it unsigned
            http = _http_of(call.operation)
            headers = " ".join(f"-H {shlex.quote(f'{k}: {v}')}" for k, v in
                               http["headers"].items())
            command = (f"curl -sS -X {http['method']} {shlex.quote(url.rstrip('/') + http['path'])}"
                       f" {headers} --data \"{body}\"")
        used = sorted({key for v, (i, key) in refs.items() if i == index})
        if index < len(calls) - 1 and used:
            names = " ".join(f"R{index + 1}_{key.upper()}" for key in used)
            query = shlex.quote("[" + ",".join(used) + "]")
            lines.append(f'read -r {names} <<< "$({command} --query {query} --output text)"')
        else:
            lines.append(command)
    return "\n".join(lines) + "\n"

"""What the independent server refuses, and how: its error (:class:`Refusal`), the
character-level checks (Java's ``.`` and ``\\d``, UTF-16 lengths, tag characters) and
the member checkers of a request body (standard library only).
"""

from __future__ import annotations

import math
import re
import unicodedata

# ---------------------------------------------------------------------------- errors


class Refusal(Exception):
    """An error answer: code, message, HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def bad(message: str) -> Refusal:
    return Refusal("InvalidInputException", message)


def wrong_type(where: str, wanted: str) -> Refusal:
    return Refusal("SerializationException", f"Cannot deserialize {where}: expected {wanted}")


# ------------------------------------------------------------- character-level checks

_LINE_ENDS = "\n\r\u0085\u2028\u2029"
_ANY = "[^" + _LINE_ENDS + "]"  # Java's '.' without DOTALL

_RESOURCE_ARN = re.compile(f"arn:[a-z0-9-]+:personalize:{_ANY}*:{_ANY}*:{_ANY}+")
ROLE_ARN = re.compile(r"arn:[a-z0-9-]+:iam::[0-9]{12}:role/?[A-Za-z0-9_+=,.@/-]+")
KMS_ARN = re.compile(f"arn:aws{_ANY}*:kms:{_ANY}*:[0-9]{{12}}:key/{_ANY}*")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
DIGITS_TIME = re.compile(r"[0-9]+")  # the guide's '1553631760'
_TAG_PUNCT = frozenset("_.:/=+-@")
FLOAT32_MAX = 3.4028234663852886e38


def utf16_len(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def tag_text_ok(text: str) -> bool:
    for ch in text:
        if ch in _TAG_PUNCT:
            continue
        if unicodedata.category(ch)[0] not in ("L", "Z", "N"):
            return False
    return True


def attribution_ok(text: str) -> bool:
    printable = all(0x20 <= ord(ch) <= 0x7E for ch in text)
    return printable and any(ch != " " for ch in text)


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v) -> bool:
    return (isinstance(v, (int, float))) and not isinstance(v, bool)


# ---------------------------------------------------------------- member checkers


def present(obj: dict, key: str, where: str, need: bool) -> bool:
    """Whether ``key`` is in ``obj``; its absence refused when it is ``need``-ed."""
    if key not in obj and need:
        raise bad(f"Missing required parameter {where}")
    return key in obj


def text(obj: dict, key: str, where: str, *, need=False, most=None, least=None, shape=None):
    """A string member: present if needed, a string, within [least, most] UTF-16 units,
    matching ``shape`` (a compiled pattern, full match, or a predicate)."""
    if not present(obj, key, where, need):
        return None
    value = obj[key]
    if not isinstance(value, str):
        raise wrong_type(where, "a string")
    size = utf16_len(value)
    if most is not None and size > most:
        raise bad(f"{where} is {size} characters long; the limit is {most}")
    if least is not None and size < least:
        raise bad(f"{where} must have at least {least} character(s)")
    if shape is not None:
        fits = shape.fullmatch(value) is not None if hasattr(shape, "fullmatch") else shape(value)
        if not fits:
            raise bad(f"{where} is not in the accepted format")
    return value


def array(obj: dict, key: str, where: str, *, need=False, most=None, least=None):
    if not present(obj, key, where, need):
        return None
    value = obj[key]
    if not isinstance(value, list):
        raise wrong_type(where, "a list")
    if most is not None and len(value) > most:
        raise bad(f"{where} holds {len(value)} entries; no more than {most} are allowed")
    if least is not None and len(value) < least:
        raise bad(f"{where} needs at least {least} entr{'y' if least == 1 else 'ies'}")
    return value


def record(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise wrong_type(where, "an object")
    return value


def check_tags(body: dict, where: str, value_most: int = 256) -> list:
    tags = array(body, "tags", where)
    if tags is None:
        return []
    for n, tag in enumerate(tags):
        spot = f"{where}[{n}]"
        record(tag, spot)
        # the value first, then the key (an order of our own)
        text(tag, "tagValue", f"{spot}.tagValue", need=True, most=value_most, shape=tag_text_ok)
        text(tag, "tagKey", f"{spot}.tagKey", need=True, most=128, least=1, shape=tag_text_ok)
    if len(tags) > 200:
        raise bad(f"{where}: at most 200 tags can be applied, got {len(tags)}")
    return [{"tagKey": t["tagKey"], "tagValue": t["tagValue"]} for t in tags]


def resource_arn(body: dict, key: str, where: str, need: bool):
    return text(body, key, where, need=need, most=256, shape=_RESOURCE_ARN)


def no_constant(name):
    """``json.loads``' ``parse_constant``: NaN and Infinity are no JSON."""
    raise ValueError(f"{name} is not JSON")


#: The strings the JSON protocols write for the float values a JSON number cannot hold.
SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def float_value(value):
    """A float member as the protocols encode it: a number, or one of SPECIAL_FLOATS."""
    return SPECIAL_FLOATS.get(value, value) if isinstance(value, str) else value


def without_nulls(value):
    """A JSON value with every null member of an object dropped (read as absent), at any
    depth; a null item of a list stays (and is refused where it is found)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value

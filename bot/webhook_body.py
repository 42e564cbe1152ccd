"""A webhook's JSON body, read defensively: anything Telegram or Viber could not have sent is
refused with one exception (the webhooks answer 400), never a crash or a 500.

Refused: bodies that are not UTF-8 JSON objects, nesting deeper than any real update
(a deep array would exhaust the parser's recursion), and integers outside 64 bits (the
database stores ids as 64-bit integers).
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32
"""Real updates nest about eight deep (a callback's message's reply markup's rows)."""
_INT64 = 2**63


class BadBody(ValueError):
    pass


def _integer(text: str) -> int:
    if len(text) > 20:
        raise BadBody("an integer beyond 64 bits")
    value = int(text)
    if not -_INT64 <= value < _INT64:
        raise BadBody("an integer beyond 64 bits")
    return value


def read_json_object(body: bytes) -> dict[str, Any]:
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:  # nesting, counted before the parser recurses into it
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                raise BadBody("nested too deep")
        elif byte in (0x5D, 0x7D):
            depth -= 1
    try:
        value = json.loads(body.decode("utf-8"), parse_int=_integer)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise BadBody(type(error).__name__) from None
    if not isinstance(value, dict):
        raise BadBody("not a JSON object")
    return value

"""The sandbox's JSON answers: Starlette's ``JSONResponse``, encoded by orjson.

The bytes are exactly what Starlette's encoder writes (``json.dumps`` with
``ensure_ascii=False``, ``allow_nan=False`` and no spaces), so cassettes recorded before
stay byte-identical; orjson writes them about ten times faster (an all-products order
status, 6.6 KB: ~100 us with ``json``, ~9 us with orjson). Where the two would differ the
standard encoder writes the answer instead:

- a float under 1e-4 in magnitude: ``json`` writes ``1e-05``, orjson ``0.00001`` or
  ``1e-5``; such a number is echoed only from a request body, and its spelling in the
  output (``0.0000``, or an exponent of one digit) sends the answer to ``json``, as does
  anything else orjson spells that way (a string holding ``1e-5``: only slower);
- an integer past 64 bits, which orjson refuses, and whatever ``json`` cannot encode
  (dataclasses and datetimes are passed on to it, so it refuses them as before).

NaN and infinities ``json`` refuses (``allow_nan=False``, a 500) where orjson writes
``null``; none can reach an answer: ``parse_json`` refuses them in requests, and the
sandbox's own numbers are finite (times in milliseconds, clock offsets in range).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.responses import JSONResponse as _StarletteJSONResponse

#: A one-digit negative exponent (after a digit, ``_respelled`` checks); its literal
#: start keeps the search a fast scan (one pattern with the digit first took ~70 us).
_SHORT_EXPONENT = re.compile(rb"e-[0-9](?![0-9])")
_DIGITS = frozenset(b"0123456789")
_DIGITS_OR_POINT = frozenset(b"0123456789.")
#: What comes before a number in orjson's compact output: a key's colon, an array's
#: bracket or comma (or nothing, at the start).
_BEFORE_NUMBER = frozenset(b":,[")
#: Types orjson would encode and json refuses: left to json (``default`` is not given).
_PASS_ON = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def encode(payload: Any, *, sort_keys: bool = False) -> bytes:
    """``payload`` as Starlette's ``JSONResponse`` renders it, byte for byte; with
    ``sort_keys``, as ``json.dumps(..., sort_keys=True)`` would, keys in code-point order
    (orjson sorts UTF-8 bytes, which is the same order)."""
    option = _PASS_ON | orjson.OPT_SORT_KEYS if sort_keys else _PASS_ON
    try:
        body = orjson.dumps(payload, option=option)
    except TypeError:  # an integer past 64 bits, or a type json alone decides about
        return _standard(payload, sort_keys)
    return _standard(payload, sort_keys) if _respelled(body) else body


def _respelled(body: bytes) -> bool:
    """Whether orjson may have spelled a float unlike ``json``: a number whose fraction
    starts with four zeros, or that has a one-digit negative exponent. Text that only looks
    so inside a string (an id such as ``...5e-4b...``) is not a number and keeps the fast
    encoding; what cannot be told apart cheaply counts as respelled (only slower)."""
    at = body.find(b"0.0000")
    while at >= 0:
        if _starts_number(body, at):
            return True
        at = body.find(b"0.0000", at + 1)
    return any(
        m.start() > 0 and body[m.start() - 1] in _DIGITS and _starts_number(body, m.start())
        for m in _SHORT_EXPONENT.finditer(body)
    )


def _starts_number(body: bytes, at: int) -> bool:
    """Whether the digits (and point, and sign) before ``at`` begin where a number can."""
    while at > 0 and body[at - 1] in _DIGITS_OR_POINT:
        at -= 1
    if at > 0 and body[at - 1] == 0x2D:  # "-"
        at -= 1
    return at == 0 or body[at - 1] in _BEFORE_NUMBER


def _standard(payload: Any, sort_keys: bool = False) -> bytes:
    return json.dumps(
        payload,
        ensure_ascii=False,
        allow_nan=False,
        indent=None,
        separators=(",", ":"),
        sort_keys=sort_keys,
    ).encode("utf-8")


@dataclass(frozen=True)
class Encoded:
    """A JSON value already encoded by ``encode``: answered as it is (an answer kept by
    the store while the rows it was made of are unchanged, ``Tx.remembered``)."""

    body: bytes


class JSONResponse(_StarletteJSONResponse):
    """Starlette's ``JSONResponse``, rendered by ``encode`` (``Encoded``: as it is)."""

    def render(self, content: Any) -> bytes:
        return content.body if isinstance(content, Encoded) else encode(content)

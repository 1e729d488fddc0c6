"""What counts as a JSON document here, read the same way by the sandbox and the CLI.

Strict where Python's ``json`` is lenient or fails badly, so no input ends in a traceback
or in a value the rest cannot handle (ASM-029, ASM-036):

- nesting deeper than ``MAX_JSON_DEPTH`` (64; the cookbook's samples nest 7) is refused,
  also where Python would hit its recursion limit;
- a key twice in one object is refused, naming the key and its object's pointer (Python
  keeps the last silently);
- ``NaN``, ``Infinity``, numbers too large for a double (``1e999``) and integers of more
  digits than Python converts (4300) are refused;
- a ``\\ud800``-style escape that decodes to a lone UTF-16 surrogate is refused: it is not
  Unicode text, and no answer that echoed it could be encoded.

``read_json_file`` reads at most ``MAX_FILE_BYTES`` (8 MiB) of a file or stdin, so an
endless input (``/dev/zero``) stops at once. ``JsonError`` says what is wrong, with line
and column where the text has them.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from ._pointer import join

#: Deepest nesting of arrays and objects accepted (the cookbook's samples nest 7 levels).
MAX_JSON_DEPTH = 64
#: Largest JSON file the CLI reads (the cookbook's largest sample is ~3 KiB, the default
#: profile ~9 KiB: room for an org with thousands of offerings and sites).
MAX_FILE_BYTES = 8 << 20


class JsonError(ValueError):
    """Why a text is no JSON document we accept. ``problem`` follows a file name ("not
    JSON: ...", "nests deeper than 64 levels"); ``line`` and ``column`` (1-based) say
    where, when the text shows it."""

    def __init__(self, problem: str, line: int | None = None, column: int | None = None) -> None:
        self.problem = problem
        self.line = line
        self.column = column
        super().__init__(self.problem)

    def at(self, name: str) -> str:
        """``name:line:column: problem`` (line and column when known)."""
        parts = [name] + ([str(self.line), str(self.column)] if self.line else [])
        return f"{':'.join(parts)}: {self.problem}"

    def about(self, subject: str) -> str:
        """A sentence: ``the body is not JSON: ... (line 1, column 5)``."""
        verb = " is " if self.problem.startswith("not ") else " "
        where = f" (line {self.line}, column {self.column})" if self.line else ""
        return f"{subject}{verb}{self.problem}{where}"


def parse_json(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON value of ``text`` (bytes must be UTF-8), or ``JsonError``.

    The common case costs one parse by orjson and one walk of the value (``_quick``);
    anything that walk cannot vouch for is parsed again by Python's ``json``, each object
    checked for a key twice as it is made, and only a key twice has the text parsed a
    third time, to name the key and its object.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonError(f"not UTF-8 text (byte {exc.start})") from None
    if text.startswith("\ufeff"):  # json.loads says so too; its decoder alone does not
        raise JsonError("starts with a byte order mark (BOM): JSON has none")
    value = _quick(text, max_depth)
    return _parse_exactly(text, max_depth) if value is _UNSURE else value


_UNSURE: Any = object()
#: A key's closing quote and its colon: every key of the text is followed by one, and
#: a string may hold more (an escaped quote before a colon), never fewer.
_KEY_END = re.compile(r'"[ \t\n\r]*:')
#: Integers past 64 bits orjson reads as floats (``json`` as ints): any float this large
#: sends the text to ``json``.
_INT_AS_FLOAT = float(2**63)


def _quick(text: str, max_depth: int) -> Any:
    """The value orjson reads, when it is what ``_parse_exactly`` would return: orjson
    refuses NaN, infinities, lone surrogates and too deep nesting (left to ``json``, for
    its message), keeps the last of a key twice (seen by counting: the objects' keys are
    fewer than the text's key ends), and reads huge integers as floats (none may be that
    large). ``_UNSURE`` otherwise."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _UNSURE
    depth, keys, largest = _walk(value)
    if largest >= _INT_AS_FLOAT or depth > max_depth or not _no_key_twice(keys, text):
        return _UNSURE
    return value


def _no_key_twice(keys: int, text: str) -> bool:
    """Whether the objects read hold every key of the text: ``keys`` is at most the text's
    keys, which are at most its key ends (``_KEY_END``), which are at most its colons; equal
    to either bound, no key was written twice. Colons are counted first (a plain count;
    the values of an order hold none), key ends when strings hold colons too."""
    return keys == 0 or keys == text.count(":") or keys == len(_KEY_END.findall(text))


def _parse_exactly(text: str, max_depth: int) -> Any:
    """``parse_json`` by Python's ``json``: every refusal named."""
    try:
        value = _DECODER.decode(text)
    except _Duplicate:
        key, where = _first_duplicate(text)
        raise JsonError(f"has the key {key[:80]!r} twice in the object at {where or '/'}") from None
    except RecursionError:
        raise JsonError(f"nests deeper than {max_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise JsonError(f"not JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except _Refused as exc:
        _, line, column = _literal(text, exc.found.__eq__)
        raise JsonError(exc.problem, line, column) from None
    except ValueError:  # an integer of more digits than Python converts
        limit = sys.get_int_max_str_digits()
        digits, line, column = _literal(text, lambda t: _is_int(t) and len(t.lstrip("-")) > limit)
        raise JsonError(
            f"holds an integer of {len(digits.lstrip('-'))} digits (at most {limit} are read)",
            line,
            column,
        ) from None
    depth, _, largest = _walk(value)
    if depth > max_depth:
        raise JsonError(f"nests deeper than {max_depth} levels")
    if math.isinf(largest):
        literal, line, column = _literal(text, lambda t: not _is_int(t) and math.isinf(float(t)))
        shown = literal if len(literal) <= 20 else f"{literal[:17]}..."
        raise JsonError(f"holds a number too large for a double ({shown})", line, column)
    if "\\u" in text and _has_lone_surrogate(value):
        raise JsonError(
            "holds a lone UTF-16 surrogate escape (\\ud800-\\udfff), which is not Unicode text"
        )
    return value


class _Duplicate(Exception):
    """An object with a key twice (``_first_duplicate`` names it)."""


def _unique(items: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(items)
    if len(obj) != len(items):
        raise _Duplicate
    return obj


def _first_duplicate(text: str) -> tuple[str, str]:
    """The first key written twice in one object, and that object's pointer."""
    duplicates: list[tuple[dict[str, Any], str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items) and not duplicates:
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    duplicates.append((obj, key))
                    break
                seen.add(key)
        return obj

    value = json.loads(text, object_pairs_hook=pairs)
    obj, key = duplicates[0]
    return key, _pointer_of(value, obj)


def read_json_file(
    file: str | Path,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
    strip: Any = None,
) -> Any:
    """The JSON value of ``file`` (``-``: stdin), read bounded. ``JsonError`` naming the
    file (``<stdin>``) for anything unreadable; ``strip`` may rewrite the text first
    (``jsonc.strip_comments``)."""
    name = "<stdin>" if str(file) == "-" else str(file)
    try:
        if str(file) == "-":
            raw = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with open(file, "rb") as handle:
                raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise JsonError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise JsonError(f"{name}: a directory, not a file") from None
    except OSError as exc:
        raise JsonError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise JsonError(f"{name}: larger than {_size(max_bytes)}, the limit of a JSON input")
    try:
        text = raw.decode("utf-8")
        return parse_json(strip(text) if strip else text, max_depth=max_depth)
    except UnicodeDecodeError as exc:
        raise JsonError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    except JsonError as exc:
        raise JsonError(exc.at(name)) from None


# -- the parser's hooks ----------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, problem: str, found: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.found = found


def _constant(name: str) -> Any:
    raise _Refused(f"holds {name}, which is not JSON (no NaN or Infinity)", name)


def _literal(text: str, wanted: Callable[[str], bool]) -> tuple[str, int | None, int | None]:
    """The first number or NaN/Infinity of ``text`` outside every string that ``wanted``
    holds of, with its line and column: a string may hold the same characters (a UUID's
    ``78e519``, a name "NaN"), which are no literal. ("", None, None) when none is."""
    for found in _LITERALS.finditer(text):
        token = found.group()
        if not token.startswith('"') and wanted(token):
            at = found.start()
            line = text.count("\n", 0, at) + 1
            return token, line, at - (text.rfind("\n", 0, at) + 1) + 1
    return "", None, None


def _is_int(token: str) -> bool:
    """A JSON number without fraction or exponent (read as an int)."""
    return not any(c in token for c in ".eE") and token[-1:].isdigit()


# -- walks (iterative: deep input must not recurse) --------------------------------------


def _walk(value: Any) -> tuple[int, int, float]:
    """How deeply arrays and objects nest, how many keys the objects hold, and the largest
    magnitude of a float (infinity for ``1e999``, which the parsers read as infinity, and
    for NaN). Level by level: deep input must not recurse."""
    level, depth, keys, largest = [value], 0, 0, 0.0
    while level:
        below: list[Any] = []
        containers = False
        for node in level:
            kind = type(node)
            if kind is dict:
                containers = True
                keys += len(node)
                below.extend(node.values())
            elif kind is list:
                containers = True
                below.extend(node)
            elif kind is float:
                size = abs(node)
                if not size <= largest:  # NaN too: no comparison holds for it
                    largest = size if size == size else math.inf
        depth += containers
        level = below
    return depth, keys, largest


def _pointer_of(value: Any, target: Any) -> str:
    """The JSON pointer of the node that *is* ``target`` (identity), or ""."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, pointer = stack.pop()
        if node is target:
            return pointer
        if isinstance(node, dict):
            stack.extend((v, join(pointer, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{pointer}/{i}") for i, v in enumerate(node))
    return ""


def _has_lone_surrogate(value: Any) -> bool:
    """True when a string (or key) anywhere in the value holds a surrogate code point."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


#: What ``json.loads(text, object_pairs_hook=_unique, parse_constant=_constant)`` makes
#: anew on every call (a tenth of parsing a small body), made once.
_DECODER = json.JSONDecoder(object_pairs_hook=_unique, parse_constant=_constant)
_SURROGATE = re.compile("[\ud800-\udfff]")
#: A JSON string (skipped), a number, or a constant JSON has not: what ``_literal`` scans.
_LITERALS = re.compile(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|-?Infinity|NaN')


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n % (1 << 20) == 0 else f"{n} bytes"

"""Credentials in a cassette, wherever it holds them, found by three independent passes
(``find_credentials``):

1. **the interactions as parsed**: a header (request or response) or query parameter whose
   name says credential (``*key*``, ``*token*``, ``*secret*``, ``*auth*``, ``*passw*``,
   ``*session*``, cookies and ``Set-Cookie``), whatever its value; and every string,
   JSON bodies decoded, against the text rules below;
2. **the raw text**, line by line, so YAML comments and escapes are read too: the text
   rules (Atlassian token shapes, ``Bearer``/``Basic`` values, the profile's and the
   environment's own credentials, e-mail addresses), and in comments any
   ``name: value`` whose name says credential or any long high-entropy word;
3. **detect-secrets** (``scan_file``) with its own plugins and the harness's rule for
   Atlassian token shapes (``token_shapes.AtlassianTokenDetector``); base64 that decodes
   to JSON (the API's opaque cursors) is data, not a credential.

A finding names the interaction (1-based; 0: outside every interaction) and what was
found, never the value. A credential found by several passes is reported once.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import contextlib
import functools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from .cassettes import EMAIL, names_a_credential
from .token_shapes import ATLASSIAN_TOKEN

#: An HTTP credential with its value: 16 or more token characters, not all lower-case
#: letters (prose such as "Basic authentication"), not ``***`` (the scrubbed form).
_SCHEME_VALUE = re.compile(
    r"\b(Bearer|Basic|Digest|bearer|basic)\s+(?!\*\*\*)(?![a-z]+\b)([A-Za-z0-9+/=._~-]{16,})"
)
#: ``name: value`` or ``name=value`` with a credential's name (comments only: bodies have
#: harmless keys such as ``planKey``), found by ``_named_values``. The name is a whole run
#: of word characters and hyphens holding one of the words, taken whole (possessive) from
#: where the run starts (the lookbehind): the work is linear in the comment, where a name
#: that backtracked around its word took minutes for a 4 KB ``keykeykey...``.
_NAME_AND_VALUE = (
    r"((?=[\w-]*?(?:key|token|secret|passw|auth|cookie|session))[\w-]++)['\"]?\s*[:=]\s*"
    r"['\"]?(?!\*\*\*)([A-Za-z0-9+/=._~-]{8,})"
)
_NAMED_VALUE = re.compile(r"(?i)(?<![\w-])" + _NAME_AND_VALUE)
#: The same, where a run of name characters goes on right after the last value (a value
#: ends before a letter such as "é" that a name may hold but a value not).
_NAMED_VALUE_HERE = re.compile(r"(?i)" + _NAME_AND_VALUE)
_NAME_CHAR = re.compile(r"[\w-]")
_WORD = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
#: Bits per character above which a long word in a comment is taken for a token.
_ENTROPY = 3.5


@dataclass(frozen=True)
class Finding:
    """One credential (or personal address) in a cassette: where, and what it is. The
    value is kept to report a value found by several passes once; never shown."""

    interaction: int
    what: str
    value: str = field(repr=False)

    @property
    def message(self) -> str:
        return f"holds {self.what}"


def find_credentials(
    path: Path,
    text: str,
    interactions: list[Any],
    known: Iterable[str] = (),
    *,
    allowed_emails: Iterable[str] = (),
) -> list[Finding]:
    """Every credential-looking thing in a cassette that parsed as ``interactions``."""
    known = tuple(k for k in known if k)
    allowed = frozenset(allowed_emails)
    found: list[Finding] = []
    for number, interaction in enumerate(interactions, start=1):
        found += _parsed(number, interaction, known, allowed)
    starts, numbers = _interaction_spans(text)

    def interaction_at(line_number: int) -> int:
        return numbers[bisect.bisect_right(starts, line_number) - 1]

    for line_number, line in enumerate(text.splitlines(), start=1):
        found += _raw(interaction_at(line_number), line_number, line, known, allowed)
    for line_number, kind, value in _detect_secrets(path):
        what = f"a {kind} (line {line_number}, detect-secrets)"
        found.append(Finding(interaction_at(line_number), what, value))
    unique: list[Finding] = []
    for finding in found:
        # The same value, or a part of it (``Bearer x`` and ``x``), is reported once: as
        # the pass that found it first names it.
        if not any(
            f.interaction == finding.interaction and _same_value(f.value, finding.value)
            for f in unique
        ):
            unique.append(finding)
    return sorted(unique, key=lambda f: f.interaction)


# -- 1: the interactions as parsed ------------------------------------------------------


def _parsed(
    number: int, interaction: Any, known: tuple[str, ...], allowed: frozenset[str]
) -> Iterator[Finding]:
    if not isinstance(interaction, dict):
        return
    # In this order, as a value is reported once: the profile's own credentials (named as
    # such, whichever header holds one), then names that say credential, then shapes.
    strings = list(_strings(interaction))
    for string in strings:
        yield from _text_rules(number, string, known, allowed, shapes=False)
    for side in ("request", "response"):
        message = interaction.get(side)
        headers = message.get("headers") if isinstance(message, dict) else None
        for name, value in (headers or {}).items() if isinstance(headers, dict) else ():
            if names_a_credential(str(name)):
                yield Finding(number, f"a credential: {name} header ({side})", _key(value))
    request = interaction.get("request")
    uri = request.get("uri") if isinstance(request, dict) else None
    if isinstance(uri, str) and unquote_plus(uri) != uri:
        # A credential in a path segment or a query value is percent-encoded there.
        yield from _text_rules(number, unquote_plus(uri), known, allowed, shapes=False)
    if isinstance(uri, str):
        # The query by hand: urlsplit refuses some URIs ("[" in the host) a cassette may hold.
        query = uri.partition("?")[2].partition("#")[0]
        for name, value in parse_qsl(query, keep_blank_values=True):
            if value != "***" and (names_a_credential(name) or name.lower() in ("sig", "code")):
                yield Finding(number, f"a credential: query parameter {name[:40]}", _key(value))
    for string in strings:
        yield from _text_rules(number, string, (), allowed)


def _strings(value: Any) -> Iterator[str]:
    """Every string in a parsed interaction, and in each JSON body's decoded value."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, bytes):
            node = node.decode("utf-8", "replace")
        if isinstance(node, str):
            yield node
            if node[:1] in ("{", "["):
                with contextlib.suppress(ValueError, RecursionError):
                    stack.append(json.loads(node))
        elif isinstance(node, dict):
            stack.extend(str(k) for k in node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


# -- 2: the raw text --------------------------------------------------------------------


def _raw(
    number: int, line_number: int, line: str, known: tuple[str, ...], allowed: frozenset[str]
) -> Iterator[Finding]:
    yield from _text_rules(number, line, known, allowed, f" (line {line_number})")
    comment = _comment(line)
    if comment is None:
        return
    for match in _named_values(comment):
        yield Finding(
            number,
            f"a credential: {match[1][:40]} in a comment (line {line_number})",
            _key(match[2]),
        )
    for word in _WORD.findall(comment):
        if _entropy(word) > _ENTROPY:
            yield Finding(
                number, f"a token-like word in a comment (line {line_number})", _key(word)
            )


def _named_values(comment: str) -> Iterator[re.Match[str]]:
    """Each ``name: value`` of a credential's name in ``comment``, as ``re.finditer`` of
    the backtracking pattern found them, in linear time (``_NAMED_VALUE``)."""
    at = 0
    while True:
        match = None
        if 0 < at < len(comment) and _NAME_CHAR.match(comment, at):
            match = _NAMED_VALUE_HERE.match(comment, at)  # a name that goes on from a value
        match = match or _NAMED_VALUE.search(comment, at)
        if match is None:
            return
        yield match
        at = match.end()


def _comment(line: str) -> str | None:
    """The text of a YAML comment on the line (a ``#`` at its start or after a space,
    outside quotes), or None."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[i + 1 :]
    return None


def _text_rules(
    number: int,
    text: str,
    known: tuple[str, ...],
    allowed: frozenset[str],
    where: str = "",
    *,
    shapes: bool = True,
) -> Iterator[Finding]:
    """The profile's or environment's credentials in ``text``; with ``shapes``, also
    Atlassian tokens, HTTP credentials with their value and e-mail addresses."""
    for secret in known:
        if secret in text:
            yield Finding(
                number, "a credential of the profile or environment" + where, _key(secret)
            )
    if not shapes:
        return
    for match in ATLASSIAN_TOKEN.finditer(text):
        yield Finding(number, f"an Atlassian token ({match[0][:5]}...){where}", _key(match[0]))
    for match in _SCHEME_VALUE.finditer(text):
        yield Finding(number, f"a credential: {match[1]} ...{where}", _key(match[2]))
    for email in EMAIL.findall(text) if "@" in text else ():
        if email not in allowed:
            yield Finding(number, f"an e-mail address: {email}", _key(email))


def _entropy(word: str) -> float:
    counts = Counter(word)
    return -sum(n / len(word) * math.log2(n / len(word)) for n in counts.values())


def _interaction_spans(text: str) -> tuple[list[int], list[int]]:
    """Where each part of the file begins (1-based lines) and which interaction it is (0:
    none). vcrpy writes each interaction as ``- request:`` at the start of a line, inside
    the top-level ``interactions:``; any other top-level key ends the last one."""
    starts, numbers, count = [0], [0], 0
    for n, line in enumerate(text.splitlines(), start=1):
        if line.startswith("- "):
            count += 1
            starts.append(n)
            numbers.append(count)
        elif line[:1].isalpha():
            starts.append(n)
            numbers.append(0)
    return starts, numbers


# -- 3: detect-secrets -------------------------------------------------------------------


def _detect_secrets(path: Path) -> Iterator[tuple[int, str, str]]:
    """(line, kind, value) of what detect-secrets finds in the file."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import transient_settings

    with transient_settings(_detect_secrets_settings()):
        # detect-secrets caches its table of plugins from the settings it first saw: ours
        # must be in it for the scan, and out of it afterwards (its default_settings()
        # enables every plugin in the table).
        get_mapping_from_secret_type_to_class.cache_clear()
        try:
            found = [(s.line_number, s.type, s.secret_value or "") for s in scan_file(str(path))]
        finally:
            get_mapping_from_secret_type_to_class.cache_clear()
    yield from found


@functools.cache
def _detect_secrets_settings() -> dict[str, Any]:
    """detect-secrets' default plugins and the harness's, and the harness's filter (worked
    out once: ~0.6 ms, of a small file's ~13 ms scan)."""
    from detect_secrets.settings import default_settings

    with default_settings() as defaults:
        plugins = [{"name": name, **config} for name, config in defaults.plugins.items()]
    shapes = Path(__file__).with_name("token_shapes.py").resolve()
    return {
        "plugins_used": [*plugins, {"name": "AtlassianTokenDetector", "path": f"file://{shapes}"}],
        "filters_used": [{"path": f"{__name__}.is_encoded_data"}],
    }


def is_encoded_data(secret: str) -> bool:
    """detect-secrets filter: base64 (or base64url) of a JSON document is data, not a
    credential (the API's opaque cursors)."""
    # detect-secrets may keep an escape's backslash at the end of the value.
    text = re.sub(r"[^A-Za-z0-9+/_=-].*$", "", secret)
    padded = text + "=" * (-len(text) % 4)
    for decode in (base64.urlsafe_b64decode, base64.b64decode):
        try:
            value = json.loads(decode(padded).decode("utf-8"))
        except (binascii.Error, ValueError, RecursionError):
            continue
        if isinstance(value, dict | list):
            return True
    return False


def _same_value(a: str, b: str) -> bool:
    """Equal, or one a part of the other when both are long enough to be a credential."""
    return a == b or (min(len(a), len(b)) >= 8 and (a in b or b in a))


def _key(value: Any) -> str:
    """The value as found, for comparing findings (a header's value may be a list)."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return str(value)

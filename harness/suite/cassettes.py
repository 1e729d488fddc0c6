"""Cassettes: one per scenario, recorded with vcrpy, scrubbed, replayed offline.

What goes into a cassette is scrubbed on the way in (and the same scrubbing is applied to
live requests before matching, so replay matches what was recorded):

- the base URL (its host and ephemeral port) becomes ``http://sandbox.invalid``;
- every header named like a credential (``Authorization``, ``Cookie``, ``Set-Cookie``,
  ``X-Api-Key``, ...: ``CREDENTIAL_NAME``) is dropped, a query parameter named like one
  keeps ``***`` as its value, e-mail addresses in headers and bodies become
  ``redacted@example.invalid``, and any known secret becomes ``***``;
- volatile response headers (``date``, ``server``) are dropped.

Requests match on method, path, query and JSON body; identical requests (status polls)
replay in the order they were recorded, each once.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import yaml

from harness.contracts import find_operation, join_pointer

from .naming import Naming, NamingError

if TYPE_CHECKING:  # vcrpy is imported when a run records or replays (not in live mode)
    import vcr
    from vcr.request import Request

#: The base URL every cassette is recorded against, whatever host and port served it.
RECORDED_BASE_URL = "http://sandbox.invalid"
REDACTED_EMAIL = "redacted@example.invalid"
#: A character of an e-mail address as a cassette holds it: any letter or digit (an org's
#: addresses may be internationalised: ``Ünï@bücher.example``), what the ASCII local part
#: may hold (``o'brien``), and a JSON ``\uXXXX`` escape of one (httpx sends JSON in ASCII).
_MAIL_CHAR = r"(?:[\w%+'-]|\\u[0-9a-fA-F]{4})"
#: An e-mail address: every one is redacted from a cassette, and the check finds any left.
#: Its parts are bounded as RFC 5321 bounds them (a local part of 64 characters, a domain
#: of 255; no two dots in a row), so a search is linear in the text: unbounded, a 20 KB
#: word after an "@" took 15 s, a response body of a megabyte hours.
EMAIL = re.compile(
    rf"{_MAIL_CHAR}(?:{_MAIL_CHAR}|\.(?={_MAIL_CHAR})){{0,63}}"
    rf"@{_MAIL_CHAR}(?:{_MAIL_CHAR}|\.(?={_MAIL_CHAR})){{0,252}}"
    r"\.(?:[^\W\d_]|\\u[0-9a-fA-F]{4}){2,}"
)
#: Credentials, and what varies by run or machine (the host header holds the port).
_DROPPED_REQUEST_HEADERS = (
    "authorization",
    "authentication",
    "cookie",
    "user-agent",
    "host",
    "connection",
    "accept-encoding",
)
_DROPPED_RESPONSE_HEADERS = ("date", "server", "set-cookie")
#: A header or query parameter name that says it carries a credential (``*key*``,
#: ``*token*``, ``*secret*``, ``*auth*``, cookies, sessions, passwords).
CREDENTIAL_NAME = re.compile(r"(?i)key|token|secret|auth|cookie|session|passw|credential")
#: Names that match but carry no credential: a 401's challenge names schemes and a realm.
HARMLESS_NAMES = frozenset({"www-authenticate"})


def names_a_credential(name: str) -> bool:
    return bool(CREDENTIAL_NAME.search(name)) and name.lower() not in HARMLESS_NAMES


#: Paths that are never recorded: the sandbox's own control endpoints.
CONTROL_PREFIX = "/_sandbox/"


class Scrubber:
    """Rewrites requests and responses before they are recorded or matched."""

    def __init__(self, base_url: str, secrets: Iterable[str] = ()) -> None:
        self.base_url = base_url.rstrip("/")
        self.secrets = tuple(s for s in secrets if s)

    def text(self, text: str) -> str:
        if self.base_url != RECORDED_BASE_URL:
            text = text.replace(self.base_url, RECORDED_BASE_URL)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        if "@" not in text:  # most bodies: no address, and no scan of them
            return text
        return EMAIL.sub(
            lambda m: REDACTED_EMAIL if m.group(0) != REDACTED_EMAIL else m.group(0), text
        )

    def request(self, request: Request) -> Request | None:
        if CONTROL_PREFIX in request.path:
            return None
        request = copy.deepcopy(request)
        request.uri = _scrub_query(self.text(request.uri))
        for name in list(request.headers):
            if name.lower() in _DROPPED_REQUEST_HEADERS or names_a_credential(name):
                del request.headers[name]
            else:
                request.headers[name] = self.text(str(request.headers[name]))
        if request.body:
            request.body = self.text(_as_text(request.body))
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        response = copy.deepcopy(response)
        headers = response.get("headers", {})
        for name in list(headers):
            if name.lower() in _DROPPED_RESPONSE_HEADERS or names_a_credential(name):
                del headers[name]
            else:
                headers[name] = [self.text(str(v)) for v in headers[name]]
        body = response.get("body", {})
        if body.get("string"):
            # vcrpy runs this on recording and on loading a cassette: keep the body's type.
            text = self.text(_as_text(body["string"]))
            body["string"] = text.encode("utf-8") if isinstance(body["string"], bytes) else text
            if "content-length" in headers:
                headers["content-length"] = [str(len(text.encode("utf-8")))]
        return response


def json_body(r1: Request, r2: Request) -> None:
    """vcrpy matcher: the bodies are equal as JSON (or byte for byte when not JSON). vcrpy
    gives it the request sent and a recorded one; its message, which vcrpy shows when no
    recorded request matches, names where they differ by JSON pointer."""
    sent, recorded = _parsed(r1.body), _parsed(r2.body)
    if sent != recorded:
        found = list(differences(recorded, sent))
        said = "; ".join(f"{_clip(at)}: recorded {was}, sent {now}" for at, was, now in found[:3])
        more = f"; and {len(found) - 3} more" if len(found) > 3 else ""
        raise AssertionError(f"the body differs at {said}{more}")


#: A field one JSON value has and the other lacks (``differences``).
ABSENT: Any = type("_Absent", (), {"__repr__": lambda self: "(absent)"})()


def differences(a: Any, b: Any, pointer: str = "") -> Iterator[tuple[str, str, str]]:
    """Where two JSON values differ, leaf by leaf: (JSON pointer, ``a`` there, ``b``
    there), each value shown short (``ABSENT`` where one lacks the field)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys(), key=str):
            at = join_pointer(pointer, key)
            yield from differences(a.get(key, ABSENT), b.get(key, ABSENT), at)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from differences(x, y, join_pointer(pointer, i))
    elif a != b:
        yield pointer or "/", show_value(a), show_value(b)


def show_value(value: Any) -> str:
    """A JSON value in at most 80 characters (``(absent)`` for ``ABSENT``)."""
    return _clip(repr(value) if value is ABSENT else json.dumps(value, sort_keys=True))


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def make_vcr(
    *,
    record_mode: str,
    base_url: str,
    secrets: Iterable[str] = (),
    naming: Naming | None = None,
) -> vcr.VCR:
    """A VCR in one of vcrpy's record modes: ``none`` only replays, ``all`` rewrites the
    cassette, ``once`` and ``new_episodes`` as vcrpy defines them. A cassette it writes
    for a run that names things afresh (``naming.fresh``) says so (``inspect_cassette``)."""
    import vcr

    scrubber = Scrubber(base_url, secrets)
    recorder = vcr.VCR(
        record_mode=record_mode,
        match_on=("method", "path", "query", "json_body"),
        before_record_request=scrubber.request,
        before_record_response=scrubber.response,
        decode_compressed_response=True,
        serializer="harness",
    )
    recorder.register_matcher("json_body", json_body)
    recorder.register_serializer("harness", _Serializer(naming))
    return recorder


#: The key of a cassette that says how its run named what it made (``inspect_cassette``).
NAMING_KEY = "naming"


class _Serializer:
    """vcrpy's YAML serializer, adding ``naming: {runId, sitePrefix}`` to a cassette that a
    run with fresh names (ASM-034) wrote: replay must send the names it recorded."""

    def __init__(self, naming: Naming | None) -> None:
        self.naming = naming

    def deserialize(self, cassette_string: str) -> Any:
        from vcr.serializers import yamlserializer

        return yamlserializer.deserialize(cassette_string)

    def serialize(self, cassette_dict: dict[str, Any]) -> str:
        from vcr.serializers import yamlserializer

        if self.naming is not None and self.naming.fresh:
            named = {"runId": self.naming.run_id, "sitePrefix": self.naming.prefix}
            cassette_dict = {**cassette_dict, NAMING_KEY: named}
        return str(yamlserializer.serialize(cassette_dict))


def _naming_of(named: Any) -> Naming | None:
    """The names a cassette's ``naming`` value says its run gave (None: it has none, the
    deterministic names). ``NamingError`` when it is no run id and site prefix."""
    if named is None:
        return None
    if not isinstance(named, dict) or not {"runId", "sitePrefix"} <= set(named):
        raise NamingError(f"'{NAMING_KEY}' must be {{runId: ..., sitePrefix: ...}}")
    return Naming(str(named["sitePrefix"]), str(named["runId"]))


def cassette_path(cassette_dir: Path, feature_file: str, scenario_name: str) -> Path:
    """``cassettes/<feature>/<scenario slug>.yaml``."""
    return cassette_dir / Path(feature_file).stem / f"{slug(scenario_name)}.yaml"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:120]


#: The largest cassette file read (the committed ones are a few KiB; a scenario's is well
#: under a MiB).
MAX_CASSETTE_BYTES = 8 << 20


class CassetteFile(NamedTuple):
    """A cassette file as read (``read_cassette``): its text, its interactions and the value
    of its ``naming`` key (None when it has none)."""

    text: str
    interactions: list[dict[str, Any]]
    naming: Any


def read_cassette(path: Path) -> CassetteFile:
    """A cassette file (vcrpy's YAML format), read bounded and safely
    (``load_yaml_safely``); ``ValueError`` or ``yaml.YAMLError`` saying why not."""
    text, data = _read(path)
    interactions = _interactions(data)
    return CassetteFile(text, interactions, data.get(NAMING_KEY))


def _interactions(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise ValueError("not a vcrpy cassette (no 'interactions' list)")
    return data["interactions"]


def _read(path: Path) -> tuple[str, Any]:
    """The text of a cassette file and its YAML, read bounded and safely."""
    with path.open("rb") as file:
        raw = file.read(MAX_CASSETTE_BYTES + 1)
    if len(raw) > MAX_CASSETTE_BYTES:
        raise ValueError(f"larger than {MAX_CASSETTE_BYTES >> 20} MiB")
    text = raw.decode("utf-8")
    return text, load_yaml_safely(text)


class Inspection(NamedTuple):
    """A cassette file judged from one read (``inspect_cassette``)."""

    #: Why vcrpy could not replay it as the harness reads it, in one line; None if it can.
    problem: str | None
    #: How the run that recorded it named what it made, if afresh (run id and site
    #: prefix); None for the deterministic names, or when it has a problem.
    naming: Naming | None
    #: The file as read; None when it did not parse.
    read: CassetteFile | None


def inspect_cassette(path: Path, org_id: str | None = None) -> Inspection:
    """The cassette file at ``path`` from one read: why vcrpy could not replay it as the
    harness reads it (``read_cassette``: bounded, UTF-8, no alias, no Python tag; every
    interaction a request/response pair; a readable ``naming``; with ``org_id``, no request
    for another org: ``other_org``), its recorded naming, and what was read."""
    try:
        read = read_cassette(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
        return Inspection(f"does not parse: {load_error(exc)}", None, None)
    for number, interaction in enumerate(read.interactions, start=1):
        shape = pair_problem(interaction)
        if shape:
            problem = f"interaction {number} is not a request/response pair: {shape}"
            return Inspection(problem, None, read)
    try:
        naming = _naming_of(read.naming)
    except NamingError as exc:
        return Inspection(f"{NAMING_KEY}: {exc}", None, read)
    if org_id is not None:
        found = other_org(read.interactions, org_id)
        if found is not None:
            return Inspection(f"interaction {found[0]}: {found[1]}", None, read)
    return Inspection(None, naming, read)


def other_org(interactions: Iterable[Any], org_id: str) -> tuple[int, str] | None:
    """The first interaction (1-based) whose request names an org other than ``org_id``
    (an operation's ``orgId`` path parameter), and what to say of it; None when none does.
    Such a cassette was recorded for another org: replaying it with this org's profile
    matches none of its requests. The one check of it: replay and ``cassettes check``."""
    for number, interaction in enumerate(interactions, start=1):
        request = interaction.get("request") if isinstance(interaction, dict) else None
        if not isinstance(request, dict):
            continue
        method, uri = request.get("method"), request.get("uri")
        match = (
            find_operation(method, uri)
            if isinstance(method, str) and isinstance(uri, str)
            else None
        )
        named = match.path_params.get("orgId") if match is not None else None
        if named is not None and named != org_id:
            return number, f"recorded for org {_short(named)!r}, not the profile's {org_id!r}"
    return None


def naming_problem(read: CassetteFile) -> str | None:
    """What is wrong with the names a cassette says its run gave (its ``naming``)."""
    try:
        _naming_of(read.naming)
    except NamingError as exc:
        return f"{NAMING_KEY}: {exc}"
    return None


def load_error(exc: BaseException) -> str:
    """What ``read_cassette`` refused, in one line (with the line and column of YAML's)."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 (byte {exc.start})"
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        return where + _one_line(exc.problem or exc)
    return _one_line(exc)


def pair_problem(interaction: Any) -> str | None:
    """What keeps an interaction from being vcrpy's request/response pair, or None."""
    if not isinstance(interaction, dict):
        return "not a mapping"
    request, response = interaction.get("request"), interaction.get("response")
    if not isinstance(request, dict) or not isinstance(response, dict):
        return "no request or no response mapping"
    if not isinstance(request.get("method"), str) or not isinstance(request.get("uri"), str):
        return "the request has no method or uri text"
    status = response.get("status")
    code = status.get("code") if isinstance(status, dict) else None
    if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 599:
        return "the response has no status code"
    if not isinstance(response.get("body") or {}, dict):
        return "the response body is not a mapping"
    for side in (request, response):
        headers = side.get("headers")
        if headers is not None and not isinstance(headers, dict):
            return "headers are not a mapping"
    return None


def load_interactions(path: Path) -> list[dict[str, Any]]:
    """The interactions of a cassette file (``read_cassette``)."""
    return read_cassette(path).interactions


def load_yaml_safely(text: str, *, max_depth: int = 64) -> Any:
    """YAML as ``yaml.safe_load`` reads it, refusing aliases (a 'billion laughs' file
    expands on use) and nesting deeper than ``max_depth`` (PyYAML composes recursively):
    ``yaml.YAMLError`` saying which.

    With libyaml (PyYAML's usual wheels), its parser's events are checked first, then it
    loads the text: ~0.7 ms for a 8 KB cassette where the pure-Python loader takes ~7 ms,
    and replay reads every cassette before vcrpy does. What it refuses is read again by
    the pure-Python loader, whose error says where a file cut short ends."""
    if getattr(yaml, "__with_libyaml__", False):
        try:
            _check_events(yaml.parse(text, Loader=yaml.CSafeLoader), max_depth)
            return yaml.load(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            pass  # refused: in the pure-Python loader's words and place, which say more
    loader = _BoundedLoader(text)
    loader.max_depth = max_depth
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _check_events(events: Iterable[yaml.Event], max_depth: int) -> None:
    """Refuse an alias, or nesting deeper than ``max_depth``, as ``_BoundedLoader`` does."""
    depth = 0
    for event in events:
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "holds a YAML alias (cassettes have none)", event.start_mark
            )
        if isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.NodeEvent):  # a scalar is a level too, as composed
            if depth + 1 > max_depth:
                raise yaml.composer.ComposerError(
                    None, None, f"nests deeper than {max_depth} levels", event.start_mark
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses aliases and counts how deep it composes."""

    max_depth = 64
    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "holds a YAML alias (cassettes have none)", event.start_mark
            )
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nests deeper than {self.max_depth} levels",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _scrub_query(uri: str) -> str:
    """The URI with the value of each query parameter named like a credential as ``***``."""
    try:
        parts = urlsplit(uri)
    except ValueError:  # not a URL httpx would have sent; nothing to scrub
        return uri
    if not parts.query:
        return uri
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(names_a_credential(name) for name, _ in pairs):
        return uri
    query = urlencode([(n, "***" if names_a_credential(n) else v) for n, v in pairs], safe="*")
    return urlunsplit(parts._replace(query=query))


def _as_text(body: Any) -> str:
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)


def _parsed(body: Any) -> Any:
    if not body:
        return None
    text = _as_text(body)
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        # Nested beyond what Python's reader takes: compared as text.
        return text


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) < 200 else text[:197] + "..."

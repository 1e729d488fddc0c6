"""The operations of the OpenAPI document: find one for a method and URL, validate its messages."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any
from urllib.parse import unquote, urlsplit

from . import _schemas, cookbook
from ._pointer import resolve
from ._violation import Violation

_MISSING: Any = object()


class SideEffect(IntEnum):
    """What sending an operation does to the org, in increasing order of consequence
    (``x-side-effect`` of each operation in ``openapi.yaml``).

    - ``READ_ONLY``: nothing changes (every GET, and the workspaces query, a POST: ASM-033);
    - ``PROVISIONING``: creates a site, a product instance or an app installation;
    - ``ORDERS``: places an order: real subscriptions, real money.
    """

    READ_ONLY = 0
    PROVISIONING = 1
    ORDERS = 2

    @property
    def label(self) -> str:
        """The name used in ``openapi.yaml``, the Gherkin tags and messages."""
        return self.name.lower().replace("_", "-")

    @classmethod
    def of(cls, label: str) -> SideEffect:
        """The side effect named ``label`` (``read-only``, ``provisioning``, ``orders``)."""
        for effect in cls:
            if effect.label == label:
                return effect
        raise ValueError(f"unknown side effect {label!r}: one of {', '.join(e.label for e in cls)}")


@dataclass(frozen=True)
class Parameter:
    """A path, query or header parameter and the schema URI its value must match."""

    name: str
    where: str  # path | query | header
    required: bool
    schema: dict[str, Any]

    @functools.cached_property
    def schema_key(self) -> str:
        """The schema's canonical text, which keys its validators (``validate_inline``):
        worked out once, not on every request checked."""
        return _schemas.inline_key(self.schema)


@dataclass(frozen=True)
class Operation:
    """One operation of the contracts, e.g. ``orders.place`` on ``/commerce/api/v2/orders``.

    ``id`` is the OpenAPI ``operationId`` (``orders.place.v1`` for the v1 path, erratum
    ERR-005); ``name`` is the cookbook README's id, the same for both order paths.
    ``side_effect`` is what sending it does to the org (``SideEffect``).
    """

    id: str
    method: str
    path: str
    summary: str
    security: tuple[str, ...] = field(repr=False)
    parameters: tuple[Parameter, ...] = field(repr=False)
    request_schema: str | None = field(repr=False)
    request_required: bool = field(repr=False)
    responses: Mapping[str, str | None] = field(repr=False)  # status -> schema URI
    pattern: re.Pattern[str] = field(repr=False)
    side_effect: SideEffect = SideEffect.ORDERS

    @property
    def name(self) -> str:
        return self.id.removesuffix(".v1")

    def response_schema(self, status: int) -> str | None:
        """The schema URI of a response with this status (``default`` when not listed)."""
        return self.responses.get(str(status), self.responses.get("default"))

    def url(self, base_url: str, **params: str) -> str:
        """The concrete URL, each path parameter percent-encoded as one segment."""
        from urllib.parse import quote

        path = self.path
        for name, value in params.items():
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        return base_url.rstrip("/") + path


@dataclass(frozen=True)
class Match:
    """An operation found for a concrete URL, with its decoded path parameters."""

    operation: Operation
    path_params: Mapping[str, str]


@functools.cache
def operations() -> tuple[Operation, ...]:
    """Every operation of the OpenAPI document, in document order."""
    doc = _schemas.openapi_document()
    default_security = _security_names(doc.get("security", []))
    found = []
    for path, item in doc["paths"].items():
        shared = item.get("parameters", [])
        for method in ("get", "post", "put", "patch", "delete"):
            if method not in item:
                continue
            op = item[method]
            params = tuple(_parameter(doc, raw) for raw in [*shared, *op.get("parameters", [])])
            body = op.get("requestBody")
            found.append(
                Operation(
                    id=op["operationId"],
                    method=method.upper(),
                    path=path,
                    summary=op.get("summary", ""),
                    security=_security_names(op["security"])
                    if "security" in op
                    else default_security,
                    parameters=params,
                    request_schema=_media_schema(doc, body) if body else None,
                    request_required=bool(body and body.get("required")),
                    responses={
                        status: _media_schema(doc, response)
                        for status, response in op.get("responses", {}).items()
                    },
                    pattern=_path_pattern(path),
                    side_effect=SideEffect.of(op["x-side-effect"]),
                )
            )
    return tuple(found)


@functools.cache
def operation(operation_id: str) -> Operation:
    """The operation with this ``operationId``; KeyError names it when unknown."""
    for op in operations():
        if op.id == operation_id:
            return op
    raise KeyError(f"no operation {operation_id!r} in the contracts")


def find_operation(method: str, url: str) -> Match | None:
    """The operation a request is for, from its method and concrete URL (or path).

    Path parameters are matched on the raw, percent-encoded path, so a product ARI
    (``ari%3Acloud%3Ajira-software%3A%3Asite%2F...``) is one segment, and are returned
    decoded. A URL that does not parse matches nothing.
    """
    raw_path = _raw_path(url)
    if raw_path is None:
        return None
    # Remembered for the paths asked about last (a server looks up each request, a tenth
    # of a read's time; a client the same paths again and again), short ones only.
    find = _find_remembered if len(raw_path) <= 512 else _find
    found = find(method.upper(), raw_path)
    return None if found is None else Match(found[0], dict(found[1]))


def _find(method: str, raw_path: str) -> tuple[Operation, tuple[tuple[str, str], ...]] | None:
    """The operation and decoded path parameters of a method and raw path."""
    for op in _by_method().get(method, ()):
        found = op.pattern.fullmatch(raw_path)
        if found:
            return op, tuple((k, unquote(v)) for k, v in found.groupdict().items())
    return None


_find_remembered = functools.lru_cache(maxsize=1024)(_find)


@functools.cache
def _by_method() -> dict[str, tuple[Operation, ...]]:
    table: dict[str, list[Operation]] = {}
    for op in operations():
        table.setdefault(op.method, []).append(op)
    return {method: tuple(ops) for method, ops in table.items()}


def side_effect(method: str, url: str) -> SideEffect:
    """What sending ``method url`` would do to the org. A request the contracts do not know
    counts as a read when it is a GET, HEAD or OPTIONS, and as an order otherwise: what
    it does is unknown, so it is judged by the worst case."""
    match = find_operation(method, url)
    if match is not None:
        return match.operation.side_effect
    return SideEffect.READ_ONLY if method.upper() in _READS else SideEffect.ORDERS


_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def path_allows(url: str) -> tuple[str, ...]:
    """The methods the contracts define for a URL's path (empty when the path is unknown)."""
    raw_path = _raw_path(url)
    if raw_path is None:
        return ()
    return tuple(op.method for op in operations() if op.pattern.fullmatch(raw_path))


def _raw_path(url: str) -> str | None:
    """The percent-encoded path of a URL or path; None when the URL does not parse."""
    if "://" not in url:
        return url.split("?", 1)[0]
    try:
        return urlsplit(url).path
    except ValueError:  # e.g. "[" in the host
        return None


def validate_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: Any = _MISSING,
) -> list[Violation]:
    """Every violation of a request: path and query parameters, headers that matter, body.

    ``body`` is the parsed JSON body; leave it out for a request without one.
    Raises LookupError when no operation of the contracts matches the method and URL.
    """
    match = _require(method, url)
    op = match.operation
    lower = {k.lower(): v for k, v in headers.items()}
    found: list[Violation] = []
    found += _check_auth(op, lower)
    query = _query(url)
    for param in op.parameters:
        if param.where == "path":
            value: Any = match.path_params.get(param.name, _MISSING)
        elif param.where == "header":
            value = lower.get(param.name.lower(), _MISSING)
        else:
            value = query.get(param.name, _MISSING)
        found += _check_parameter(param, value)
    if body is _MISSING or (body is None and op.request_schema is None):
        if op.request_required:
            found.append(Violation("", "a JSON body is required", code="SCHEMA_VIOLATION"))
        return _mark_errata(found, match, lower, _MISSING)
    if op.request_schema is None:
        found.append(Violation("", f"{op.name} takes no body"))
        return found
    content_type = lower.get("content-type", "")
    if content_type and not _is_json(content_type):
        found.append(
            Violation(
                "Content-Type", f"must be application/json, got {content_type!r}", where="header"
            )
        )
    found += _schemas.validate(op.request_schema, body)
    return _mark_errata(found, match, lower, body)


def _mark_errata(
    found: list[Violation], match: Match, headers: Mapping[str, str], body: Any
) -> list[Violation]:
    """Name the cookbook erratum behind each violation whose value a sample carries."""

    def value_at(v: Violation) -> Any:
        if v.where == "body":
            return resolve(body, v.pointer)[1] if body is not _MISSING else None
        if v.where == "path":
            return match.path_params.get(v.pointer)
        return headers.get(v.pointer.lower())

    return cookbook.mark_errata(found, value_at)


def validate_response(
    method: str,
    url: str,
    status: int,
    headers: Mapping[str, str],
    body: Any = _MISSING,
) -> list[Violation]:
    """Every violation of a response to a request for ``method`` and ``url``.

    ``body`` is the parsed JSON body (leave it out when there is none).
    Raises LookupError when no operation of the contracts matches the method and URL.
    """
    op = _require(method, url).operation
    lower = {k.lower(): v for k, v in headers.items()}
    schema = op.response_schema(status)
    found: list[Violation] = []
    if str(status) not in op.responses and "default" not in op.responses:
        found.append(Violation("", f"status {status} is not a response of {op.name}"))
    if schema is None:
        return found
    if body is _MISSING:
        found.append(Violation("", f"status {status} of {op.name} must have a JSON body"))
        return found
    content_type = lower.get("content-type", "")
    if not _is_json(content_type):
        found.append(
            Violation(
                "Content-Type", f"must be application/json, got {content_type!r}", where="header"
            )
        )
    if status in (429, 503) and "retry-after" in lower and not lower["retry-after"].isdigit():
        found.append(
            Violation(
                "Retry-After",
                f"must be whole seconds, got {lower['retry-after']!r}",
                where="header",
            )
        )
    found += _schemas.validate(schema, body)
    return found


def refusal_explains(violations: list[Violation], status: int, body: Any) -> bool:
    """True when a response refuses a request for exactly its contract breaches.

    A request that breaks the contracts must be refused: missing or disallowed
    credentials with 401 or 403, anything else with 400 and an error envelope naming
    each breach's pointer, header or parameter. Then the exchange as a whole keeps the
    contract, and a scenario that sends such a request on purpose tests just that.
    """
    if not violations:
        return False
    if all(v.where == "header" and v.pointer == "Authorization" for v in violations):
        return status in (401, 403)
    if status != 400 or not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return False
    named = set()
    for entry in body["errors"]:
        source = entry.get("source") if isinstance(entry, dict) else None
        if isinstance(source, dict):
            named.update(str(v).lower() for v in source.values())
    return all(v.pointer.lower() in named for v in violations)


@functools.cache
def bundled_openapi(server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI document with every schema file inlined under ``components/schemas``.

    Tools that cannot follow references to other files (schemathesis, Swagger UI) read
    this one; ``server_url`` becomes ``servers[0]``.
    """
    doc = copy.deepcopy(_schemas.openapi_document())
    names = {name: name.removesuffix(".json").replace(".", "-") for name in _schemas.schema_files()}

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str) and not value.startswith("#"):
                    file, _, fragment = value.partition("#")
                    out[key] = f"#/components/schemas/{names[file]}{fragment}"
                elif key in ("$id", "$schema"):
                    continue
                else:
                    out[key] = rewrite(value)
            return out
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    def local(schema: dict[str, Any], name: str) -> dict[str, Any]:
        # References inside a file ("#/$defs/x") now live under its component.
        def fix(node: Any) -> Any:
            if isinstance(node, dict):
                return {
                    k: (
                        f"#/components/schemas/{name}{v[1:]}"
                        if k == "$ref" and isinstance(v, str) and v.startswith("#/")
                        else fix(v)
                    )
                    for k, v in node.items()
                }
            if isinstance(node, list):
                return [fix(v) for v in node]
            return node

        return rewrite(fix(schema))

    doc = rewrite(doc)
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    for file, schema in _schemas.schema_files().items():
        components[names[file]] = local(schema, names[file])
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc


# -- helpers --------------------------------------------------------------------------


def _require(method: str, url: str) -> Match:
    match = find_operation(method, url)
    if match is None:
        raise LookupError(f"no operation of the contracts matches {method.upper()} {url}")
    return match


def _security_names(requirements: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(name for requirement in requirements for name in requirement)


def _resolve_local(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node and node["$ref"].startswith("#/"):
        target: Any = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _parameter(doc: dict[str, Any], raw: dict[str, Any]) -> Parameter:
    param = _resolve_local(doc, raw)
    schema = param.get("schema", {})
    if "$ref" in schema and not schema["$ref"].startswith("#"):
        schema = {"$ref": _schemas.schema_uri(schema["$ref"])}
    return Parameter(param["name"], param["in"], bool(param.get("required")), schema)


def _media_schema(doc: dict[str, Any], node: dict[str, Any]) -> str | None:
    node = _resolve_local(doc, node)
    media = node.get("content", {}).get("application/json")
    if not media:
        return None
    ref = media["schema"]["$ref"]
    return _schemas.schema_uri(ref)


def _path_pattern(path: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
    return re.compile(regex)


def _query(url: str) -> dict[str, str]:
    if "?" not in url:  # most requests: no query string to parse
        return {}
    from urllib.parse import parse_qsl

    return dict(parse_qsl(url.partition("?")[2].partition("#")[0], keep_blank_values=True))


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _check_auth(op: Operation, headers: Mapping[str, str]) -> list[Violation]:
    value = headers.get("authorization")
    if value is None:
        hint = (
            " (the cookbook's 'Authentication' header is a typo, erratum ERR-001)"
            if ("authentication" in headers)
            else ""
        )
        # The status sample sends no credentials at all (ERR-009).
        err = "ERR-001" if hint else "ERR-009" if op.name == "provisioning.status" else None
        if err == "ERR-009":
            hint = cookbook.erratum_hint("ERR-009")
        return [
            Violation(
                "Authorization",
                f"missing: {op.name} needs {' or '.join(_SCHEMES[s] for s in op.security)}{hint}",
                where="header",
                erratum=err,
            )
        ]
    allowed = {_SCHEME_WORD[s] for s in op.security}
    if value.split(" ", 1)[0].lower() not in allowed:
        scheme = auth_scheme(value)  # named only when it is one: the value may be a key
        got = "a value with no scheme" if scheme is None else scheme.capitalize()
        return [
            Violation(
                "Authorization",
                f"{op.name} takes {' or '.join(_SCHEMES[s] for s in op.security)}, not {got}",
                where="header",
            )
        ]
    return []


#: An authentication scheme: an RFC 9110 token, short (Bearer, Basic, Digest...).
_SCHEME_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,19}")


def auth_scheme(value: str) -> str | None:
    """The scheme of an ``Authorization`` header value (``"Bearer"`` of ``"Bearer k"``), or
    None when the value names none: no credentials after a space, or a first word no
    scheme looks like. Only a scheme may be repeated in a message; anything else may be
    the credentials themselves (a key sent bare, or after a tab)."""
    scheme, _, credentials = value.strip().partition(" ")
    if credentials.strip() and _SCHEME_TOKEN.fullmatch(scheme):
        return scheme
    return None


#: A decimal integer as a URL or header carries it.
_DECIMAL = re.compile(r"[-+]?[0-9]+")
_SCHEMES = {"orgApiKey": "Bearer (org API key)", "siteAdminBasic": "Basic (site admin)"}
_SCHEME_WORD = {"orgApiKey": "bearer", "siteAdminBasic": "basic"}


def _check_parameter(param: Parameter, value: Any) -> list[Violation]:
    if value is _MISSING:
        if param.required:
            return [Violation(param.name, "is required", where=param.where)]  # type: ignore[arg-type]
        return []
    if param.schema.get("type") == "integer":
        # Digits only: Python's int() also takes " 5", "1_0" and other scripts' digits,
        # which an API would refuse.
        try:
            if isinstance(value, str) and not _DECIMAL.fullmatch(value):
                raise ValueError(value)
            value = int(value)  # ValueError past 4300 digits too
        except ValueError:
            problem = f"must be an integer, got {str(value)[:40]!r}"
            return [Violation(param.name, problem, where=param.where)]  # type: ignore[arg-type]
    schema = param.schema
    uri = schema["$ref"] if set(schema) == {"$ref"} else None
    if uri is None:
        return [
            Violation(
                param.name,
                v.message,
                schema_location=f"openapi.yaml parameter {param.name}",
                where=param.where,
            )  # type: ignore[arg-type]
            for v in _schemas.validate_inline(schema, value, key=param.schema_key)
        ]
    return [
        Violation(param.name, v.message, schema_location=v.schema_location, where=param.where)  # type: ignore[arg-type]
        for v in _schemas.validate(uri, value)
    ]

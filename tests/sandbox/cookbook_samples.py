"""The cookbook's samples (``tests/fixtures/cookbook/samples.yaml``) sent to a sandbox as
the cookbook's text shows them, and the answers compared with its response samples.

``Samples.send`` sends one request sample with only the host, the credentials and the ids
of earlier steps changed (``fills``), and the errata named in ``fixes`` corrected.
``compare`` holds an answer against a response sample field by field: values the sandbox
makes (ids, timestamps, slugs, URLs) by shape, everything else by value.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from harness.contracts import expand_pointer, find_operation, resolve_pointer

from .support import FIXTURES, Api

SAMPLES: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "samples.yaml").read_text())["samples"]
BY_NAME = {s["name"]: s for s in SAMPLES}
REQUESTS = [s for s in SAMPLES if "method" in s]
COOKBOOK_HOST = "https://api.atlassian.com"

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_SHAPES = (
    ("uuid", re.compile(_UUID)),
    ("uuid-n", re.compile(_UUID + r"-\d+")),
    ("slug", re.compile(r"R(-[0-9A-Z]{3}){4}")),
)


def sample_body(sample: Mapping[str, Any]) -> Any:
    return json.loads((FIXTURES / sample["body"]).read_text()) if "body" in sample else None


@dataclass
class Sent:
    """One request sample as sent, and the sandbox's answer."""

    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    response: httpx.Response

    @property
    def status(self) -> int:
        return self.response.status_code

    def json(self) -> Any:
        return self.response.json()

    def value(self, source: str) -> tuple[bool, Any]:
        """What the request sent at ``source``: a body pointer, ``path NAME`` or
        ``header NAME``."""
        return request_value(self.method, self.path, self.headers, self.body, source)


def request_value(
    method: str, url: str, headers: Mapping[str, str], body: Any, source: str
) -> tuple[bool, Any]:
    kind, _, name = source.partition(" ")
    if kind == "path":
        match = find_operation(method, url)
        assert match is not None, url
        return name in match.path_params, match.path_params.get(name)
    if kind == "header":
        lower = {k.lower(): v for k, v in headers.items()}
        return name.lower() in lower, lower.get(name.lower())
    return resolve_pointer(body, source)


@dataclass
class Samples:
    """Sends request samples to one sandbox through ``api`` (plain httpx)."""

    api: Api
    sent: dict[str, Sent] = field(default_factory=dict)

    def send(
        self,
        name: str,
        *,
        fills: Mapping[str, str] | None = None,
        fixes: frozenset[str] = frozenset(),
        body: Any = None,
        key: str | None = None,
    ) -> Sent:
        """Send request sample ``name``: its URL on this host with this org, its headers
        with this org's key, its body (or ``body``: the sample's with an elision filled),
        each ``fills`` text replaced (ids of earlier steps), each erratum in ``fixes``
        corrected. Remembered as ``key`` (default: the sample's name)."""
        sample = BY_NAME[name]
        api = self.api
        replace = {"{orgId}": api.org, **(fills or {})}
        url = _filled(sample["url"], replace).removeprefix(COOKBOOK_HOST)
        key_text = api.profile.api_key or ""
        credentials = {"{{APIKey}}": key_text, "<access_token>": key_text}
        headers = {k: _filled(v, credentials) for k, v in sample["headers"].items()}
        headers = {k: _filled(v, replace) for k, v in headers.items()}
        payload = sample_body(sample) if body is None else body
        if payload is not None:
            payload = json.loads(_filled(json.dumps(payload), replace))
        for erratum in sorted(fixes):
            payload = FIXES[erratum](self, headers, payload)
        content = None if payload is None else json.dumps(payload).encode()
        response = api.client.request(sample["method"], url, headers=headers, content=content)
        done = Sent(name, sample["method"], url, headers, payload, response)
        self.sent[key or name] = done
        return done


def _filled(text: str, replace: Mapping[str, str]) -> str:
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def _bearer(samples: Samples, headers: dict[str, str], body: Any) -> Any:
    """ERR-001 and ERR-009: the credentials go in an Authorization header."""
    headers.pop("Authentication", None)
    headers["Authorization"] = f"Bearer {samples.api.profile.api_key}"
    return body


def _random_uuid(samples: Samples, headers: dict[str, str], body: Any) -> Any:
    """ERR-011: Postman's {{$randomUUID}} becomes a UUID."""
    return json.loads(json.dumps(body).replace("{{$randomUUID}}", str(uuid.uuid4())))


def _app_offering(samples: Samples, headers: dict[str, str], body: Any) -> Any:
    """ERR-013: the app's offering instead of Confluence's."""
    app = samples.api.profile.catalogue.offerings_of("app")[0]
    return {**body, "offerings": [{"id": app.id}]}


#: How each erratum a request sample meets is corrected when it is sent again.
FIXES = {"ERR-001": _bearer, "ERR-009": _bearer, "ERR-011": _random_uuid, "ERR-013": _app_offering}


# -- comparing an answer with a response sample ----------------------------------------


def shape(value: Any) -> str | None:
    """What kind of made-up value this is, if one the sandbox makes on its own."""
    if isinstance(value, int) and not isinstance(value, bool) and 10**12 <= value < 10**14:
        return "ms timestamp"
    if isinstance(value, str):
        for name, pattern in _SHAPES:
            if pattern.fullmatch(value):
                return name
        if value.startswith(("http://", "https://")):
            return "url"
    return None


def _url_path(url: str, org_id: str) -> str:
    """A URL's path with the org as ``<org>`` and every UUID segment as ``<uuid>``."""
    path = urlsplit(url).path.replace("%7BorgId%7D", "<org>").replace("{orgId}", "<org>")
    segments = ["<org>" if s == org_id else s for s in path.split("/")]
    return "/".join("<uuid>" if re.fullmatch(_UUID, s) else s for s in segments)


def pattern_of(pointer: str) -> str:
    """``/items/1/orderItemId`` -> ``/items/*/orderItemId``."""
    return re.sub(r"/\d+(?=/|$)", "/*", pointer)


def compare(
    sample: Any, answer: Any, *, org_id: str, sketch: bool = False, open_: bool = False
) -> list[tuple[str, str]]:
    """Where ``answer`` differs from ``sample``: (JSON pointer, how)."""
    found: list[tuple[str, str]] = []

    def walk(s: Any, a: Any, at: str) -> None:
        if sketch and s == "<string>":
            if a is not None and not isinstance(a, str):
                found.append((at, f"{a!r} is not a string"))
        elif isinstance(s, dict):
            if not isinstance(a, dict):
                found.append((at, f"{json.dumps(a)}, the sample an object"))
                return
            for key, value in s.items():
                if key not in a:
                    found.append((f"{at}/{key}", "missing"))
                else:
                    walk(value, a[key], f"{at}/{key}")
            if not open_ and not (sketch and s == {}):
                found.extend((f"{at}/{k}", "beyond the sample") for k in a if k not in s)
        elif isinstance(s, list):
            if not isinstance(a, list):
                found.append((at, f"{json.dumps(a)}, the sample a list"))
            elif sketch:
                for i, item in enumerate(a):
                    if s:
                        walk(s[0], item, f"{at}/{i}")
            elif len(a) != len(s):
                found.append((at, f"{len(a)} items, the sample {len(s)}"))
            else:
                for i, (si, ai) in enumerate(zip(s, a, strict=True)):
                    walk(si, ai, f"{at}/{i}")
        elif shape(s) == "url":
            if not isinstance(a, str) or _url_path(s, org_id) != _url_path(a, org_id):
                found.append((at, f"{a!r}, the sample {s!r}"))
        elif shape(s) is not None:
            if shape(a) != shape(s):
                found.append((at, f"{a!r} is not a {shape(s)} like {s!r}"))
        elif sketch:  # a sketch shows types, not values
            if type(a) is not type(s) and not (isinstance(s, int) and isinstance(a, float)):
                found.append((at, f"{a!r} is not a {type(s).__name__} like {s!r}"))
        elif s != a or type(s) is not type(a):
            found.append((at, f"{json.dumps(a)}, the sample {json.dumps(s)}"))

    walk(sample, answer, "")
    return found


def exact_differences(a: Any, b: Any, at: str = "") -> Iterator[str]:
    """Pointers where two values differ, leaf by leaf (no shapes)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            yield from exact_differences(a.get(key), b.get(key), f"{at}/{key}")
    elif a != b:
        yield at or "/"


def echoed(response: Mapping[str, Any], answer: Any) -> Iterator[tuple[str, str, Any]]:
    """Each (response pointer, request source, value at the pointer) a response sample's
    ``echoes`` names, with ``*`` expanded against ``answer``."""
    for pattern, source in (response.get("echoes") or {}).items():
        for pointer, present, value in expand_pointer(answer, pattern):
            if present:
                yield pointer, _with_indexes(source, re.findall(r"/(\d+)(?=/|$)", pointer)), value


def _with_indexes(pattern: str, indexes: list[str]) -> str:
    """A pattern's ``*`` replaced, in order, by the indexes of a concrete pointer."""
    for index in indexes:
        pattern = pattern.replace("*", index, 1)
    return pattern

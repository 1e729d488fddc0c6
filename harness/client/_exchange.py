"""What the client records of each HTTP attempt: an ``Exchange``, with credentials masked.

``Client(on_exchange=callback)`` calls ``callback(exchange)`` once per attempt, retries
included, after the response (or the transport failure) and before the client decides
what to do with it. ``Exchange.as_curl()`` reproduces the request as a copy-pasteable
curl command with the credentials left as shell variables.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._auth import MASK

_NO_BODY: Any = None


def shell_quote(text: str) -> str:
    """``text`` as one single-quoted shell word (a ``'`` becomes ``'\\''``)."""
    return "'" + text.replace("'", "'\\''") + "'"


@dataclass(frozen=True)
class Exchange:
    """One HTTP attempt.

    - ``operation``: the contracts' operation id (``orders.place``);
    - ``method``, ``url``: as sent (the URL with its percent-encoded path parameters);
    - ``request_headers``: as sent, ``Authorization`` masked (``Bearer ***``);
    - ``request_json``: the JSON body sent (None when there was none), ``request_body``
      its exact text;
    - ``status``, ``response_headers`` (lower-case names): None / empty when no response
      came (then ``error`` says why);
    - ``response_json``: the parsed body when it is JSON, else None; ``response_text``
      the body as text (credentials masked);
    - ``elapsed``: seconds the attempt took (wall time); ``attempt``: 1 for the first try;
    - ``auth_curl_header``: how ``as_curl`` writes the header the auth sent (None: it
      sent none); ``auth_curl_variables``: the shell variables that header reads.
    """

    operation: str
    method: str
    url: str
    request_headers: Mapping[str, str]
    request_json: Any
    request_body: str | None
    status: int | None
    response_headers: Mapping[str, str]
    response_json: Any
    response_text: str | None
    elapsed: float
    attempt: int
    error: str | None = None
    auth_curl_header: str | None = field(default=None, repr=False)
    auth_curl_variables: str | None = field(default=None, repr=False)

    def as_curl(self) -> str:
        """The request as a curl command, one option a line.

        The Authorization header becomes ``"Authorization: Bearer $ATLASSIAN_API_KEY"``
        (or the Basic form computed from ``$ATLASSIAN_SITE_ADMIN_EMAIL`` and
        ``$ATLASSIAN_SITE_ADMIN_TOKEN``), as the auth sent it (none when it sent none);
        every other header is one single-quoted word, ``'X-transaction-account: <id>'``
        included (unlike the cookbook, erratum ERR-002).
        """
        parts = [f"curl --request {self.method}", f"--url {shell_quote(self.url)}"]
        if self.auth_curl_header:
            parts.append(f"--header {self.auth_curl_header}")
        for name, value in self.request_headers.items():
            if name.lower() not in _CURL_SKIPS and not _masked(value):
                parts.append(f"--header {shell_quote(f'{name}: {value}')}")
        if self.request_body is not None:
            parts.append(f"--data-raw {shell_quote(self.request_body)}")
        return " \\\n  ".join(parts)

    def summary(self) -> str:
        """One line: ``orders.place POST <url> -> 200 in 0.012 s (attempt 1)``."""
        outcome = str(self.status) if self.status is not None else f"no response ({self.error})"
        return (
            f"{self.operation} {self.method} {self.url} -> {outcome} in {self.elapsed:.3f} s "
            f"(attempt {self.attempt})"
        )

    def as_dict(self) -> dict[str, Any]:
        """The exchange as JSON-ready data (for reports and cassettes)."""
        return {
            "operation": self.operation,
            "method": self.method,
            "url": self.url,
            "requestHeaders": dict(self.request_headers),
            "requestJson": self.request_json,
            "status": self.status,
            "responseHeaders": dict(self.response_headers),
            "responseJson": self.response_json,
            "responseText": None if self.response_json is not None else self.response_text,
            "elapsed": self.elapsed,
            "attempt": self.attempt,
            "error": self.error,
        }


# Headers curl sets itself, or that httpx adds and a reader does not need.
_CURL_SKIPS = frozenset(
    {"authorization", "host", "content-length", "accept-encoding", "connection", "user-agent"}
)


def _masked(value: str) -> bool:
    """A header value that held a credential (masked when recorded): the auth's own curl
    header stands for it (``auth_curl_header``)."""
    return MASK in value


def dump_body(body: Any) -> str:
    """The exact text the client sends for a JSON body: compact, UTF-8, no NaN."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)

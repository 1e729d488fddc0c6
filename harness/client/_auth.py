"""Authentication: the org API key (Bearer) or a site admin's email and API token (Basic).

Both are ``httpx.Auth`` flows, so a ``Client`` (or a bare ``httpx.Client``) sets the
``Authorization`` header on every request. Neither shows its secret in ``repr()`` or
``str()``; ``secrets()`` lists what the client masks in logs, errors and exchange records.

Cookbook, 'Authentication': every step takes the org API key as a Bearer token; every
step but provisioning product instances also takes Basic auth of a user who holds the
site-admin role *directly* (not through a group), and reaches only that user's sites.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Generator
from urllib.parse import quote

import httpx

MASK = "***"


class _Auth(httpx.Auth):
    """What the client needs of an auth besides setting the header."""

    #: The scheme word of the Authorization header ("Bearer" or "Basic").
    scheme: str
    #: What ``sent_headers`` found, once asked.
    _sent_headers: dict[str, str] | None = None

    def header_value(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def secrets(self) -> tuple[str, ...]:
        """Every string that must never be shown: the client masks each one."""
        raise NotImplementedError  # pragma: no cover

    def masked(self) -> str:
        """The Authorization header as it may be shown: ``Bearer ***``."""
        return f"{self.scheme} {MASK}"

    def sent_headers(self) -> dict[str, str]:
        """The headers ``auth_flow`` adds to a request, secrets masked: what a record of
        the request shows (none when the flow adds none). Worked out once per auth (its
        flow adds the same headers to every request): the client asks twice a request."""
        sent = self._sent_headers
        if sent is None:
            probe = httpx.Request("GET", "http://auth.invalid/")
            before = {name.lower() for name in probe.headers}
            next(self.auth_flow(probe))
            sent = {
                name.decode("latin-1"): mask_text(value.decode("latin-1"), self.secrets())
                for name, value in probe.headers.raw
                if name.decode("latin-1").lower() not in before
            }
            self._sent_headers = sent
        return dict(sent)

    def curl_header(self) -> str | None:
        """The header ``auth_flow`` sets, as a curl ``--header`` argument with the secrets
        as shell variables (inside double quotes, so the shell expands them); None when it
        sets none."""
        raise NotImplementedError  # pragma: no cover

    def curl_variables(self) -> str:
        """The shell variables ``curl_header`` reads, as a curl command's preamble says to
        set them."""
        raise NotImplementedError  # pragma: no cover

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.header_value()
        yield request


class OrgApiKey(_Auth):
    """The org API key, sent as ``Authorization: Bearer <key>``.

    Create one in Atlassian Administration (Settings > API keys). It is the only auth
    the cookbook allows for provisioning product instances.
    """

    scheme = "Bearer"
    #: The environment variable curl commands use in place of the key.
    ENV = "ATLASSIAN_API_KEY"

    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("OrgApiKey needs a non-empty key")
        problem = credential_problem(key)
        if problem:
            raise ValueError(f"OrgApiKey: the key {problem}")
        self._key = key

    def header_value(self) -> str:
        return f"Bearer {self._key}"

    def secrets(self) -> tuple[str, ...]:
        return (self._key,)

    def curl_header(self) -> str | None:
        return f'"Authorization: Bearer ${self.ENV}"'

    def curl_variables(self) -> str:
        return f"{self.ENV}=<org apiKey>"

    def __repr__(self) -> str:
        return f"OrgApiKey(key='{MASK}')"

    __str__ = __repr__


class SiteAdmin(_Auth):
    """A site admin's email and API token, sent as ``Authorization: Basic
    base64(email:api_token)``.

    The user must hold the site-admin role directly, not through a group, and reaches
    only their own sites. The cookbook refuses site-scoped auth for provisioning product
    instances ('Site-scoped authorization can only be used for installing 2nd party apps
    on products'): use ``OrgApiKey`` for ``Client.provision_products``.
    """

    scheme = "Basic"
    ENV_EMAIL = "ATLASSIAN_SITE_ADMIN_EMAIL"
    ENV_TOKEN = "ATLASSIAN_SITE_ADMIN_TOKEN"

    def __init__(self, email: str, api_token: str) -> None:
        if not email or not api_token:
            raise ValueError("SiteAdmin needs an email and an API token")
        self.email = email
        self._token = api_token
        self._encoded = base64.b64encode(f"{email}:{api_token}".encode()).decode("ascii")

    def header_value(self) -> str:
        return f"Basic {self._encoded}"

    def secrets(self) -> tuple[str, ...]:
        # The base64 form decodes to the token, so it is as secret as the token.
        return (self._token, self._encoded)

    def curl_header(self) -> str | None:
        # `base64` wraps long output at 76 columns on GNU systems: strip the newlines.
        return (
            '"Authorization: Basic $(printf %s '
            f'"${self.ENV_EMAIL}:${self.ENV_TOKEN}" | base64 | tr -d \'\\n\')"'
        )

    def curl_variables(self) -> str:
        # The e-mail says which site admin: the answer depends on how they hold the role.
        return f"{self.ENV_EMAIL}={self.email} {self.ENV_TOKEN}=<their apiToken>"

    def __repr__(self) -> str:
        return f"SiteAdmin(email={self.email!r}, api_token='{MASK}')"

    __str__ = __repr__


Auth = OrgApiKey | SiteAdmin


def credential_problem(value: str) -> str | None:
    """What makes ``value`` unusable as an API key or token, or None: an HTTP header
    carries printable ASCII, and no key has a space or a control character (a newline
    left by a key file is the usual one; ASM-052). It says where, never the value: the HTTP
    library's own refusal quotes the header, escaped so that masking misses it."""
    if value != value.strip():
        return "starts or ends with whitespace (a newline from a file?)"
    bad = next((i for i, ch in enumerate(value) if not "!" <= ch <= "~"), None)
    if bad is None:
        return None
    return (
        f"holds U+{ord(value[bad]):04X} at position {bad + 1}: a key is printable ASCII "
        "without spaces, as an HTTP header carries"
    )


def secret_forms(secret: str) -> tuple[str, ...]:
    """``secret`` as text may show it: itself, escaped as in a Python repr (of the text
    or of its UTF-8 bytes), as in a JSON string (a server echoing it) and percent-encoded
    (in a URL)."""
    forms = {
        secret,
        repr(secret)[1:-1],
        repr(secret.encode("utf-8"))[2:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
    }
    return tuple(form for form in forms if form)


def mask_text(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret, in each of its ``secret_forms``, replaced by ``***``
    (longest first, so no part survives)."""
    for form in _masked_forms(secrets):
        text = text.replace(form, MASK)
    return text


@functools.lru_cache(maxsize=64)
def _masked_forms(secrets: tuple[str, ...]) -> tuple[str, ...]:
    """Every form of every secret, longest first: worked out once per set of secrets, as
    the client masks each answer with the same ones."""
    forms = {form for secret in secrets if secret for form in secret_forms(secret)}
    return tuple(sorted(forms, key=len, reverse=True))

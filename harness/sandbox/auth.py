"""Who is calling, and what they may reach (cookbook, 'Authentication').

- ``Authorization: Bearer <org API key>`` reaches everything in the org.
- ``Authorization: Basic base64(email:api_token)`` of a site admin reaches only the sites
  that user administers *directly* ("not through a group"), and only on operations the
  contracts' OpenAPI ``security`` lists ``siteAdminBasic`` for: every one except
  products.provision ("Site-scoped authorization can only be used for installing 2nd
  party apps on products"). Read the other way (ASM-040), Basic installs apps only:
  ``BASIC_ALTERNATIVE`` lists what it may call then.

401: no credentials, or ones the org does not know (with a hint for the cookbook's
``Authentication`` header, erratum ERR-001). 403: known credentials, not allowed here.
Credentials never appear in an error, a repr or a log line.

The sandbox's control endpoints (``/_sandbox/...``: clock, reset, faults) are reached only
by the org's own tools (``admit_control``, ``require_json``): ``Bearer`` with the org API key or the
profile's sandbox admin token (``sandbox.adminToken``), never a site admin; a body, on
anything but GET, only as ``application/json``; and no browser on another origin
(``Origin`` or ``Sec-Fetch-Site`` say so). A web page can then neither send them as a
"simple" cross-site request nor pass a CORS preflight (which is refused too).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..contracts import Operation, Profile, auth_scheme
from ..contracts.cookbook import HARNESS_READINGS, Readings
from .errors import ApiError, error

#: ASM-040 read the other way: Basic installs apps, and finds their product, nothing else.
BASIC_ALTERNATIVE = frozenset({"apps.provision", "workspaces.query"})

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="sandbox", Basic realm="sandbox"'}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the org (API key) or one site admin."""

    kind: str  # org | site-admin
    email: str | None = None
    role_via: str | None = None  # site admins: direct | group
    sites: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_org(self) -> bool:
        return self.kind == "org"

    def may_reach(self, site_name: str | None) -> bool:
        return self.is_org or (site_name is not None and site_name in self.sites)

    def require_site(self, site_name: str | None, what: str) -> None:
        """403 unless this caller may reach ``site_name`` (None: an org-level resource, or a
        site not made yet: the org's alone, ASM-025)."""
        if self.may_reach(site_name):
            return
        where = f"site {site_name!r}" if site_name else "the organization"
        raise error(
            403,
            "FORBIDDEN",
            f"{what} belongs to {where}; site admin {self.email} administers only "
            f"{', '.join(sorted(self.sites)) or 'no site'} directly",
            header="Authorization",
        )


def authenticate(
    headers: Mapping[str, str], profile: Profile, operation: str | None = None
) -> Principal:
    """The caller named by the Authorization header (lower-case header names), or 401; the
    refusal names the cookbook erratum that leads to it (the sample's 'Authentication'
    header, ERR-001; the status sample that sends no credentials, ERR-009)."""
    value = headers.get("authorization")
    if value is None:
        hint, erratum = "", "ERR-009" if operation == "provisioning.status" else None
        if "authentication" in headers:
            hint, erratum = ": the header is 'Authorization', not 'Authentication'", "ERR-001"
        raise error(
            401,
            "UNAUTHENTICATED",
            f"no Authorization header; send 'Bearer <org API key>' or "
            f"'Basic base64(email:api_token)'{hint}",
            header="Authorization",
            headers=_CHALLENGE,
            erratum=erratum,
        )
    scheme, _, credentials = value.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        if profile.api_key and credentials and _same(credentials, profile.api_key):
            return Principal("org")
        raise _unknown("the Bearer token is not this org's API key")
    if scheme.lower() == "basic":
        email, token = _basic(credentials)
        for admin in profile.site_admins:
            if _same(email, admin.email) and _same(token, admin.api_token):
                return Principal("site-admin", admin.email, admin.role_via, frozenset(admin.sites))
        raise _unknown("the Basic credentials are not a site admin's email and API token")
    raise _unknown(_unsupported(value))


def authorize(op: Operation, principal: Principal, readings: Readings = HARNESS_READINGS) -> None:
    """403 when a site admin's Basic credentials may not call this operation at all."""
    if principal.is_org:
        return
    alternative = readings.reads_alternative("ASM-040")
    if "siteAdminBasic" not in op.security or (alternative and op.name not in BASIC_ALTERNATIVE):
        raise error(
            403,
            "FORBIDDEN",
            f"{op.name} takes the org API key (Bearer) only: site-scoped authorization can "
            "only be used for installing 2nd party apps on products"
            + (" (ASM-040, read the other way)" if alternative else ""),
            header="Authorization",
        )
    if principal.role_via != "direct":
        raise error(
            403,
            "FORBIDDEN",
            f"{principal.email} holds the site-admin role through a group; Basic "
            "authentication needs the role held directly at the user level",
            header="Authorization",
        )


def _unsupported(value: str) -> str:
    """Why an Authorization value of no known scheme is refused: naming the scheme, never
    what may be the credentials (``auth_scheme``)."""
    scheme = auth_scheme(value)
    if scheme is not None:
        return f"unsupported scheme {scheme[:20]!r}; use Bearer or Basic"
    return (
        "the Authorization header names no scheme: send 'Bearer <org API key>' or "
        "'Basic base64(email:api_token)', the scheme and a space before the credentials"
    )


def _basic(credentials: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(credentials.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise _unknown("the Basic credentials are not base64(email:api_token)") from None
    email, sep, token = decoded.partition(":")
    if not sep:
        raise _unknown("the Basic credentials are not base64(email:api_token)")
    return email, token


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _unknown(detail: str) -> ApiError:
    return error(401, "UNAUTHENTICATED", detail, header="Authorization", headers=_CHALLENGE)


def admit_control(headers: Mapping[str, str], own_origin: str, profile: Profile) -> None:
    """Refuse a control call from a browser on another origin (403), or without the org
    API key or sandbox admin token (401; a site admin's 403). Lower-case header names."""
    origin = headers.get("origin")
    site = headers.get("sec-fetch-site", "same-origin").lower()
    if (origin is not None and origin.rstrip("/").lower() != own_origin.lower()) or site not in (
        "same-origin",
        "none",
    ):
        raise error(
            403,
            "FORBIDDEN",
            "the sandbox's control endpoints answer no web page of another origin "
            f"(Origin: {(origin or site)[:100]!r})",
            header="Origin",
        )
    value = headers.get("authorization", "")
    scheme, _, credentials = value.strip().partition(" ")
    credentials = credentials.strip()
    keys = [k for k in (profile.api_key, profile.admin_token) if k]
    if scheme.lower() == "bearer" and any(_same(credentials, k) for k in keys if credentials):
        pass
    elif scheme.lower() == "basic":
        raise error(
            403,
            "FORBIDDEN",
            "the control endpoints take the org API key or the sandbox admin token "
            "(Bearer), not a site admin's Basic credentials",
            header="Authorization",
        )
    else:
        raise error(
            401,
            "UNAUTHENTICATED",
            "the control endpoints take 'Authorization: Bearer <org API key>' or the sandbox "
            "admin token (both printed by harness sandbox profile)",
            header="Authorization",
            headers={"WWW-Authenticate": 'Bearer realm="sandbox"'},
        )


def require_json(method: str, headers: Mapping[str, str]) -> None:
    """A control call that may change state (any method but GET) comes as
    ``application/json``, which no cross-site "simple" request can be (415)."""
    if method in ("GET", "HEAD"):
        return
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise error(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"a {method[:10]} to a control endpoint takes 'Content-Type: application/json' "
            f"(got {media[:60]!r}); send {{}} when there is nothing to say",
            header="Content-Type",
        )

"""The profile of an org and its catalogue: the data the rules, the sandbox and the journeys read.

A profile is one JSON file (``schemas/profile.json`` is its schema). The default one,
``harness/data/profile.json``, describes the sandbox org seeded with the cookbook's ids.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import _schemas
from ._json import JsonError, read_json_file
from .cookbook import Readings

Product = Literal["family-container", "confluence", "jira", "jsm", "app"]

#: Product part of a product ARI (``ari:cloud:{part}::site/{cloudId}``). JSM's is ASM-021.
ARI_PRODUCT: dict[str, str] = {
    "confluence": "confluence",
    "jira": "jira-software",
    "jsm": "jira-servicedesk",
}
#: Product of a site's product ARI, by its product part (``jira-software`` -> ``jira``).
PRODUCT_OF_ARI: dict[str, str] = {part: product for product, part in ARI_PRODUCT.items()}
#: A product's ARI on a site (``ari:cloud:jira-software::site/<cloudId>``), whole.
SITE_ARI = re.compile(r"ari:cloud:(?P<part>[a-z0-9-]+)::site/(?P<cloud_id>[A-Za-z0-9-]+)")
#: Workspace type names, as in the cookbook's workspaces sample ("Jira Software").
WORKSPACE_TYPE: dict[str, str] = {
    "confluence": "Confluence",
    "jira": "Jira Software",
    "jsm": "Jira Service Management",
}

#: Charge elements by product (cookbook, 'Place order': "user" for Jira and Confluence,
#: "agent" for JSM), for an offering whose catalogue entry names none.
CHARGE_ELEMENT: dict[str, str] = {"confluence": "user", "jira": "user", "jsm": "agent"}

DEFAULT_PROFILE = Path(__file__).resolve().parent.parent / "data" / "profile.json"


class ProfileError(ValueError):
    """A profile or catalogue file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Offering:
    id: str
    name: str
    product: Product
    edition: str | None = None
    charge_element: str | None = None
    pricing_plans: tuple[str, ...] = ()
    app_key: str | None = None

    @property
    def is_family_container(self) -> bool:
        return self.product == "family-container"

    @property
    def is_jira_family(self) -> bool:
        """Jira and JSM instances share a site's family container."""
        return self.product in ("jira", "jsm")

    @property
    def is_enterprise_instance(self) -> bool:
        return self.edition == "enterprise" and self.product in ("confluence", "jira", "jsm")

    @property
    def is_instance(self) -> bool:
        return self.product in ("confluence", "jira", "jsm")

    @property
    def charged_per(self) -> str | None:
        """What its charge quantities count: the catalogue's ``chargeElement``, else the
        cookbook's for its product (``CHARGE_ELEMENT``); None for an app that names none."""
        return self.charge_element or CHARGE_ELEMENT.get(self.product)


@dataclass(frozen=True)
class SiteProduct:
    product: Product
    offering_id: str
    entitlement_id: str
    billing_anchor: int | None = None


@dataclass(frozen=True)
class Site:
    name: str
    cloud_id: str
    family_container: str | None
    products: tuple[SiteProduct, ...] = ()

    @property
    def host_url(self) -> str:
        return f"https://{self.name}.atlassian.net"

    def product_ari(self, product: str) -> str:
        return f"ari:cloud:{ARI_PRODUCT[product]}::site/{self.cloud_id}"


@dataclass(frozen=True)
class Entitlement:
    """What an existing entitlement id is, as far as the rules need to know."""

    id: str
    kind: Literal["parent", "family-container", "product", "app"]
    product: Product
    site: Site | None = None
    billing_anchor: int | None = None


@dataclass(frozen=True)
class Catalogue:
    """Offerings, parent Enterprise entitlements, transaction accounts and existing sites;
    ``apps``: the apps' entitlements the org has (the sandbox's, made by its orders)."""

    offerings: Mapping[str, Offering]
    parent_entitlements: Mapping[str, str]  # product -> entitlement id
    transaction_accounts: Mapping[str, tuple[str, ...]]  # account -> invoice groups
    sites: tuple[Site, ...] = ()
    apps: tuple[Entitlement, ...] = ()
    _entitlements: dict[str, Entitlement] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = self._entitlements
        for product, ent in self.parent_entitlements.items():
            index[ent] = Entitlement(ent, "parent", product)  # type: ignore[arg-type]
        for site in self.sites:
            if site.family_container:
                index[site.family_container] = Entitlement(
                    site.family_container, "family-container", "family-container", site
                )
            for p in site.products:
                index[p.entitlement_id] = Entitlement(
                    p.entitlement_id, "product", p.product, site, p.billing_anchor
                )
        for app in self.apps:
            index[app.id] = app

    def offering(self, offering_id: Any) -> Offering | None:
        return self.offerings.get(offering_id) if isinstance(offering_id, str) else None

    def entitlement(self, entitlement_id: Any) -> Entitlement | None:
        if not isinstance(entitlement_id, str):
            return None
        return self._entitlements.get(entitlement_id)

    def site(self, name: str) -> Site | None:
        return next((s for s in self.sites if s.name == name), None)

    def offerings_of(self, product: str, edition: str | None = None) -> list[Offering]:
        return [
            o
            for o in self.offerings.values()
            if o.product == product and (edition is None or o.edition == edition)
        ]

    def offering_for(self, product: str, edition: str | None = None) -> Offering | None:
        """The offering an order of ``product`` (and ``edition``) uses when none is named:
        the catalogue's first (a Jira Premium one: the first with a pricing plan, which its
        orders need). An org may have several (another currency, a legacy one): the suite's
        roles and ``OrderBuilder`` both take this one, so what is ordered is what was
        provisioned."""
        found = self.offerings_of(product, edition)
        if product == "jira" and edition == "premium":
            found = [o for o in found if o.pricing_plans]
        return found[0] if found else None

    def with_sites(
        self, sites: Iterable[Site], apps: Iterable[Entitlement] | None = None
    ) -> Catalogue:
        """The same catalogue over another set of sites (the sandbox's current ones) and,
        when given, of apps' entitlements (else its own)."""
        return Catalogue(
            self.offerings,
            self.parent_entitlements,
            self.transaction_accounts,
            tuple(sites),
            self.apps if apps is None else tuple(apps),
        )

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Catalogue:
        offerings = {
            o["id"]: Offering(
                o["id"],
                o["name"],
                o["product"],
                o.get("edition"),
                o.get("chargeElement"),
                tuple(o.get("pricingPlans", ())),
                o.get("appKey"),
            )
            for o in data["offerings"]
        }
        return cls(
            offerings=offerings,
            parent_entitlements={p["product"]: p["id"] for p in data["parentEntitlements"]},
            transaction_accounts={
                a["id"]: tuple(a["invoiceGroupIds"]) for a in data.get("transactionAccounts", ())
            },
            sites=tuple(
                Site(
                    s["name"],
                    s["cloudId"],
                    s.get("familyContainerEntitlementId"),
                    tuple(
                        SiteProduct(
                            p["product"],
                            p["offeringId"],
                            p["entitlementId"],
                            p.get("billingAnchorTimestamp"),
                        )
                        for p in s["products"]
                    ),
                )
                for s in data.get("sites", ())
            ),
        )


@dataclass(frozen=True)
class SiteAdmin:
    email: str
    api_token: str = field(repr=False)
    sites: tuple[str, ...]
    role_via: Literal["direct", "group"]


@dataclass(frozen=True)
class Profile:
    """One org: id, sandbox credentials (optional), defaults, and its catalogue."""

    org_id: str
    catalogue: Catalogue
    api_key: str | None = field(default=None, repr=False)
    site_admins: tuple[SiteAdmin, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    sandbox: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    source: str = "<default>"

    @functools.cached_property
    def readings(self) -> Readings:
        """How a sandbox serving this profile reads the cookbook's two-way assumptions
        (``sandbox.readings``; the harness's reading of each one not named)."""
        return Readings.of(self.sandbox.get("readings"))

    @property
    def admin_token(self) -> str | None:
        """The sandbox admin token (``sandbox.adminToken``): the sandbox's control endpoints
        take it as well as the org API key; the cookbook's API does not."""
        token = self.sandbox.get("adminToken")
        return token if isinstance(token, str) and token else None

    @property
    def control_token(self) -> str | None:
        """What to send as Bearer to the sandbox's control endpoints: the org API key, else
        the sandbox admin token."""
        return self.api_key or self.admin_token

    def credentials(self) -> tuple[str, ...]:
        """Every secret the profile holds: never in a cassette, a report or a log. A site
        admin's Basic credential, base64 of ``email:token``, is one too."""
        basic = (
            base64.b64encode(f"{a.email}:{a.api_token}".encode()).decode("ascii")
            for a in self.site_admins
            if a.api_token
        )
        found = (
            self.api_key,
            self.admin_token,
            *(a.api_token for a in self.site_admins),
            *basic,
        )
        return tuple(s for s in found if s)

    def site_admin(self, role_via: str = "direct") -> SiteAdmin:
        for admin in self.site_admins:
            if admin.role_via == role_via:
                return admin
        raise ProfileError(f"{self.source}: no site admin with the role held {role_via}")

    def public(self) -> dict[str, Any]:
        """The profile as JSON, as written."""
        return json.loads(json.dumps(self.raw))


def load_profile(path: str | Path | None = None) -> Profile:
    """Load and check a profile file (the default sandbox profile when ``path`` is None)."""
    source = Path(path) if path is not None else DEFAULT_PROFILE
    data = _read_json(source)
    problems = _schemas.validate(_schemas.schema_uri("profile.json"), data)
    if problems:
        raise ProfileError(_describe(source, problems))
    return profile_from_data(data, source=str(source))


def profile_from_data(data: Mapping[str, Any], source: str = "<data>") -> Profile:
    """A profile from already-parsed, already-checked data; ProfileError names a reading
    of an assumption the cookbook does not allow two readings of."""
    org = data["org"]
    try:
        Readings.of((data.get("sandbox") or {}).get("readings"))
    except ValueError as exc:
        raise ProfileError(f"{source}: sandbox.readings: {exc}") from None
    _refuse_clashes(source, data["catalogue"], "/catalogue")
    timezone = (data.get("defaults") or {}).get("timezone")
    if isinstance(timezone, str) and timezone not in time_zones():
        raise ProfileError(
            f"{source}: not a valid profile:\n  /defaults/timezone: {timezone!r} is not an "
            "IANA time-zone name such as 'Australia/Sydney' (ASM-046): a new site takes it"
        )
    _refuse_unknown_sites(source, data)
    return Profile(
        org_id=org["id"],
        api_key=org.get("apiKey"),
        site_admins=tuple(
            SiteAdmin(a["email"], a["apiToken"], tuple(a["sites"]), a["roleVia"])
            for a in data.get("siteAdmins", ())
        ),
        defaults=dict(data.get("defaults", {})),
        sandbox=dict(data.get("sandbox", {})),
        catalogue=Catalogue.from_data(data["catalogue"]),
        raw=data,
        source=source,
    )


@functools.cache
def time_zones() -> frozenset[str]:
    """The IANA time-zone names a new site may take (ASM-046): the tzdata package's, else
    the system's. The sandbox refuses any other; a profile naming another is refused."""
    return frozenset(zoneinfo.available_timezones())


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """A catalogue from a catalogue file or a whole profile file (default: the sandbox's)."""
    if path is None:
        return load_profile().catalogue
    source = Path(path)
    data = _read_json(source)
    if isinstance(data, dict) and "catalogue" in data:
        return load_profile(source).catalogue
    problems = _schemas.validate(_schemas.schema_uri("profile.json") + "#/$defs/catalogue", data)
    if problems:
        raise ProfileError(_describe(source, problems))
    _refuse_clashes(str(source), data, "")
    return Catalogue.from_data(data)


_ONE_ENTITLEMENT = "an entitlement id names one entitlement"


def _refuse_clashes(source: str, catalogue: Mapping[str, Any], at: str) -> None:
    """ProfileError naming each value the catalogue gives twice where an org has one
    (what the schema cannot say): a site's name and cloud id; an entitlement id (parent,
    family container or a site's product); an invoice group (of one transaction account,
    REL-018); a product on one site. And a site's product whose offering the catalogue
    lacks or gives to another product (the sandbox relates it by that offering)."""
    seen: dict[tuple[str, str], str] = {}
    clashes: list[str] = []
    products_of = {o.get("id"): o.get("product") for o in catalogue.get("offerings", ())}

    def claim(kind: str, value: Any, pointer: str, scope: str = "") -> None:
        if not isinstance(value, str):
            return
        first = seen.setdefault((kind, f"{scope}{value}"), pointer)
        if first != pointer:
            clashes.append(f"  {pointer}: {value!r} is also at {first}: {kind}")

    for i, parent in enumerate(catalogue.get("parentEntitlements", ())):
        claim(_ONE_ENTITLEMENT, parent.get("id"), f"{at}/parentEntitlements/{i}/id")
    for i, account in enumerate(catalogue.get("transactionAccounts", ())):
        for k, group in enumerate(account.get("invoiceGroupIds", ())):
            claim(
                "an invoice group belongs to one transaction account",
                group,
                f"{at}/transactionAccounts/{i}/invoiceGroupIds/{k}",
            )
    for i, site in enumerate(catalogue.get("sites", ())):
        here = f"{at}/sites/{i}"
        claim("two sites never share a name", site.get("name"), f"{here}/name")
        claim("two sites never share a cloud id", site.get("cloudId"), f"{here}/cloudId")
        container = site.get("familyContainerEntitlementId")
        claim(_ONE_ENTITLEMENT, container, f"{here}/familyContainerEntitlementId")
        for j, product in enumerate(site.get("products", ())):
            pointer = f"{here}/products/{j}"
            claim(_ONE_ENTITLEMENT, product.get("entitlementId"), f"{pointer}/entitlementId")
            offered = products_of.get(product.get("offeringId"))
            if offered is None:
                clashes.append(
                    f"  {pointer}/offeringId: {product.get('offeringId')!r} is no offering of "
                    f"{at}/offerings: add it (id, name, product {product.get('product')!r})"
                )
            elif offered != product.get("product"):
                clashes.append(
                    f"  {pointer}/product: {product.get('product')!r}, but its offering is "
                    f"one of product {offered!r}"
                )
            claim(
                "a site has each product once", product.get("product"), f"{pointer}/product", here
            )
    if clashes:
        raise ProfileError("\n".join([f"{source}: not a valid profile:", *clashes]))


def _refuse_unknown_sites(source: str, data: Mapping[str, Any]) -> None:
    """ProfileError naming each site a role names that is not as the catalogue says (what
    the schema cannot say): a site admin's site the catalogue lacks (the roles and the
    sandbox's Basic authentication read it there), and a new site's name that a catalogue
    site has already (a site's name is taken once)."""
    sites = {site.get("name"): i for i, site in enumerate(data["catalogue"].get("sites", ()))}
    problems = [
        f"  /siteAdmins/{i}/sites/{k}: {name!r} is no site of /catalogue/sites: add it there "
        "(name, cloudId, products; `harness profile discover` writes the org's sites), or "
        "remove it"
        for i, admin in enumerate(data.get("siteAdmins", ()))
        for k, name in enumerate(admin.get("sites", ()))
        if name not in sites
    ]
    new_site = (data.get("defaults") or {}).get("newSiteName")
    if new_site in sites:
        problems.append(
            f"  /defaults/newSiteName: {new_site!r} is the name of /catalogue/sites/"
            f"{sites[new_site]}: a new site needs a name no site has"
        )
    if problems:
        raise ProfileError("\n".join([f"{source}: not a valid profile:", *problems]))


def _read_json(path: Path) -> Any:
    try:
        return read_json_file(path)
    except JsonError as exc:
        raise ProfileError(str(exc)) from None


#: The profile's credential fields: a problem with one says what, never the value.
_CREDENTIAL_FIELDS = frozenset({"apiKey", "apiToken"})


def _describe(source: Path, problems: list[Any]) -> str:
    lines = [f"{source}: not a valid profile:"]
    lines += [f"  {p.location}: {_without_secret(p)}" for p in problems]
    return "\n".join(lines)


def _without_secret(problem: Any) -> str:
    """The problem's message, or for a credential field one that does not quote it."""
    if problem.location.rsplit("/", 1)[-1] not in _CREDENTIAL_FIELDS:
        return problem.message
    keyword = (problem.schema_location or "").rsplit("/", 1)[-1]
    if keyword == "not":  # {"not": {"pattern": "[^!-~]"}}: a character outside them
        return "must be printable ASCII without spaces, as a header carries (ASM-052; not shown)"
    if keyword == "type":
        return "must be a string (not shown)"
    return problem.message if keyword == "minLength" else f"breaks {keyword} (not shown)"

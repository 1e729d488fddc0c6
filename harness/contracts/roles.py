"""Roles: what a scenario needs of an org, named as the cookbook would, found in the profile.

A feature never names a site, an id or an e-mail of one org. It names a role, "a site with
Jira and no JSM", "the app", "a second transaction account with an invoice group", and
this module is the one place that says what plays it in a profile::

    site = resolve(profile, "a site with Jira and no JSM")     # a Site, or MissingRole

A role the profile cannot supply raises ``MissingRole``, whose message names the role and
how to add it to the profile; the suite skips the scenario with that message, never fails
it. ``ROLES`` lists every role (``docs`` and ``harness profile discover`` read it).

Site roles that a scenario changes for good (adding JSM to "a site with Jira and no JSM")
say which products a site made for the purpose needs (``Role.made_with``): a run against
a shared org makes such a site instead of changing one of the profile's (``harness.suite``).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .profile import Offering, Profile, Site, SiteAdmin

#: The offerings the cookbook names, as the features name them: (product, edition).
OFFERING_WORDS: dict[str, tuple[str, str | None]] = {
    "Confluence Enterprise": ("confluence", "enterprise"),
    "Jira Enterprise": ("jira", "enterprise"),
    "Jira Service Management Enterprise": ("jsm", "enterprise"),
    "Jira Premium (Open Source)": ("jira", "premium"),
    "Jira family container": ("family-container", None),
}
#: The Enterprise offering of each product, by the features' words (a site made to play
#: a role is made with these).
ENTERPRISE_WORDS: dict[str, str] = {
    "confluence": "Confluence Enterprise",
    "jira": "Jira Enterprise",
    "jsm": "Jira Service Management Enterprise",
}
#: Product words of the parent Enterprise entitlements.
PARENT_WORDS: dict[str, str] = {"Confluence": "confluence", "Jira": "jira", "JSM": "jsm"}
#: Where the suite's new site names begin when neither --site-prefix nor the profile says.
DEFAULT_SITE_PREFIX = "harness"
#: Timezone of a new site when the profile gives none (the API needs one, ASM-023).
DEFAULT_TIMEZONE = "UTC"
#: Users (or agents) an order's items are charged for when the profile gives no
#: ``defaults.chargeQuantity``: the quantity of every order sample of the cookbook ('Place
#: order'). `harness profile discover` writes none, and an order needs one (REL-012).
DEFAULT_CHARGE_QUANTITY = 100
_YEAR_MS = 365 * 24 * 3600 * 1000
_DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class Role:
    """One role: its name in the features, what plays it, and how a profile gets one."""

    name: str
    how_to_add: str
    find: Callable[[Profile], Any]
    #: Products a new site needs to play this role (site roles a scenario may change).
    made_with: tuple[str, ...] = ()


class MissingRole(LookupError):
    """The profile has nothing that plays a role; the message says how to add it."""

    def __init__(self, role: Role, source: str) -> None:
        self.role = role
        super().__init__(f"the profile ({source}) lacks {role.name!r}: {role.how_to_add}")


def _products(site: Site) -> set[str]:
    return {p.product for p in site.products}


def _admin(profile: Profile, role_via: str) -> SiteAdmin | None:
    """The site admin holding the role ``role_via``: of several, the first who administers
    a catalogue site with Jira while another such site is not theirs (so that "a site with
    Jira that the site admin (does not) administer" both name a site of this admin's), else
    the first who administers one, else the first with any site, else the first."""
    admins = [a for a in profile.site_admins if a.role_via == role_via]
    jira = {
        s.name for s in profile.catalogue.sites if "jira" in _products(s) and s.family_container
    }

    def fit(admin: SiteAdmin) -> tuple[bool, bool, bool]:
        return (bool(jira & set(admin.sites)), bool(jira - set(admin.sites)), bool(admin.sites))

    return max(admins, key=fit, default=None)  # max keeps the first of equals


def _site(
    has: Iterable[str],
    lacks: Iterable[str] = (),
    *,
    admin: bool | None = None,
    edition: str | None = None,
) -> Callable[[Profile], Site | None]:
    """The first catalogue site with every product of ``has`` and none of ``lacks``; a
    Jira-family site must have its family container. ``admin``: True, the direct site
    admin administers it; False, there is a direct site admin who does not. ``edition``:
    the products of ``has`` are of that edition on it (by their offerings)."""
    wanted, unwanted = set(has), set(lacks)

    def of_edition(profile: Profile, site: Site) -> bool:
        offerings = (profile.catalogue.offering(p.offering_id) for p in site.products)
        editions = {o.product: o.edition for o in offerings if o is not None}
        return all(editions.get(product) == edition for product in wanted)

    def find(profile: Profile) -> Site | None:
        direct = _admin(profile, "direct")
        if admin is not None and direct is None:
            return None
        for site in profile.catalogue.sites:
            products = _products(site)
            if not wanted <= products or products & unwanted:
                continue
            if edition is not None and not of_edition(profile, site):
                continue
            if products & {"jira", "jsm"} and not site.family_container:
                continue
            if admin is not None and direct is not None and (site.name in direct.sites) != admin:
                continue
            return site
        return None

    return find


_SITE_HOW = (
    "add to catalogue.sites a site (name, cloudId, familyContainerEntitlementId) whose "
    "products {what} (`harness profile discover` writes the org's sites)"
)


def _offering(product: str, edition: str | None) -> Callable[[Profile], Offering | None]:
    def find(profile: Profile) -> Offering | None:
        return profile.catalogue.offering_for(product, edition)

    return find


def _app(profile: Profile) -> Offering | None:
    """The first app an order can be made of: a pricing plan, a key and a charge element
    (an app's is its own: no product's rule gives it)."""
    for app in profile.catalogue.offerings_of("app"):
        key = app.app_key or profile.defaults.get("appKey")
        if app.pricing_plans and key and app.charged_per:
            return app
    return None


def _accounts(count: int) -> Callable[[Profile], list[str] | None]:
    def find(profile: Profile) -> list[str] | None:
        accounts = [a for a, groups in profile.catalogue.transaction_accounts.items() if groups]
        return accounts[:count] if len(accounts) >= count else None

    return find


def _parent(product: str) -> Callable[[Profile], str | None]:
    return lambda profile: profile.catalogue.parent_entitlements.get(product)


def _group_admin(profile: Profile) -> SiteAdmin | None:
    """The site admin through a group, with a site to be refused on (its scenario asks
    for the workspaces of their site)."""
    admin = _admin(profile, "group")
    return admin if admin is not None and admin.sites else None


def _admin_email(profile: Profile) -> str | None:
    direct = _admin(profile, "direct")
    return profile.defaults.get("adminEmail") or (direct.email if direct else None)


def offering_role(words: str) -> str:
    """The role name of an offering the features name ("Jira Enterprise")."""
    if words not in OFFERING_WORDS:
        raise KeyError(f"no offering {words!r}; the features name: {', '.join(OFFERING_WORDS)}")
    return f"an offering for {words}"


def parent_role(word: str) -> str:
    """The role name of a product's parent Enterprise entitlement ("Jira")."""
    if word not in PARENT_WORDS:
        raise KeyError(f"no product {word!r}; one of {', '.join(PARENT_WORDS)}")
    return f"the {word} parent Enterprise entitlement"


def parent_role_of(product: str) -> str:
    """The role name of the parent Enterprise entitlement of ``product`` ("jsm")."""
    word = next((w for w, p in PARENT_WORDS.items() if p == product), None)
    if word is None:
        raise KeyError(f"no parent Enterprise entitlement for {product!r}")
    return parent_role(word)


def _offering_roles() -> list[Role]:
    roles = []
    for words, (product, edition) in OFFERING_WORDS.items():
        extra = " and a pricing plan" if edition == "premium" else ""
        what = f"product '{product}'" + (f", edition '{edition}'" if edition else "") + extra
        roles.append(
            Role(
                offering_role(words),
                f"add to catalogue.offerings an offering with {what} (`harness profile "
                f"discover --offering '{words}=<offering id>'`)",
                _offering(product, edition),
            )
        )
    return roles


def _parent_roles() -> list[Role]:
    return [
        Role(
            parent_role(word),
            f"add {{id, product: '{product}'}} to catalogue.parentEntitlements (`harness "
            f"profile discover` finds it in the details of a {word} Enterprise entitlement)",
            _parent(product),
        )
        for word, product in PARENT_WORDS.items()
    ]


#: Every role a feature may name, by name.
ROLES: dict[str, Role] = {
    role.name: role
    for role in [
        Role(
            "a site with Jira",
            _SITE_HOW.format(what="include 'jira'"),
            _site(["jira"]),
            made_with=("jira",),
        ),
        Role(
            "a site with Jira Enterprise",
            _SITE_HOW.format(what="include 'jira' of an offering with edition 'enterprise'"),
            _site(["jira"], edition="enterprise"),
            made_with=("jira",),
        ),
        Role(
            "a site with Jira and no JSM",
            _SITE_HOW.format(what="include 'jira' and not 'jsm'"),
            _site(["jira"], ["jsm"]),
            made_with=("jira",),
        ),
        Role(
            "a site with Jira and no Confluence",
            _SITE_HOW.format(what="include 'jira' and not 'confluence'"),
            _site(["jira"], ["confluence"]),
            made_with=("jira",),
        ),
        Role(
            "a site with JSM",
            _SITE_HOW.format(what="include 'jsm'"),
            _site(["jsm"]),
            made_with=("jsm",),
        ),
        Role(
            "a site with Jira that the site admin administers",
            "add to siteAdmins a site admin with roleVia 'direct' whose sites include a "
            "catalogue site with 'jira'",
            _site(["jira"], admin=True),
        ),
        Role(
            "a site with Jira that the site admin does not administer",
            "add to catalogue.sites a site with 'jira' that is not among the sites of the "
            "siteAdmins entry with roleVia 'direct'",
            _site(["jira"], admin=False),
        ),
        Role(
            "the site admin who holds the role directly",
            "add to siteAdmins {email, apiToken, sites, roleVia: 'direct'}: a user who holds "
            "the site-admin role directly (not through a group)",
            lambda profile: _admin(profile, "direct"),
        ),
        Role(
            "the site admin who holds the role through a group",
            "add to siteAdmins {email, apiToken, sites, roleVia: 'group'}: a user who holds "
            "the site-admin role only through a group, on the sites listed (one at least)",
            _group_admin,
        ),
        Role(
            "the app",
            "add to catalogue.offerings an offering with product 'app', its pricingPlans, "
            "chargeElement and appKey (or defaults.appKey) (`harness profile discover "
            "--offering app=<id> --pricing-plan app=<id> --app-key <key> --app-charge-element "
            "user|agent`)",
            _app,
        ),
        Role(
            "a transaction account with an invoice group",
            "add to catalogue.transactionAccounts {id, invoiceGroupIds} (`harness profile "
            "discover --transaction-account <id> --invoice-group <id>`)",
            _accounts(1),
        ),
        Role(
            "a second transaction account with an invoice group",
            "add a second {id, invoiceGroupIds} to catalogue.transactionAccounts",
            _accounts(2),
        ),
        Role(
            "the admin e-mail of new products",
            "set defaults.adminEmail: the e-mail the provisioning requests name as the "
            "products' admin (`harness profile discover --admin-email <e-mail>`); without it, "
            "the site admin who holds the role directly is named",
            _admin_email,
        ),
        *_offering_roles(),
        *_parent_roles(),
    ]
}


def role(name: str) -> Role:
    """The role with this name; KeyError lists the known ones."""
    try:
        return ROLES[name]
    except KeyError:
        raise KeyError(f"no role {name!r}; the roles are: {'; '.join(ROLES)}") from None


def resolve(profile: Profile, name: str) -> Any:
    """What plays the role ``name`` in ``profile``; ``MissingRole`` when nothing does."""
    found = role(name).find(profile)
    if found is None:
        raise MissingRole(role(name), profile.source)
    return found


def missing(profile: Profile, names: Iterable[str]) -> list[MissingRole]:
    """The roles among ``names`` the profile cannot supply, each once, in order."""
    seen: dict[str, MissingRole] = {}
    for name in names:
        if name not in seen and role(name).find(profile) is None:
            seen[name] = MissingRole(role(name), profile.source)
    return list(seen.values())


def offering(profile: Profile, words: str) -> Offering:
    """The offering the features call ``words`` ("Jira Enterprise"), or MissingRole."""
    found: Offering = resolve(profile, offering_role(words))
    return found


def site_prefix(profile: Profile) -> str:
    """Where new site names begin: ``defaults.sitePrefix``, else ``harness``."""
    return str(profile.defaults.get("sitePrefix") or DEFAULT_SITE_PREFIX)


def fresh_site_name(profile: Profile) -> str:
    """A new site's name for one run: the profile's site prefix and 8 random hex digits. A
    site's name is taken once (it becomes ``https://{name}.atlassian.net``: cookbook,
    'Provision product instances'), so a journey made with a fresh one runs again against
    the same org."""
    return f"{site_prefix(profile)}-{secrets.token_hex(4)}"


def timezone(profile: Profile) -> str:
    """A new site's timezone: ``defaults.timezone``, else UTC."""
    return str(profile.defaults.get("timezone") or DEFAULT_TIMEZONE)


def charge_quantity(profile: Profile) -> int:
    """The charge quantity of an order's items: ``defaults.chargeQuantity``, else the
    cookbook's 100 (``DEFAULT_CHARGE_QUANTITY``)."""
    given = profile.defaults.get("chargeQuantity")
    return given if isinstance(given, int) and given >= 1 else DEFAULT_CHARGE_QUANTITY


def premium_ends_at(profile: Profile, started_at: float | None = None) -> int:
    """End time and billing anchor (ms) of a Jira Premium (Open Source) order:
    ``defaults.premiumEndsAt``, else a year after ``started_at`` (epoch seconds, default
    now), at midnight UTC so that a run's orders agree."""
    given = profile.defaults.get("premiumEndsAt")
    if isinstance(given, int):
        return given
    start_ms = int((time.time() if started_at is None else started_at) * 1000)
    return (start_ms // _DAY_MS) * _DAY_MS + _YEAR_MS


def other_billing_anchor(profile: Profile, anchor: int | None) -> int:
    """A billing anchor that is not ``anchor``: another entitlement's of the catalogue
    (a plausible mistake), else a day after it."""
    for site in profile.catalogue.sites:
        for product in site.products:
            if product.billing_anchor is not None and product.billing_anchor != anchor:
                return product.billing_anchor
    return (anchor or 0) + _DAY_MS

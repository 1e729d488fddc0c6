"""``harness profile discover``: a profile of your org, from the cookbook's read APIs.

Walks what the org's credentials can read, with the project's client:

1. the workspaces query (every page): the sites, each product instance's ARI (its
   ``cloudId``) and entitlement id;
2. the entitlements list of each product instance: its entitlements and the site's Jira
   family container;
3. the entitlement details of each: its offering, its FAMILY_CONTAINER (the site's
   container), its ENTERPRISE parent (the org's parent Enterprise entitlement of that
   product) and its billing anchor; and the details of each family container (its
   offering).

What no read API gives comes from options (``DiscoveryOptions``): transaction accounts
and invoice groups, offerings to buy (``NAME=ID``, NAME one of the cookbook's offering
words or their short forms: ``jira-enterprise``, ``app``...), pricing plans, the app key,
the admin e-mail of new products, the site prefix. Credentials are never written.

Read-only by construction: the client's transport (``ReadOnlyTransport``) refuses, before
sending, any request whose operation is not read-only in the contracts; the one POST it
lets through is the workspaces query, a read (ASM-033).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from harness._tls import tls_context
from harness.client import Client, EntitlementDetails, Workspace
from harness.contracts import (
    Profile,
    ProfileError,
    SideEffect,
    find_operation,
    profile_from_data,
    schema_uri,
    side_effect,
    validate,
)
from harness.contracts.profile import PRODUCT_OF_ARI, SITE_ARI, WORKSPACE_TYPE
from harness.contracts.roles import OFFERING_WORDS

#: What a product's items are charged per (cookbook, 'Place order'); an app's is its own,
#: given by ``--app-charge-element`` (no read API says it, and no rule implies it).
_CHARGE_ELEMENT = {"confluence": "user", "jira": "user", "jsm": "agent"}


class DiscoveryError(Exception):
    """Discovery cannot go on; the message says what is missing or wrong (an option, a
    variable of the environment)."""


class UnusableAnswers(Exception):
    """The org answered, but what it said makes no valid profile (a site name the
    cookbook's sites cannot have, one entitlement on two products...); the message says
    what, where, and of which workspace. Nothing is written."""


class NotReadOnly(DiscoveryError):
    """A request that is not a read was about to be sent; nothing was sent."""


class ReadOnlyTransport(httpx.BaseTransport):
    """An httpx transport that sends only what the contracts call read-only."""

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self._inner = inner or httpx.HTTPTransport(verify=tls_context())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        effect = side_effect(request.method, url)
        if effect is not SideEffect.READ_ONLY:
            match = find_operation(request.method, url)
            name = match.operation.name if match else f"{request.method} {request.url.path}"
            raise NotReadOnly(
                f"profile discover sends reads only: refused {name} ({effect.label}) before "
                "sending it"
            )
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def offering_key(name: str) -> str:
    """The cookbook's offering words for ``name``: "Jira Enterprise", "jira-enterprise",
    "JSM Enterprise" and "jsm-enterprise" all name "Jira Service Management Enterprise";
    "app" is the app. DiscoveryError lists the names known."""
    simple = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    simple = simple.replace("jira-service-management", "jsm")
    for words in OFFERING_WORDS:
        key = re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")
        key = key.replace("jira-service-management", "jsm")
        if simple in (key, key.replace("-open-source", "")):
            return words
    if simple == "app":
        return "app"
    known = ", ".join(
        sorted(
            re.sub(r"[^a-z0-9]+", "-", w.lower())
            .strip("-")
            .replace("jira-service-management", "jsm")
            for w in OFFERING_WORDS
        )
    )
    raise DiscoveryError(f"--offering {name!r}: not an offering the cookbook names ({known}, app)")


@dataclass
class DiscoveryOptions:
    """What the read APIs cannot give."""

    transaction_accounts: Sequence[str] = ()
    #: ``GROUP`` (of the first account) or ``ACCOUNT=GROUP``.
    invoice_groups: Sequence[str] = ()
    #: ``NAME=ID``: NAME the cookbook's words for an offering (``offering_key``).
    offerings: Sequence[str] = ()
    #: ``NAME=PLAN``: a pricing plan of an offering.
    pricing_plans: Sequence[str] = ()
    app_key: str | None = None
    admin_email: str | None = None
    site_prefix: str | None = None
    #: What the app's items are charged per: ``user`` or ``agent``.
    app_charge_element: str | None = None


@dataclass
class Discovered:
    """What discovery found: a profile as data (``data``, what is written) and as loaded
    (``profile``, its source the org's answers), and notes on what it skipped."""

    data: dict[str, Any]
    profile: Profile
    notes: list[str] = field(default_factory=list)


def client_from_env(
    environ: Mapping[str, str] | None = None, transport: httpx.BaseTransport | None = None
) -> Client:
    """A read-only client of the org of ``ATLASSIAN_BASE_URL``, ``ATLASSIAN_ORG_ID`` and
    ``ATLASSIAN_API_KEY`` (or ``ATLASSIAN_SITE_ADMIN_EMAIL`` with ``..._TOKEN``)."""
    env = os.environ if environ is None else environ
    if not env.get("ATLASSIAN_ORG_ID"):
        raise DiscoveryError("set ATLASSIAN_ORG_ID: the org to discover (Atlassian Administration)")
    from harness.client import ConfigurationError

    try:
        return Client.from_env(env, transport=ReadOnlyTransport(transport))
    except ConfigurationError as exc:
        raise DiscoveryError(str(exc)) from None


def discover(
    client: Client, options: DiscoveryOptions, progress: Callable[[str], Any] = lambda _: None
) -> Discovered:
    """Walk the org's read APIs and build a profile (see the module docstring): one that
    ``harness.contracts.load_profile`` loads, or ``UnusableAnswers`` (what the org said
    makes none) or ``DiscoveryError`` (an option does)."""
    notes: list[str] = []
    workspaces = _workspaces(client, progress, notes)
    progress(f"workspaces: {len(workspaces)} on {len({w.name for w in workspaces})} sites")
    sites: dict[str, dict[str, Any]] = {}
    offerings: dict[str, dict[str, Any]] = {}
    parents: dict[str, str] = {}
    cloud_of: dict[str, Workspace] = {}
    for workspace in workspaces:
        found = SITE_ARI.fullmatch(workspace.id)
        product = PRODUCT_OF_ARI.get(found["part"]) if found else None
        if found is None or product is None:
            notes.append(
                f"skipped workspace {workspace.id!r}: not a product ARI the cookbook names"
            )
            continue
        first = cloud_of.setdefault(workspace.name, workspace)
        if not first.id.endswith(f"/{found['cloud_id']}"):
            raise UnusableAnswers(
                f"the workspaces query names two sites {workspace.name!r}: workspace "
                f"{first.id!r} and workspace {workspace.id!r} have different cloud ids "
                "(a site's name is its own); nothing was written"
            )
        site = sites.setdefault(
            workspace.name,
            {"name": workspace.name, "cloudId": found["cloud_id"], "products": []},
        )
        listed = client.entitlements(workspace.product_ari)
        if listed.family_container_id:
            site["familyContainerEntitlementId"] = listed.family_container_id
        ids = list(listed.entitlement_ids) or list(workspace.entitlement_ids)
        for entitlement_id in ids[:1]:  # a product instance has one entitlement
            details = client.entitlement_details(entitlement_id)
            site["products"].append(_site_product(product, details))
            _learn(details, product, offerings, parents, site)
        progress(f"site {workspace.name}: {WORKSPACE_TYPE.get(product, product)}")
    for site in sites.values():
        container = site.get("familyContainerEntitlementId")
        if container:
            details = client.entitlement_details(container)
            if details.offering_id:
                offerings.setdefault(
                    details.offering_id,
                    {
                        "id": details.offering_id,
                        "name": "Jira family container",
                        "product": "family-container",
                    },
                )
    _apply_options(options, offerings)
    data = _profile(client.org_id, options, offerings, parents, sites)
    given = {i for _, i in _pairs(options.offerings, "--offering")}
    return Discovered(data, _check(data, options, given_offerings=given), notes)


def check_options(org_id: str, options: DiscoveryOptions) -> None:
    """``DiscoveryError`` naming the option when what the options give makes no valid
    profile (an e-mail that is none, a site prefix no site name can begin with, an id
    that is no UUID...): said before a request is sent, not after the walk."""
    offerings: dict[str, dict[str, Any]] = {}
    # A plan of an offering the org will name is checked after the walk.
    _apply_options(options, offerings, plans_of_the_org=True)
    _check(_profile(org_id, options, offerings, {}, {}), options, given_offerings=set(offerings))


def _workspaces(
    client: Client, progress: Callable[[str], Any], notes: list[str]
) -> list[Workspace]:
    """Every workspace of every page, each once (pages that overlap repeat one)."""
    found: dict[str, Workspace] = {}
    for number, page in enumerate(client.iter_workspace_pages(), 1):
        if number % 20 == 0:  # a large org's walk is not silent
            progress(f"workspaces: {number} pages so far")
        for workspace in page.workspaces:
            if found.setdefault(workspace.id, workspace) != workspace:
                raise UnusableAnswers(
                    f"the workspaces query names workspace {workspace.id!r} twice, as "
                    f"{found[workspace.id].name!r} and as {workspace.name!r}; nothing was "
                    "written"
                )
    return list(found.values())


#: Which option gives the value at a pointer of the profile (first match).
_OPTION_AT: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), option)
    for pattern, option in (
        (r"^/org/id(/|$)", "ATLASSIAN_ORG_ID"),
        (r"^/defaults/adminEmail(/|$)", "--admin-email"),
        (r"^/defaults/sitePrefix(/|$)", "--site-prefix"),
        (r"^/(defaults|catalogue/offerings/\d+)/appKey(/|$)", "--app-key"),
        (r"^/catalogue/transactionAccounts/\d+/invoiceGroupIds(/|$)", "--invoice-group"),
        (r"^/catalogue/transactionAccounts(/|$)", "--transaction-account"),
        (r"^/catalogue/offerings/\d+/pricingPlans(/|$)", "--pricing-plan"),
    )
)
#: Problems shown at most: an org of hundreds of odd sites is not a page of them.
_SHOWN = 12


def _check(data: dict[str, Any], options: DiscoveryOptions, given_offerings: set[str]) -> Profile:
    """``data`` loaded as a profile; else ``DiscoveryError`` for what an option gave that no
    profile may hold, or ``UnusableAnswers`` for what the org did; both name the value and
    where it came from."""
    mine, theirs = [], []
    for problem in validate(schema_uri("profile.json"), data):
        option = _option_at(problem.pointer, data, given_offerings)
        if option:
            mine.append(f"{option}: {problem.message} (at {problem.pointer} of the profile)")
        else:
            theirs.append(f"{problem.pointer}: {problem.message}{_origin(problem.pointer, data)}")
    if mine:
        raise DiscoveryError(_lines(mine, indent=""))
    if theirs:
        raise UnusableAnswers(
            "the org's answers make no valid profile; nothing was written:\n" + _lines(theirs)
        )
    try:
        return profile_from_data(data, source="the org's answers (nothing was written)")
    except ProfileError as exc:  # what the schema cannot say: a value given twice...
        raise UnusableAnswers(str(exc)) from None


def _option_at(pointer: str, data: dict[str, Any], given_offerings: set[str]) -> str | None:
    for pattern, option in _OPTION_AT:
        if pattern.match(pointer):
            return option
    found = re.match(r"^/catalogue/offerings/(\d+)(/|$)", pointer)
    if found and data["catalogue"]["offerings"][int(found[1])].get("id") in given_offerings:
        return "--offering"
    return None


def _origin(pointer: str, data: dict[str, Any]) -> str:
    """Which of the org's answers gave the value at ``pointer``."""
    found = re.match(r"^/catalogue/sites/(\d+)(/|$)", pointer)
    if found:
        return f" (site {data['catalogue']['sites'][int(found[1])]['name']!r} of the workspaces)"
    if pointer.startswith(("/catalogue/offerings", "/catalogue/parentEntitlements")):
        return " (from the entitlement details)"
    return ""


def _lines(problems: list[str], indent: str = "  ") -> str:
    more = len(problems) - _SHOWN
    shown = problems[:_SHOWN] + ([f"... and {more} more"] if more > 0 else [])
    return "\n".join(indent + line for line in shown)


def _site_product(product: str, details: EntitlementDetails) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "product": product,
        "offeringId": details.offering_id,
        "entitlementId": details.entitlement_id,
    }
    if details.billing_anchor is not None:
        entry["billingAnchorTimestamp"] = details.billing_anchor
    return entry


def _learn(
    details: EntitlementDetails,
    product: str,
    offerings: dict[str, dict[str, Any]],
    parents: dict[str, str],
    site: dict[str, Any],
) -> None:
    """What one product entitlement's details tell about the org."""
    parent = details.enterprise_parent_id
    if parent:
        parents.setdefault(product, parent)
    if details.family_container_id and product in ("jira", "jsm"):
        site.setdefault("familyContainerEntitlementId", details.family_container_id)
    if details.offering_id and details.offering_id not in offerings:
        # Only Enterprise instances relate to a parent Enterprise entitlement.
        edition = "enterprise" if parent else None
        words = next(
            (w for w, (p, e) in OFFERING_WORDS.items() if p == product and e == edition), None
        )
        entry: dict[str, Any] = {
            "id": details.offering_id,
            "name": words or f"{WORKSPACE_TYPE[product]} (discovered)",
            "product": product,
            "chargeElement": _CHARGE_ELEMENT[product],
        }
        if edition:
            entry["edition"] = edition
        offerings[details.offering_id] = entry


def _pairs(values: Sequence[str], option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        name, sep, given = value.partition("=")
        if not sep or not name.strip() or not given.strip():
            raise DiscoveryError(f"{option} {value!r}: expected NAME=ID")
        pairs.append((name.strip(), given.strip()))
    return pairs


def _apply_options(
    options: DiscoveryOptions,
    offerings: dict[str, dict[str, Any]],
    *,
    plans_of_the_org: bool = False,
) -> None:
    """The offerings, plans and app key the options give, onto those found.
    ``plans_of_the_org``: a plan of an offering not found is left for the org to name."""
    given: dict[str, str] = {}
    for name, offering_id in _pairs(options.offerings, "--offering"):
        words = offering_key(name)
        if given.setdefault(offering_id, words) != words:
            raise DiscoveryError(
                f"--offering {name}={offering_id}: that id is given as "
                f"{given[offering_id]!r} too (an offering id names one offering)"
            )
        product, edition = ("app", None) if words == "app" else OFFERING_WORDS[words]
        entry = offerings.get(offering_id, {"id": offering_id})
        entry.update({"name": "app" if words == "app" else words, "product": product})
        if edition:
            entry["edition"] = edition
        if product in _CHARGE_ELEMENT:
            entry["chargeElement"] = _CHARGE_ELEMENT[product]
        if product == "app" and options.app_charge_element is not None:
            entry["chargeElement"] = options.app_charge_element
        if product == "app" and options.app_key is not None:
            entry["appKey"] = options.app_key
        offerings[offering_id] = entry
    for name, plan in _pairs(options.pricing_plans, "--pricing-plan"):
        words = offering_key(name)
        matching = [
            o for o in offerings.values() if o["name"] == ("app" if words == "app" else words)
        ]
        if not matching and plans_of_the_org:
            continue
        if not matching:
            raise DiscoveryError(
                f"--pricing-plan {name}={plan}: no offering {name!r}; give --offering {name}=ID"
            )
        matching[0].setdefault("pricingPlans", []).append(plan)


def _accounts(options: DiscoveryOptions) -> list[dict[str, Any]]:
    accounts: dict[str, list[str]] = {a: [] for a in options.transaction_accounts}
    for value in options.invoice_groups:
        account, sep, group = value.rpartition("=")
        if not sep:
            if not accounts:
                raise DiscoveryError(
                    f"--invoice-group {value}: give --transaction-account first, or ACCOUNT=GROUP"
                )
            account = next(iter(accounts))
        accounts.setdefault(account, []).append(group)
    return [{"id": a, "invoiceGroupIds": groups} for a, groups in accounts.items()]


def _profile(
    org_id: str,
    options: DiscoveryOptions,
    offerings: dict[str, dict[str, Any]],
    parents: dict[str, str],
    sites: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    if options.admin_email is not None:
        defaults["adminEmail"] = options.admin_email
    if options.site_prefix is not None:
        defaults["sitePrefix"] = options.site_prefix
    if options.app_key is not None:
        defaults["appKey"] = options.app_key
    data: dict[str, Any] = {
        "description": "Discovered by harness profile discover; credentials come from the "
        "environment, never from this file.",
        "org": {"id": org_id},
        "defaults": defaults,
        "catalogue": {
            "offerings": list(offerings.values()),
            "parentEntitlements": [{"id": e, "product": p} for p, e in parents.items()],
            "transactionAccounts": _accounts(options),
            "sites": [
                {k: v for k, v in site.items() if k != "familyContainerEntitlementId" or v}
                for site in sites.values()
            ],
        },
    }
    for site in data["catalogue"]["sites"]:
        site.setdefault("familyContainerEntitlementId", None)
    return data

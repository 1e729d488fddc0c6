"""Roles: what plays each one in a profile, and what a profile without one says."""

from __future__ import annotations

import copy
import re

import pytest

from harness.contracts import MissingRole, load_profile, roles
from harness.contracts.profile import profile_from_data
from tests.other_org import INITECH, UMBRELLA, other_org

DEFAULT = load_profile()
OTHER = profile_from_data(other_org(), source="other.json")


@pytest.mark.parametrize(
    ("role", "default", "other"),
    [
        ("a site with Jira", "acme", INITECH),
        ("a site with Jira Enterprise", "acme", INITECH),
        ("a site with Jira and no JSM", "acme", INITECH),
        ("a site with Jira and no Confluence", "acme", INITECH),
        ("a site with JSM", "hooli", UMBRELLA),
        ("a site with Jira that the site admin administers", "acme", INITECH),
        ("a site with Jira that the site admin does not administer", "globex", UMBRELLA),
    ],
)
def test_site_roles_are_played_by_the_sites_that_fit(role: str, default: str, other: str) -> None:
    assert roles.resolve(DEFAULT, role).name == default
    assert roles.resolve(OTHER, role).name == other


def test_offerings_are_found_by_product_and_edition_not_by_name() -> None:
    found = roles.offering(OTHER, "Jira Service Management Enterprise")
    assert (found.name, found.product, found.edition) == (
        "Service desk (Enterprise plan)",
        "jsm",
        "enterprise",
    )
    assert roles.offering(OTHER, "Jira Premium (Open Source)").pricing_plans
    assert roles.resolve(OTHER, "the app").app_key == "test.initech.helper-app"
    assert (
        roles.resolve(OTHER, roles.parent_role_of("jsm"))
        == OTHER.catalogue.parent_entitlements["jsm"]
    )


def test_a_role_the_profile_lacks_says_which_and_how_to_add_it() -> None:
    data = copy.deepcopy(other_org())
    data["catalogue"]["sites"] = [s for s in data["catalogue"]["sites"] if s["name"] == INITECH]
    data["catalogue"]["offerings"] = [
        o for o in data["catalogue"]["offerings"] if o["product"] != "app"
    ]
    lacking = profile_from_data(data, source="lacking.json")
    with pytest.raises(MissingRole) as info:
        roles.resolve(lacking, "a site with JSM")
    message = str(info.value)
    assert message.startswith(
        "the profile (lacking.json) lacks 'a site with JSM': add to catalogue.sites"
    )
    assert "include 'jsm'" in message and "harness profile discover" in message
    missing = roles.missing(
        lacking, ["a site with JSM", "the app", "a site with JSM", "a site with Jira"]
    )
    assert [m.role.name for m in missing] == ["a site with JSM", "the app"]


def test_a_jira_site_without_its_family_container_plays_no_jira_role() -> None:
    data = copy.deepcopy(other_org())
    for site in data["catalogue"]["sites"]:
        site["familyContainerEntitlementId"] = None
    assert roles.missing(profile_from_data(data), ["a site with Jira", "a site with JSM"]) != []


def test_site_admin_roles_need_the_admin() -> None:
    data = copy.deepcopy(other_org())
    data["siteAdmins"] = [a for a in data["siteAdmins"] if a["roleVia"] == "group"]
    lacking = profile_from_data(data)
    names = [
        "the site admin who holds the role directly",
        "a site with Jira that the site admin administers",
        "a site with Jira that the site admin does not administer",
        "the site admin who holds the role through a group",
    ]
    assert [m.role.name for m in roles.missing(lacking, names)] == names[:3]


def test_an_unknown_role_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="a site with Jira and no JSM"):
        roles.role("a site with Bamboo")


def test_the_premium_end_is_the_profiles_or_a_year_from_the_run() -> None:
    assert roles.premium_ends_at(DEFAULT) == 1765520321000
    data = copy.deepcopy(other_org())
    del data["defaults"]["premiumEndsAt"]
    start = 1_767_225_600.5  # 2026-01-01T00:00:00.5Z
    ends = roles.premium_ends_at(profile_from_data(data), started_at=start)
    assert ends == 1_767_225_600_000 + 365 * 86_400_000


def test_another_anchor_is_another_entitlements_or_a_day_later() -> None:
    anchors = [p.billing_anchor for s in OTHER.catalogue.sites for p in s.products]
    assert roles.other_billing_anchor(OTHER, anchors[0]) == anchors[1]
    assert roles.other_billing_anchor(OTHER, anchors[1]) == anchors[0]
    data = copy.deepcopy(other_org())
    data["catalogue"]["sites"] = []
    data["siteAdmins"] = []  # their sites would be none of the catalogue's
    assert roles.other_billing_anchor(profile_from_data(data), 5) == 5 + 86_400_000


def test_every_role_says_where_in_the_profile_it_comes_from() -> None:
    for role in roles.ROLES.values():
        assert re.search(r"siteAdmins|catalogue\.|defaults\.", role.how_to_add), role.name


def test_the_admin_email_is_the_profiles_or_the_direct_site_admins() -> None:
    data = copy.deepcopy(other_org())
    del data["defaults"]["adminEmail"]
    assert roles.resolve(profile_from_data(data), "the admin e-mail of new products") == (
        "pat.lead@initech.test"
    )
    data["siteAdmins"] = []
    assert roles.missing(profile_from_data(data), ["the admin e-mail of new products"]) != []


def _with_a_wiki_admin_first() -> dict[str, object]:
    """The other org with a Confluence-only site and, listed first, a direct site admin of
    that site alone (an org may have many direct site admins, of any sites)."""
    data = copy.deepcopy(other_org())
    confluence = data["catalogue"]["offerings"][1]
    assert confluence["product"] == "confluence"
    data["catalogue"]["sites"].append(
        {
            "name": "wiki-only",
            "cloudId": "0b7a9c6e-1d2f-4e3a-8b5c-6d7e8f9a0b1c",
            "products": [
                {
                    "product": "confluence",
                    "offeringId": confluence["id"],
                    "entitlementId": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                }
            ],
        }
    )
    wiki_admin = {
        "email": "wiki+admin@docs.initech.test",
        "apiToken": "qa-wiki-token-0123",
        "sites": ["wiki-only"],
        "roleVia": "direct",
    }
    data["siteAdmins"] = [wiki_admin, *data["siteAdmins"]]
    return data


def test_the_direct_site_admin_is_one_who_administers_a_jira_site_when_there_is_one() -> None:
    """The scenarios authenticate as 'the site admin who holds the role directly' on 'a
    site with Jira that the site admin administers': both must be the same person, and a
    direct admin of a Jira site must be found though another direct admin is listed first.
    Before, the first direct admin was always chosen and both roles were reported missing."""
    other = profile_from_data(_with_a_wiki_admin_first(), source="wiki-first.json")
    admin = roles.resolve(other, "the site admin who holds the role directly")
    assert admin.email == "pat.lead@initech.test"
    assert roles.resolve(other, "a site with Jira that the site admin administers").name == (
        INITECH
    )
    assert (
        roles.resolve(other, "a site with Jira that the site admin does not administer").name
        == UMBRELLA
    )


def test_a_site_with_jira_enterprise_passes_over_a_site_whose_jira_is_another_edition() -> None:
    """An org's first Jira site may have Jira Standard: its details relate to no parent
    Enterprise entitlement, so it plays "a site with Jira" but not "... Jira Enterprise"."""
    data = copy.deepcopy(other_org())
    standard = {"id": "0d5c7a38-8a1e-4a52-9c84-6b1d1f0e1a01", "name": "Jira Std"}
    data["catalogue"]["offerings"].append({**standard, "product": "jira", "edition": "standard"})
    first = copy.deepcopy(data["catalogue"]["sites"][0])
    first.update(name="std", cloudId="0d5c7a38-8a1e-4a52-9c84-6b1d1f0e1a02")
    first["familyContainerEntitlementId"] = "0d5c7a38-8a1e-4a52-9c84-6b1d1f0e1a03"
    first["products"][0].update(
        offeringId=standard["id"], entitlementId="0d5c7a38-8a1e-4a52-9c84-6b1d1f0e1a04"
    )
    data["catalogue"]["sites"].insert(0, first)
    profile = profile_from_data(data)
    assert roles.resolve(profile, "a site with Jira").name == "std"
    assert roles.resolve(profile, "a site with Jira Enterprise").name == INITECH


def test_the_charge_quantity_is_the_profiles_or_the_cookbooks() -> None:
    """`harness profile discover` writes no defaults.chargeQuantity: every order of the
    suite, the notebook and the examples failed ('needs a positive whole charge quantity,
    got None'); the cookbook's samples all order 100."""
    assert roles.charge_quantity(OTHER) == 25
    data = copy.deepcopy(other_org())
    del data["defaults"]["chargeQuantity"]
    assert roles.charge_quantity(profile_from_data(data)) == roles.DEFAULT_CHARGE_QUANTITY == 100


def test_the_app_and_the_group_admin_are_what_their_scenarios_can_use() -> None:
    """The app needs a charge element (an app's is its own) and the group admin a site of
    theirs (its scenario queries it): else the role is missing and the scenario skipped,
    where it failed with 'the catalogue names no charge element' or 'administers no site'."""
    data = copy.deepcopy(other_org())
    free = {"id": "0d5c7a38-8a1e-4a52-9c84-6b1d1f0e1a05", "name": "Free app", "product": "app"}
    data["catalogue"]["offerings"].insert(0, {**free, "pricingPlans": [free["id"]]})
    assert roles.resolve(profile_from_data(data), "the app").name == "Helper app"
    for offering in data["catalogue"]["offerings"]:
        if offering["product"] == "app":
            offering.pop("chargeElement", None)
    for admin in data["siteAdmins"]:
        if admin["roleVia"] == "group":
            admin["sites"] = []
    lacking = profile_from_data(data)
    names = ["the app", "the site admin who holds the role through a group"]
    assert [m.role.name for m in roles.missing(lacking, names)] == names


def test_a_fresh_site_name_begins_with_the_profiles_prefix_and_differs_each_time() -> None:
    other = profile_from_data(other_org())
    names = {roles.fresh_site_name(other) for _ in range(20)}
    assert len(names) == 20
    assert all(re.fullmatch(r"qa-[0-9a-f]{8}", n) for n in names), names
    bare = other_org()
    del bare["defaults"]["sitePrefix"]
    assert roles.fresh_site_name(profile_from_data(bare)).startswith(
        f"{roles.DEFAULT_SITE_PREFIX}-"
    )

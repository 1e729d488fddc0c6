"""The default profile and its catalogue."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.contracts import ProfileError, load_catalogue, load_profile, profile_from_data
from harness.contracts.profile import DEFAULT_PROFILE
from tests.other_org import other_org


def test_default_profile_holds_the_cookbook_ids() -> None:
    profile = load_profile()
    catalogue = profile.catalogue
    assert catalogue.parent_entitlements == {
        "confluence": "1036832a-8660-4293-9178-3a12b19bc67c",
        "jira": "58146793-4749-4db3-8c36-0cd59aa10b50",
        "jsm": "a4c95dd2-eb2d-46a8-b9a4-7076fb8e7548",
    }
    acme = catalogue.site("acme")
    # The app sample's parent is acme's family container (ASM-041), and the app sample's
    # anchor that of acme's Jira, the product the app journey installs on.
    assert acme is not None and acme.family_container == "d71ec13e-301b-35bf-9808-653f5be6c256"
    assert acme.product_ari("jira") == (
        "ari:cloud:jira-software::site/4745a76c-290c-49d4-aa23-04d5ccb3c52d"
    )
    assert catalogue.entitlement("f5050916-617d-49d5-9aa8-382185a0c0b3").billing_anchor == (
        1752745039000
    )
    # The entitlements-list sample's site: one Jira entitlement and its family container.
    globex = catalogue.site("globex")
    assert globex is not None and globex.family_container == "c69b31ea-ed4b-37d0-91c3-583a40c8fd9c"
    assert [p.entitlement_id for p in globex.products] == ["edf3f6c3-22a3-3f34-a21f-8c6395ac0074"]
    # The entitlement-details sample's entitlement relates from its family container.
    details = catalogue.entitlement("73a8edb7-a48f-3a03-8609-5a616930f01c")
    assert details is not None and details.site is not None
    assert details.site.family_container == "92ee1d1d-9f6c-3288-b1d9-12dbf5086ef6"
    assert {a.role_via for a in profile.site_admins} == {"direct", "group"}


def test_secrets_stay_out_of_reprs() -> None:
    profile = load_profile()
    text = repr(profile) + repr(profile.site_admins)
    assert profile.api_key and profile.api_key not in text
    for admin in profile.site_admins:
        assert admin.api_token not in text


def test_a_broken_profile_names_file_and_pointer(tmp_path: Path) -> None:
    data = json.loads(DEFAULT_PROFILE.read_text())
    data["siteAdmins"][0]["roleVia"] = "cousin"
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert str(path) in str(info.value) and "/siteAdmins/0/roleVia" in str(info.value)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("org", "apiKey"), "key-with-é-Zq81x"),
        (("org", "apiKey"), "key with a space-Zq81x"),
        (("siteAdmins", 0, "apiToken"), "token-from-a-file-Zq81x\n"),
    ],
)
def test_a_credential_no_header_carries_is_refused_without_showing_it(
    tmp_path: Path, where: tuple[Any, ...], value: str
) -> None:
    data = json.loads(DEFAULT_PROFILE.read_text())
    node = data
    for step in where[:-1]:
        node = node[step]
    node[where[-1]] = value
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    pointer = "/" + "/".join(map(str, where))
    assert f"{pointer}: must be printable ASCII without spaces" in str(info.value)
    assert "Zq81x" not in str(info.value)


def test_a_profile_that_is_not_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "profile.json"
    path.write_text('{\n  "org": }')
    with pytest.raises(ProfileError, match=r"profile.json:2:10: not JSON"):
        load_profile(path)


def test_a_reading_of_an_assumption_with_no_alternative_is_refused(tmp_path: Path) -> None:
    data = json.loads(DEFAULT_PROFILE.read_text())
    data["sandbox"]["readings"] = {"ASM-040": "alternative", "ASM-013": "alternative"}
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProfileError, match=r"sandbox.readings: ASM-013 is not an assumption"):
        load_profile(path)
    data["sandbox"]["readings"] = {"ASM-040": "sideways"}
    path.write_text(json.dumps(data))
    with pytest.raises(ProfileError, match=r"readings/ASM-040: .*sideways"):
        load_profile(path)
    data["sandbox"]["readings"] = {"ASM-040": "alternative", "ASM-041": "harness"}
    path.write_text(json.dumps(data))
    assert load_profile(path).readings.alternative == {"ASM-040"}


def _sites(data: dict[str, Any]) -> list[dict[str, Any]]:
    sites: list[dict[str, Any]] = data["catalogue"]["sites"]
    return sites


#: name -> (how the other org's profile is changed, the pointer refused, the one it clashes with)
CLASHES: dict[str, tuple[Callable[[dict[str, Any]], None], str, str]] = {
    "site name": (
        lambda d: _sites(d)[1].update(name=_sites(d)[0]["name"]),
        "/catalogue/sites/1/name",
        "/catalogue/sites/0/name",
    ),
    "cloud id": (
        lambda d: _sites(d)[1].update(cloudId=_sites(d)[0]["cloudId"]),
        "/catalogue/sites/1/cloudId",
        "/catalogue/sites/0/cloudId",
    ),
    "product entitlement": (
        lambda d: _sites(d)[1]["products"][0].update(
            entitlementId=_sites(d)[0]["products"][0]["entitlementId"]
        ),
        "/catalogue/sites/1/products/0/entitlementId",
        "/catalogue/sites/0/products/0/entitlementId",
    ),
    "parent entitlement": (
        lambda d: _sites(d)[0]["products"][0].update(
            entitlementId=d["catalogue"]["parentEntitlements"][1]["id"]
        ),
        "/catalogue/sites/0/products/0/entitlementId",
        "/catalogue/parentEntitlements/1/id",
    ),
    "family container": (
        lambda d: _sites(d)[1].update(
            familyContainerEntitlementId=_sites(d)[0]["familyContainerEntitlementId"]
        ),
        "/catalogue/sites/1/familyContainerEntitlementId",
        "/catalogue/sites/0/familyContainerEntitlementId",
    ),
    "invoice group": (
        lambda d: d["catalogue"]["transactionAccounts"][1].update(
            invoiceGroupIds=d["catalogue"]["transactionAccounts"][0]["invoiceGroupIds"]
        ),
        "/catalogue/transactionAccounts/1/invoiceGroupIds/0",
        "/catalogue/transactionAccounts/0/invoiceGroupIds/0",
    ),
    "product twice on a site": (
        lambda d: _sites(d)[1]["products"].append(
            {**_sites(d)[1]["products"][0], "entitlementId": "7d1e6c0a-3b2f-4e5d-8a9b-0c1d2e3f4a5b"}
        ),
        "/catalogue/sites/1/products/2/product",
        "/catalogue/sites/1/products/0/product",
    ),
}


@pytest.mark.parametrize("name", sorted(CLASHES))
def test_an_id_given_twice_is_refused_naming_both_places(tmp_path: Path, name: str) -> None:
    """Valid by the schema, but one org has one site of a name and one entitlement of an
    id: the sandbox seeded from it failed calling its new database "damaged", and every
    scenario of a run failed so. Refused as the profile's fault, for the catalogue too."""
    change, pointer, first = CLASHES[name]
    path, data, refused = _changed_other_org(tmp_path, change)
    assert f"{path}: not a valid profile" in refused
    assert f"{pointer}: " in refused and f"also at {first}" in refused
    catalogue = tmp_path / "catalogue.json"
    catalogue.write_text(json.dumps(data["catalogue"]))
    with pytest.raises(ProfileError, match=f"{pointer.removeprefix('/catalogue')}: "):
        load_catalogue(catalogue)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            lambda d: d["catalogue"]["offerings"].pop(2),  # Jira Enterprise
            "/catalogue/sites/0/products/0/offeringId: ",
        ),
        (
            lambda d: _sites(d)[0]["products"][0].update(product="confluence"),
            "/catalogue/sites/0/products/0/product: 'confluence', but its offering is one of "
            "product 'jira'",
        ),
    ],
    ids=["offering-missing", "offering-of-another-product"],
)
def test_a_site_product_needs_its_offering_in_the_catalogue(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], says: str
) -> None:
    """The sandbox relates a site's product to its parent and family container by its
    offering: without it the details had no relationships and the prerequisites scenarios
    failed on an assertion of None."""
    assert says in _changed_other_org(tmp_path, change)[2]


def _changed_other_org(
    tmp_path: Path, change: Callable[[dict[str, Any]], Any]
) -> tuple[Path, dict[str, Any], str]:
    """The other org's profile with ``change`` made, written to a file: the file, the data,
    and what ``load_profile`` refuses it with."""
    data = copy.deepcopy(other_org())
    change(data)
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProfileError) as refused:
        load_profile(path)
    return path, data, str(refused.value)


def test_the_other_org_and_the_default_one_have_no_clash() -> None:
    assert load_profile().catalogue.sites
    profile_from_data(other_org())


def test_an_org_that_processes_orders_in_no_time_is_refused(tmp_path: Path) -> None:
    """At a real org an order is PROCESSING when placed (its tracking scenario says so);
    a profile saying 0 seconds failed that scenario instead of being refused."""
    data = copy.deepcopy(other_org())
    data["sandbox"]["processingDelaySeconds"] = 0
    path = tmp_path / "instant.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProfileError, match="/sandbox/processingDelaySeconds: 0 is out of range"):
        load_profile(path)


@pytest.mark.parametrize(
    ("defaults", "says"),
    [
        ({"timezone": "Europe/Berln"}, "/defaults/timezone: 'Europe/Berln' is not an IANA"),
        ({"timezone": "UTC+2"}, "/defaults/timezone:"),
        ({"location": "EU West"}, "/defaults/location:"),
        ({"location": "EU"}, "/defaults/location:"),
    ],
)
def test_a_new_sites_timezone_or_location_no_request_could_carry_is_refused(
    tmp_path: Path, defaults: dict[str, str], says: str
) -> None:
    """A new site's timezone and its offerings' location come from the profile's defaults:
    one the provisioning request cannot carry (ASM-046) failed every new-site scenario (44
    of a run, each with a 422 TIMEZONE_UNKNOWN or a contract breach) instead of being
    refused at load naming where. Any IANA name and realm code still load."""
    _, _, said = _changed_other_org(tmp_path, lambda data: data["defaults"].update(defaults))
    assert says in said, said
    data = copy.deepcopy(other_org())
    data["defaults"].update(timezone="Pacific/Chatham", location="ap-southeast-2")
    assert profile_from_data(data).defaults["timezone"] == "Pacific/Chatham"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            lambda data: data["siteAdmins"][1]["sites"].append("initech-typo"),
            "  /siteAdmins/1/sites/1: 'initech-typo' is no site of /catalogue/sites: add it",
        ),
        (
            lambda data: data["defaults"].update(newSiteName="umbrella-corp"),
            "  /defaults/newSiteName: 'umbrella-corp' is the name of /catalogue/sites/1: a "
            "new site needs a name no site has",
        ),
    ],
    ids=["site admin of an unknown site", "new site named as an existing one"],
)
def test_a_role_naming_a_site_unlike_the_catalogue_is_refused_at_load(
    tmp_path: Path, change: Callable[[dict[str, Any]], Any], says: str
) -> None:
    """A site admin's site the catalogue lacks loaded, then its roles resolved to nothing
    and Basic authentication was tried on a site the sandbox has not; a new site's name
    that an existing site has failed at provisioning. Both are refused at load, naming
    the JSON pointer and the site, as a clash in the catalogue is."""
    path, data, said = _changed_other_org(tmp_path, change)
    assert said.startswith(f"{path}: not a valid profile:\n"), said
    assert says in said, said
    assert data["siteAdmins"][0]["apiToken"] not in said

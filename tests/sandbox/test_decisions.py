"""No stricter, no looser than the cookbook, except where an entry says why: each decision
the cookbook leaves open, recorded as an ASM or ERR entry, tested on both sides (what is
accepted, what is refused and how the refusal says so)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from harness.contracts import cookbook, validate_order
from harness.contracts.profile import load_profile

from .support import (
    ACME_CLOUD_ID,
    CONFLUENCE,
    CONTAINER,
    JIRA,
    Api,
    ari,
    codes,
    cookbook_order,
    errors,
    rule_ids,
)

CATALOGUE = load_profile().catalogue


def _entries_exist(*ids: str) -> None:
    known = {a.id for a in cookbook.ASSUMPTIONS} | {e.id for e in cookbook.ERRATA}
    assert set(ids) <= known


def test_enterprise_items_carry_a_charge_quantity_of_any_size(api: Api) -> None:
    """ASM-043: 'this limit is not enforced' for Enterprise means any quantity (no cap on
    users), not none: 100 000 users is accepted, no charge quantity refused (REL-012)."""
    _entries_exist("ASM-043")
    request_id = api.provisioned([CONFLUENCE])
    big = cookbook_order("confluence-enterprise", request_id)
    big["items"][0]["optedUsageOptions"]["chargingDetails"]["chargeQuantities"][0]["quantity"] = (
        100_000
    )
    none = copy.deepcopy(big)
    del none["items"][0]["optedUsageOptions"]
    refused = api.place(none)
    assert refused.status_code == 422 and rule_ids(refused) == {"REL-012"}
    assert errors(refused)[0]["source"]["pointer"] == (
        "/items/0/optedUsageOptions/chargingDetails/chargeQuantities"
    )
    assert api.place(big).status_code == 200


@pytest.mark.parametrize("element", ["?", "seat", "USER"])
def test_a_charge_element_other_than_user_or_agent_is_refused(api: Api, element: str) -> None:
    """ERR-018: the field list's '?' is a placeholder: user (Jira, Confluence) or agent
    (JSM, apps), as every sample sends; '?' itself is refused naming the erratum."""
    request_id = api.provisioned([CONFLUENCE])
    order = cookbook_order("confluence-enterprise", request_id)
    order["items"][0]["optedUsageOptions"]["chargingDetails"]["chargeQuantities"][0][
        "chargeElement"
    ] = element
    refused = api.place(order)
    assert refused.status_code == 400
    (error,) = errors(refused)
    assert error["source"]["pointer"].endswith("/chargeQuantities/0/chargeElement")
    assert (error.get("meta", {}).get("erratum") == "ERR-018") == (element == "?")
    order["items"][0]["optedUsageOptions"]["chargingDetails"]["chargeQuantities"][0][
        "chargeElement"
    ] = "user"
    assert api.place(order).status_code == 200


def _app_order(api: Api) -> dict[str, Any]:
    response = api.provision_app(ari("jira-software", ACME_CLOUD_ID))
    request_id = response.json()["data"]["statusUrl"].rsplit("/", 1)[1]
    return cookbook_order("app", request_id)


def test_an_app_item_carries_its_products_billing_anchor(api: Api) -> None:
    """ASM-044: without nextBillingAnchorTimestamp an app item is refused (REL-014), the
    refusal naming the anchor to send; with it, accepted."""
    order = _app_order(api)
    anchor = order["items"][0].pop("nextBillingAnchorTimestamp")
    refused = api.place(order)
    assert refused.status_code == 422 and rule_ids(refused) == {"REL-014"}
    assert str(anchor) in errors(refused)[0]["detail"]
    order["items"][0]["nextBillingAnchorTimestamp"] = anchor
    assert api.place(order).status_code == 200


def test_promotion_codes_are_the_apps(api: Api) -> None:
    """ASM-045: 'the app promo code': on an app item accepted, on Jira refused (REL-021)."""
    promo = [{"promotionDefinition": {"promotionCode": "PROMO_CODE"}}]
    request_id = api.provisioned([JIRA])
    order = cookbook_order("jira-enterprise", request_id)
    order["items"][1]["promotions"] = promo
    refused = api.place(order)
    assert refused.status_code == 422 and rule_ids(refused) == {"REL-021"}
    app = _app_order(api)
    assert app["items"][0]["promotions"] == promo
    assert api.place(app).status_code == 200


@pytest.mark.parametrize(
    ("timezone", "status", "code"),
    [
        ("Europe/Berlin", 200, None),
        ("America/Argentina/Buenos_Aires", 200, None),
        ("Etc/GMT+5", 200, None),
        ("Mars/Olympus", 422, "TIMEZONE_UNKNOWN"),
        ("Australia/Sydney ", 400, "SCHEMA_VIOLATION"),
        ("GMT+10:00", 400, "SCHEMA_VIOLATION"),
    ],
)
def test_a_new_sites_timezone_is_an_iana_name(
    api: Api, timezone: str, status: int, code: str | None
) -> None:
    """ASM-046: the sample's 'Australia/Sydney' is an IANA name; another is refused."""
    response = api.provision([CONFLUENCE], "tz-site", timezone=timezone)
    assert response.status_code == status, response.text
    if code:
        assert codes(response) == {code}
        assert errors(response)[0]["source"] == {"pointer": "/parameters/timezone"}


@pytest.mark.parametrize(
    ("location", "status"), [("eu", 200), ("au", 200), ("us-gov", 200), ("US", 400), ("", 400)]
)
def test_a_location_is_a_lower_case_realm_code(api: Api, location: str, status: int) -> None:
    """ASM-046: any lower-case realm code is taken (no list is checked), and the new site's
    realm is that code; anything else is a schema violation at the field."""
    body = {
        "offerings": [{"id": CONFLUENCE, "location": location}],
        "parameters": {"adminEmail": "a@example.com", "name": "realm-site", "timezone": "UTC"},
    }
    response = api.request("POST", f"/admin/installations/v2/orgs/{api.org}/products", json=body)
    assert response.status_code == status, response.text
    if status != 200:
        assert errors(response)[0]["source"] == {"pointer": "/offerings/0/location"}
        return
    request_id = response.json()["data"]["statusUrl"].rsplit("/", 1)[1]
    assert api.place(cookbook_order("confluence-enterprise", request_id)).status_code == 200
    api.advance(3)
    (workspace,) = api.workspaces(["realm-site"]).json()["data"]
    assert workspace["attributes"]["realm"] == location


def test_two_instances_of_one_product_for_one_request_are_refused(api: Api) -> None:
    """ASM-047: one site holds one Confluence: a second Confluence item is refused
    (REL-020), and the site never shows two Confluence workspaces."""
    request_id = api.provisioned([CONFLUENCE], "one-site")
    order = cookbook_order("confluence-enterprise", request_id)
    twice = copy.deepcopy(order)
    twice["items"].append({**copy.deepcopy(order["items"][0]), "itemId": "O2"})
    refused = api.place(twice)
    assert refused.status_code == 422 and rule_ids(refused) == {"REL-020"}
    assert errors(refused)[0]["source"]["pointer"] == "/items/1/offeringId"
    assert api.place(order).status_code == 200
    api.advance(3)
    assert len(api.workspaces(["one-site"]).json()["data"]) == 1


def test_an_order_holds_at_most_100_items(api: Api) -> None:
    """ASM-048: 100 items pass the schema; the 101st is a schema violation at /items."""
    order = cookbook_order("confluence-enterprise", "07fb4851-986a-438d-8749-e2c07851c6ca")
    template = order["items"][0]
    order["items"] = [{**template, "itemId": f"O{n}"} for n in range(1, 101)]
    schema_only = [v for v in validate_order(order, CATALOGUE) if v.rule is None]
    assert schema_only == []
    order["items"].append({**template, "itemId": "O101"})
    problems = [v for v in validate_order(order, CATALOGUE) if v.rule is None]
    assert [v.pointer for v in problems] == ["/items"]
    refused = api.place(order)
    assert refused.status_code == 400
    assert errors(refused)[0]["source"] == {"pointer": "/items"}


def test_the_family_container_is_provisioned_beside_jira_never_alone(api: Api) -> None:
    """ASM-049: alone it is refused (no order could use it: REL-019); beside Jira it is
    accepted and ordered with it (test_http: the container may be provisioned)."""
    alone = api.provision([CONTAINER], "alone")
    assert alone.status_code == 422 and codes(alone) == {"CONTAINER_ALONE"}
    assert errors(alone)[0]["source"] == {"pointer": "/offerings"}
    assert api.provision([CONTAINER, JIRA], "alone").status_code == 200


def test_an_elided_sample_body_is_refused_naming_the_elision(api: Api) -> None:
    """ERR-020: the provisioning samples' offerings end in `...`: as printed, not JSON."""
    text = (
        '{ "offerings": [ { "id": "39605741-b92f-4763-8229-7bba2d16433c", "location": "us" }, '
        '... ], "parameters": { "adminEmail": "a@example.com", "name": "acme-2", '
        '"timezone": "Australia/Sydney" } }'
    )
    response = api.request(
        "POST",
        f"/admin/installations/v2/orgs/{api.org}/products",
        content=text,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert errors(response)[0]["meta"] == {"erratum": "ERR-020"}


def test_an_ari_sent_to_the_details_api_names_the_label_erratum(api: Api) -> None:
    """ERR-016: 'Use the Get entitlement details by ID API to get the Entitlement ID' with
    a product ARI: the details API takes an entitlement id."""
    encoded = "ari%3Acloud%3Ajira-software%3A%3Asite%2F" + ACME_CLOUD_ID
    response = api.request("GET", f"/commerce/api/v2/entitlements/{encoded}/details")
    assert response.status_code == 400
    assert errors(response)[0]["meta"]["erratum"] == "ERR-016"

"""The journeys end to end in the sandbox, and the 10-minute window they enforce."""

from __future__ import annotations

from typing import Any

import pytest

from harness.client import (
    Exchange,
    JourneyError,
    OrderBuilder,
    ProvisioningWindowClosed,
    journeys,
    place_order_in_window,
)
from harness.contracts import load_profile

from .support import site

PROFILE = load_profile()
ACME = site("acme")
JSM = PROFILE.catalogue.offerings_of("jsm", "enterprise")[0].id


def provisioned(client: Any) -> tuple[Any, dict[str, Any]]:
    request = client.provision_products([JSM], PROFILE.defaults["adminEmail"], "acme")
    body = OrderBuilder.for_profile(PROFILE, request).on_site(ACME).jsm().build()
    return request, body


def operations(client: Any) -> list[str]:
    return [e.operation for e in client.recorded]


@pytest.mark.parametrize(("age", "margin"), [(601, 0.0), (600.5, 0.0), (571, 30.0)])
def test_an_order_past_the_window_is_not_sent(client: Any, age: float, margin: float) -> None:
    request, body = provisioned(client)
    client.time.advance(age)
    with pytest.raises(ProvisioningWindowClosed) as caught:
        place_order_in_window(client, request, body, margin=margin)
    error = caught.value
    assert operations(client) == ["products.provision"]  # nothing else was sent
    assert (error.request_id, error.window) == (request.request_id, 600)
    assert error.age == pytest.approx(age)
    assert str(error).startswith(
        f"orders.place not sent: provisioning request {request.request_id} was created "
    )
    assert "past the 600 s window" in str(error)
    assert client.provisioning_status(request).status == "IN_PROGRESS"


def test_an_order_at_exactly_ten_minutes_is_sent(client: Any) -> None:
    request, body = provisioned(client)
    client.time.advance(600)
    placed = place_order_in_window(client, request, body)
    assert placed.order_id == body["orderId"]
    assert operations(client)[-1] == "orders.place"


def test_an_order_for_another_request_is_not_sent(client: Any) -> None:
    request, body = provisioned(client)
    other = client.provision_products(
        [PROFILE.catalogue.offerings_of("confluence", "enterprise")[0].id],
        PROFILE.defaults["adminEmail"],
        "acme",
    )
    with pytest.raises(ValueError, match=f"names provisioning request {request.request_id}"):
        place_order_in_window(client, other, body)
    assert "orders.place" not in operations(client)


def test_a_journey_refuses_to_order_late(make_client: Any) -> None:
    """The provisioning status check takes 11 minutes (on the client clock): no order."""
    holder: dict[str, Any] = {}

    def slow_status(exchange: Exchange) -> None:
        if exchange.operation == "provisioning.status":
            holder["client"].time.advance(660)

    client = make_client(on_exchange=[slow_status])
    holder["client"] = client
    with pytest.raises(ProvisioningWindowClosed, match="created 660 s ago"):
        journeys.new_site(client, PROFILE, "late-site")
    assert "orders.place" not in operations(client)


def test_new_site_journey(client: Any) -> None:
    result = journeys.new_site(client, PROFILE, "journey-site", poll_interval=1)
    assert result.status.status == "COMPLETED"
    assert result.order.status == "SUCCESS" and result.order_id == result.order_body["orderId"]
    assert set(result.entitlement_ids) == {"O1", "O2", "O3", "O4"}
    assert operations(client)[:3] == ["products.provision", "provisioning.status", "orders.place"]
    sites = {w.name for w in client.iter_workspaces("journey-site")}
    assert sites == {"journey-site"}
    for entitlement_id in result.entitlement_ids.values():
        assert client.entitlement_details(entitlement_id).entitlement_id == entitlement_id


def test_new_site_journey_for_a_profile_naming_no_site_admin_e_mail_or_timezone(
    tmp_path: Any,
) -> None:
    """A profile as discovery writes it (no defaults.newSiteName, adminEmail, timezone):
    each run takes a fresh site after the profile's prefix, the direct site admin's e-mail
    and UTC, as the suite does; adding JSM to a site and an app name that admin too. Each
    journey indexed defaults['adminEmail'] (a KeyError; add_to_existing_site and add_app
    until this audit)."""
    import json

    from harness.client import Client, OrgApiKey
    from harness.contracts import roles
    from harness.sandbox.testing import running_sandbox
    from tests.other_org import INITECH, UMBRELLA, other_org

    data = other_org()
    for key in ("newSiteName", "adminEmail", "timezone"):
        data["defaults"].pop(key, None)
    path = tmp_path / "discovered.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    profile = load_profile(path)
    sent: list[Exchange] = []
    with running_sandbox(path) as server:
        client = Client(
            server.base_url,
            org_id=profile.org_id,
            auth=OrgApiKey(profile.api_key),
            on_exchange=sent.append,
        )
        made = [journeys.new_site(client, profile, poll_interval=0.2) for _ in range(2)]
        made.append(journeys.add_to_existing_site(client, profile, INITECH, poll_interval=0.2))
        made.append(journeys.add_app(client, profile, UMBRELLA, poll_interval=0.2))
    assert all(r.order.status == "SUCCESS" for r in made)
    provisions = [e.request_json for e in sent if e.operation == "products.provision"][:2]
    names = [p["parameters"]["name"] for p in provisions]
    assert names[0] != names[1] and all(n.startswith(roles.site_prefix(profile)) for n in names)
    direct = profile.site_admin("direct")
    provisioning = ("products.provision", "apps.provision")
    named = [
        e.request_json["parameters"]["adminEmail"] for e in sent if e.operation in provisioning
    ]
    assert named == [direct.email] * 4  # three sites' products, one app
    assert all(p["parameters"]["timezone"] == "UTC" for p in provisions)


def test_add_jsm_to_an_existing_site_reuses_its_family_container(client: Any) -> None:
    result = journeys.add_to_existing_site(client, PROFILE, "acme", "jsm", poll_interval=1)
    (item,) = result.order_body["items"]
    assert item["relatesFromEntitlements"][0] == {
        "relationshipType": "FAMILY_CONTAINER",
        "referenceType": "ENTITLEMENT",
        "entitlementId": ACME.family_container,
    }
    new = client.entitlement_details(result.entitlement_ids["O1"])
    assert new.family_container_id == ACME.family_container
    assert operations(client)[:3] == [
        "workspaces.query",
        "entitlements.details",
        "products.provision",
    ]


def test_add_confluence_to_an_existing_site_needs_no_container(client: Any) -> None:
    result = journeys.add_to_existing_site(client, PROFILE, "acme", "confluence", poll_interval=1)
    (item,) = result.order_body["items"]
    assert [r["relationshipType"] for r in item["relatesFromEntitlements"]] == ["ENTERPRISE"]
    assert result.order.status == "SUCCESS"


def test_add_app_journey(client: Any) -> None:
    result = journeys.add_app(
        client, PROFILE, "hooli", "jsm", promotion_code="PROMO", skip_trial=True, poll_interval=1
    )
    (item,) = result.order_body["items"]
    # An app on JSM depends on the site's family container and bills from the JSM's anchor.
    hooli = PROFILE.catalogue.site("hooli")
    assert hooli is not None
    jsm = next(p for p in hooli.products if p.product == "jsm")
    assert item["relatesFromEntitlements"][0]["entitlementId"] == hooli.family_container
    assert item["nextBillingAnchorTimestamp"] == jsm.billing_anchor
    product = client.entitlement_details(jsm.entitlement_id)
    assert product.billing_anchor == jsm.billing_anchor
    assert item["promotions"] == [{"promotionDefinition": {"promotionCode": "PROMO"}}]
    assert result.status.status == "COMPLETED" and set(result.entitlement_ids) == {"O1"}
    with pytest.raises(JourneyError, match="site 'acme' has no jsm workspace"):
        journeys.add_app(client, PROFILE, "acme", "jsm")

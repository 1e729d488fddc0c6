"""Where the cookbook can be read two ways, the sandbox serves either: a profile's
``"sandbox": {"readings": {"ASM-nnn": "alternative"}}`` switches one assumption to its
other reading. Each two-way assumption, read both ways, on the same requests."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from harness.contracts import cookbook, load_profile, profile_from_data
from harness.contracts.profile import DEFAULT_PROFILE
from harness.sandbox.testing import SandboxServer, running_sandbox

from .support import (
    ACME_CLOUD_ID,
    ACME_JIRA,
    CONFLUENCE,
    GLOBEX_CLOUD_ID,
    Api,
    ari,
    cookbook_order,
    errors,
    rule_ids,
)


@pytest.fixture(scope="module")
def alternative_server() -> Iterator[SandboxServer]:
    """The default org, every two-way assumption read the other way."""
    data = json.loads(DEFAULT_PROFILE.read_text())
    data["sandbox"]["readings"] = {
        a.id: cookbook.ALTERNATIVE_READING for a in cookbook.two_way_assumptions()
    }
    with running_sandbox(profile=profile_from_data(data, "alternative readings")) as server:
        yield server


@pytest.fixture
def other(alternative_server: SandboxServer) -> Iterator[Api]:
    alternative_server.reset()
    caller = Api(alternative_server.base_url, alternative_server.profile)
    yield caller
    caller.close()


def test_every_two_way_assumption_names_its_alternative_and_is_tested_here() -> None:
    two_way = {a.id for a in cookbook.two_way_assumptions()}
    assert two_way == {"ASM-040", "ASM-041", "ASM-042", "ASM-043"}
    for a in cookbook.two_way_assumptions():
        assert a.alternative and a.quote and a.observation, a.id
    assert load_profile().readings == cookbook.HARNESS_READINGS


def test_asm_040_basic_reaches_orders_and_entitlements_or_only_app_installation(
    api: Api, other: Api
) -> None:
    """Harness: Basic as marked (entitlements, orders, tracking) and on the status.
    Alternative: Basic installs apps (apps.provision, workspaces) and nothing else."""
    jira = ari("jira-software", ACME_CLOUD_ID)
    for caller, reaches in ((api, True), (other, False)):
        basic = caller.basic()
        assert caller.workspaces(["acme"], auth=basic).status_code == 200
        app = caller.provision_app(jira, auth=basic)
        assert app.status_code == 200, app.text
        request_id = app.json()["data"]["statusUrl"].rsplit("/", 1)[1]
        answers = [
            caller.entitlements(jira, auth=basic),
            caller.details(ACME_JIRA, auth=basic),
            caller.status(request_id, auth=basic),
            caller.place(cookbook_order("app", request_id), auth=basic),
        ]
        for response in answers:
            assert (response.status_code == 200) == reaches, response.text
            if not reaches:
                assert response.status_code == 403
                assert "ASM-040" in errors(response)[0]["detail"]
        # products.provision takes the org key alone, either way.
        assert caller.provision([CONFLUENCE], "basic-site", auth=basic).status_code == 403


def test_asm_041_an_app_depends_on_the_family_container_or_on_its_product(
    api: Api, other: Api
) -> None:
    """The app sample (parent: acme's family container) is accepted by the harness's reading
    and refused by the other at the relationship; depending on acme's Jira, the reverse."""
    jira = ari("jira-software", ACME_CLOUD_ID)
    for caller, container_ok in ((api, True), (other, False)):
        request_id = caller.provision_app(jira).json()["data"]["statusUrl"].rsplit("/", 1)[1]
        on_container = cookbook_order("app", request_id)
        on_product = cookbook_order("app", request_id)
        on_product["items"][0]["relatesFromEntitlements"][0]["entitlementId"] = ACME_JIRA
        refused = caller.place(on_product if container_ok else on_container)
        assert refused.status_code == 422 and rule_ids(refused) == {"REL-013"}
        assert errors(refused)[0]["source"]["pointer"] == (
            "/items/0/relatesFromEntitlements/0/entitlementId"
        )
        accepted = caller.place(on_container if container_ok else on_product)
        assert accepted.status_code == 200, accepted.text


def test_asm_042_resource_ari_echoes_the_ari_asked_for_or_is_the_sites(
    api: Api, other: Api
) -> None:
    site = ari("platform", GLOBEX_CLOUD_ID)
    product = ari("jira-software", GLOBEX_CLOUD_ID)
    assert api.entitlements(product).json()["resource_ari"] == product
    assert other.entitlements(product).json()["resource_ari"] == site
    for caller in (api, other):  # asked for the site, both answer the site
        assert caller.entitlements(site).json()["resource_ari"] == site


def test_asm_043_enterprise_needs_a_charge_quantity_or_not(api: Api, other: Api) -> None:
    for caller, required in ((api, True), (other, False)):
        request_id = caller.provisioned([CONFLUENCE])
        order = cookbook_order("confluence-enterprise", request_id)
        del order["items"][0]["optedUsageOptions"]
        response = caller.place(order)
        if required:
            assert response.status_code == 422 and rule_ids(response) == {"REL-012"}
        else:
            assert response.status_code == 200, response.text
            caller.advance(3)
            tracked = caller.order(order["orderId"], order["transactionAccountId"]).json()
            assert tracked["items"][0]["processingInfo"]["status"] == "SUCCESS"
            assert tracked["items"][0]["optedUsageOptions"] is None


def test_a_profile_naming_a_reading_of_another_assumption_is_refused() -> None:
    data = json.loads(DEFAULT_PROFILE.read_text())
    data["sandbox"]["readings"] = {"ASM-002": "alternative"}
    with pytest.raises(ValueError, match="ASM-002 is not an assumption the cookbook allows"):
        profile_from_data(data)

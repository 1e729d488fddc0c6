"""Authentication as the cookbook says: Bearer org API key everywhere; Basic for a site
admin holding the role directly, on every operation but products.provision, reaching only
that admin's sites."""

from __future__ import annotations

import base64

import pytest

from .support import (
    ACME_CLOUD_ID,
    ACME_JIRA,
    CONFLUENCE,
    GLOBEX_CLOUD_ID,
    GLOBEX_JIRA,
    JSM,
    PARENT,
    Api,
    ari,
    codes,
    cookbook_order,
    errors,
)


def test_no_credentials_is_401_with_a_challenge(api: Api) -> None:
    response = api.details(ACME_JIRA, auth={})
    assert response.status_code == 401
    assert codes(response) == {"UNAUTHENTICATED"}
    assert errors(response)[0]["source"] == {"header": "Authorization"}
    assert "Bearer" in response.headers["www-authenticate"]


def test_the_cookbooks_authentication_header_gets_a_hint(api: Api) -> None:
    """Erratum ERR-001: the entitlements sample sends `Authentication: Basic ...`."""
    sent = api.basic()["Authorization"]
    response = api.entitlements(ari("jira-software", ACME_CLOUD_ID), auth={"Authentication": sent})
    assert response.status_code == 401
    assert "'Authorization', not 'Authentication'" in errors(response)[0]["detail"]
    assert "ERR-001" in errors(response)[0]["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-the-org-key",
        "Bearer",
        "Basic " + base64.b64encode(b"site.admin@acme.example:wrong-token").decode(),
        "Basic " + base64.b64encode(b"nobody@example.com:sandbox-site-admin-token-D3k8Pz").decode(),
        "Basic not base64!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Token abc",
    ],
    ids=[
        "bearer",
        "empty-bearer",
        "basic-token",
        "basic-email",
        "basic-garbage",
        "basic-no-colon",
        "scheme",
    ],
)
def test_unknown_credentials_are_401(api: Api, header: str) -> None:
    response = api.details(ACME_JIRA, auth={"Authorization": header})
    assert response.status_code == 401
    assert codes(response) == {"UNAUTHENTICATED"}


def test_credentials_never_appear_in_an_answer(api: Api) -> None:
    key = api.profile.api_key
    assert key
    response = api.details(ACME_JIRA, auth={"Authorization": f"Bearer {key}x"})
    assert key not in response.text
    token = api.profile.site_admin().api_token
    forbidden = api.provision([CONFLUENCE], auth=api.basic())
    assert token not in forbidden.text


@pytest.mark.parametrize(
    "template",
    ["{key}", "bearer\t{key}", "Token {key}", "{key} Bearer", "Bearer: {key}"],
    ids=["key-alone", "tab", "other-scheme", "key-first", "colon"],
)
def test_a_key_sent_without_its_scheme_is_not_echoed(api: Api, template: str) -> None:
    """A key sent with no scheme (or a garbled one) is refused without repeating any of
    it: the refusal used to name the "scheme", the key's first 20 characters."""
    key = api.profile.api_key
    assert key
    response = api.details(ACME_JIRA, auth={"Authorization": template.format(key=key)})
    assert response.status_code == 401
    assert codes(response) == {"UNAUTHENTICATED"}
    assert key[:6] not in response.text
    assert "Bearer" in errors(response)[0]["detail"]


def test_an_unknown_scheme_is_named(api: Api) -> None:
    response = api.details(ACME_JIRA, auth={"Authorization": "Digest abc"})
    assert "unsupported scheme 'Digest'" in errors(response)[0]["detail"]


def test_basic_is_refused_for_provisioning_products(api: Api) -> None:
    """'Site-scoped authorization can only be used for installing 2nd party apps.'"""
    response = api.provision([JSM], "acme", timezone=None, auth=api.basic())
    assert response.status_code == 403
    assert codes(response) == {"FORBIDDEN"}
    assert "org API key" in errors(response)[0]["detail"]


def test_basic_for_a_role_held_through_a_group_is_403(api: Api) -> None:
    response = api.entitlements(ari("jira-software", ACME_CLOUD_ID), auth=api.basic("group"))
    assert response.status_code == 403
    assert "through a group" in errors(response)[0]["detail"]
    assert api.workspaces(auth=api.basic("group")).status_code == 403


def test_basic_reaches_the_admins_own_site(api: Api) -> None:
    basic = api.basic()
    listed = api.entitlements(ari("jira-software", ACME_CLOUD_ID), auth=basic)
    assert listed.status_code == 200
    assert listed.json()["entitlements"][0]["entitlement_id"] == ACME_JIRA
    assert api.details(ACME_JIRA, auth=basic).status_code == 200


def test_basic_is_403_for_another_site(api: Api) -> None:
    basic = api.basic()
    response = api.entitlements(ari("jira-software", GLOBEX_CLOUD_ID), auth=basic)
    assert response.status_code == 403
    assert "'globex'" in errors(response)[0]["detail"]
    assert api.details(GLOBEX_JIRA, auth=basic).status_code == 403
    assert api.provision_app(ari("jira-software", GLOBEX_CLOUD_ID), auth=basic).status_code == 403


def test_basic_is_403_for_org_level_entitlements(api: Api) -> None:
    response = api.details(PARENT["jira"], auth=api.basic())
    assert response.status_code == 403


def test_a_site_admins_workspaces_query_shows_only_their_sites(api: Api) -> None:
    everything = api.workspaces().json()
    assert {w["attributes"]["name"] for w in everything["data"]} == {"acme", "globex", "hooli"}
    mine = api.workspaces(auth=api.basic()).json()
    assert {w["attributes"]["name"] for w in mine["data"]} == {"acme"}
    assert mine["meta"]["total"] == 1
    assert api.workspaces(["globex"], auth=api.basic()).json()["data"] == []


def test_a_site_admin_installs_apps_on_their_site(api: Api) -> None:
    response = api.provision_app(ari("jira-software", ACME_CLOUD_ID), auth=api.basic())
    assert response.status_code == 200
    request_id = response.json()["data"]["statusUrl"].rsplit("/", 1)[1]
    assert api.status(request_id, auth=api.basic()).status_code == 200


def test_a_site_admin_cannot_order_for_a_new_site(api: Api) -> None:
    request_id = api.provisioned([CONFLUENCE])  # the org provisions acme-2
    order = cookbook_order("confluence-enterprise", request_id)
    assert api.status(request_id, auth=api.basic()).status_code == 403
    response = api.place(order, auth=api.basic())
    assert response.status_code == 403
    assert api.place(order).status_code == 200
    assert (
        api.order(order["orderId"], order["transactionAccountId"], auth=api.basic()).status_code
        == 403
    )


def test_another_org_is_404(api: Api) -> None:
    response = api.request("POST", "/admin/v2/orgs/some-other-org/workspaces")
    assert response.status_code == 404
    assert codes(response) == {"ORG_NOT_FOUND"}

"""``harness profile discover`` against the sandbox serving an org unlike the default one:
every field the read APIs expose comes back equal; what they cannot give comes from the
options; what is still missing is named with the scenarios that need it; nothing but
reads is ever sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.contracts import load_profile
from harness.contracts.profile import profile_from_data
from harness.discovery import NotReadOnly, ReadOnlyTransport, offering_key
from harness.sandbox.testing import SandboxServer, running_sandbox
from tests.other_org import other_org

ROOT = Path(__file__).resolve().parents[2]
ORG = other_org()


@pytest.fixture(scope="module")
def other_sandbox() -> Iterator[SandboxServer]:
    with running_sandbox(profile_from_data(ORG, source="other.json")) as server:
        yield server


def discover(
    server: SandboxServer, tmp_path: Path, *options: str, env: dict[str, str] | None = None
) -> tuple[Any, dict[str, Any] | None]:
    out = tmp_path / "discovered.json"
    environment = env or {
        "ATLASSIAN_BASE_URL": server.base_url,
        "ATLASSIAN_ORG_ID": ORG["org"]["id"],
        "ATLASSIAN_API_KEY": ORG["org"]["apiKey"],
        "ATLASSIAN_SITE_ADMIN_EMAIL": "",
        "ATLASSIAN_SITE_ADMIN_TOKEN": "",
    }
    result = CliRunner().invoke(
        main, ["profile", "discover", "--out", str(out), *options], env=environment
    )
    data = json.loads(out.read_text()) if out.exists() else None
    return result, data


def test_every_field_the_apis_expose_comes_back_equal(
    other_sandbox: SandboxServer, tmp_path: Path
) -> None:
    result, data = discover(other_sandbox, tmp_path)
    assert result.exit_code == 0, result.output
    assert data is not None
    found = load_profile(tmp_path / "discovered.json")  # valid against schemas/profile.json
    assert found.org_id == ORG["org"]["id"] and found.api_key is None  # no credential written
    expected = profile_from_data(ORG).catalogue
    assert found.catalogue.sites == expected.sites  # names, cloud ids, containers, products
    assert found.catalogue.parent_entitlements == {"jira": expected.parent_entitlements["jira"]} | {
        "jsm": expected.parent_entitlements["jsm"]
    }
    by_id = expected.offerings
    for offering in found.catalogue.offerings.values():
        assert offering.id in by_id
        assert (offering.product, offering.edition) == (
            by_id[offering.id].product,
            by_id[offering.id].edition,
        )
    assert {o.product for o in found.catalogue.offerings.values()} == {
        "jira",
        "jsm",
        "family-container",
    }
    assert ORG["org"]["apiKey"] not in result.output + (tmp_path / "discovered.json").read_text()


def test_options_give_what_no_read_api_does_and_the_rest_is_named(
    other_sandbox: SandboxServer, tmp_path: Path
) -> None:
    offerings = {o["product"] + (o.get("edition") or ""): o for o in ORG["catalogue"]["offerings"]}
    accounts = ORG["catalogue"]["transactionAccounts"]
    result, _ = discover(
        other_sandbox,
        tmp_path,
        "--transaction-account",
        accounts[0]["id"],
        "--invoice-group",
        accounts[0]["invoiceGroupIds"][0],
        "--invoice-group",
        f"{accounts[1]['id']}={accounts[1]['invoiceGroupIds'][0]}",
        "--offering",
        f"confluence-enterprise={offerings['confluenceenterprise']['id']}",
        "--offering",
        f"Jira Premium (Open Source)={offerings['jirapremium']['id']}",
        "--pricing-plan",
        f"jira-premium={offerings['jirapremium']['pricingPlans'][0]}",
        "--offering",
        f"app={offerings['app']['id']}",
        "--pricing-plan",
        f"app={offerings['app']['pricingPlans'][0]}",
        "--app-key",
        ORG["defaults"]["appKey"],
        "--app-charge-element",
        offerings["app"]["chargeElement"],
        "--admin-email",
        ORG["defaults"]["adminEmail"],
        "--site-prefix",
        "qa",
    )
    assert result.exit_code == 0, result.output
    found = load_profile(tmp_path / "discovered.json")
    expected = profile_from_data(ORG)
    assert found.catalogue.transaction_accounts == expected.catalogue.transaction_accounts
    assert set(found.catalogue.offerings) == set(expected.catalogue.offerings)
    premium = found.catalogue.offering(offerings["jirapremium"]["id"])
    assert premium is not None and premium.pricing_plans == (
        offerings["jirapremium"]["pricingPlans"][0],
    )
    # What the app is charged per is the option's, never guessed (it was 'agent' always:
    # an org's app charged per user was then refused, REL-012).
    assert found.catalogue.offering(offerings["app"]["id"]).charge_element == "agent"
    assert found.defaults == {
        "adminEmail": "it.buyer@initech.test",
        "sitePrefix": "qa",
        "appKey": ORG["defaults"]["appKey"],
    }
    # The site admins (credentials) and the Confluence parent (no Confluence instance to
    # read it from) are what is left: each named, with the scenarios that need it.
    output = result.output
    assert "Still missing" in output
    assert "the site admin who holds the role directly: add to siteAdmins" in output
    assert "needed by 5 scenario(s): apps/A site admin installs an app on their own site" in output
    assert "the Confluence parent Enterprise entitlement: add {id, product: 'confluence'}" in output
    assert "a site with JSM" not in output and "the app:" not in output


def test_discovery_sends_reads_only() -> None:
    sent: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append((request.method, request.url.path))
        return httpx.Response(200, json={"data": []})

    with httpx.Client(transport=ReadOnlyTransport(httpx.MockTransport(answer))) as client:
        client.post("https://api.test/admin/v2/orgs/o/workspaces", json={})
        client.get("https://api.test/commerce/api/v2/entitlements/e/details")
        for path in (
            "/admin/installations/v2/orgs/o/products",
            "/admin/installations/v2/orgs/o/products/ari%3Acloud%3Ajira-software%3A%3Asite%2Fx/apps",
            "/commerce/api/v2/orders",
            "/commerce/api/v1/orders",
            "/anything/else",
        ):
            with pytest.raises(NotReadOnly, match="before sending it"):
                client.post(f"https://api.test{path}", json={})
    assert sent == [
        ("POST", "/admin/v2/orgs/o/workspaces"),
        ("GET", "/commerce/api/v2/entitlements/e/details"),
    ]


@pytest.mark.parametrize(
    ("options", "env", "says"),
    [
        ((), {"ATLASSIAN_ORG_ID": ""}, "set ATLASSIAN_ORG_ID"),
        ((), {"ATLASSIAN_API_KEY": "", "ATLASSIAN_SITE_ADMIN_EMAIL": "a@b.test"}, "set both"),
        (("--offering", "bamboo=x"), {}, "--offering 'bamboo': not an offering the cookbook names"),
        (("--offering", "app"), {}, "--offering 'app': expected NAME=ID"),
        (("--invoice-group", "g"), {}, "--invoice-group g: give --transaction-account first"),
        (("--pricing-plan", "app=p"), {}, "no offering 'app'; give --offering app=ID"),
    ],
)
def test_a_usage_mistake_says_what_and_writes_nothing(
    other_sandbox: SandboxServer, tmp_path: Path, options: tuple[str, ...], env: dict, says: str
) -> None:
    environment = {
        "ATLASSIAN_BASE_URL": other_sandbox.base_url,
        "ATLASSIAN_ORG_ID": ORG["org"]["id"],
        "ATLASSIAN_API_KEY": ORG["org"]["apiKey"],
        "ATLASSIAN_SITE_ADMIN_EMAIL": "",
        "ATLASSIAN_SITE_ADMIN_TOKEN": "",
        **env,
    }
    result, data = discover(other_sandbox, tmp_path, *options, env=environment)
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output
    assert data is None


def test_an_org_that_refuses_the_key_is_exit_1_naming_the_answer(
    other_sandbox: SandboxServer, tmp_path: Path
) -> None:
    env = {
        "ATLASSIAN_BASE_URL": other_sandbox.base_url,
        "ATLASSIAN_ORG_ID": ORG["org"]["id"],
        "ATLASSIAN_API_KEY": "not-the-key-of-this-org",
        "ATLASSIAN_SITE_ADMIN_EMAIL": "",
        "ATLASSIAN_SITE_ADMIN_TOKEN": "",
    }
    result, data = discover(other_sandbox, tmp_path, env=env)
    assert result.exit_code == 1 and "the org answered" in result.output and "401" in result.output
    assert "not-the-key-of-this-org" not in result.output and data is None


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("jira-enterprise", "Jira Enterprise"),
        ("JSM Enterprise", "Jira Service Management Enterprise"),
        ("jsm-enterprise", "Jira Service Management Enterprise"),
        ("Jira Premium (Open Source)", "Jira Premium (Open Source)"),
        ("jira-premium", "Jira Premium (Open Source)"),
        ("jira-family-container", "Jira family container"),
        ("app", "app"),
    ],
)
def test_offering_names_are_the_cookbooks_words_in_any_spelling(name: str, words: str) -> None:
    assert offering_key(name) == words


def test_an_apps_charge_element_is_the_options_never_a_guess(
    other_sandbox: SandboxServer, tmp_path: Path
) -> None:
    """No read API says what an app is charged per. Discovery wrote 'agent' for every app,
    so an org whose app is charged per user had its app orders refused (REL-012); now,
    without --app-charge-element, the app is named as missing and its scenarios skipped."""
    app = next(o for o in ORG["catalogue"]["offerings"] if o["product"] == "app")
    given = (
        *("--offering", f"app={app['id']}", "--pricing-plan", f"app={app['pricingPlans'][0]}"),
        *("--app-key", app["appKey"]),
    )
    result, data = discover(other_sandbox, tmp_path, *given)
    assert result.exit_code == 0, result.output
    assert data is not None
    written = next(o for o in data["catalogue"]["offerings"] if o["product"] == "app")
    assert "chargeElement" not in written
    assert "the app: add to catalogue.offerings" in result.output
    assert "--app-charge-element user|agent" in result.output
    result, data = discover(
        other_sandbox, tmp_path, *given, "--app-charge-element", "user", "--force"
    )
    assert result.exit_code == 0, result.output
    assert data is not None
    written = next(o for o in data["catalogue"]["offerings"] if o["product"] == "app")
    assert written["chargeElement"] == "user" and "the app:" not in result.output

"""Exchange records, and their curl commands run for real against the sandbox."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from typing import Any

from harness.client import OrderBuilder, SiteAdmin
from harness.contracts import load_profile

from .support import SANDBOX_API_KEY, site

PROFILE = load_profile()
ACME = site("acme")
ACME_JIRA = ACME.products[0].entitlement_id
CURL = shutil.which("curl")
BASH = shutil.which("bash")


def run_curl(command: str, env: dict[str, str]) -> Any:
    """Run a copy-pasted curl command in bash; its stdout parsed as JSON."""
    assert CURL and BASH, "curl and bash must be installed to check the curl commands"
    done = subprocess.run(
        [BASH, "-c", command + " --silent --show-error"],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_one_exchange_per_attempt_with_what_was_sent(client: Any) -> None:
    details = client.entitlement_details(ACME_JIRA)
    (exchange,) = client.recorded
    assert exchange.operation == "entitlements.details"
    assert exchange.method == "GET" and exchange.url.endswith(f"/{ACME_JIRA}/details")
    assert exchange.request_headers["Authorization"] == "Bearer ***"
    assert exchange.request_headers["Accept"] == "application/json"
    assert exchange.request_json is None and exchange.request_body is None
    assert exchange.status == 200 and exchange.attempt == 1 and exchange.error is None
    assert exchange.response_json == dict(details.raw)
    assert exchange.response_headers["content-type"].startswith("application/json")
    assert exchange.elapsed >= 0
    assert exchange.summary().startswith(f"entitlements.details GET {exchange.url} -> 200 in ")
    assert json.loads(json.dumps(exchange.as_dict()))["status"] == 200


def test_curl_of_a_bearer_get_runs(client: Any) -> None:
    client.entitlement_details(ACME_JIRA)
    command = client.recorded[-1].as_curl()
    assert '--header "Authorization: Bearer $ATLASSIAN_API_KEY"' in command
    assert SANDBOX_API_KEY not in command
    body = run_curl(command, {"ATLASSIAN_API_KEY": SANDBOX_API_KEY})
    assert body == client.recorded[-1].response_json


def test_curl_of_a_basic_get_runs(make_client: Any) -> None:
    admin = PROFILE.site_admin("direct")
    client = make_client(auth=SiteAdmin(admin.email, admin.api_token))
    client.entitlements(ACME.product_ari("jira"))
    command = client.recorded[-1].as_curl()
    assert "$ATLASSIAN_SITE_ADMIN_EMAIL:$ATLASSIAN_SITE_ADMIN_TOKEN" in command
    assert admin.api_token not in command and admin.email not in command
    env = {"ATLASSIAN_SITE_ADMIN_EMAIL": admin.email, "ATLASSIAN_SITE_ADMIN_TOKEN": admin.api_token}
    assert run_curl(command, env) == client.recorded[-1].response_json


def test_curl_quotes_the_transaction_account_header_whole(client: Any) -> None:
    """Erratum ERR-002: the cookbook writes --header 'X-transaction-account': {{id}}."""
    request = client.provision_products(
        [PROFILE.catalogue.offerings_of("jsm", "enterprise")[0].id],
        PROFILE.defaults["adminEmail"],
        "acme",
    )
    body = OrderBuilder.for_profile(PROFILE, request).on_site(ACME).jsm().build()
    client.place_order(body)
    client.get_order(body["orderId"], body["transactionAccountId"])
    place, get = client.recorded[-2], client.recorded[-1]
    header = f"X-transaction-account: {body['transactionAccountId']}"
    for exchange in (place, get):
        words = shlex.split(exchange.as_curl().replace("\\\n", " "))
        assert words[words.index(header) - 1] == "--header"
    env = {"ATLASSIAN_API_KEY": SANDBOX_API_KEY}
    # The order resent by curl is the same order (idempotent); the GET needs the header.
    assert run_curl(place.as_curl(), env)["orderId"] == body["orderId"]
    assert run_curl(get.as_curl(), env)["orderId"] == body["orderId"]


def test_curl_quotes_single_quotes_in_the_body(client: Any) -> None:
    client.query_workspaces("o'brien")
    command = client.recorded[-1].as_curl()
    assert "o'\\''brien" in command
    assert run_curl(command, {"ATLASSIAN_API_KEY": SANDBOX_API_KEY})["data"] == []


def test_curl_of_a_later_page_asks_for_that_page(client: Any) -> None:
    list(client.iter_workspace_pages(limit=2))
    second = client.recorded[1]
    assert set(second.request_json) == {"cursor"}
    assert run_curl(second.as_curl(), {"ATLASSIAN_API_KEY": SANDBOX_API_KEY}) == (
        second.response_json
    )

"""The examples, run as scripts against one sandbox: they exit 0, run again cleanly against
the same sandbox (a fresh site each run), and what they print is in the sandbox afterwards;
any failure is one line, exit 1, saying what to do next. They name no value of the
default profile (site names, ids, e-mails, anchors): they resolve what they need."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.client import Client, OrgApiKey
from harness.contracts import Profile
from tests.profile_values import default_profile_values

from .support import site

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run(example: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / example)],
        # Only what the test gives: no ATLASSIAN_* of whoever runs the tests.
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            "ATLASSIAN_POLL_SECONDS": "0.5",
            **env,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def printed(output: str) -> tuple[str, str, dict[str, str]]:
    """The site, the order id and the entitlement of each item an example printed."""
    lines = [line.split() for line in output.splitlines()]
    (site_name,) = {words[1].rstrip(":") for words in lines if words[0] == "site"}
    (order_id,) = [words[1] for words in lines if words[0] == "order"]
    entitlements = {words[1]: words[2] for words in lines if words[0] == "entitlement"}
    return site_name, order_id, entitlements


def request_of(output: str) -> str:
    """The provisioning request the example's order completed (the last one it printed):
    GET order answers no metadata (ASM-050), so the example's own words say which."""
    found = [
        line.split()[2].rstrip(":")
        for line in output.splitlines()
        if line.startswith("provisioning request ")
    ]
    return found[-1]


def check_in_sandbox(
    sandbox: Any, order_id: str, entitlements: dict[str, str], request_id: str
) -> Client:
    client = Client(
        sandbox.base_url, org_id=sandbox.profile.org_id, auth=OrgApiKey(sandbox.profile.api_key)
    )
    account = next(iter(sandbox.profile.catalogue.transaction_accounts))
    order = client.get_order(order_id, account)
    assert order.status == "SUCCESS"
    assert order.entitlement_ids == entitlements
    for entitlement_id in entitlements.values():
        assert client.entitlement_details(entitlement_id).entitlement_id == entitlement_id
    assert order.provision_request_id is None  # the order-status sample's metadata: null
    assert client.provisioning_status(request_id).status == "COMPLETED"
    return client


def test_new_site_all_products_runs_again_on_a_fresh_site(sandbox: Any) -> None:
    sites = []
    for _ in range(2):
        done = run("new_site_all_products.py", ATLASSIAN_BASE_URL=sandbox.base_url)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        site_name, order_id, entitlements = printed(done.stdout)
        assert set(entitlements) == {"O1", "O2", "O3", "O4"}
        with check_in_sandbox(sandbox, order_id, entitlements, request_of(done.stdout)) as client:
            assert {w.name for w in client.iter_workspaces(site_name)} == {site_name}
        sites.append(site_name)
    assert sites[0] != sites[1]


def test_add_jsm_runs_again_on_a_fresh_site_with_jira(sandbox: Any) -> None:
    sites = []
    for _ in range(2):
        done = run("add_jsm_to_existing_site.py", ATLASSIAN_BASE_URL=sandbox.base_url)
        assert done.returncode == 0, done.stderr
        site_name, order_id, entitlements = printed(done.stdout)
        assert set(entitlements) == {"O1"}
        with check_in_sandbox(sandbox, order_id, entitlements, request_of(done.stdout)) as client:
            kinds = {w.type_key: w for w in client.iter_workspaces(site_name)}
            assert {"jira-software", "jira-servicedesk"} <= set(kinds)
            jira = client.entitlement_details(kinds["jira-software"].entitlement_id or "")
            jsm = client.entitlement_details(entitlements["O1"])
            assert jsm.family_container_id == jira.family_container_id is not None
        sites.append(site_name)
    assert sites[0] != sites[1]


def _site_with_jira_only(profile: Profile) -> str:
    """A site of the profile that has Jira and no JSM (by what it holds, not by name)."""
    for candidate in profile.catalogue.sites:
        products = {p.product for p in candidate.products}
        if "jira" in products and "jsm" not in products:
            return candidate.name
    raise AssertionError("the profile has no site with Jira and without JSM")


def test_add_jsm_to_a_named_site_then_again_says_what_to_do(sandbox: Any) -> None:
    named = _site_with_jira_only(sandbox.profile)
    first = run(
        "add_jsm_to_existing_site.py",
        ATLASSIAN_BASE_URL=sandbox.base_url,
        ATLASSIAN_SITE_NAME=named,
    )
    assert first.returncode == 0, first.stderr
    site_name, _, entitlements = printed(first.stdout)
    assert site_name == named
    details = Client(
        sandbox.base_url, org_id=sandbox.profile.org_id, auth=OrgApiKey(sandbox.profile.api_key)
    ).entitlement_details(entitlements["O1"])
    assert details.family_container_id == site(named).family_container
    again = run(
        "add_jsm_to_existing_site.py",
        ATLASSIAN_BASE_URL=sandbox.base_url,
        ATLASSIAN_SITE_NAME=named,
    )
    assert again.returncode == 1
    assert "PRODUCT_ALREADY_ON_SITE" in again.stderr
    assert "(next: the site has that product already: unset ATLASSIAN_SITE_NAME" in again.stderr


@pytest.mark.parametrize(
    ("example", "env", "says", "next_step"),
    [
        (
            "new_site_all_products.py",
            {"site admin": "direct"},
            "products.provision: HTTP 403 FORBIDDEN",
            "provisioning takes the org API key: set ATLASSIAN_API_KEY",
        ),
        (
            "add_jsm_to_existing_site.py",
            {"ATLASSIAN_SITE_NAME": "nosuchsite"},
            "no Jira product",
            "set ATLASSIAN_SITE_NAME to a site with Jira, or unset it to make a fresh one",
        ),
        (
            "new_site_all_products.py",
            {"ATLASSIAN_PROFILE": "/nonexistent.json"},
            "no such file",
            "point ATLASSIAN_PROFILE at your org's profile file",
        ),
        (
            "new_site_all_products.py",
            {"ATLASSIAN_BASE_URL": "http://127.0.0.1:9"},
            "failed: ",
            "nothing usable answered: check ATLASSIAN_BASE_URL",
        ),
        *(
            (
                example,
                {"ATLASSIAN_POLL_SECONDS": seconds},
                f"ATLASSIAN_POLL_SECONDS {seconds!r}",
                "set the ATLASSIAN_* variables the message names",
            )
            # Which values are refused: tests/client/test_client.py (poll_seconds_from_env).
            for example, seconds in (
                ("new_site_all_products.py", "abc"),
                ("add_jsm_to_existing_site.py", "nan"),
            )
        ),
    ],
)
def test_a_failure_is_one_line_saying_what_to_do_next(
    sandbox: Any, example: str, env: dict[str, str], says: str, next_step: str
) -> None:
    if "site admin" in env:
        admin = sandbox.profile.site_admin(env.pop("site admin"))
        env = {
            "ATLASSIAN_SITE_ADMIN_EMAIL": admin.email,
            "ATLASSIAN_SITE_ADMIN_TOKEN": admin.api_token,
        }
    done = run(example, **{"ATLASSIAN_BASE_URL": sandbox.base_url, **env})
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(example.removesuffix(".py") + " failed: ")
    assert says in done.stderr and f"next: {next_step}" in done.stderr
    for admin in sandbox.profile.site_admins:
        assert admin.api_token not in done.stderr


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_an_example_names_no_value_of_the_default_profile(example: str) -> None:
    text = (EXAMPLES / example).read_text(encoding="utf-8").lower()
    named = [value for value in default_profile_values() if value.lower() in text]
    assert named == [], f"{example} names default-profile values: {named}"


def test_the_examples_run_for_an_org_whose_profile_names_no_admin_email_or_timezone(
    tmp_path: Path,
) -> None:
    """Another org's profile as discovery writes it, without defaults.adminEmail and
    timezone: the examples take them as the suite does (the org's direct site admin, UTC).
    They indexed defaults['adminEmail'] and stopped at a KeyError."""
    import json

    from harness.sandbox.testing import running_sandbox
    from tests.other_org import other_org

    data = other_org()
    del data["defaults"]["adminEmail"], data["defaults"]["timezone"]
    profile = tmp_path / "other-org.json"
    profile.write_text(json.dumps(data), encoding="utf-8")
    with running_sandbox(profile) as server:
        for example, items in (("new_site_all_products.py", 4), ("add_jsm_to_existing_site.py", 1)):
            done = run(example, ATLASSIAN_BASE_URL=server.base_url, ATLASSIAN_PROFILE=str(profile))
            assert done.returncode == 0, done.stderr
            assert len(printed(done.stdout)[2]) == items, done.stdout

"""The examples, run as scripts against a freshly reset sandbox: they exit 0 and what they
print is in the sandbox afterwards; any failure is one line and exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.client import Client, OrgApiKey

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
        timeout=60,
        check=False,
    )


def printed(output: str) -> tuple[str, dict[str, str]]:
    lines = [line.split() for line in output.splitlines()]
    (order_id,) = [words[1] for words in lines if words[0] == "order"]
    entitlements = {words[1]: words[2] for words in lines if words[0] == "entitlement"}
    return order_id, entitlements


def check_in_sandbox(sandbox: Any, order_id: str, entitlements: dict[str, str]) -> Client:
    client = Client(
        sandbox.base_url, org_id=sandbox.profile.org_id, auth=OrgApiKey(sandbox.profile.api_key)
    )
    account = next(iter(sandbox.profile.catalogue.transaction_accounts))
    order = client.get_order(order_id, account)
    assert order.status == "SUCCESS"
    assert order.entitlement_ids == entitlements
    for entitlement_id in entitlements.values():
        assert client.entitlement_details(entitlement_id).entitlement_id == entitlement_id
    assert client.provisioning_status(order.provision_request_id or "").status == "COMPLETED"
    return client


def test_new_site_all_products(sandbox: Any) -> None:
    done = run("new_site_all_products.py", ATLASSIAN_BASE_URL=sandbox.base_url)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    order_id, entitlements = printed(done.stdout)
    assert set(entitlements) == {"O1", "O2", "O3", "O4"}
    client = check_in_sandbox(sandbox, order_id, entitlements)
    site = sandbox.profile.defaults["newSiteName"]
    assert {w.name for w in client.iter_workspaces(site)} == {site}
    client.close()


def test_add_jsm_to_existing_site(sandbox: Any) -> None:
    done = run("add_jsm_to_existing_site.py", ATLASSIAN_BASE_URL=sandbox.base_url)
    assert done.returncode == 0, done.stderr
    order_id, entitlements = printed(done.stdout)
    assert set(entitlements) == {"O1"}
    client = check_in_sandbox(sandbox, order_id, entitlements)
    acme = site("acme")
    assert (
        client.entitlement_details(entitlements["O1"]).family_container_id == acme.family_container
    )
    assert "jira-servicedesk" in {w.type_key for w in client.iter_workspaces("acme")}
    client.close()


@pytest.mark.parametrize(
    ("example", "env", "says"),
    [
        (
            "new_site_all_products.py",
            {
                "ATLASSIAN_SITE_ADMIN_EMAIL": "site.admin@acme.example",
                "ATLASSIAN_SITE_ADMIN_TOKEN": "sandbox-site-admin-token-D3k8Pz",
            },
            "products.provision: HTTP 403 FORBIDDEN",
        ),
        ("add_jsm_to_existing_site.py", {"ATLASSIAN_SITE_NAME": "nosuchsite"}, "no Jira product"),
        ("new_site_all_products.py", {"ATLASSIAN_PROFILE": "/nonexistent.json"}, "no such file"),
    ],
)
def test_a_failure_is_one_line_and_exit_1(
    sandbox: Any, example: str, env: dict[str, str], says: str
) -> None:
    done = run(example, ATLASSIAN_BASE_URL=sandbox.base_url, **env)
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(example.removesuffix(".py") + " failed: ")
    assert says in done.stderr
    assert "sandbox-site-admin-token-D3k8Pz" not in done.stderr

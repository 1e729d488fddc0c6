"""Live safety: against a host that is not loopback, nothing is sent that the run did not
allow, whatever the mode and whichever guard is asked first.

- Without ``--allow-provisioning`` the only POST is the workspaces query (a read, ASM-033):
  scenarios that provision or order are deselected, saying so.
- With ``--allow-provisioning`` provisioning requests go, orders do not.
- Were those scenarios kept (``keep_every_tier``), the order steps' guard and the suite's
  transport refuse their requests before a byte is sent.
- ``--plan`` sends nothing at all.

A sandbox posing as the remote API listens on 127.0.0.1 and records every request; the
suite reaches it as ``http://api.atlassian.test:PORT`` (``fake_dns`` has every connection
of the suite resolve the name to loopback), so the suite's guards judge it a real host.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.client import OrgApiKey
from harness.contracts import load_profile
from harness.suite.modes import Mode, RunSettings
from harness.suite.tiers import OrdersNotAllowed, ProvisioningNotAllowed
from harness.suite.world import RealClock, World
from tests.pytest_runs import ledger_option, run_pytest

from .fake_dns import resolve
from .remote import Remote, posing_remote

PROFILE = load_profile()
#: Scenarios that provision and then order (one per order shape).
ORDERING = ["-m", "new-site"]
#: The tests' own plugin keeping every scenario whatever its tier.
KEEP_EVERY_TIER = ["-p", "tests.reliability.keep_every_tier"]


@pytest.fixture
def remote() -> Iterator[Remote]:
    with posing_remote() as server:
        yield server


def run_suite(remote: Remote, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ATLASSIAN_ORG_ID": PROFILE.org_id,
        "ATLASSIAN_API_KEY": PROFILE.api_key or "",
    }
    return run_pytest(
        "-q",
        "-p",
        "tests.reliability.fake_dns",
        "features",
        f"--base-url={remote.base_url}",
        ledger_option(),
        *args,
        env=env,
    )


def posts(remote: Remote) -> list[str]:
    return sorted({path.rsplit("/", 1)[-1] for method, path in remote.seen if method == "POST"})


def assert_stopped_before_any_order(remote: Remote, run: subprocess.CompletedProcess[str]) -> None:
    provisioned = [p for m, p in remote.seen if m == "POST" and p.endswith("/products")]
    assert len(provisioned) >= 5, f"the remote was not reached: {remote.seen}\n{run.stdout[-2000:]}"
    assert remote.orders_received() == []
    assert run.returncode == 1
    assert "stopped before sending an order to api.atlassian.test" in run.stdout
    assert "--allow-orders" in run.stdout


def test_a_live_run_without_allow_provisioning_sends_no_post_but_reads(remote: Remote) -> None:
    run = run_suite(remote, "--mode=live")
    assert run.returncode == 0, run.stdout[-3000:]
    assert posts(remote) == ["workspaces"], remote.seen
    assert remote.seen, "the read-only scenarios did not reach the remote"
    assert "deselected 2 scenarios: they provision (@provisioning) and api.atlassian.test" in (
        run.stdout
    )
    assert "--allow-provisioning sends them" in run.stdout
    assert "deselected 37 scenarios: they place orders (@orders)" in run.stdout
    assert "10 passed" in run.stdout


def test_a_record_run_against_a_remote_without_allow_provisioning_sends_no_post(
    remote: Remote, tmp_path: Path
) -> None:
    run = run_suite(remote, "--mode=record", f"--cassette-dir={tmp_path}", "-m", "new-site or auth")
    assert run.returncode == 0, run.stdout[-3000:]
    assert posts(remote) == ["workspaces"], remote.seen


def test_allow_provisioning_lets_provisioning_go_and_no_order(remote: Remote) -> None:
    run = run_suite(remote, "--mode=live", "--allow-provisioning")
    assert run.returncode == 0, run.stdout[-3000:]
    assert "products" in posts(remote) and remote.orders_received() == []
    assert "deselected 37 scenarios: they place orders (@orders)" in run.stdout


def test_were_they_kept_the_transport_refuses_provisioning_before_sending(remote: Remote) -> None:
    run = run_suite(remote, "--mode=live", *KEEP_EVERY_TIER, "-m", "new-site or auth")
    assert run.returncode == 1
    assert posts(remote) == ["workspaces"], remote.seen
    assert "stopped before sending a provisioning request (products.provision) to " in run.stdout
    assert "api.atlassian.test" in run.stdout and "--allow-provisioning" in run.stdout


def test_were_they_kept_orders_are_stopped_before_any_is_sent(remote: Remote) -> None:
    run = run_suite(remote, "--mode=live", "--allow-provisioning", *KEEP_EVERY_TIER, *ORDERING)
    assert_stopped_before_any_order(remote, run)


def test_record_mode_against_a_remote_sends_no_order(remote: Remote, tmp_path: Path) -> None:
    run = run_suite(
        remote,
        "--mode=record",
        f"--cassette-dir={tmp_path}",
        "--allow-provisioning",
        *KEEP_EVERY_TIER,
        *ORDERING,
    )
    assert_stopped_before_any_order(remote, run)


def test_the_transport_stops_orders_when_the_step_guard_is_gone(remote: Remote) -> None:
    run = run_suite(
        remote,
        "--mode=live",
        "--allow-provisioning",
        *KEEP_EVERY_TIER,
        "-p",
        "tests.reliability.no_order_guard",
        *ORDERING,
    )
    assert_stopped_before_any_order(remote, run)


def test_a_plan_sends_nothing(remote: Remote) -> None:
    run = run_suite(remote, "--mode=live", "--allow-orders", "--plan")
    assert run.returncode == 0, run.stdout[-3000:]
    assert remote.seen == []
    assert "harness --plan: 49 scenarios (10 read-only, 2 provisioning, 37 orders)" in run.stdout


def test_with_allow_orders_the_order_does_go(remote: Remote) -> None:
    """The control: the same remote does receive the order when it is allowed."""
    run = run_suite(remote, "--mode=live", "--allow-orders", "-k", "new_site and jira-")
    assert run.returncode == 0, run.stdout[-3000:]
    assert remote.orders_received() == [("POST", "/commerce/api/v2/orders")]


@pytest.mark.parametrize("mode", [Mode.LIVE, Mode.RECORD])
def test_no_client_of_a_scenario_can_send_an_order(remote: Remote, mode: Mode) -> None:
    """Straight through the client, past every step: the transport refuses before sending."""
    world = World(
        RunSettings(mode, base_url=remote.base_url),
        PROFILE,
        remote.base_url,
        RealClock(),
        "live-safety/direct",
        resolve=resolve,
    )
    try:
        client = world.connect(OrgApiKey(PROFILE.api_key or ""))
        client.query_workspaces("acme")  # reads reach the remote
        body = {"orderId": "00000000-0000-4000-8000-000000000001", "items": []}
        with pytest.raises(OrdersNotAllowed, match="--allow-orders"):
            client.place_order(body)
        with pytest.raises(OrdersNotAllowed):
            client.place_order(body, api_version="v1")
        with pytest.raises(ProvisioningNotAllowed, match="--allow-provisioning"):
            client.provision_products(["x"], "a@example.com", "site", timezone="UTC")
        with pytest.raises(ProvisioningNotAllowed, match=r"\(apps\.provision\)"):
            client.provision_app("ari:cloud:jira-software::site/x", ["x"], "a@example.com", "k")
    finally:
        world.close()
    assert remote.seen == [("POST", f"/admin/v2/orgs/{PROFILE.org_id}/workspaces")]

"""Live safety: against a host that is not loopback, no order request is ever sent without
``--allow-orders``, whatever the mode and whichever guard is asked first.

A sandbox posing as the remote API listens on 127.0.0.1 and records every request; the
suite reaches it as ``http://api.atlassian.test:PORT`` (``fake_dns`` resolves the name to
loopback inside the suite's process), so the suite's guards judge it a real host.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.client import OrgApiKey
from harness.contracts import load_profile
from harness.suite.modes import Mode, OrdersNotAllowed, RunSettings
from harness.suite.world import RealClock, World
from tests.pytest_runs import run_pytest

from . import fake_dns  # noqa: F401 (resolves api.atlassian.test here too)
from .remote import Remote, posing_remote

PROFILE = load_profile()
#: Scenarios that provision and then order (one per order shape).
ORDERING = ["-m", "new-site"]


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
        *args,
        env=env,
    )


def assert_stopped_before_any_order(remote: Remote, run: subprocess.CompletedProcess[str]) -> None:
    provisioned = [p for m, p in remote.seen if m == "POST" and p.endswith("/products")]
    assert len(provisioned) >= 5, f"the remote was not reached: {remote.seen}\n{run.stdout[-2000:]}"
    assert remote.orders_received() == []
    assert run.returncode == 1
    assert "stopped before sending an order to api.atlassian.test" in run.stdout
    assert "--allow-orders" in run.stdout


def test_live_mode_sends_no_order_without_allow_orders(remote: Remote) -> None:
    run = run_suite(remote, "--mode=live", *ORDERING)
    assert_stopped_before_any_order(remote, run)


def test_record_mode_against_a_remote_sends_no_order(remote: Remote, tmp_path: Path) -> None:
    run = run_suite(remote, "--mode=record", f"--cassette-dir={tmp_path}", *ORDERING)
    assert_stopped_before_any_order(remote, run)


def test_the_transport_stops_orders_when_the_step_guard_is_gone(remote: Remote) -> None:
    run = run_suite(remote, "--mode=live", "-p", "tests.reliability.no_order_guard", *ORDERING)
    assert_stopped_before_any_order(remote, run)


def test_with_allow_orders_the_order_does_go(remote: Remote) -> None:
    """The control: the same remote does receive the order when it is allowed."""
    run = run_suite(
        remote, "--mode=live", "--allow-orders", "-k", "new_site and Jira and acme-jira"
    )
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
    )
    try:
        client = world.connect(OrgApiKey(PROFILE.api_key or ""))
        client.query_workspaces("acme")  # reads reach the remote
        body = {"orderId": "00000000-0000-4000-8000-000000000001", "items": []}
        with pytest.raises(OrdersNotAllowed, match="--allow-orders"):
            client.place_order(body)
        with pytest.raises(OrdersNotAllowed):
            client.place_order(body, api_version="v1")
    finally:
        world.close()
    assert remote.seen == [("POST", f"/admin/v2/orgs/{PROFILE.org_id}/workspaces")]

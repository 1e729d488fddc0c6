"""Waits report their progress: a line per poll on the terminal where the waiting is real,
and an Allure step per wait holding its polls in every run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from harness.client import OrderBuilder, OrgApiKey, Poll
from harness.contracts import load_profile
from harness.sandbox.testing import running_sandbox
from harness.suite.modes import Mode, RunSettings
from harness.suite.progress import WaitProgress, poll_line
from harness.suite.world import RealClock, World

ROOT = Path(__file__).resolve().parents[2]


def test_a_poll_line_says_what_its_state_and_the_time_against_the_deadline() -> None:
    poll = Poll("order 5c1e", 3, "PROCESSING: O1 SUCCESS, O2 PROCESSING", 4.2, 600.0)
    assert poll_line("new_site/Jira", poll) == (
        "new_site/Jira: order 5c1e: PROCESSING: O1 SUCCESS, O2 PROCESSING (4 s of 600 s)"
    )
    final = Poll("provisioning request r", 1, "COMPLETED", 0.0, 900.0, final=True)
    assert poll_line("s", final).endswith("COMPLETED (0 s of 900 s, done)")


def test_a_real_wait_prints_each_poll_until_the_order_succeeds() -> None:
    profile = load_profile()
    lines: list[str] = []
    with running_sandbox(processing_delay_seconds=1.5) as server:
        world = World(
            RunSettings(Mode.LIVE, base_url=server.base_url),
            profile,
            server.base_url,
            RealClock(),
            "progress/a real wait",
            progress=WaitProgress("progress/a real wait", lines.append),
        )
        try:
            client = world.connect(OrgApiKey(profile.api_key or ""))
            request = client.provision_products(
                [o.id for o in profile.catalogue.offerings_of("jira", "enterprise")],
                "admin@example.com",
                "acme-progress",
                timezone="UTC",
            )
            order = client.place_order(OrderBuilder.for_profile(profile, request).jira().build())
            done = world.wait_for_order(order)
            status = world.wait_for_provisioning(request)
        finally:
            world.close()
    assert done.status == "SUCCESS" and status.status == "COMPLETED"
    assert lines[0] == f"progress/a real wait: waiting for order {order.order_id} (deadline 600 s)"
    polls = [line for line in lines if f"order {order.order_id}: " in line]
    assert len(polls) >= 2, lines  # PROCESSING at first, then SUCCESS (polled every 2 s)
    assert "PROCESSING: O1 PROCESSING, O2 PROCESSING (0 s of 600 s)" in polls[0]
    assert polls[-1].endswith(", done)") and ": SUCCESS: O1 SUCCESS, O2 SUCCESS" in polls[-1]
    assert lines[-1].endswith("COMPLETED (0 s of 900 s, done)")


def _steps(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for step in node.get("steps", []):
        found.append(step)
        found += _steps(step)
    return found


def test_every_wait_is_an_allure_step_holding_its_polls(tmp_path: Path) -> None:
    results = tmp_path / "allure"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "features",
            "-k",
            "new_site and jira-",
            f"--alluredir={results}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert "waiting for order" not in run.stdout  # virtual time: the terminal stays quiet
    (result,) = [json.loads(p.read_text()) for p in results.glob("*-result.json")]
    steps = _steps(result)
    waits = [s for s in steps if s["name"].startswith("wait for order ")]
    assert len(waits) == 1 and waits[0]["name"].endswith("(deadline 600 s)")
    polls = [s["name"] for s in _steps(waits[0]) if s["name"].startswith("poll ")]
    # The embedded sandbox finishes items 3 s after the order; the wait polls every second.
    assert polls[0].startswith("poll 1 after 0.0 s: PROCESSING: O1 PROCESSING, O2 PROCESSING")
    assert polls[-1].startswith("poll 4 after 3.0 s: SUCCESS: O1 SUCCESS, O2 SUCCESS")
    gets = [s["name"] for s in _steps(waits[0]) if s["name"].startswith("orders.get GET")]
    assert len(gets) == 4
    assert any(s["name"].startswith("wait for provisioning request ") for s in steps)

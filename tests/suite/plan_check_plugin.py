"""A pytest plugin for the plan tests: after each scenario, what it sent must be in its plan.

Every provisioning request names a site the plan lists (a new site it makes, or the site
its role gave it), and the distinct orders it placed are no more than the plan counts.
A scenario that sent more than its plan said fails, naming what.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.pytest_plugin import RUN
from harness.suite.selection import plan_of, scenario_of
from harness.suite.world import World


@pytest.hookimpl(trylast=True)
def pytest_bdd_after_scenario(request: pytest.FixtureRequest, **_: Any) -> None:
    world: World = request.getfixturevalue("world")
    run = request.config.stash[RUN]
    scenario = scenario_of(request.node)
    assert scenario is not None
    plan = plan_of(scenario, run.profile, run.naming)
    sites = set(plan.new_sites) | ({plan.site} if plan.site else set())
    for exchange in world.exchanges:
        if exchange.operation == "products.provision":
            name = (exchange.request_json or {}).get("parameters", {}).get("name")
            assert name in sites, f"{scenario.key}: provisioned {name!r}, its plan says {sites}"
    ordered = {
        (e.request_json or {}).get("orderId")
        for e in world.exchanges
        if e.operation.startswith("orders.place")
    }
    assert len(ordered) <= plan.orders, f"{scenario.key}: {len(ordered)} orders, plan {plan.orders}"

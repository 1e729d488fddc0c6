"""Names a run gives what it creates, and the tiers: what each run may send."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from harness.contracts import SideEffect, operation, schema_uri, side_effect, validate
from harness.suite.modes import Mode, RunSettings
from harness.suite.naming import NAMESPACE, Naming, NamingError, new_run_id
from harness.suite.tiers import (
    BeyondScenarioTier,
    OrdersNotAllowed,
    ProvisioningNotAllowed,
    TierTagError,
    allowed,
    check_allowed,
    tier_of,
)

SITE_NAME = schema_uri("common.json") + "#/$defs/siteName"
REMOTE = "https://api.atlassian.com"
LOOPBACK = "http://127.0.0.1:8080"


def test_deterministic_names_are_the_ones_the_cassettes_hold() -> None:
    naming = Naming("acme")
    assert naming.site("conf", "new_site/x") == "acme-conf"
    key = "new_site/Jira Enterprise on a new site"
    assert naming.uuid(key, 1) == str(uuid.uuid5(NAMESPACE, f"{key}#1"))
    assert naming.item_id("O2") == "O2" and naming.item_id_format == "O{n}"


def test_fresh_names_carry_the_run_id_and_differ_by_scenario_and_run() -> None:
    first, second = Naming("qa", "run0001"), Naming("qa", "run0002")
    a = first.site("rules", "order_rules/REL-001: x")
    b = first.site("rules", "order_rules/REL-002: y")
    c = second.site("rules", "order_rules/REL-001: x")
    assert len({a, b, c}) == 3
    assert a.startswith("qa-run0001-rules-") and c.startswith("qa-run0002-rules-")
    for name in (a, b, c, Naming("a" * 24, "z" * 12).site("x" * 20, "k")):
        assert validate(SITE_NAME, name) == [], name
    assert first.uuid("k", 1) != second.uuid("k", 1) != Naming("qa").uuid("k", 1)
    assert first.item_id("O3") == "O3-run0001"


def test_a_deterministic_name_an_existing_site_has_is_not_given_to_a_new_site() -> None:
    """An org may have sites named as the suite's new ones (``corp-jira`` with prefix
    ``corp``): a new site gets the first free name after it, the same every run."""
    naming = Naming("corp", taken=frozenset({"corp-jira", "corp-jira-2", "corp-conf-x"}))
    assert naming.site("jira", "new_site/x") == "corp-jira-3"
    assert naming.site("conf", "new_site/y") == "corp-conf"
    assert (
        validate(
            SITE_NAME,
            Naming("a" * 24, taken=frozenset({"a" * 24 + "-" + "x" * 20})).site("x" * 20, "k"),
        )
        == []
    )


def test_run_ids_are_fresh_and_valid() -> None:
    ids = {new_run_id() for _ in range(200)}
    assert len(ids) == 200
    for run_id in ids:
        Naming("qa", run_id)


@pytest.mark.parametrize(
    ("prefix", "run_id", "label", "says"),
    [
        ("Acme", None, "conf", "site prefix 'Acme'"),
        ("9lives", None, "conf", "site prefix '9lives'"),
        ("a" * 25, None, "conf", "site prefix"),
        ("qa", "RUN1", "conf", "run id 'RUN1'"),
        ("qa", "ab", "conf", "run id 'ab'"),
        ("qa", None, "Conf", "new site label 'Conf'"),
        ("qa", None, "conf-", "new site label 'conf-'"),
        ("qa", None, "c" * 21, "new site label"),
    ],
)
def test_a_name_that_cannot_be_a_site_name_is_refused_by_name(
    prefix: str, run_id: str | None, label: str, says: str
) -> None:
    with pytest.raises(NamingError, match=says.replace("(", r"\(")):
        Naming(prefix, run_id).site(label, "k")


@pytest.mark.parametrize(
    ("settings", "fresh", "resets"),
    [
        (RunSettings(Mode.LOCAL), False, True),
        (RunSettings(Mode.REPLAY), False, True),
        (RunSettings(Mode.RECORD), False, True),
        (RunSettings(Mode.RECORD, base_url=LOOPBACK, reset_sandbox=True), False, True),
        (RunSettings(Mode.RECORD, base_url=LOOPBACK), True, False),
        (RunSettings(Mode.RECORD, base_url=REMOTE, reset_sandbox=True), True, True),
        (RunSettings(Mode.LIVE), True, False),
        (RunSettings(Mode.LIVE, base_url=LOOPBACK), True, False),
    ],
)
def test_which_runs_are_fresh(settings: RunSettings, fresh: bool, resets: bool) -> None:
    assert (settings.fresh, settings.resets_org) == (fresh, resets)


def test_each_operation_has_its_side_effect() -> None:
    effects = {
        "products.provision": SideEffect.PROVISIONING,
        "apps.provision": SideEffect.PROVISIONING,
        "orders.place": SideEffect.ORDERS,
        "orders.place.v1": SideEffect.ORDERS,
        "workspaces.query": SideEffect.READ_ONLY,  # a POST that reads (ASM-033)
        "orders.get": SideEffect.READ_ONLY,
        "provisioning.status": SideEffect.READ_ONLY,
        "entitlements.list": SideEffect.READ_ONLY,
        "entitlements.details": SideEffect.READ_ONLY,
    }
    assert {name: operation(name).side_effect for name in effects} == effects
    # What the contracts do not know is judged by the worst case unless it only reads.
    assert side_effect("POST", "/admin/v2/orgs/x/something") is SideEffect.ORDERS
    assert side_effect("DELETE", "/commerce/api/v2/orders/x") is SideEffect.ORDERS
    assert side_effect("GET", "/anything") is SideEffect.READ_ONLY


@pytest.mark.parametrize(
    ("flags", "most"),
    [
        ({}, SideEffect.READ_ONLY),
        ({"allow_provisioning": True}, SideEffect.PROVISIONING),
        ({"allow_orders": True}, SideEffect.ORDERS),
    ],
)
def test_a_remote_host_gets_only_the_tiers_allowed(flags: dict, most: SideEffect) -> None:
    settings = RunSettings(Mode.LIVE, **flags)
    assert allowed(settings, REMOTE) is most
    assert allowed(settings, LOOPBACK) is SideEffect.ORDERS
    assert allowed(RunSettings(Mode.REPLAY), REMOTE) is SideEffect.ORDERS


def test_refusals_name_the_host_and_the_flag() -> None:
    live = RunSettings(Mode.LIVE)
    with pytest.raises(ProvisioningNotAllowed, match=r"api\.atlassian\.com.*--allow-provisioning"):
        check_allowed(live, REMOTE, SideEffect.PROVISIONING, what="products.provision")
    with pytest.raises(OrdersNotAllowed, match="--allow-orders"):
        check_allowed(RunSettings(Mode.LIVE, allow_provisioning=True), REMOTE, SideEffect.ORDERS)
    check_allowed(live, REMOTE, SideEffect.READ_ONLY)


def test_a_request_beyond_its_scenarios_tier_is_refused_even_on_loopback() -> None:
    with pytest.raises(
        BeyondScenarioTier, match="tagged @read-only: tag the scenario @provisioning"
    ):
        check_allowed(
            RunSettings(),
            LOOPBACK,
            SideEffect.PROVISIONING,
            scenario_tier=SideEffect.READ_ONLY,
            what="products.provision",
        )


def test_a_scenario_has_exactly_one_tier_tag() -> None:
    assert tier_of({"orders", "new-site"}, "s") is SideEffect.ORDERS
    with pytest.raises(TierTagError, match="s: no tier tag; tag every scenario with one of"):
        tier_of({"new-site"}, "s")
    with pytest.raises(TierTagError, match="several tier tags"):
        tier_of({"orders", "read-only"}, "s")


def test_every_scenario_of_the_features_has_its_tier() -> None:
    from harness.contracts import load_profile
    from harness.suite.plan import feature_plans

    root = Path(__file__).resolve().parents[2]
    plans = feature_plans(root / "features", load_profile(), Naming("acme"))
    assert len(plans) == 66
    tiers = {p.tier for p in plans}
    assert tiers == set(SideEffect)

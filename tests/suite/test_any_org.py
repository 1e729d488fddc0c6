"""Any org, any number of runs: the features name roles, never one org's values; an org that
shares no value with the default one, served by the sandbox, passes the live-mode suite
twice in a row with no reset (the second time with two xdist workers at once); a role the
profile lacks skips its scenarios, saying which and how to add it; ``--plan`` lists what a
run would make and sends nothing; what a scenario sends is in its plan."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from harness.contracts.roles import OFFERING_WORDS
from longruns.serve import served
from tests.other_org import INITECH, UMBRELLA, default_values, other_org, values_of, write_other_org
from tests.pytest_runs import ledger_option

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:schemathesis")


def run_features(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *PLUGINS, "features", ledger_option(), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def outcomes(junit: Path) -> dict[str, str]:
    """Each test case of a JUnit XML file and its outcome."""
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        kind = next(
            (child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed"
        )
        found[case.get("name", "")] = kind
    return found


def assert_every_one_passes(
    tmp_path: Path, data: dict[str, Any], selection: str, count: int
) -> None:
    """The scenarios ``-k selection`` of a local run with the profile ``data``: ``count``
    of them, every one passed."""
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps(data))
    junit = tmp_path / "junit.xml"
    run = run_features(f"--profile={profile}", f"--junitxml={junit}", "-k", selection)
    assert run.returncode == 0, run.stdout[-3000:]
    results = outcomes(junit)
    assert len(results) == count and set(results.values()) == {"passed"}, results


def test_features_and_steps_name_no_value_of_the_default_profile() -> None:
    """Ids, site names, e-mails, keys, tokens, anchors: none in features/ or its steps. The
    cookbook's offering words ("Jira Enterprise") are the features' vocabulary, not data."""
    values = {v for v in default_values() if len(v) >= 4 and v not in OFFERING_WORDS}
    files = [*ROOT.glob("features/*.feature"), *ROOT.glob("features/steps/*.py")]
    assert len(files) >= 10
    found = [
        f"{path.relative_to(ROOT)}: {value}"
        for path in files
        for value in values
        if re.search(rf"(?<![\w-]){re.escape(value)}(?![\w])", path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_other_org_shares_no_value_with_the_default_one() -> None:
    assert values_of(other_org()) & default_values() == set()
    assert len(values_of(other_org())) > 40


def test_a_role_the_profile_lacks_skips_its_scenarios_saying_so(tmp_path: Path) -> None:
    """No site with JSM, no app: their scenarios are skipped (the reason names the role and
    how to add it), the others pass against the same profile in local mode."""
    data = copy.deepcopy(other_org())
    data["catalogue"]["sites"] = [s for s in data["catalogue"]["sites"] if s["name"] == INITECH]
    data["catalogue"]["offerings"] = [
        o for o in data["catalogue"]["offerings"] if o["product"] != "app"
    ]
    profile = tmp_path / "lacking.json"
    profile.write_text(json.dumps(data))
    junit = tmp_path / "junit.xml"
    run = run_features(
        f"--profile={profile}", "-rs", f"--junitxml={junit}", "-m", "apps or auth or rules"
    )
    assert run.returncode == 0, run.stdout[-3000:]
    results = outcomes(junit)
    skipped = sorted(name for name, kind in results.items() if kind == "skipped")
    assert skipped == sorted(
        [
            "test_install_an_app_on_a_product_and_order_it",
            "test_a_site_admin_installs_an_app_on_their_own_site_with_basic_authentication",
            "test_an_app_order_billed_from_another_anchor_is_refused",
            "test_a_site_admin_cannot_reach_a_site_they_do_not_administer",
            "test_rel013_an_app_order_without_app_dependence_is_refused",
            "test_rule_an_order_where_breakage_is_refused[REL-017-Jira Premium names the app's "
            'pricing plan-Jira Premium (Open Source)-"Jira Premium (Open Source)"-'
            "/items/1/optedUsageOptions/chargingDetails/pricingPlanId]",
        ]
    ), run.stdout[-3000:]
    assert "lacks 'a site with JSM': add to catalogue.sites" in run.stdout
    assert (
        "lacks 'the app': add to catalogue.offerings an offering with product 'app'" in run.stdout
    )
    assert "lacks 'a site with Jira that the site admin does not administer'" in run.stdout
    assert sum(kind == "passed" for kind in results.values()) >= 20


def test_an_org_whose_sites_are_named_as_the_suites_new_ones_passes(tmp_path: Path) -> None:
    """An org's sites may begin with its site prefix (``qa-jira``, ``qa-rules`` with prefix
    ``qa``): the suite's deterministic new sites are named around them. Before, those
    scenarios provisioned onto the existing site and failed with PRODUCT_ALREADY_ON_SITE."""
    data = copy.deepcopy(other_org())
    renamed = {INITECH: "qa-jira", UMBRELLA: "qa-rules"}
    for site in data["catalogue"]["sites"]:
        site["name"] = renamed[site["name"]]
    for admin in data["siteAdmins"]:
        admin["sites"] = [renamed[s] for s in admin["sites"]]
    selection = "new_site and Jira and Enterprise and not all and not JSM or REL-004 or REL-018"
    assert_every_one_passes(tmp_path, data, selection, 3)


def test_an_org_with_two_offerings_of_a_product_and_no_charge_elements_passes(
    tmp_path: Path,
) -> None:
    """A catalogue may list two Jira (and JSM) Enterprise offerings, another currency's
    first, and name no charge element (the schema lets it): the suite orders what it
    provisions, and REL-012 still judges by the product. Before, the orders failed with
    'the catalogue has 2 jira enterprise offerings' and REL-012's scenarios were accepted."""
    data = copy.deepcopy(other_org())
    offerings = data["catalogue"]["offerings"]
    for offering in offerings:
        if offering.get("edition") == "enterprise":
            del offering["chargeElement"]
    for product in ("jira", "jsm"):
        offerings.insert(
            0,
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"usd/{product}")),
                "name": f"{product} Enterprise (USD)",
                "product": product,
                "edition": "enterprise",
            },
        )
    selection = "REL-012 or add_jsm_to_a_site or (order_on_a_new_site and all)"
    assert_every_one_passes(tmp_path, data, selection, 4)


def test_an_org_as_discovery_writes_it_and_shaped_unlike_the_default_passes(
    tmp_path: Path,
) -> None:
    """What a discovered or hand-written profile may lack or hold first, all at once: no
    defaults.chargeQuantity (discovery writes none), no billing anchor on the JSM site
    (and 0 on Jira's), a site whose Jira is Standard listed first, an app without a plan
    or charge element listed first, a group site admin of no site. Before, these failed:
    every order ('needs a positive whole charge quantity, got None'), the details' anchor
    and parent Enterprise entitlement, the app orders (the anchor unknown; the order of
    another app than the one provisioned), and the group scenario ('administers no
    site'), which is now skipped, naming the role."""
    data = copy.deepcopy(other_org())
    del data["defaults"]["chargeQuantity"]
    catalogue = data["catalogue"]
    for site in catalogue["sites"]:
        for product in site["products"]:
            if site["name"] == INITECH:
                product["billingAnchorTimestamp"] = 0
            else:
                del product["billingAnchorTimestamp"]
    ids = iter(str(uuid.uuid5(uuid.NAMESPACE_URL, f"shaped/{n}")) for n in range(6))
    standard = next(ids)
    catalogue["offerings"].insert(0, {"id": next(ids), "name": "Free app", "product": "app"})
    catalogue["offerings"].append(
        {"id": standard, "name": "Jira Standard", "product": "jira", "edition": "standard"}
    )
    catalogue["sites"].insert(
        0,
        {
            "name": "std-jira",
            "cloudId": next(ids),
            "familyContainerEntitlementId": next(ids),
            "products": [{"product": "jira", "offeringId": standard, "entitlementId": next(ids)}],
        },
    )
    for admin in data["siteAdmins"]:
        if admin["roleVia"] == "group":
            admin["sites"] = []
    profile = tmp_path / "shaped.json"
    profile.write_text(json.dumps(data))
    junit = tmp_path / "junit.xml"
    selection = (
        "new_site and Jira and Enterprise and not all and not JSM or get_the_product or "
        "install_an_app_on_a_product or another_anchor or rel013 or held_only_through_a_group"
    )
    run = run_features(f"--profile={profile}", f"--junitxml={junit}", "-rs", "-k", selection)
    assert run.returncode == 0, run.stdout[-3000:]
    results = outcomes(junit)
    group = "test_a_siteadmin_role_held_only_through_a_group_is_refused"
    assert results.pop(group) == "skipped", results
    assert "lacks 'the site admin who holds the role through a group'" in run.stdout
    assert len(results) == 5 and set(results.values()) == {"passed"}, results


def test_the_plan_lists_each_scenario_and_what_it_would_make() -> None:
    run = run_features("--plan", "-q")
    assert run.returncode == 0, run.stdout[-3000:]
    out = run.stdout
    assert "orders        new_site: Confluence Enterprise on a new site" in out
    assert "provisions Confluence Enterprise on new site acme-conf" in out
    assert "read-only     prerequisites: Get the product entitlement ID, then its details" in out
    assert "uses a site with Jira: acme" in out
    assert re.search(
        r"harness --plan: 66 scenarios \(10 read-only, 5 provisioning, 51 orders\)", out
    )
    assert "nothing was sent" in out and "passed" not in out


def test_a_live_plan_names_what_this_run_would_make_and_sends_nothing(tmp_path: Path) -> None:
    """No server at all: a plan needs none. With --run-id the names are the ones the run of
    that id would make."""
    profile = write_other_org(tmp_path / "other.json")
    env = {
        "ATLASSIAN_BASE_URL": "http://127.0.0.1:9",
        "ATLASSIAN_ORG_ID": "",
        "ATLASSIAN_API_KEY": "",
    }
    args = (
        "--plan",
        "--mode=live",
        f"--profile={profile}",
        "--allow-orders",
        "--run-id=fixed42",
        "-n",
        "2",
    )
    run = run_features(*args, env=env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    out = run.stdout
    assert "deselected 17 scenarios: they need the sandbox's clock or faults" in out
    assert re.search(r"provisions Jira Enterprise on new site qa-fixed42-jira-[0-9a-f]{4}\n", out)
    assert re.search(
        r"uses a site with Jira and no JSM: qa-fixed42-jira-[0-9a-f]{4}, made for this scenario",
        out,
    )
    assert f"uses a site with JSM: {UMBRELLA}\n" in out
    assert "49 scenarios" in out


def test_what_each_scenario_sends_is_in_its_plan() -> None:
    run = run_features("-q", "-p", "tests.suite.plan_check_plugin")
    assert run.returncode == 0, run.stdout[-4000:]
    assert "66 passed" in run.stdout


def test_another_org_passes_the_live_suite_twice_in_a_row_with_no_reset(tmp_path: Path) -> None:
    """The sandbox serves an org unlike the default one and is never reset; the live suite
    runs against it twice: the first time in one process, the second with two workers at
    once (-n 2). Both pass with the same scenarios kept; each run names its sites afresh;
    what every scenario sends is in its plan; every wait reports its progress."""
    profile = write_other_org(tmp_path / "other.json")
    data = json.loads(profile.read_text())
    with served(
        tmp_path / "serve.log", "--profile", str(profile), "--processing-seconds", "1"
    ) as server:
        env = server.live_env(data)
        common = ("--mode=live", f"--profile={profile}", "-p", "tests.suite.plan_check_plugin")
        first = run_features(*common, f"--junitxml={tmp_path / 'first.xml'}", env=env)
        assert first.returncode == 0, first.stdout[-5000:]
        second = run_features(*common, "-n", "2", f"--junitxml={tmp_path / 'second.xml'}", env=env)
        assert second.returncode == 0, second.stdout[-5000:] + second.stderr[-3000:]
    kept_first, kept_second = outcomes(tmp_path / "first.xml"), outcomes(tmp_path / "second.xml")
    assert kept_first == kept_second
    assert set(kept_first.values()) == {"passed"} and len(kept_first) == 49
    run_ids = [
        re.findall(r"harness: run ([a-z0-9]+):", r.stdout + r.stderr) for r in (first, second)
    ]
    assert run_ids[0] and run_ids[1] and run_ids[0][0] != run_ids[1][0]
    assert "deselected 17 scenarios" in first.stdout
    assert re.search(r"waiting for order \S+ \(deadline 600 s\)", first.stdout)
    assert re.search(r"order \S+: SUCCESS: O1-\w+ SUCCESS.*\(\d+ s of 600 s, done\)", first.stdout)
    assert re.search(r"\[gw[01]\] .*waiting for order", second.stderr)


def test_an_org_at_a_slower_pace_than_the_usual_deadlines_passes(tmp_path: Path) -> None:
    """The profile may say an org takes up to an hour to process an order or complete a
    provisioning request; the waits allow that pace beyond their usual 600 s and 900 s (a
    scenario clock: no real waiting). Before, such an org failed with WaitTimeout."""
    data = other_org()
    data["sandbox"].update(processingDelaySeconds=700, provisioningDelaySeconds=1000)
    profile = tmp_path / "slow.json"
    profile.write_text(json.dumps(data))
    junit = tmp_path / "junit.xml"
    run = run_features(
        f"--profile={profile}",
        f"--junitxml={junit}",
        "-k",
        "new_site and Jira and Enterprise and not all and not JSM",
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert set(outcomes(junit).values()) == {"passed"}

"""The assumption ledger: a live run against an org that reads the cookbook the other way
names every assumption it refuted, and only those.

A ``harness sandbox serve`` plays the org, its profile switching two-way assumptions to
their other reading (``sandbox.readings``); the suite runs against it in live mode and
writes ``reports/assumptions.json`` and the Allure result "Assumption ledger";
``harness assumptions`` prints it. Switched: exactly the switched assumptions are
contradicted, each with the exchange that shows it. Not switched: none is.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from harness.contracts import cookbook, load_profile
from harness.contracts.profile import DEFAULT_PROFILE
from longruns.serve import served
from tests.pytest_runs import run_harness, run_pytest

PLUGINS = ("-p", "no:hypothesispytest", "-p", "no:schemathesis")
#: Scenarios that exercise the four two-way assumptions (and ASM-008, ASM-013, ASM-060).
EXERCISING = (
    "get_the_product_entitlement_id"  # ASM-042: the list of a product ARI
    " or reads_the_prerequisites_with_basic"  # ASM-040: Basic on the admin's own site
    " or install_an_app_on_a_product_and_order_it"  # ASM-041: the app's parent
    " or REL-012"  # ASM-043: an Enterprise item without charge quantities
)
TWO_WAY = {a.id for a in cookbook.two_way_assumptions()}


def _live_run(
    tmp_path: Path, readings: dict[str, str], *extra: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    data = json.loads(DEFAULT_PROFILE.read_text())
    data["sandbox"]["readings"] = readings
    profile = tmp_path / "org.json"
    profile.write_text(json.dumps(data))
    reports = tmp_path / "reports"
    with served(
        tmp_path / "serve.log", "--profile", str(profile), "--processing-seconds", "1"
    ) as server:
        env = server.live_env(data)
        run = run_pytest(
            *PLUGINS,
            "features",
            "--mode=live",
            f"--profile={profile}",
            "-k",
            EXERCISING,
            f"--alluredir={reports / 'allure-results'}",
            *extra,
            env=env,
            timeout=600,
        )
    return run, reports


def _ledger(reports: Path) -> dict[str, Any]:
    return json.loads((reports / "assumptions.json").read_text())


def _allure_ledger(reports: Path) -> dict[str, Any]:
    found = [
        json.loads(path.read_text())
        for path in (reports / "allure-results").glob("*-result.json")
        if json.loads(path.read_text()).get("fullName") == "harness.assumptions.ledger"
    ]
    assert len(found) == 1
    return found[0]


def test_a_live_run_against_the_other_readings_names_exactly_those_refuted(
    tmp_path: Path,
) -> None:
    switched = {asm_id: cookbook.ALTERNATIVE_READING for asm_id in sorted(TWO_WAY)}
    run, reports = _live_run(tmp_path, switched)
    assert run.returncode == 1, run.stdout[-4000:]  # the scenarios meet the other readings
    ledger = _ledger(reports)
    assert set(ledger["contradicted"]) == TWO_WAY, json.dumps(ledger, indent=1)[:4000]
    by_id = {entry["id"]: entry for entry in ledger["assumptions"]}
    # Observed, and agreed with: ASM-060 by the refusal of JSM charged per user, which the
    # other readings refuse as the harness's do.
    assert {"ASM-008", "ASM-013", "ASM-060"} <= set(by_id)
    assert by_id["ASM-060"]["verdict"] == "agreed"
    for asm_id in TWO_WAY:
        entry = by_id[asm_id]
        assert entry["verdict"] == "contradicted" and entry["agreed"] == 0, entry
        shown = entry["evidence"]["contradicted"]
        assert shown["operation"] in cookbook.assumption(asm_id).observation.operations
        assert shown["curl"].startswith("curl --request")
        assert entry["alternative"] == cookbook.assumption(asm_id).alternative
    # The exchanges that show it, as the org answered.
    assert by_id["ASM-040"]["evidence"]["contradicted"]["status"] == 403
    assert by_id["ASM-041"]["evidence"]["contradicted"]["status"] == 422
    assert by_id["ASM-043"]["evidence"]["contradicted"]["status"] == 200
    listed = by_id["ASM-042"]["evidence"]["contradicted"]
    assert listed["responseJson"]["resource_ari"].startswith("ari:cloud:platform::site/")
    assert "Authorization: Bearer $ATLASSIAN_API_KEY" in listed["curl"]
    secret = json.loads(DEFAULT_PROFILE.read_text())["org"]["apiKey"]
    assert secret not in (reports / "assumptions.json").read_text()
    # The Allure page: failed, a step per assumption, each with its exchange.
    result = _allure_ledger(reports)
    assert result["status"] == "failed"
    steps = {s["name"].split()[0]: s for s in result["steps"]}
    assert {k for k, s in steps.items() if s["status"] == "failed"} == TWO_WAY
    assert all(s["attachments"] for s in steps.values())
    assert "assumption ledger" in run.stdout and "contradicted: ASM-040" in run.stdout
    assert "your org answered otherwise than the harness assumes" in run.stdout
    # Each failed step says which assumption the org contradicted on the way, and how the
    # org reads it: the failure is the org's other reading, not a bug of either side.
    told = re.findall(r"Your org contradicted (ASM-\d+) here \(([\w.]+) -> (\d+)\)", run.stdout)
    assert {asm_id for asm_id, _, _ in told} == TWO_WAY - {"ASM-042"}, run.stdout[-6000:]
    assert ("ASM-041", "orders.place", "422") in told
    for asm_id in TWO_WAY - {"ASM-042"}:
        reading = " ".join(cookbook.assumption(asm_id).alternative.split())[:60]
        assert f"it reads the cookbook the other way: {reading}" in run.stdout
    # harness assumptions prints it as a table, and exits 1: the org contradicted some.
    printed = run_harness("assumptions", str(reports), env=dict(os.environ))
    assert printed.returncode == 1, printed.stderr
    rows = {
        line.split()[0]: line.split()[1]
        for line in printed.stdout.splitlines()[1:]
        if line.startswith("ASM-")
    }
    assert {k for k, v in rows.items() if v == "contradicted"} == TWO_WAY
    assert re.search(r"contradicted: ASM-040, ASM-041, ASM-042, ASM-043", printed.stdout)


def test_a_live_run_against_the_harness_readings_contradicts_none(tmp_path: Path) -> None:
    """With two xdist workers: each hands its evidence to the controller, which writes."""
    run, reports = _live_run(tmp_path, {}, "-n", "2")
    assert run.returncode == 0, run.stdout[-4000:]
    ledger = _ledger(reports)
    assert ledger["contradicted"] == []
    assert {e["id"] for e in ledger["assumptions"]} >= TWO_WAY | {"ASM-008", "ASM-013", "ASM-060"}
    assert all(e["verdict"] == "agreed" and e["agreed"] > 0 for e in ledger["assumptions"])
    assert _allure_ledger(reports)["status"] == "passed"
    printed = run_harness("assumptions", str(reports), env=dict(os.environ))
    assert printed.returncode == 0 and "none contradicted" in printed.stdout


def test_harness_run_publishes_the_ledger_with_its_results(tmp_path: Path) -> None:
    """One reading switched, through ``harness run``: the ledger lands in --reports beside
    the results (it is written in the run's staging folder first), names that one, and
    the run says where it is."""
    data = json.loads(DEFAULT_PROFILE.read_text())
    data["sandbox"]["readings"] = {"ASM-042": cookbook.ALTERNATIVE_READING}
    profile = tmp_path / "org.json"
    profile.write_text(json.dumps(data))
    reports = tmp_path / "reports"
    with served(tmp_path / "serve.log", "--profile", str(profile)) as server:
        env = server.live_env(data)
        run = run_harness(
            "run",
            "--mode",
            "live",
            "--no-report",
            "--reports",
            str(reports),
            f"--profile={profile}",
            "-k",
            "get_the_product_entitlement_id",
            env=env,
        )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert _ledger(reports)["contradicted"] == ["ASM-042"]  # no scenario fails on it
    assert _allure_ledger(reports)["status"] == "failed"
    assert f"assumption ledger {reports / 'assumptions.json'}" in run.stdout
    assert f"harness assumptions {reports}" in run.stdout


def test_a_run_against_the_sandbox_itself_writes_no_ledger(tmp_path: Path) -> None:
    """Local mode (and record mode on loopback) answers with the sandbox's own readings:
    nothing to learn, no ledger; an old one does not pass for this run's."""
    reports = tmp_path / "reports"
    run = run_pytest(
        *PLUGINS,
        "features",
        "-k",
        "get_the_product_entitlement_id",
        f"--alluredir={reports / 'allure-results'}",
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert not (reports / "assumptions.json").exists()
    assert "assumption ledger" not in run.stdout


def test_harness_assumptions_without_a_ledger_says_where_one_comes_from(tmp_path: Path) -> None:
    printed = run_harness("assumptions", str(tmp_path), env=dict(os.environ))
    assert printed.returncode == 2
    assert "no ledger here: a run in live mode" in printed.stderr
    (tmp_path / "assumptions.json").write_text("{")
    broken = run_harness("assumptions", str(tmp_path), env=dict(os.environ))
    assert broken.returncode == 2 and "not a ledger" in broken.stderr


def test_a_plan_writes_no_ledger(tmp_path: Path) -> None:
    """--plan sends nothing, so it learns nothing: no ledger, not even an empty one."""
    env = {
        **os.environ,
        # The sandbox org's (the default profile's): another org's needs its --profile.
        "ATLASSIAN_ORG_ID": load_profile().org_id,
        "ATLASSIAN_API_KEY": "y",
        "ATLASSIAN_BASE_URL": "http://127.0.0.1:9",
    }
    reports = tmp_path / "reports"
    run = run_pytest(
        *PLUGINS,
        "features",
        "--mode=live",
        "--plan",
        f"--alluredir={reports / 'allure-results'}",
        env=env,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    assert not (reports / "assumptions.json").exists()


def test_only_runs_against_an_org_of_its_own_write_a_ledger() -> None:
    from harness.suite.assumptions import writes_ledger
    from harness.suite.modes import Mode, RunSettings

    assert writes_ledger(RunSettings(mode=Mode.LIVE))
    assert writes_ledger(RunSettings(mode=Mode.LIVE, base_url="http://127.0.0.1:8080"))
    assert writes_ledger(RunSettings(mode=Mode.RECORD, base_url="https://api.atlassian.com"))
    assert not writes_ledger(RunSettings(mode=Mode.RECORD, base_url="http://127.0.0.1:8080"))
    assert not writes_ledger(RunSettings(mode=Mode.RECORD))
    assert not writes_ledger(RunSettings(mode=Mode.LOCAL))
    assert not writes_ledger(RunSettings(mode=Mode.REPLAY))

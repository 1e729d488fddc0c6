"""The report people read: made by the real Allure CLI, looked at in headless Chromium.

One local-mode run of the whole suite feeds every test here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.contracts import load_profile, roles
from harness.contracts.cookbook import SECTIONS, section_url
from harness.contracts.profile import DEFAULT_PROFILE
from harness.sandbox.testing import running_sandbox
from harness.suite.report import generate
from harness.suite.results import CATEGORIES, read_environment
from harness.suite.run import FROZEN_EPOCH
from tests.made_once import made_once
from tests.pytest_runs import run_harness, run_pytest

ROOT = Path(__file__).resolve().parents[2]
FEATURES = sorted((ROOT / "features").glob("*.feature"))
SCENARIO = "Jira Enterprise on a new site"


def _feature_names() -> list[str]:
    names = []
    for path in FEATURES:
        match = re.search(r"^Feature: (.+)$", path.read_text(), re.MULTILINE)
        assert match, path
        names.append(match.group(1).strip())
    return names


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The suite in local mode with its Allure results and HTML report in a fresh folder,
    made once per test run (read-only)."""

    def make(root: Path) -> None:
        results = root / "allure-results"
        done = run_pytest(
            "-q", "features", f"--alluredir={results}", f"--junitxml={root / 'junit.xml'}"
        )
        assert "passed" in done.stdout, done.stdout[-2000:]
        generate(results, root / "html", root / "history.jsonl")

    return made_once(tmp_path_factory, "report-run", make)[0]


def _results(run: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in (run / "allure-results").glob("*-result.json")]


def _scenario(run: Path, name: str) -> dict[str, Any]:
    return next(r for r in _results(run) if r["name"] == name)


def _walk(steps: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for step in steps:
        yield step
        yield from _walk(step.get("steps", []))


def test_results_carry_labels_links_and_environment(run: Path) -> None:
    result = _scenario(run, SCENARIO)
    labels = {(label["name"], label["value"]) for label in result["labels"]}
    assert (
        "feature",
        "A new site: provision, check the status, order within 10 minutes, track the order",
    ) in labels
    assert ("story", "Provision product instances") in labels
    urls = [link["url"] for link in result["links"]]
    assert (
        "https://developer.atlassian.com/cloud/admin/cookbook-install-apps-products/"
        "#provision-product-instances" in urls
    )
    assert "docs/rules.md" in urls
    assert (run / "html" / "docs" / "rules.md").read_text().startswith("# Relationship rules")
    names = [s["name"] for s in result["steps"]]
    assert names[0] == "Given I authenticate with the org API key"
    environment = read_environment(run / "allure-results")
    assert environment["Mode"] == "local"
    assert environment["Base URL"].endswith("(local sandbox)")
    categories = json.loads((run / "allure-results" / "categories.json").read_text())
    assert [c["name"] for c in categories] == [
        "Contract violations",
        "Rule refusals",
        "Timeouts",
        "Cassettes that do not fit (replay)",
        "Transport errors",
    ]


#: What a scenario's message says when its cassettes cannot serve a replay (as runs wrote
#: them), and when the network failed.
REPLAY_MISSES = [
    "vcr.errors.CannotOverwriteExistingCassetteException: Can't play back this request: no "
    "recorded interaction matches it (the closest differ in json_body).\nrecord_mode 'none' "
    "doesn't record new requests.\n\n  POST http://sandbox.invalid/commerce/api/v2/orders",
    "Failed: no cassette for scenario 'Jira Enterprise on a new site': "
    "cassettes/new_site/jira-enterprise-on-a-new-site.yaml is missing",
    "Failed: cassette cassettes/new_site/jira-enterprise-on-a-new-site.yaml: interaction 1: "
    "recorded for org '5f4e3d2c', not the profile's 'e62f4540'",
]
NETWORK = [
    "harness.client._errors.TransportError: orders.get: no response after 4 attempts: "
    "ConnectError: [Errno 111] Connection refused",
]


def _category(message: str) -> str | None:
    """The category Allure files a failure's message under: the first whose regex matches."""
    found = (c["name"] for c in CATEGORIES if re.search(c["messageRegex"], message))
    return next(found, None)


def test_a_replay_its_cassettes_cannot_serve_is_no_transport_error() -> None:
    """No connection was made: the Categories tab files it apart from the network's."""
    assert {_category(m) for m in REPLAY_MISSES} == {"Cassettes that do not fit (replay)"}
    assert {_category(m) for m in NETWORK} == {"Transport errors"}


@pytest.mark.parametrize(
    ("scenario", "section"),
    [
        ("A provisioning request whose answer is lost is not sent again", "provision-products"),
        (
            "A provisioning status slower than the client's patience is asked again",
            "provisioning-status",
        ),
        ("An order that meets a bad gateway is sent again with the same orderId", "place-order"),
        ("A throttled order status is asked again after the wait the API asked for", "track-order"),
    ],
)
def test_a_fault_scenario_cites_the_section_of_the_call_it_breaks(
    run: Path, scenario: str, section: str
) -> None:
    """The faults feature covers every call: each scenario is filed under, and links to,
    the cookbook section of the call it makes misbehave (not all under 'Track the order')."""
    result = _scenario(run, scenario)
    assert [x["value"] for x in result["labels"] if x["name"] == "story"] == [SECTIONS[section]]
    assert section_url(section) in [link["url"] for link in result["links"]]


def test_each_order_lists_the_rules_checked(run: Path) -> None:
    result = _scenario(
        run, "REL-009: an order where Jira names the JSM parent entitlement is refused"
    )
    attachments = [
        a
        for s in _walk(result["steps"])
        for a in s.get("attachments", [])
        if a["name"] == "relationship rules checked"
    ]
    text = (run / "allure-results" / attachments[0]["source"]).read_text()
    assert (
        "REL-009  Enterprise instances relate to their product's parent entitlement: "
        "REFUSED by the server" in text
    )
    assert "REL-001  itemId is unique within the order: passed" in text
    assert ("tag", "REL-009") in {(label["name"], label["value"]) for label in result["labels"]}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through its chromedriver (installed by scripts/setup test)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()


def shown(wait: Any, css: str, starts: str = "", contains: str = "") -> Any:
    """The first element matching ``css`` whose text starts with / contains the given text,
    once the report has drawn it."""
    from selenium.webdriver.common.by import By

    return wait.until(
        lambda b: next(
            (
                e
                for e in b.find_elements(By.CSS_SELECTOR, css)
                if e.text.startswith(starts) and contains in e.text
            ),
            False,
        )
    )


def test_the_report_lists_every_feature_and_shows_steps_and_curl(
    run: Path, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 20)
    browser.get((run / "html" / "index.html").as_uri() + "#behaviors")
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".node__title")))
    listed = " ".join(n.text for n in browser.find_elements(By.CSS_SELECTOR, ".node__title"))
    for name in _feature_names():
        assert name in listed, f"feature {name!r} is not listed in the report"
    shown(wait, ".node__title", contains="A new site: provision").click()
    shown(wait, ".node__title", contains="Provision product instances").click()
    shown(wait, ".node__title", contains=SCENARIO).click()
    step = shown(wait, ".step__title", contains="When I place the Jira Enterprise order")
    steps = " ".join(s.text for s in browser.find_elements(By.CSS_SELECTOR, ".step__title"))
    assert "Cookbook: Provision product instances" in browser.find_element(By.TAG_NAME, "body").text
    assert "Given I authenticate with the org API key" in steps
    assert "And every item of the order reaches SUCCESS" in steps
    step.click()
    shown(wait, ".step__title", starts="orders.place POST -> 200").click()
    # The expanded step lists its words as parameters, not the scenario's world.
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "'Jira Enterprise'" in body and "World(" not in body
    shown(wait, ".attachment-row", starts="curl").click()
    text = shown(wait, "pre", contains="curl --request POST").text
    assert "--url \"$ATLASSIAN_BASE_URL\"'/commerce/api/v2/orders'" in text
    assert "X-transaction-account: " in text and "$ATLASSIAN_API_KEY" in text
    # What docs/report.png shows (the run's folder is shared, so the picture goes here).
    browser.save_screenshot(str(tmp_path / "report.png"))


#: One scenario, and how to make it fail: its provisioning status loses a required field.
K = "new_site and jira-"
BREAK = ("-p", "tests.suite.drop_status_plugin")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    """Three ``harness run``s of one scenario into one reports folder (failed, passed,
    failed), with no Java on PATH: the reports folder and the history length after each.
    Made once per test run (read-only)."""
    reports, lengths = made_once(tmp_path_factory, "report-history", _three_runs)
    return reports / "reports", lengths


def _three_runs(root: Path) -> list[int]:
    bin_dir = root / "bin"
    bin_dir.mkdir()
    node = shutil.which("node")
    assert node, "the report needs Node.js"
    (bin_dir / "node").symlink_to(node)
    env = {
        # node and the venv only: no java, whatever the machine has.
        "PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}",
        "PYTHONPATH": str(ROOT),
        # pytest's cache (--lf) of these runs stays here, not in the repository.
        "PYTEST_ADDOPTS": f"-o cache_dir={root / 'cache'}",
        "HOME": os.environ.get("HOME", str(root)),
    }
    reports = root / "reports"
    lengths = []
    for extra in (BREAK, (), BREAK):
        done = run_harness("run", "--reports", str(reports), "-k", K, *extra, env=env)
        assert "Report: " in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
        lengths.append(len((reports / "history.jsonl").read_text().splitlines()))
    return lengths


def test_the_history_grows_and_the_report_shows_trend_flaky_and_category(
    history: tuple[Path, list[int]], browser: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    reports, lengths = history
    assert lengths == [1, 2, 3]
    wait = WebDriverWait(browser, 20)
    index = (reports / "html" / "index.html").as_uri()

    browser.get(index)
    trend = shown(wait, ".widget", starts="Trend").text
    assert all(f"#{n}" in trend for n in (1, 2, 3)), trend
    assert "Mode\nlocal" in shown(wait, ".widget", starts="Environment").text
    assert "Contract violations" in shown(wait, ".widget", starts="Categories").text
    browser.get(index + "#behaviors")
    shown(wait, ".node__title", contains="A new site: provision").click()
    shown(wait, ".node__title", contains="Provision product instances").click()
    row = shown(wait, ".node__title", contains=SCENARIO)
    # Failed, passed, failed: Allure's own rule marks it flaky (a mark on its row).
    marks = row.find_element(By.XPATH, "./..").find_elements(By.CSS_SELECTOR, "[data-tooltip]")
    assert "Flaky" in [m.get_attribute("data-tooltip") for m in marks]
    row.click()
    shown(wait, ".tab", starts="History").click()
    assert "Success rate 33.33% (1 of 3)" in shown(wait, "body", contains="Success rate").text


def test_a_broken_contract_fails_its_exchange_and_names_it_without_frames(
    history: tuple[Path, list[int]],
) -> None:
    """The last of the three runs breaks the provisioning status's contract: the report
    marks that exchange failed (not just the Gherkin step around it), and says why by the
    breach's message, with no Python frames (the scenario's trace is the summary)."""
    results = history[0] / "allure-results"
    [result] = [json.loads(p.read_text()) for p in results.glob("*-result.json")]
    failed = [s for s in _walk(result["steps"]) if s["status"] == "failed"]
    assert [s["name"] for s in failed] == [
        "Then the provisioning request is IN_PROGRESS",
        "provisioning.status GET -> 200",
    ]
    for step in failed:
        assert "/data/status: missing required field 'status'" in step["statusDetails"]["message"]
        assert not step["statusDetails"].get("trace")
    assert "contract violations" in [a["name"] for a in failed[1]["attachments"]]
    trace = result["statusDetails"]["trace"]
    assert "(features/new_site.feature:" in trace and 'File "' not in trace


def test_making_the_report_again_adds_no_run_to_the_history(
    history: tuple[Path, list[int]], tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    shutil.copytree(history[0], reports)
    before = (reports / "history.jsonl").read_text()
    generate(reports / "allure-results", reports / "html", reports / "history.jsonl")
    assert (reports / "history.jsonl").read_text() == before


#: What a request the contracts refuse, sent on purpose and refused so, is shown with.
REFUSED_AS_SAID = "contract violations, refused as the contract says"


def test_step_parameters_are_the_words_of_the_step(run: Path) -> None:
    """A step's parameters are what its text says: not the scenario's world (a fixture of
    every step) nor an optional phrase the text left out."""
    shown = [
        (p["name"], p["value"])
        for result in _results(run)
        for step in _walk(result["steps"])
        for p in step.get("parameters", [])
    ]
    assert ("kind", "'Jira Enterprise'") in shown
    assert not [(n, v) for n, v in shown if n == "world" or v == "None"]


def test_an_order_failing_as_the_scenario_expects_shows_no_broken_step(run: Path) -> None:
    """The wait of an order that fails, as the scenario wants, ends passed on the poll that
    saw the item FAILED: a passing journey shows no broken (orange) step to its readers."""
    result = _scenario(run, "An item that fails is reported with its reason")
    steps = list(_walk(result["steps"]))
    assert [s["name"] for s in steps if s["status"] != "passed"] == []
    wait = next(s for s in steps if s["name"].startswith("wait for order"))
    assert wait["steps"][-1]["name"].endswith(": FAILED: O1 SUCCESS, O2 FAILED")


def test_a_role_s_step_says_what_played_it_in_the_org(run: Path) -> None:
    """The feature names a role; the report says which site and site admin of the org
    played it, so that a reader can follow the requests that name them."""
    profile = load_profile(DEFAULT_PROFILE)
    steps = {
        s["name"]: [sub["name"] for sub in s.get("steps", [])]
        for s in _scenario(run, "A site-admin role held only through a group is refused")["steps"]
    }
    holder = "the site admin who holds the role through a group"
    assert steps[f"Given I authenticate as {holder}"] == [
        f"{holder}: the profile's site admin {profile.site_admin('group').email}"
    ]
    role = "a site with Jira and no JSM"
    [given] = [
        s
        for s in _scenario(run, "Add JSM to a site that has Jira")["steps"]
        if s["name"] == f"Given {role}"
    ]
    site = roles.resolve(profile, role).name
    assert [sub["name"] for sub in given["steps"]] == [f"{role}: the profile's site {site}"]


def test_an_order_the_client_refused_to_send_is_shown_with_why(run: Path) -> None:
    """Nothing was sent, so no exchange: the step shows what the client kept back, and
    why, where the exchange would have been."""
    scenario = "The client refuses to send an order it knows is too late"
    [why] = _attached(run, scenario, "why")
    assert "orders.place not sent" in why and "600 s window" in why
    [body] = _attached(run, scenario, "request (not sent)")
    assert json.loads(body)["metadata"]["provisionRequestId"] in why


def _attached(run: Path, scenario: str, name: str) -> list[str]:
    """The text of every attachment called ``name`` of a scenario, in order."""
    return [
        (run / "allure-results" / a["source"]).read_text()
        for step in _walk(_scenario(run, scenario)["steps"])
        for a in step.get("attachments", [])
        if a["name"] == name
    ]


def test_a_request_is_shown_with_the_credentials_it_sent_and_no_other(run: Path) -> None:
    """What the report says was sent is what was sent: no Authorization header where
    none went, the cookbook's 'Authentication' header where that went."""
    [none] = _attached(run, "A request without credentials is refused", "curl")
    assert "Authorization" not in none and "ATLASSIAN_API_KEY" not in none
    [breach] = _attached(run, "A request without credentials is refused", REFUSED_AS_SAID)
    assert "header Authorization: missing: workspaces.query needs Bearer" in breach
    err001 = 'The cookbook\'s "Authentication" header is answered with a hint (erratum ERR-001)'
    [typo] = _attached(run, err001, "curl")
    assert '--header "Authentication: Bearer $ATLASSIAN_API_KEY"' in typo
    assert "Authorization" not in typo
    assert "erratum ERR-001" in _attached(run, err001, REFUSED_AS_SAID)[0]
    [basic, *_] = _attached(run, "A site-admin role held only through a group is refused", "curl")
    group = load_profile(DEFAULT_PROFILE).site_admin("group").email
    assert f"ATLASSIAN_SITE_ADMIN_EMAIL={group} " in basic.splitlines()[1]


def _curl_pairs(run: Path, scenario: str) -> list[tuple[str, Any]]:
    """The (curl command, response JSON) of every exchange of a scenario, in order."""
    pairs = []
    for step in _walk(_scenario(run, scenario)["steps"]):
        files = {a["name"]: a["source"] for a in step.get("attachments", [])}
        if "curl" in files:
            response = next((v for k, v in files.items() if k.startswith("response")), None)
            body = json.loads((run / "allure-results" / response).read_text()) if response else None
            pairs.append(((run / "allure-results" / files["curl"]).read_text(), body))
    return pairs


@pytest.mark.parametrize(
    "scenario",
    [
        "Get the product entitlement ID, then its details",
        "Jira Enterprise on a new site",
        "A site-admin role held only through a group is refused",
        # Each sends what no org API key sends: the command must send the same.
        "A request without credentials is refused",
        "An API key the org does not know is refused",
        'The cookbook\'s "Authentication" header is answered with a hint (erratum ERR-001)',
    ],
)
def test_attached_curl_commands_give_the_same_answers_against_a_local_sandbox(
    run: Path,
    scenario: str,
) -> None:
    """Paste the report's curl commands, in order, against a fresh sandbox: same answers.

    Order polls follow the sandbox clock, which the suite moved while waiting: the
    commands are replayed up to the first poll of the order.
    """
    pairs = _curl_pairs(run, scenario)
    recorded_base = read_environment(run / "allure-results")["Base URL"].split(" ")[0]
    with running_sandbox(clock=lambda: FROZEN_EPOCH) as sandbox:
        admin = sandbox.profile.site_admin("group")
        env = {
            **os.environ,
            "ATLASSIAN_BASE_URL": sandbox.base_url,
            "ATLASSIAN_API_KEY": sandbox.profile.api_key or "",
            "ATLASSIAN_SITE_ADMIN_EMAIL": admin.email,
            "ATLASSIAN_SITE_ADMIN_TOKEN": admin.api_token,
        }
        replayed = 0
        for command, expected in pairs:
            if "--request GET" in command and "/commerce/api/v2/orders/" in command:
                break
            done = subprocess.run(
                ["bash", "-c", command + " --silent --show-error"],
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            answer = json.loads(done.stdout.replace(sandbox.base_url, "<base>"))
            assert answer == json.loads(json.dumps(expected).replace(recorded_base, "<base>"))
            replayed += 1
    assert replayed >= min(2, len(pairs))

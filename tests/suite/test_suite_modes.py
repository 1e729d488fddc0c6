"""The cookbook suite in its modes: local, record, replay; broken contracts fail it by name."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from harness.contracts import SideEffect
from harness.suite.audit import check_cassettes, drift
from harness.suite.modes import Mode, RunSettings, is_loopback
from harness.suite.tiers import OrdersNotAllowed, check_allowed
from tests.made_once import made_once
from tests.pytest_runs import run_pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "features/new_site.feature"
#: -k expression of one scenario: "Jira Enterprise on a new site".
K = "new_site and jira-"


def run_features(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run_pytest("-q", "features", *args, cwd=cwd)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The new-site feature recorded into a fresh folder, once per test run (read-only:
    a test that changes it copies it)."""

    def record(folder: Path) -> None:
        result = run_features("--mode=record", f"--cassette-dir={folder}", "-m", "new-site")
        assert result.returncode == 0, result.stdout[-3000:]

    return made_once(tmp_path_factory, "recorded-new-site", record)[0]


def test_record_writes_one_scrubbed_cassette_per_scenario(recorded: Path) -> None:
    files = sorted((recorded / "new_site").glob("*.yaml"))
    assert [f.stem for f in files] == sorted(
        [
            "all-enterprise-products-on-a-new-site",
            "all-enterprise-products-share-one-family-container",
            "confluence-enterprise-on-a-new-site",
            "jira-enterprise-on-a-new-site",
            "jira-premium-open-source-on-a-new-site",
            "jsm-enterprise-on-a-new-site",
        ]
    )
    text = "".join(f.read_text() for f in files)
    assert "127.0.0.1" not in text and "sandbox.invalid" in text
    assert "site.admin@acme.example" not in text and "sandbox-org-api-key" not in text
    assert check_cassettes(files, ["sandbox-org-api-key-7Hq2Lw9Xc4Vb"]) == []


def test_replay_passes_with_the_network_blocked(recorded: Path) -> None:
    result = run_features("--mode=replay", f"--cassette-dir={recorded}", "-m", "new-site")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "6 passed" in result.stdout


def test_re_recording_reproduces_the_cassettes(recorded: Path, tmp_path: Path) -> None:
    again = run_features("--mode=record", f"--cassette-dir={tmp_path}", "-m", "new-site")
    assert again.returncode == 0
    assert drift(recorded, tmp_path) == []


def test_drift_names_the_scenario_and_the_field_that_moved(recorded: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(recorded, copy)
    path = copy / "new_site" / "jira-enterprise-on-a-new-site.yaml"
    data = yaml.safe_load(path.read_text())
    data["interactions"][1]["response"]["body"]["string"] = data["interactions"][1]["response"][
        "body"
    ]["string"].replace("IN_PROGRESS", "COMPLETED")
    path.write_text(yaml.safe_dump(data))
    moved = drift(recorded, copy)
    assert moved == [
        "new_site/jira-enterprise-on-a-new-site.yaml interaction 2: /response/body/data/status "
        'moved: "IN_PROGRESS" -> "COMPLETED"'
    ]


def test_a_field_dropped_from_a_cassette_fails_replay_naming_it(
    recorded: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(recorded, copy)
    path = copy / "new_site" / "jira-enterprise-on-a-new-site.yaml"
    path.write_text(path.read_text().replace('"status":"IN_PROGRESS"', '"state":"IN_PROGRESS"', 1))
    result = run_features("--mode=replay", f"--cassette-dir={copy}", "-k", K)
    assert result.returncode == 1
    assert "provisioning.status: the response breaks the contract" in result.stdout
    assert "/data/status: missing required field 'status'" in result.stdout
    assert "expected: a field 'status' (required)" in result.stdout
    assert "got:      no such field; /data has ['requestId', 'state']" in result.stdout
    problems = [str(p) for p in check_cassettes([path])]
    assert problems == [
        f"{path} interaction 2: provisioning.status response 200: schema "
        "/data/status: missing required field 'status'"
    ]


def test_a_field_dropped_by_the_sandbox_fails_local_mode_naming_it() -> None:
    result = run_features("-p", "tests.suite.drop_status_plugin", "-k", K)
    assert result.returncode == 1
    assert "/data/status: missing required field 'status'" in result.stdout
    assert "got:      no such field; /data has ['requestId']" in result.stdout


def test_replay_without_a_cassette_says_which(tmp_path: Path) -> None:
    result = run_features("--mode=replay", f"--cassette-dir={tmp_path}", "-k", K)
    assert result.returncode == 1
    assert "no cassette for scenario 'Jira Enterprise on a new site'" in result.stdout


def test_replay_with_a_missing_interaction_says_which(recorded: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(recorded, copy)
    path = copy / "new_site" / "jira-enterprise-on-a-new-site.yaml"
    data = yaml.safe_load(path.read_text())
    del data["interactions"][2:]
    path.write_text(yaml.safe_dump(data))
    result = run_features("--mode=replay", f"--cassette-dir={copy}", "-k", K)
    assert result.returncode == 1
    assert "CannotOverwriteExistingCassetteException" in result.stdout
    assert "POST http://sandbox.invalid/commerce/api/v2/orders" in result.stdout


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8080", True),
        ("http://localhost", True),
        ("http://[::1]:9/", True),
        ("https://api.atlassian.com", False),
        ("http://10.0.0.1", False),
        # Unusual spellings: whatever is not plainly loopback counts as remote (the safe
        # side: a flag is asked for), and a loopback-looking name is never loopback.
        ("http://127.0.0.2:9", True),
        ("HTTP://LOCALHOST:9", True),
        ("http://user:pw@127.0.0.1:9/p?q=1#f", True),
        ("http://localhost.:9", False),
        ("http://0.0.0.0:9", False),
        ("http://127.1:9", False),
        ("http://2130706433/", False),
        ("http://127.0.0.1.nip.io/", False),
        ("http://localhost.evil.example/", False),
        ("http://127.0.0.1@evil.example/", False),
        ("http://127.0.0.1:80@evil.example/", False),
        ("http://evil.example#@127.0.0.1", False),
        ("http://evil.example?@127.0.0.1", False),
        ("http://127.0.0.1\\@evil.example/", False),
        ("not a url", False),
        ("", False),
    ],
)
def test_is_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback
    # The tier guard asks with the URL as httpx sends it: the same answer.
    if url.startswith(("http://", "HTTP://")):
        assert is_loopback(str(httpx.URL(url))) is loopback


def test_orders_to_a_real_host_need_allow_orders() -> None:
    orders = SideEffect.ORDERS
    with pytest.raises(OrdersNotAllowed, match="--allow-orders"):
        check_allowed(RunSettings(Mode.LIVE), "https://api.atlassian.com", orders)
    check_allowed(RunSettings(Mode.LIVE, allow_orders=True), "https://api.atlassian.com", orders)
    check_allowed(RunSettings(Mode.RECORD), "http://127.0.0.1:9", orders)

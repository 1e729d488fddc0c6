"""The cookbook suite in its modes: local, record, replay; broken contracts fail it by name."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from harness.contracts import SideEffect
from harness.suite.audit import check_cassettes, drift
from harness.suite.modes import Mode, RunSettings, is_loopback
from harness.suite.tiers import OrdersNotAllowed, check_allowed
from tests.made_once import made_once
from tests.other_org import other_org, write_other_org
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


def test_a_cassette_of_another_org_is_named_by_check_and_replay(
    recorded: Path, tmp_path: Path
) -> None:
    """Cassettes recorded for the default org, checked and replayed with another org's
    profile: ``cassettes check`` passed them (only replay failed, on a request matching
    none); both now name the file, the interaction and the org found, from one check
    (``cassettes.other_org``), and neither shows a credential."""
    profile = write_other_org(tmp_path / "other.json")
    path = recorded / "new_site" / "jira-enterprise-on-a-new-site.yaml"
    ours, theirs = "5f4e3d2c-1b0a-4c9d-8e7f-6a5b4c3d2e1f", other_org()["org"]["id"]
    said = f"recorded for org '{ours}', not the profile's '{theirs}'"
    assert [str(p) for p in check_cassettes([path], org_id=theirs)] == [
        f"{path} interaction 1: {said}"
    ]
    assert check_cassettes([path], org_id=ours) == []
    check = ["cassettes", "check", "--dir", str(recorded), "--profile", str(profile)]
    cli = subprocess.run(
        [str(ROOT / ".venv/bin/harness"), *check],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 1, cli.stdout
    assert f"{path} interaction 1: {said}" in cli.stdout.splitlines()
    key = other_org()["org"]["apiKey"]
    assert key not in cli.stdout + cli.stderr
    replay = run_features(
        "--mode=replay", f"--cassette-dir={recorded}", f"--profile={profile}", "-k", K
    )
    assert replay.returncode == 1
    assert f"jira-enterprise-on-a-new-site.yaml: interaction 1: {said}" in replay.stdout
    assert key not in replay.stdout


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


# -- hand-edited cassettes: replay fails naming the file, never with a traceback ------------

NEW_SITE_CASSETTES = {
    "jira": "jira-enterprise-on-a-new-site.yaml",
    "jsm": "jsm-enterprise-on-a-new-site.yaml",
    "conf": "confluence-enterprise-on-a-new-site.yaml",
    "all": "all-enterprise-products-on-a-new-site.yaml",
    "oss": "jira-premium-open-source-on-a-new-site.yaml",
    "shared": "all-enterprise-products-share-one-family-container.yaml",
}


def _edited(recorded: Path, tmp_path: Path, edits: dict[str, Any]) -> tuple[Path, dict[str, Path]]:
    """A copy of the recorded cassettes with ``edits`` (name -> new bytes, or a function of
    the parsed cassette that changes it) applied to the new-site cassettes named."""
    copy = tmp_path / "copy"
    shutil.copytree(recorded, copy)
    paths = {}
    for name, edit in edits.items():
        path = copy / "new_site" / NEW_SITE_CASSETTES[name]
        if isinstance(edit, bytes):
            path.write_bytes(edit)
        else:
            data = yaml.safe_load(path.read_text())
            edit(data["interactions"])
            path.write_text(yaml.safe_dump(data))
        paths[name] = path
    return copy, paths


def _no_traceback(output: str) -> None:
    assert "Traceback" not in output and "INTERNALERROR" not in output, output[-3000:]
    for name in ("KeyError", "TypeError", "ParserError", "ScannerError", "ComposerError"):
        assert name not in output, output[-3000:]


def _line_naming(output: str, path: Path) -> str:
    """The one line of the run's output that names the cassette file."""
    lines = [line for line in output.splitlines() if str(path) in line]
    assert lines, output[-3000:]
    return lines[0]


def _each_names_its_cassette(stdout: str, paths: dict[str, Path], expected: dict[str, str]) -> None:
    """Each edited cassette's failure names its file and says ``expected[name]``."""
    for name, path in paths.items():
        line = _line_naming(stdout, path)
        assert f"cassette {path}" in line and expected[name] in line, line


def test_a_cassette_that_is_no_cassette_fails_replay_naming_the_file(
    recorded: Path, tmp_path: Path
) -> None:
    """A cassette made unreadable by hand: replay says which file and what is wrong with
    it in one line, at the scenario's first step, instead of the YAML parser's or vcrpy's
    exception (KeyError, TypeError, ParserError in "<unicode string>")."""
    text = (recorded / "new_site" / NEW_SITE_CASSETTES["jira"]).read_text()
    copy, paths = _edited(
        recorded,
        tmp_path,
        {
            "jira": b"",
            "jsm": b"interactions: [\n  {{{",
            "conf": b"version: 1\n",
            "all": b"interactions:\n- 42\n",
            "oss": text[: len(text) // 2].encode(),
            "shared": b"\xff\xfe not UTF-8",
        },
    )
    result = run_features("--mode=replay", f"--cassette-dir={copy}", "-m", "new-site")
    assert result.returncode == 1
    _no_traceback(result.stdout)
    expected = {
        "jira": "not a vcrpy cassette",
        "jsm": "does not parse: line 2, column 6",
        "conf": "not a vcrpy cassette (no 'interactions' list)",
        "all": "interaction 1 is not a request/response pair: not a mapping",
        "oss": "does not parse: line",
        "shared": "not UTF-8",
    }
    _each_names_its_cassette(result.stdout, paths, expected)
    assert "6 failed" in result.stdout


def test_a_cassette_with_an_alias_or_a_python_tag_is_refused_before_replay(
    recorded: Path, tmp_path: Path
) -> None:
    """What ``harness cassettes check`` refuses, replay refuses too: a YAML alias (a
    'billion laughs' file expands in memory), a Python tag, a response without a status."""

    def aliased(interactions: list[Any]) -> None:
        # The same mapping twice: PyYAML writes it once with an anchor, then an alias.
        interactions[6]["request"]["headers"] = interactions[1]["request"]["headers"]

    def no_status(interactions: list[Any]) -> None:
        del interactions[1]["response"]["status"]

    copy, paths = _edited(
        recorded,
        tmp_path,
        {
            "jira": aliased,
            "jsm": b"interactions: !!python/object/apply:os.getcwd []\n",
            "conf": no_status,
        },
    )
    result = run_features("--mode=replay", f"--cassette-dir={copy}", "-m", "new-site")
    assert result.returncode == 1
    _no_traceback(result.stdout)
    expected = {
        "jira": "holds a YAML alias",
        "jsm": "does not parse: line 1, column 15: could not determine",
        "conf": "interaction 2 is not a request/response pair",
    }
    _each_names_its_cassette(result.stdout, paths, expected)
    assert "3 failed, 3 passed" in result.stdout


def test_an_interaction_the_scenario_never_asks_for_fails_replay_naming_it(
    recorded: Path, tmp_path: Path
) -> None:
    """A duplicated interaction (or one of another scenario pasted in) is never played: a
    replay that leaves one unplayed is not the recording of this scenario, and says so. (A
    duplicated status poll is played: it reads as the server saying IN_PROGRESS once more.)"""

    def duplicate_order(interactions: list[Any]) -> None:
        interactions.insert(3, copy_of(interactions[2]))

    def copy_of(value: Any) -> Any:
        return yaml.safe_load(yaml.safe_dump(value))

    copy, paths = _edited(recorded, tmp_path, {"jira": duplicate_order})
    result = run_features("--mode=replay", f"--cassette-dir={copy}", "-k", K)
    assert result.returncode == 1
    _no_traceback(result.stdout)
    line = _line_naming(result.stdout, paths["jira"])
    assert "interaction 4 (POST http://sandbox.invalid/commerce/api/v2/orders)" in line, line
    assert "never requested" in line, line


def test_a_replayed_answer_that_breaks_the_contract_names_the_cassette(
    recorded: Path, tmp_path: Path
) -> None:
    """A response edited to a 500, or to a body that is not JSON: the step fails naming the
    breach, and the failure names the cassette it was replayed from."""

    def status_500(interactions: list[Any]) -> None:
        interactions[1]["response"]["status"]["code"] = 500

    def not_json(interactions: list[Any]) -> None:
        interactions[2]["response"]["body"]["string"] = "<html>oops</html>"

    copy, paths = _edited(recorded, tmp_path, {"jira": status_500, "jsm": not_json})
    result = run_features("--mode=replay", f"--cassette-dir={copy}", "-m", "new-site")
    assert result.returncode == 1
    _no_traceback(result.stdout)
    assert "provisioning.status: the response breaks the contract" in result.stdout
    assert "-> 500)" in result.stdout
    for path in paths.values():
        assert f"Cassette: {path} (replayed)" in result.stdout, result.stdout[-3000:]
    assert "2 failed, 4 passed" in result.stdout


def test_drift_names_a_committed_cassette_it_cannot_read_in_one_line(
    recorded: Path, tmp_path: Path
) -> None:
    """drift compares what it can and says, in one line each, which committed cassette it
    could not read and why, instead of stopping at the first with a traceback."""
    copy, _ = _edited(
        recorded,
        tmp_path,
        {
            "jira": b"",
            "jsm": b"interactions: [\n  {{{",
            "conf": b"interactions:\n- 42\n",
            "shared": b"\xff\xfe not UTF-8",
        },
    )
    moved = drift(copy, recorded)
    assert moved == [
        "new_site/all-enterprise-products-share-one-family-container.yaml: committed, but "
        "does not parse: not UTF-8 (byte 0)",
        "new_site/confluence-enterprise-on-a-new-site.yaml: committed, but interaction 1 is "
        "not a request/response pair: not a mapping",
        "new_site/jira-enterprise-on-a-new-site.yaml: committed, but does not parse: not a "
        "vcrpy cassette (no 'interactions' list)",
        "new_site/jsm-enterprise-on-a-new-site.yaml: committed, but does not parse: line 2, "
        "column 6: expected the node content, but found '<stream end>'",
    ]


def test_a_recording_with_fresh_names_replays(tmp_path: Path) -> None:
    """Recorded against a sandbox that is not reset (as against a real org), every run names
    its sites and orders afresh (ASM-034): the cassette says with which run id and prefix,
    and replay names them so again. Replay used the deterministic names, so no cassette
    recorded against an org ever replayed (every body differed)."""
    from harness.sandbox.testing import running_sandbox

    cassettes = tmp_path / "cassettes"
    k = f"{K} or install_an_app_on_a_product_and_order_it"
    with running_sandbox() as server:
        done = run_features(
            "--mode=record", f"--base-url={server.base_url}", f"--cassette-dir={cassettes}", "-k", k
        )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "2 passed" in done.stdout
    path = cassettes / "new_site" / "jira-enterprise-on-a-new-site.yaml"
    naming = yaml.safe_load(path.read_text())["naming"]
    assert set(naming) == {"runId", "sitePrefix"}
    assert f'"name":"{naming["sitePrefix"]}-{naming["runId"]}-jira-' in path.read_text()
    replayed = run_features("--mode=replay", f"--cassette-dir={cassettes}", "-k", k)
    assert replayed.returncode == 0, replayed.stdout[-3000:]
    assert "2 passed" in replayed.stdout
    # A cassette of the deterministic names says none: the committed ones are unchanged.
    assert "naming" not in yaml.safe_load(
        (ROOT / "cassettes" / path.relative_to(cassettes)).read_text()
    )

"""`harness run`, `harness report` and `harness cassettes` on bad input: clear errors, exit 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from harness._command import harness_command
from harness.cli import main
from harness.suite.modes import base_url_problem
from tests.other_org import other_org, write_other_org

ROOT = Path(__file__).resolve().parents[2]


def test_run_outside_the_repository_names_the_missing_features_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--features", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no features folder here" in result.output


@pytest.mark.parametrize("command", [["run"], ["cassettes", "drift"]])
def test_a_features_folder_outside_the_repository_is_refused_saying_why(
    tmp_path: Path, command: list[str]
) -> None:
    """pytest would load no conftest.py for it, and refuse the run's own options."""
    (tmp_path / "features").mkdir()
    result = CliRunner().invoke(main, [*command, "--features", str(tmp_path / "features")])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(
        f"Error: {tmp_path / 'features'}: a features folder outside this repository"
    ), result.output
    assert "put the folder under it" in result.output


def test_cassettes_check_of_a_folder_without_cassettes_is_a_usage_error(tmp_path: Path) -> None:
    """A mistyped --dir said 'OK: 0 cassettes parse ...' and exit 0: a gate checking nothing."""
    (tmp_path / "notes.txt").write_text("not a cassette")
    result = CliRunner().invoke(main, ["cassettes", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert (
        result.output.strip() == f"Error: {tmp_path}: no cassette (a .yaml or .yml file) under it"
    )


def test_report_without_results_says_what_to_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "--results", str(tmp_path)])
    assert result.exit_code == 2
    assert f"no Allure results (run: {harness_command('run')})" in result.output


def test_report_of_results_none_of_which_reads_says_so_in_one_line(tmp_path: Path) -> None:
    """Result files cut short (a run killed while writing): Allure made an empty report of
    them without a word."""
    (tmp_path / "a-result.json").write_text('{"name": "cut sh')
    (tmp_path / "b-result.json").write_text("[1, 2]")
    result = CliRunner().invoke(
        main, ["report", "--results", str(tmp_path), "--out", str(tmp_path / "html")]
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert (
        f"{tmp_path}: no readable Allure results: 2 result files are not JSON objects" in lines[0]
    )
    assert not (tmp_path / "html").exists()


def test_unreadable_result_files_are_named_and_left_out(tmp_path: Path) -> None:
    from harness.suite.report import unreadable_results

    (tmp_path / "a-result.json").write_text('{"name": "ok", "status": "passed"}')
    (tmp_path / "b-result.json").write_text('{"name": "cut sh')
    assert unreadable_results(tmp_path) == [
        f"{tmp_path / 'b-result.json'}:1:10: not JSON: Unterminated string starting at"
    ]


def test_cassettes_check_on_a_missing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["cassettes", "check", "--dir", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such folder" in result.output


def test_cassettes_drift_on_a_missing_folder_stops_before_recording(tmp_path: Path) -> None:
    """Re-recording every scenario to then say all 66 were 'recorded, but not committed'
    was a minute spent on a mistyped --dir."""
    result = CliRunner().invoke(main, ["cassettes", "drift", "--dir", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such folder" in result.output
    assert "recorded, but not committed" not in result.output


def test_cassettes_check_names_file_and_interaction_of_a_planted_credential(
    tmp_path: Path,
) -> None:
    source = (
        ROOT
        / "cassettes"
        / "prerequisites"
        / ("get-the-product-entitlement-id-then-its-details.yaml")
    )
    planted = tmp_path / "planted.yaml"
    planted.write_text(
        source.read_text().replace(
            "    headers:\n",
            "    headers:\n      Authorization:\n      - Bearer abcdefghijklmnop1234\n",
            1,
        )
    )
    result = CliRunner().invoke(main, ["cassettes", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{planted} interaction 1: holds a credential: Authorization" in result.output


def test_cassettes_check_names_a_file_that_does_not_parse(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("interactions: [\n")
    result = CliRunner().invoke(main, ["cassettes", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "broken.yaml: does not parse" in result.output


def test_cassettes_check_names_a_run_id_that_is_none(tmp_path: Path) -> None:
    """A cassette recorded with fresh names says its run id; one that is no run id (which
    replay would name sites with) is a problem of that file."""
    source = (
        ROOT
        / "cassettes"
        / "prerequisites"
        / "get-the-product-entitlement-id-then-its-details.yaml"
    )
    named = tmp_path / "named.yaml"
    named.write_text(source.read_text() + "naming:\n  runId: NOT A RUN ID\n  sitePrefix: qa\n")
    result = CliRunner().invoke(main, ["cassettes", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{named}: naming: run id 'NOT A RUN ID': 4 to 12 lower-case" in result.output


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("[" * 100_000 + "]" * 100_000, "the body nests deeper than 64 levels"),
        ('{"orderId": NaN}', "the body holds NaN"),
        ('{"orderId": "a", "orderId": "b"}', "the body has the key 'orderId' twice"),
    ],
    ids=["deep", "nan", "key-twice"],
)
def test_cassettes_check_names_a_recorded_body_that_is_no_json(
    tmp_path: Path, body: str, says: str
) -> None:
    """A body is read as the sandbox reads it: a deep one was a RecursionError traceback,
    NaN and a key twice passed as JSON."""
    source = (
        ROOT / "cassettes" / "order_tracking" / "entitlement-ids-appear-only-after-success.yaml"
    )
    interactions = yaml.safe_load(source.read_text())["interactions"]
    gets = [
        i
        for i in interactions
        if i["request"]["method"] == "GET" and "/orders/" in i["request"]["uri"]
    ]
    gets[0]["response"]["body"]["string"] = body
    (tmp_path / "hostile.yaml").write_text(
        yaml.safe_dump({"interactions": [gets[0]], "version": 1})
    )
    result = CliRunner().invoke(main, ["cassettes", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "hostile.yaml interaction 1: orders.get response 200: " + says in result.output


def test_the_committed_cassettes_pass_the_check() -> None:
    result = CliRunner().invoke(main, ["cassettes", "check", "--dir", str(ROOT / "cassettes")])
    assert result.exit_code == 0, result.output


def test_re_recording_reproduces_the_committed_cassettes() -> None:
    """``harness cassettes drift`` as the test command runs it: every scenario recorded
    again against a fresh embedded sandbox, compared with what is committed."""
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "cassettes", "drift"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        # Its pytest run must not write into the repository's cache (tests/pytest_runs.py).
        env={**os.environ, "PYTEST_ADDOPTS": "-p no:cacheprovider"},
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert done.stdout.rstrip().endswith("OK: re-recording reproduces every cassette in cassettes")


def test_cassettes_recorded_for_another_org_are_drift_checked_with_its_profile(
    tmp_path: Path,
) -> None:
    """Cassettes a user recorded for their own org (``--profile``) are re-recorded against a
    sandbox serving that org, not the default one, when drift is given the same profile."""
    profile = write_other_org(tmp_path / "profile.json")
    cassettes = tmp_path / "cassettes"
    env = {**os.environ, "PYTEST_ADDOPTS": "-p no:cacheprovider"}
    recorded = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--mode=record", "--no-report",
         f"--profile={profile}", f"--cassette-dir={cassettes}", "--reports", str(tmp_path / "r")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip
    assert recorded.returncode == 0, (recorded.stdout + recorded.stderr)[-3000:]
    drift = [sys.executable, "-m", "harness.cli", "cassettes", "drift", "--dir", str(cassettes)]
    done = subprocess.run(
        [*drift, "--profile", str(profile)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert done.stdout.rstrip().endswith(
        f"OK: re-recording reproduces every cassette in {cassettes}"
    )
    # Without it, nothing is re-recorded: the cassettes are of another org than the default.
    default = CliRunner().invoke(main, drift[3:])
    assert default.exit_code == 2
    assert f"recorded for org {other_org()['org']['id']!r}, not the profile's" in default.output
    assert "give --profile the profile they were recorded with" in default.output
    mistyped = CliRunner().invoke(main, [*drift[3:], "--profile", str(tmp_path / "nope.json")])
    assert mistyped.exit_code == 2
    assert mistyped.output.strip().splitlines() == [
        f"Error: {tmp_path / 'nope.json'}: no such file"
    ]


def _suite(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--no-report", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


#: Base URLs that are none: each is refused with its reason (``base_url_problem``).
BAD_URLS = [
    "not a url",
    "api.atlassian.com",
    "ftp://api.atlassian.com",
    "https://",
    "https://api.atlassian.com:99999",
    "https://user:secret@api.atlassian.com",
    "https://api.atlassian.com/?x=1",
    "https://exa mple.com",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_an_invalid_base_url_has_a_reason(url: str) -> None:
    assert base_url_problem(url)


@pytest.mark.parametrize("url", ["https://api.atlassian.com", "http://127.0.0.1:8080/api/"])
def test_a_base_url_is_accepted(url: str) -> None:
    assert base_url_problem(url) is None


def test_an_invalid_base_url_fails_once_at_start(tmp_path: Path) -> None:
    """Issue 13, attack 8: not once per scenario, and before anything is sent."""
    url = "not a url"
    env = {"ATLASSIAN_BASE_URL": url, "ATLASSIAN_ORG_ID": "o", "ATLASSIAN_API_KEY": "k" * 12}
    live = _suite("--mode", "live", env=env)
    record = _suite("--mode", "record", "--base-url", url, f"--cassette-dir={tmp_path}")
    for result, name in ((live, "ATLASSIAN_BASE_URL"), (record, "--base-url")):
        output = result.stdout + result.stderr
        assert result.returncode == 4, output[-2000:]  # pytest's usage error
        errors = [line for line in output.splitlines() if "ERROR" in line]
        assert len(errors) == 1, output[-2000:]
        assert name in errors[0] and "Traceback" not in output
        assert " passed" not in output and " failed" not in output
    assert not list(tmp_path.iterdir())


def test_a_credential_given_wrongly_is_refused_at_start_without_showing_it() -> None:
    url = "http://user:pa55-Zq81x@127.0.0.1:9"
    env = {"ATLASSIAN_ORG_ID": "o", "ATLASSIAN_API_KEY": "key-Zq81x\n"}
    in_url = _suite("--mode", "record", "--base-url", url)
    bad_key = _suite("--mode", "live", env=env)
    for result, said in (
        (in_url, "--base-url 'http://***@127.0.0.1:9': holds credentials"),
        (bad_key, "ATLASSIAN_API_KEY starts or ends with whitespace"),
    ):
        output = result.stdout + result.stderr
        assert result.returncode == 4, output[-2000:]
        assert said in output and "Zq81x" not in output and "Traceback" not in output


def test_a_bad_profile_fails_once_at_start(tmp_path: Path) -> None:
    profile = tmp_path / "deep.json"
    profile.write_text("[" * 100_000 + "]" * 100_000)
    result = _suite(f"--profile={profile}")
    output = result.stdout + result.stderr
    assert result.returncode == 4, output[-2000:]
    errors = [line for line in output.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and str(profile) in errors[0] and "deeper" in errors[0], output


def test_run_plan_prints_the_plan_and_writes_no_report(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "features", tmp_path / "features")
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    harness = str(Path(sys.executable).parent / "harness")
    run = subprocess.run(
        [harness, "run", "--plan", "-k", "prerequisites"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "read-only     prerequisites: Get the product entitlement ID, then its details" in (
        run.stdout
    )
    assert "harness --plan: 3 scenarios (3 read-only)" in run.stdout
    assert not (tmp_path / "reports").exists()


def test_hints_name_harness_as_it_runs_from_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv_bin = Path(sys.executable).parent
    others = [p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != venv_bin]
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PATH", os.pathsep.join(others))
    script = venv_bin / "harness"
    here = script.relative_to(ROOT) if script.is_relative_to(ROOT) else script
    assert harness_command("report", "--serve") == f"{here} report --serve"  # .venv/bin/harness
    monkeypatch.chdir(tmp_path)
    assert harness_command("run") == f"{venv_bin / 'harness'} run"
    monkeypatch.setenv("PATH", os.pathsep.join([str(venv_bin), *others]))
    assert harness_command("run") == "harness run"
    done = subprocess.run(
        harness_command("--version"), shell=True, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "harness" in done.stdout

"""What `harness run` leaves under its reports folder can be trusted: a run refused before it
starts changes nothing, no report is older than the results beside it, and the commands it
prints run as printed (after the README's setup `harness` is not on PATH)."""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from harness.suite.outputs import RunOutputs, staged_outputs
from tests.made_once import made_once
from tests.pytest_runs import HARNESS, ROOT, run_harness

K = "new_site and jira-"


def _env(tmp: Path) -> dict[str, str]:
    """The user's environment less the venv on PATH and any ATLASSIAN_* variable."""
    venv_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != venv_bin)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLASSIAN_")}
    return {**env, "PATH": path, "PYTEST_ADDOPTS": f"-o cache_dir={tmp / 'cache'}"}


def harness_run(reports: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_harness("run", "--reports", str(reports), *args, env=_env(reports.parent))


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under the folder: its content hash and modification time."""
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def one_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A reports folder after one passing run of one scenario, and what the run printed;
    made once per test run (read-only: ``reports`` hands a test a copy to change)."""

    def make(root: Path) -> str:
        done = harness_run(root / "reports", "-k", K)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr
        return done.stdout + done.stderr

    root, output = made_once(tmp_path_factory, "one-run", make)
    return root / "reports", output


@pytest.fixture
def reports(one_run: tuple[Path, str], tmp_path: Path) -> Path:
    """A copy of the one-run reports folder, for a test to change."""
    copy = tmp_path / "reports"
    shutil.copytree(one_run[0], copy)
    return copy


def test_a_run_leaves_results_junit_report_and_history(one_run: tuple[Path, str]) -> None:
    reports, _ = one_run
    assert any((reports / "allure-results").glob("*-result.json"))
    assert (reports / "junit.xml").is_file()
    assert (reports / "html" / "index.html").is_file()
    assert len((reports / "history.jsonl").read_text().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "code", "why"),
    [
        (("--mode", "live"), 4, "usage error"),
        (("--record-mode=once", "--mode=local"), 4, "usage error"),
        (("--no-such-option",), 4, "usage error"),
        (("-k", "no_scenario_is_called_this"), 5, "no scenario selected"),
    ],
)
def test_a_run_that_does_not_run_changes_nothing(
    reports: Path, args: tuple[str, ...], code: int, why: str
) -> None:
    before = snapshot(reports)
    done = harness_run(reports, *args)
    assert done.returncode == code, done.stdout[-2000:] + done.stderr
    assert f"the suite did not run ({why}): {reports}/ is as it was" in done.stderr
    assert snapshot(reports) == before


def test_live_mode_without_credentials_says_which_are_missing(reports: Path) -> None:
    done = harness_run(reports, "--mode", "live")
    assert "--mode live needs ATLASSIAN_ORG_ID and ATLASSIAN_API_KEY" in done.stderr


def test_no_report_removes_the_old_report_and_prints_a_command_that_makes_it(
    reports: Path,
) -> None:
    done = harness_run(reports, "--no-report", "-k", K)
    assert done.returncode == 0
    assert not (reports / "html").exists()
    found = re.search(r"Make it from these results: (.+)$", done.stderr, re.MULTILINE)
    assert found, done.stderr
    assert f"{reports / 'html'}/ of an earlier run was removed" in done.stderr
    made = subprocess.run(
        found.group(1), shell=True, cwd=ROOT, env=_env(reports.parent),
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    assert (reports / "html" / "index.html").is_file()
    # The run made without a report joins the history when its report is made.
    assert len((reports / "history.jsonl").read_text().splitlines()) == 2


def test_the_printed_serve_command_runs_as_printed(one_run: tuple[Path, str]) -> None:
    reports, output = one_run
    found = re.search(r"^Serve it: (.+)$", output, re.MULTILINE)
    assert found, output
    command = found.group(1)
    assert command.startswith(".venv/bin/harness report ") or command.startswith(
        shlex.quote(HARNESS)
    )
    server = subprocess.Popen(
        command,
        shell=True,
        cwd=ROOT,
        env=_env(reports.parent),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:
            serving = re.search(r"Serving the report at (http://127\.0\.0\.1:\d+/)", line)
            if serving:
                break
        else:
            pytest.fail("the printed command did not serve the report")
        page = httpx.get(serving.group(1) + "index.html", timeout=10)
        assert page.status_code == 200 and "allure" in page.text.lower()
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=30)


def test_publish_replaces_results_and_restore_puts_junit_back(tmp_path: Path) -> None:
    final = RunOutputs(tmp_path / "reports")
    final.results.mkdir(parents=True)
    (final.results / "old-result.json").write_text("{}")
    final.junit.write_text("old")
    with staged_outputs() as staging:
        staging.keep_junit(final)
        (staging.results / "new-result.json").write_text("{}")
        final.junit.write_text("new, of a run that did not run")
        staging.restore_junit(final)
        staging.publish(final)
    assert final.junit.read_text() == "old"
    assert [p.name for p in final.results.iterdir()] == ["new-result.json"]


def test_publish_moves_the_runs_ledger_and_drops_an_earlier_ones(tmp_path: Path) -> None:
    """A live run's assumptions.json replaces the last one; a run that wrote none (local
    mode) leaves none behind that could pass for its own."""
    final = RunOutputs(tmp_path / "reports")
    final.root.mkdir(parents=True)
    final.assumptions.write_text('{"old": true}')
    with staged_outputs() as staging:
        staging.assumptions.write_text('{"new": true}')
        staging.publish(final)
    assert final.assumptions.read_text() == '{"new": true}'
    with staged_outputs() as staging:
        staging.publish(final)
    assert not final.assumptions.exists()

"""pytest's cache provider is on: --lf and --ff work on the features (after `harness run`
too, which shares the cache) and on the tests."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tests.pytest_runs import ROOT, run_harness, run_pytest

K = "new_site and jira-"
JIRA_NEW_SITE = "test_order_on_a_new_site[Jira Enterprise-"
#: Every provisioning status of the sandbox loses its required "status" field.
BREAK = ("-p", "tests.suite.drop_status_plugin")


def test_lf_after_a_failed_harness_run_reruns_only_the_failed_scenario(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTEST_ADDOPTS": f"-o cache_dir={cache}",
    }
    reports = str(tmp_path / "reports")
    failed = run_harness(
        "run", "--no-report", "--reports", reports, "-m", "new-site", *BREAK, env=env
    )
    found = re.search(r"(\d+) failed, 1 passed", failed.stdout)
    assert failed.returncode == 1 and found, failed.stdout[-2000:]
    count = int(found.group(1))
    # The sandbox is whole again: --lf runs only what failed (and -k narrows it further).
    one = run_pytest("features", "--lf", "-k", K, cache_dir=cache)
    assert "run-last-failure: rerun previous" in one.stdout, one.stdout[-2000:]
    assert re.search(r"= 1 passed(, \d+ deselected)? in", one.stdout), one.stdout[-2000:]
    listed = run_pytest("--collect-only", "-q", "features", "--lf", cache_dir=cache)
    rest = [line for line in listed.stdout.splitlines() if "::" in line]
    assert len(rest) == count - 1, listed.stdout
    assert not any(JIRA_NEW_SITE in line for line in rest)


def test_ff_runs_the_failed_scenario_first(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    failed = run_pytest(
        "-q",
        "features",
        "-k",
        K,
        *BREAK,
        cache_dir=cache,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert "1 failed" in failed.stdout, failed.stdout[-2000:]
    ordered = run_pytest("features", "--ff", "-m", "new-site", "-v", cache_dir=cache)
    ran = [line for line in ordered.stdout.splitlines() if " PASSED" in line]
    assert len(ran) == 6 and JIRA_NEW_SITE in ran[0], ran


def test_lf_works_on_the_tests(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    lastfailed = cache / "v" / "cache" / "lastfailed"
    lastfailed.parent.mkdir(parents=True)
    node = "tests/docs/test_notebook_and_docs.py::test_docs_are_generated_from_the_code"
    lastfailed.write_text(json.dumps({node: True}))
    done = run_pytest("tests/docs", "--lf", cache_dir=cache)
    assert "run-last-failure: rerun previous 1 failure" in done.stdout, done.stdout[-2000:]
    assert "collected 1 item" in done.stdout and "= 1 passed in" in done.stdout, done.stdout

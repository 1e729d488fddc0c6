"""Recording against a separately started ``harness sandbox serve``: with --reset-sandbox the
committed cassettes come back byte for byte (the sandbox's clock frozen at the suite's
epoch), and the run says it resets; without it the sandbox is never reset, names are
fresh, and the run says that too."""

from __future__ import annotations

import filecmp
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from harness.contracts import load_profile
from longruns.serve import served

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:schemathesis")


def record(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *PLUGINS, "features", "--mode=record", *args],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def same_files(left: Path, right: Path) -> list[str]:
    """Files that differ, or are in one folder only (byte for byte, recursively)."""
    differ: list[str] = []

    def walk(cmp: filecmp.dircmp[str], at: str) -> None:
        differ.extend(f"{at}{name}" for name in cmp.left_only + cmp.right_only + cmp.diff_files)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{at}{name}/")

    walk(filecmp.dircmp(left, right), "")
    return differ


def test_recording_against_a_served_sandbox_with_reset_reproduces_the_cassettes(
    tmp_path: Path,
) -> None:
    with served(tmp_path / "serve.log") as server:
        run = record(
            f"--base-url={server.base_url}", "--reset-sandbox", f"--cassette-dir={tmp_path / 'c'}"
        )
    assert run.returncode == 0, run.stdout[-4000:]
    assert "66 passed" in run.stdout  # the clock and fault scenarios too: it is a sandbox
    assert (
        f"harness: resetting the sandbox at {server.base_url} before each scenario, its clock "
        "frozen at 2026-01-01T00:00:00Z (--reset-sandbox)"
    ) in run.stdout
    # filecmp's shallow check compares sizes and times; force content comparison.
    filecmp.clear_cache()
    assert same_files(ROOT / "cassettes", tmp_path / "c") == [], "cassettes drifted"
    for path in (tmp_path / "c").rglob("*.yaml"):
        committed = ROOT / "cassettes" / path.relative_to(tmp_path / "c")
        assert path.read_bytes() == committed.read_bytes(), path


def test_without_reset_an_external_sandbox_keeps_its_state_and_names_are_fresh(
    tmp_path: Path,
) -> None:
    profile = load_profile()
    with served(tmp_path / "serve.log") as server:
        first = record(
            f"--base-url={server.base_url}", f"--cassette-dir={tmp_path / 'a'}", "-m", "new-site"
        )
        second = record(
            f"--base-url={server.base_url}", f"--cassette-dir={tmp_path / 'b'}", "-m", "new-site"
        )
        sites = httpx.post(
            f"{server.base_url}/admin/v2/orgs/{profile.org_id}/workspaces",
            params={"limit": 100},
            headers={"Authorization": f"Bearer {profile.api_key}"},
            json={},
            timeout=10,
        ).json()["data"]
    for run in (first, second):
        assert run.returncode == 0, run.stdout[-3000:]
        assert "6 passed" in run.stdout
        assert f"harness: the org at {server.base_url} is never reset" in run.stdout
    names = {w["attributes"]["name"] for w in sites}
    # Both runs' sites are there (nothing was reset), each named for its run.
    made = {n for n in names if n.startswith("acme-") and n.count("-") >= 3}
    assert len(made) == 12, sorted(names)
    assert "acme-conf" not in names


def test_scenarios_at_once_on_a_sandbox_not_reset_leave_its_clock_and_faults_alone(
    tmp_path: Path,
) -> None:
    """Under -n, a sandbox that is not reset is shared by the scenarios running at once: one
    worker's 601 s past a window, or its fault on orders.get, hit another's scenario (an
    order 600 s after provisioning refused, a throttle taken by someone else's request).
    The scenarios that move its clock or register faults are left out, saying so, and the
    others wait in real time: the clock is where real time has it."""
    profile = load_profile()
    key = {"Authorization": f"Bearer {profile.api_key}"}
    with served(tmp_path / "serve.log") as server:
        run = record(
            f"--base-url={server.base_url}",
            f"--cassette-dir={tmp_path / 'c'}",
            "-n",
            "2",
            "-m",
            "window or tracking",
        )
        clock = httpx.get(f"{server.base_url}/_sandbox/clock", headers=key, timeout=10).json()
    assert run.returncode == 0, run.stdout[-3000:]
    assert "4 passed" in run.stdout
    # Counted before -m leaves out the other features: every clock and fault scenario.
    assert re.search(
        r"harness: deselected \d+ scenarios: they move the sandbox's clock or register faults "
        r"on it \(@sandbox-clock, @sandbox-faults\), which the scenarios running at once \(-n\) "
        r"share, as it is not reset; run them in one process",
        run.stderr,  # a worker says it, past the capture
    )
    assert clock["offsetSeconds"] == 0  # no wait moved the clock the others read


def test_reset_sandbox_is_for_an_external_sandbox_only(tmp_path: Path) -> None:
    alone = record("--reset-sandbox", "--collect-only")
    assert alone.returncode == 4
    assert "--reset-sandbox resets the harness sandbox of --mode record --base-url URL" in (
        alone.stderr
    )
    together = record("--base-url=http://127.0.0.1:9", "--reset-sandbox", "-n", "2")
    assert together.returncode == 4
    assert "scenarios running at once (-n) would reset each other's state" in together.stderr
    nobody = record(
        "--base-url=http://127.0.0.1:9", "--reset-sandbox", f"--cassette-dir={tmp_path}"
    )
    assert nobody.returncode == 4
    assert "http://127.0.0.1:9 is not a harness sandbox" in nobody.stdout + nobody.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_site_prefix_that_cannot_begin_a_site_name_is_a_usage_error() -> None:
    run = record("--site-prefix=Acme Corp", "--collect-only")
    assert run.returncode == 4
    assert "site prefix 'Acme Corp': a site prefix is a lower-case letter" in run.stderr

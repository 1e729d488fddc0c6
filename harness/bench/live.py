"""Live mode at a real org's pace: new-site journeys one at a time, then all at once.

A sandbox served as its own process (``harness sandbox serve``) stands in for the live
org, taking real time: provisioning completes ``provisioning_seconds`` after the request
at the earliest, an order's items succeed ``processing_seconds`` after it (10 s and 20 s
by default). Against it, the cookbook suite runs in live mode (fresh names per run, no
reset, the org's credentials in ``ATLASSIAN_*``), twice, each a pytest subprocess:

- ``sequential``: the journeys in one process, one after the other;
- ``concurrent``: the same journeys with pytest-xdist, one worker per journey
  (``-n <journeys>``), so that every journey waits on the org at the same time;
- ``at_scale`` (``LiveSettings.at_scale``, off by default): that many journeys at once,
  the new-site ones over and over, each its own pytest process: how running at once
  scales past the suite's 8. Separate processes, because one xdist run per 8 journeys
  took longer for the same 50 (76 s against 59 s: each run adds a controller).

The journeys are the suite's new-site ones (``JOURNEYS``): provision on a new site,
place the order, track it until every item succeeds. Each journey's own time comes from
the sequential run's JUnit XML; the target is the concurrent run within 1.5x the slowest.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.contracts import load_profile
from harness.sandbox import served_process

#: The new-site journeys, by test name: the six of features/new_site.feature, the
#: tracking feature's and the window feature's (each provisions a new site and tracks its
#: order until every item succeeds).
JOURNEYS = (
    "test_order_on_a_new_site",
    "test_all_enterprise_products_share_one_family_container",
    "test_entitlement_ids_appear_only_after_success",
    "test_an_order_placed_right_away_is_accepted",
)
#: How many tests ``JOURNEYS`` selects.
JOURNEY_COUNT = 8


@dataclass(frozen=True)
class LiveSettings:
    provisioning_seconds: float = 10.0
    processing_seconds: float = 20.0
    #: How many of the journeys to run (the first ones, in collection order).
    journeys: int = JOURNEY_COUNT
    features: str = "features"
    #: More pytest arguments for every run.
    pytest_args: tuple[str, ...] = ()
    #: Journeys to run at once after the two runs, each its own process (0: none).
    at_scale: int = 0


@dataclass
class LiveRun:
    kind: str
    wall_s: float
    cpu_s: float
    exit_code: int
    outcome: str
    #: Each journey's time (setup, call and teardown) by test name, from the JUnit XML.
    journeys: dict[str, float]


@contextmanager
def served_sandbox(log: Path, settings: LiveSettings) -> Iterator[str]:
    """``harness sandbox serve`` on a free loopback port at the settings' pace; its base
    URL. Its output goes to ``log``."""
    pace = (
        "--provisioning-seconds",
        str(settings.provisioning_seconds),
        "--processing-seconds",
        str(settings.processing_seconds),
    )
    with served_process(log, *pace) as (_, base_url):
        yield base_url


def command(settings: LiveSettings, workdir: Path, kind: str, names: list[str]) -> list[str]:
    """The pytest command line of one run of the journeys ``names`` (test ids)."""
    base = [
        sys.executable,
        "-m",
        "pytest",
        *names,
        "-q",
        "--mode=live",
        "-o",
        f"cache_dir={workdir / 'cache'}",
        f"--junitxml={workdir / f'{kind}.xml'}",
        # A ledger of its own: a benchmark does not publish the repository's.
        f"--assumptions-ledger={workdir / kind / 'assumptions.json'}",
        *settings.pytest_args,
    ]
    return [*base, "-n", str(len(names))] if kind == "concurrent" else base


def journey_ids(settings: LiveSettings, env: dict[str, str], workdir: Path) -> list[str]:
    """The test ids of the journeys to run, in collection order (checked: all found)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            settings.features,
            "--mode=live",
            "--collect-only",
            "-q",
            "-k",
            " or ".join(JOURNEYS),
            "-o",
            f"cache_dir={workdir / 'cache'}",
            f"--assumptions-ledger={workdir / 'collect' / 'assumptions.json'}",
            *settings.pytest_args,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    if done.returncode != 0 or len(ids) != JOURNEY_COUNT:
        raise RuntimeError(
            f"expected {JOURNEY_COUNT} new-site journeys, collected {len(ids)}:\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return ids[: settings.journeys]


def run_once(
    kind: str, names: list[str], settings: LiveSettings, env: dict[str, str], workdir: Path
) -> LiveRun:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        command(settings, workdir, kind, names),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    outcome = lines[-1].strip("= ") if lines else done.stderr.strip()[-200:]
    junit = workdir / f"{kind}.xml"
    times = _junit_times(junit) if junit.is_file() else {}
    return LiveRun(kind, wall, cpu, done.returncode, outcome, times)


def _junit_times(path: Path) -> dict[str, float]:
    return {
        case.get("name", ""): float(case.get("time", "0"))
        for case in ET.parse(path).getroot().iter("testcase")
    }


def measure(
    settings: LiveSettings, progress: Callable[[str], Any] = lambda _: None
) -> dict[str, Any]:
    """The journeys one at a time, then all at once; the figures of both runs."""
    profile = load_profile(None)
    with tempfile.TemporaryDirectory(prefix="harness-bench-live-") as tmp:
        workdir = Path(tmp)
        with served_sandbox(workdir / "sandbox.log", settings) as base_url:
            env = {
                **os.environ,
                "ATLASSIAN_BASE_URL": base_url,
                "ATLASSIAN_ORG_ID": profile.org_id,
                "ATLASSIAN_API_KEY": profile.api_key,
            }
            names = journey_ids(settings, env, workdir)
            runs = {}
            for kind in ("sequential", "concurrent"):
                runs[kind] = run_once(kind, names, settings, env, workdir)
                progress(f"live {kind}: {runs[kind].wall_s:.1f} s ({runs[kind].outcome})")
            if settings.at_scale:
                runs["at_scale"] = run_at_scale(names, settings, env, workdir / "at-scale")
                progress(f"live at scale: {runs['at_scale'].wall_s:.1f} s")
    return summarise(runs, settings, len(names))


def run_at_scale(
    names: list[str], settings: LiveSettings, env: dict[str, str], workdir: Path
) -> LiveRun:
    """``settings.at_scale`` journeys at once, ``names`` in turn, each its own pytest
    process (its own run id, so its own fresh names); the run's outcome counts the
    processes that passed."""
    count = settings.at_scale
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    processes = []
    for i in range(count):
        folder = workdir / str(i)
        folder.mkdir(parents=True)
        command_line = command(settings, folder, "one", [names[i % len(names)]])
        processes.append(
            subprocess.Popen(
                command_line, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
            )
        )
    codes = [p.wait() for p in processes]
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    passed = codes.count(0)
    times = {
        f"{i}: {name}": t for i in range(count) for name, t in _junit(workdir / str(i)).items()
    }
    outcome = f"{passed} of {count} passed"
    return LiveRun("at_scale", wall, cpu, 0 if passed == count else 1, outcome, times)


def _junit(folder: Path) -> dict[str, float]:
    junit = folder / "one.xml"
    return _junit_times(junit) if junit.is_file() else {}


def summarise(runs: dict[str, LiveRun], settings: LiveSettings, count: int) -> dict[str, Any]:
    sequential, concurrent = runs["sequential"], runs["concurrent"]
    slowest = max(sequential.journeys.values(), default=0.0)
    out: dict[str, Any] = {
        "sequential_s": sequential.wall_s,
        "concurrent_s": concurrent.wall_s,
        f"speedup_{count}": sequential.wall_s / concurrent.wall_s,
        "slowest_journey_s": slowest,
        "concurrent_over_slowest": concurrent.wall_s / slowest if slowest else None,
        "sequential_cpu_s": sequential.cpu_s,
        "concurrent_cpu_s": concurrent.cpu_s,
        # Each extra worker's start-up and the distribution: what running at once costs.
        "cpu_per_extra_worker_s": (concurrent.cpu_s - sequential.cpu_s) / max(count - 1, 1),
        "journeys": count,
        "workers": count,
        "failed_runs": sum(r.exit_code != 0 for r in runs.values()),
        "outcomes": {kind: r.outcome for kind, r in runs.items()},
        "journey_s": {kind: r.journeys for kind, r in runs.items()},
        "settings": {
            "provisioning_seconds": settings.provisioning_seconds,
            "processing_seconds": settings.processing_seconds,
        },
    }
    scaled = runs.get("at_scale")
    if scaled is not None:
        out["at_scale"] = {
            "journeys": settings.at_scale,
            "concurrent_s": scaled.wall_s,
            "cpu_s": scaled.cpu_s,
            "over_slowest": scaled.wall_s / slowest if slowest else None,
            # What one at a time would take: the journeys' own times, each as measured alone.
            "speedup_estimated": sum(
                sequential.journeys.get(name.split(": ", 1)[1], 0.0) for name in scaled.journeys
            )
            / scaled.wall_s,
            "slowest_journey_s": max(scaled.journeys.values(), default=0.0),
            "outcome": scaled.outcome,
        }
        out["failed_runs"] += scaled.exit_code != 0
    return out

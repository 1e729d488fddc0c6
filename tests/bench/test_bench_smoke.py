"""``harness bench`` end to end on a tiny setting: it runs, prints its table and writes
every key runs are compared by, each a number. Nothing here is timed."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Seconds the bench may take (pytest's own timeout, 300 s in pyproject, is raised to match).
RUN_TIMEOUT = 480
#: The keys runs are compared by (issues 8 and 16), as dotted paths into the nested JSON.
KEYS = (
    "suite.floor_s",
    "suite.replay_s",
    "suite.local_s",
    "sandbox.ceiling_rps_8",
    "sandbox.orders_get_rps_8",
    "sandbox.orders_get_p99_ms_8",
    "validation.order_request_us",
    "validation.share_of_local",
    "xdist.speedup_2",
    "sandbox.workspaces_query_rps_8",
    "sandbox.orders_place_rps_8",
    "live.sequential_s",
    "live.concurrent_s",
    "live.speedup_2",  # speedup_<journeys>: live.speedup_8 in a full run
    "live.at_scale.concurrent_s",
    "live.at_scale.cpu_s",
    "live.at_scale.speedup_estimated",
)
TINY = [
    "--rounds=1",
    "--load-rounds=1",
    "--duration=0.2",
    "--warmup=0.05",
    "--concurrency=8",
    "--place-pool=40",
    "--validation-repeats=1",
    # Two live journeys at a brisk pace: the live runs' mechanics, not their figures.
    "--live-journeys=2",
    "--live-provisioning-seconds=1",
    "--live-processing-seconds=1",
    "--live-at-scale=3",
    # Six scenarios, and no plugins the features do not use: a smoke test, not a benchmark.
    "--pytest-arg=-kwindow",
    "--pytest-arg=-pno:hypothesispytest",
    "--pytest-arg=-pno:schemathesis",
    "--pytest-arg=-pno:anyio",
]


def _get(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        assert isinstance(node, dict) and part in node, f"{dotted}: no {part!r}"
        node = node[part]
    return node


@pytest.mark.timeout(RUN_TIMEOUT + 60)
def test_bench_runs_end_to_end_and_writes_every_key(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "bench", *TINY, f"--output={output}", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        # For a hang: it takes ~80-130 s beside scripts/test's other tests.
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads(output.read_text())
    for key in KEYS:
        value = _get(data, key)
        assert isinstance(value, int | float) and not isinstance(value, bool), (key, value)
        assert math.isfinite(value), (key, value)
    assert set(data["targets"]) == {
        "replay_over_floor",
        "local_over_replay",
        "reads_share_of_ceiling_8",
        "place_share_of_ceiling_8",
        "validation_share_of_local",
        "live_concurrent_over_slowest",
    }
    assert all(isinstance(t["met"], bool) for t in data["targets"].values())
    # Every suite run passed and every sandbox request was answered 200.
    assert all(n == 0 for k, n in data["suite"].items() if k.endswith("_failed_runs"))
    assert all(n == 0 for k, n in data["sandbox"].items() if "_errors_" in k)
    # Every live run passed, the three journeys at once too, each its own process.
    assert data["live"]["failed_runs"] == 0, data["live"]["outcomes"]
    assert data["live"]["at_scale"]["outcome"] == "3 of 3 passed"
    for line in ("suite (median wall s, cpu s)", "sandbox (req/s", "3 at once", "targets"):
        assert line in done.stdout

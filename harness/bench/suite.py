"""Wall time of the cookbook suite, each run a pytest subprocess from the repository root.

One round runs, in this order (so drift in the machine's load touches every kind alike):

- ``floor``: ``pytest features --mode=replay --collect-only``: start-up, plugins and
  collection, nothing run;
- ``replay``: ``pytest features --mode=replay`` (cassettes only);
- ``local``: ``pytest features`` (the embedded sandbox);
- ``local_novalidation``: the same with the suite's contract checks off
  (``harness.bench.plugin``, ``--bench-validation=off``);
- ``local_timed``: the same with the checks on and timed (``--bench-validation=timed``);
- ``xdist_1`` and ``xdist_2``: ``pytest features -n 1`` and ``-n 2``.

Each figure is the median over the rounds; CPU seconds (the run's own and its children's)
are kept next to the wall time, since other work on the machine moves wall time only.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

KINDS = (
    "floor",
    "replay",
    "local",
    "local_novalidation",
    "local_timed",
    "xdist_1",
    "xdist_2",
)


@dataclass(frozen=True)
class SuiteSettings:
    rounds: int = 3
    features: str = "features"
    #: More pytest arguments for every run (e.g. ``-k rules`` for a quick look).
    pytest_args: tuple[str, ...] = ()
    kinds: tuple[str, ...] = KINDS


@dataclass
class SuiteRun:
    kind: str
    wall_s: float
    cpu_s: float
    exit_code: int
    outcome: str
    extra: dict[str, Any] = field(default_factory=dict)


def command(kind: str, settings: SuiteSettings, timing_file: str | None = None) -> list[str]:
    """The pytest command line of one kind of run."""
    # The cache provider stays on, as in a user's run, but away from the user's --lf state.
    cache = Path(tempfile.gettempdir()) / "harness-bench-pytest-cache"
    base = [sys.executable, "-m", "pytest", settings.features, "-q", "-o", f"cache_dir={cache}"]
    base += list(settings.pytest_args)
    if kind == "floor":
        return [*base, "--mode=replay", "--collect-only"]
    if kind == "replay":
        return [*base, "--mode=replay"]
    if kind == "local":
        return base
    if kind == "local_novalidation":
        return [*base, "-p", "harness.bench.plugin", "--bench-validation=off"]
    if kind == "local_timed":
        assert timing_file is not None
        return [
            *base,
            "-p",
            "harness.bench.plugin",
            "--bench-validation=timed",
            f"--bench-timing-file={timing_file}",
        ]
    if kind.startswith("xdist_"):
        return [*base, "-n", kind.removeprefix("xdist_")]
    raise ValueError(f"unknown kind of suite run: {kind}")


def run_once(kind: str, settings: SuiteSettings) -> SuiteRun:
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as tmp:
        timing_file = str(Path(tmp) / "timing.json")
        argv = command(kind, settings, timing_file)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        outcome = lines[-1].strip("= ") if lines else done.stderr.strip()[-200:]
        extra: dict[str, Any] = {}
        if kind == "local_timed" and Path(timing_file).is_file():
            extra = json.loads(Path(timing_file).read_text())
        return SuiteRun(kind, wall, cpu, done.returncode, outcome, extra)


def failed(run: SuiteRun) -> bool:
    """A run that did not pass (collect-only passes with exit 0 too)."""
    return run.exit_code != 0


def measure(
    settings: SuiteSettings, progress: Callable[[str], Any] = lambda _: None
) -> dict[str, Any]:
    """Every kind of run, ``rounds`` times, interleaved; medians and the raw runs."""
    if not Path(settings.features).is_dir():
        raise FileNotFoundError(
            f"{settings.features}: no features folder here (run from the repository root)"
        )
    runs: dict[str, list[SuiteRun]] = {kind: [] for kind in settings.kinds}
    for r in range(settings.rounds):
        for kind in settings.kinds:
            run = run_once(kind, settings)
            runs[kind].append(run)
            progress(f"suite round {r + 1} {kind}: {run.wall_s:.2f} s ({run.outcome})")
    return summarise(runs)


def summarise(runs: dict[str, list[SuiteRun]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, done in runs.items():
        if not done:
            continue
        out[f"{kind}_s"] = median(r.wall_s for r in done)
        out[f"{kind}_cpu_s"] = median(r.cpu_s for r in done)
        out[f"{kind}_outcome"] = done[-1].outcome
        out[f"{kind}_failed_runs"] = sum(failed(r) for r in done)
    out["runs"] = {
        kind: [
            {"wall_s": round(r.wall_s, 3), "cpu_s": round(r.cpu_s, 3), "exit": r.exit_code}
            | ({"timing": r.extra} if r.extra else {})
            for r in done
        ]
        for kind, done in runs.items()
    }
    timed = runs.get("local_timed", [])
    if timed and all(r.extra for r in timed):
        out["timed_suite_validation_s"] = median(r.extra.get("suite_s", 0.0) for r in timed)
        out["timed_sandbox_validation_s"] = median(r.extra.get("sandbox_s", 0.0) for r in timed)
        out["timed_suite_validation_share"] = median(
            r.extra.get("suite_s", 0.0) / r.wall_s for r in timed
        )
        out["timed_all_validation_share"] = median(
            (r.extra.get("suite_s", 0.0) + r.extra.get("sandbox_s", 0.0)) / r.wall_s for r in timed
        )
        out["timed_messages"] = median(
            r.extra.get("suite_n", 0) + r.extra.get("sandbox_n", 0) for r in timed
        )
    return out

"""Figures of the reliability runs: printed, and written as JSON for the README's table.

``record("load", {...})`` prints ``FIGURE load: {...}`` and writes
``reports/reliability/load.json`` (``HARNESS_FIGURES_DIR`` moves it). Figures are measured
and written down, never asserted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def figures_dir() -> Path:
    return Path(os.environ.get("HARNESS_FIGURES_DIR", ROOT / "reports" / "reliability"))


def record(name: str, figures: dict[str, Any]) -> None:
    folder = figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"\nFIGURE {name}: {json.dumps(figures)}")


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of the values."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]

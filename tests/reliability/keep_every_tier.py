"""A pytest plugin for the live-safety tests: the suite deselects no scenario for its tier,
so the scenarios a run does not allow do run, and only the order steps' guard and the
suite's transport stand between them and a real org."""

from __future__ import annotations

from harness.contracts import SideEffect
from harness.suite import selection


def _everything(settings: object, base_url: str) -> SideEffect:
    return SideEffect.ORDERS


selection.allowed = _everything  # type: ignore[assignment]

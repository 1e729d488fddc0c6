"""A pytest plugin for the live-safety tests: the suite deselects no scenario for its tier
(``Guards.deselect_by_tier`` off), so the scenarios a run does not allow do run, and only
the order steps' guard and the suite's transport stand between them and a real org."""

from __future__ import annotations

from dataclasses import replace

import pytest

from harness.suite.extensions import extend, extensions


def pytest_configure(config: pytest.Config) -> None:
    guards = replace(extensions(config).guards, deselect_by_tier=False)
    extend(config, guards=guards)

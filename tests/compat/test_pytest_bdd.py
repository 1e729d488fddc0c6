"""harness._compat.pytest_bdd against the installed pytest-bdd: every collected scenario
of the features is found with its steps, an outline's example filled in. A pytest-bdd
that moves its template registry or its example parameter fails here first."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness._compat.pytest_bdd import EXAMPLE_PARAMETER, collected_scenario

ROOT = Path(__file__).resolve().parents[2]


def _items(pytester_args: list[str]) -> list[pytest.Item]:
    collected: list[pytest.Item] = []

    class Keep:
        def pytest_collection_finish(self, session: pytest.Session) -> None:
            collected.extend(session.items)

    code = pytest.main(
        [*pytester_args, "--collect-only", "-q", "-p", "no:cacheprovider"], plugins=[Keep()]
    )
    assert code == 0
    return collected


def test_every_feature_item_is_a_scenario_with_its_steps() -> None:
    items = _items([str(ROOT / "features")])
    found = [collected_scenario(item) for item in items]
    assert items and all(found), [i.nodeid for i, f in zip(items, found, strict=True) if not f]
    names = {(Path(f.feature_file).name, f.name) for f in found if f}
    assert ("new_site.feature", "Jira Enterprise on a new site") in names
    assert all(f.steps for f in found if f)
    for f in filter(None, found):  # the line it starts on: its Scenario (Outline) keyword
        line = Path(f.feature_file).read_text().splitlines()[f.line - 1].strip()
        assert line.startswith(("Scenario:", "Scenario Outline:")), (f.feature_file, f.line)


def test_an_outline_example_is_filled_into_its_steps() -> None:
    items = _items([str(ROOT / "features")])
    outlines = (
        [i for i in items if EXAMPLE_PARAMETER in getattr(i, "callspec", None).params]
        if (False)
        else [i for i in items if hasattr(i, "callspec") and EXAMPLE_PARAMETER in i.callspec.params]
    )
    assert outlines, "the features have no Scenario Outline left to check this on"
    for item in outlines:
        found = collected_scenario(item)
        assert found is not None
        assert not any("<" in step and ">" in step for step in found.steps), found.steps


def test_a_plain_test_is_no_scenario() -> None:
    items = _items([str(ROOT / "tests" / "compat" / "test_pytest_bdd.py")])
    assert items and all(collected_scenario(item) is None for item in items)

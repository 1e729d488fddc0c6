"""Which scenarios a run keeps, and why it leaves the others out (one line per reason).

- Against an org that is not a harness sandbox (live mode; record mode against a host
  without ``/_sandbox/``), scenarios that need the sandbox's clock or faults
  (``@sandbox-clock``, ``@sandbox-faults``) are left out.
- Against a sandbox that scenarios running at once share (``-n`` with a sandbox that is
  not reset: ``RunSettings.shares_sandbox``), they are left out too: one worker's clock
  move or fault would hit another's scenarios.
- Against a host that is not loopback, scenarios whose tier the run does not allow
  (``@provisioning`` without ``--allow-provisioning``, ``@orders`` without
  ``--allow-orders``) are left out (``tiers``).
- A scenario whose roles the profile lacks is kept, and skipped with the reason
  (``plan``): the report shows it.

Scenarios are read from pytest-bdd's items: their tags (pytest marks) and their steps
rendered with the example of an outline, background first
(``harness._compat.pytest_bdd``: pytest-bdd has no public API for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from harness._command import shown_path
from harness._compat.pytest_bdd import collected_scenario
from harness.contracts import Profile, SideEffect, cookbook

from .modes import RunSettings
from .naming import Naming
from .plan import ScenarioPlan, plan_scenario
from .tiers import TierTagError, allowed, tier_of, why_left_out

#: Tags of scenarios that need a harness sandbox (its clock, its faults).
SANDBOX_TAGS = ("sandbox-clock", "sandbox-faults")


@dataclass(frozen=True)
class Scenario:
    """A collected Gherkin scenario: where it is, its tags and its steps' texts."""

    feature: str  # the feature file's stem
    name: str
    tags: frozenset[str]
    steps: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.feature}/{self.name}"

    @property
    def tier(self) -> SideEffect:
        return tier_of(self.tags, self.key)

    @property
    def consumes(self) -> bool:
        return "consumes" in self.tags


def scenario_of(item: pytest.Item) -> Scenario | None:
    """The scenario an item runs, or None for an item that is not a Gherkin scenario."""
    found = collected_scenario(item)
    if found is None:
        return None
    return Scenario(
        Path(found.feature_file).stem,
        found.name,
        frozenset(mark.name for mark in item.iter_markers()),
        found.steps,
    )


def plan_of(scenario: Scenario, profile: Profile, naming: Naming) -> ScenarioPlan:
    return plan_scenario(
        scenario.feature,
        scenario.name,
        scenario.tier,
        scenario.consumes,
        scenario.steps,
        profile,
        naming,
    )


@dataclass(frozen=True)
class LeftOut:
    """Scenarios a run leaves out, and the one reason why."""

    items: list[pytest.Item]
    reason: str

    def line(self) -> str:
        n = len(self.items)
        return f"harness: deselected {n} scenario{'' if n == 1 else 's'}: {self.reason}"


def select(
    items: Sequence[pytest.Item],
    settings: RunSettings,
    base_url: str | None,
    has_sandbox: bool,
    *,
    by_tier: bool = True,
) -> tuple[list[pytest.Item], list[LeftOut]]:
    """The items a run keeps, and what it leaves out, grouped by reason. ``by_tier``
    False keeps the scenarios whose tier the run does not allow (a test's way to prove
    that the guards behind this one stop them: ``extensions.Guards``)."""
    kept: list[pytest.Item] = []
    sandbox_only: list[pytest.Item] = []
    beyond: dict[SideEffect, list[pytest.Item]] = {}
    most = allowed(settings, base_url) if base_url and by_tier else SideEffect.ORDERS
    for item in items:
        scenario = scenario_of(item)
        if scenario is None:
            kept.append(item)
        elif (not has_sandbox or settings.shares_sandbox) and any(
            item.get_closest_marker(t) for t in SANDBOX_TAGS
        ):
            sandbox_only.append(item)
        elif scenario.tier > most:
            beyond.setdefault(scenario.tier, []).append(item)
        else:
            kept.append(item)
    host = urlsplit(base_url).hostname if base_url else None
    left_out = []
    if sandbox_only and has_sandbox:
        left_out.append(
            LeftOut(
                sandbox_only,
                "they move the sandbox's clock or register faults on it (@sandbox-clock, "
                "@sandbox-faults), which the scenarios running at once (-n) share, as it is "
                "not reset; run them in one process",
            )
        )
    elif sandbox_only:
        where = "a live org" if settings.mode.value == "live" else f"{host}, not a harness sandbox,"
        left_out.append(
            LeftOut(
                sandbox_only,
                "they need the sandbox's clock or faults (@sandbox-clock, @sandbox-faults), "
                f"which {where} does not have",
            )
        )
    for tier in sorted(beyond):
        left_out.append(LeftOut(beyond[tier], why_left_out(tier, host)))
    return kept, left_out


def tier_problems(items: Sequence[pytest.Item]) -> list[str]:
    """A line per scenario without exactly one tier tag, or whose ``@cookbook:`` tags do
    not name one section of the cookbook (``section_problem``)."""
    problems = []
    for item in items:
        scenario = scenario_of(item)
        if scenario is None:
            continue
        found: list[str] = []
        try:
            tier_of(scenario.tags, scenario.key)
        except TierTagError as exc:
            found.append(str(exc))
        sections = [str(mark.args[0]) for mark in item.iter_markers("cookbook") if mark.args]
        problem = section_problem(sections)
        if problem:
            found.append(f"{scenario.key}: {problem}")
        if found:  # where the scenario is, worked out only for one with a problem
            collected = collected_scenario(item)
            where = f"{shown_path(collected.feature_file)}:{collected.line}: " if collected else ""
            problems += [where + said for said in found]
    return problems


def section_problem(sections: Sequence[str]) -> str | None:
    """What is wrong with a scenario's ``@cookbook:<section>`` tags (its feature's and its
    own), or None: the report files the scenario under its section and links to it, so an
    unknown one would leave it out without a word, and two would pick one at random."""
    unknown = [s for s in sections if s not in cookbook.SECTIONS]
    if unknown:
        return f"@cookbook:{unknown[0]} is no section of the cookbook: use one of " + ", ".join(
            f"@cookbook:{s}" for s in cookbook.SECTIONS
        )
    if len(set(sections)) > 1:
        tags = ", ".join(f"@cookbook:{s}" for s in sorted(set(sections)))
        return (
            f"several cookbook sections ({tags}): a scenario cites one (its own, or its feature's)"
        )
    return None

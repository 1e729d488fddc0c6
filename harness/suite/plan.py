"""What a run would do, known before it sends anything: ``harness run --plan``, and the
roles each scenario needs (a scenario whose roles the profile lacks is skipped up front).

Each step definition that needs a role, provisions or orders says so next to itself::

    @planned(_NEW_SITE, lambda plan, offerings, site_name: plan.provision(
        offerings, plan.new_site(site_name)), converters={"offerings": names})
    @when(_NEW_SITE, converters={"offerings": names})
    def provision_on_new_site(...): ...

``planned`` takes the very parser pytest-bdd matches the step with, so the plan cannot
drift from the steps. A scenario's plan (``plan_scenario``) is its tier tag, whether it
``@consumes`` the sites its roles give it, and its steps' effects in order (background
first), resolved against the profile and the run's ``Naming``: the roles it needs (and
which the profile lacks), the sites it would make, what it would provision, and how
many orders it would place (at most: a refused order counts).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pytest_bdd.parsers import StepParser, get_parser

from harness.contracts import MissingRole, Profile, SideEffect, roles

from .naming import Naming

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Planner:
    parser: StepParser
    converters: dict[str, Callable[[str], Any]]
    effects: Callable[..., Any]


#: Every planned step, in the order the step modules declared them.
PLANNERS: list[Planner] = []


def planned(
    step: str | StepParser,
    effects: Callable[..., Any],
    converters: dict[str, Callable[[str], Any]] | None = None,
) -> Callable[[F], F]:
    """Declare what the step matching ``step`` (its pytest-bdd parser, or its text) does:
    ``effects(plan, **arguments)`` calls the ``ScenarioPlan`` methods."""
    PLANNERS.append(Planner(get_parser(step), dict(converters or {}), effects))

    def decorate(step_function: F) -> F:
        return step_function

    return decorate


@dataclass
class ScenarioPlan:
    """What one scenario would do. Planners call ``need``, ``use_site``, ``new_site``,
    ``provision`` and ``order`` as its steps are read in order."""

    feature: str
    name: str
    tier: SideEffect
    consumes: bool
    profile: Profile
    naming: Naming
    roles: list[str] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    new_sites: list[str] = field(default_factory=list)
    provisions: list[str] = field(default_factory=list)
    orders: int = 0
    #: The name of the site a role gave the scenario ("that site").
    site: str | None = None

    @property
    def key(self) -> str:
        """The scenario's key, as ``World.scenario_key``: ``<feature stem>/<name>``."""
        return f"{self.feature}/{self.name}"

    @property
    def missing(self) -> list[MissingRole]:
        return roles.missing(self.profile, self.roles)

    def need(self, *names: str) -> None:
        for name in names:
            roles.role(name)  # a typo in a planner fails here, naming the known roles
            if name not in self.roles:
                self.roles.append(name)

    def new_site(self, label: str) -> str:
        name = self.naming.site(label, self.key)
        if name not in self.new_sites:
            self.new_sites.append(name)
        return name

    def use_site(self, name: str) -> str:
        """The site playing role ``name``; made for the scenario when it changes it for
        good on a shared org (as ``World.site_for`` does)."""
        role = roles.role(name)
        if self.consumes and self.naming.fresh and role.made_with:
            words = [roles.ENTERPRISE_WORDS[p] for p in role.made_with]
            self.need(*(roles.offering_role(w) for w in words))
            self.need(
                "the admin e-mail of new products", "a transaction account with an invoice group"
            )
            made = self.new_site("-".join(role.made_with))
            self.provision(words, f"new site {made}")
            self.order()
            self.uses.append(f"{name}: {made}, made for this scenario, which changes it")
            self.site = made
            return made
        self.need(name)
        found = role.find(self.profile)
        self.site = getattr(found, "name", None) or f"({name})"
        self.uses.append(f"{name}: {self.site}" + (", which it changes" if self.consumes else ""))
        return self.site

    def provision(self, what: Iterable[str] | str, where: str) -> None:
        """Provisions ``what`` (offering words, or "the app") on ``where``."""
        words = [what] if isinstance(what, str) else list(what)
        for word in words:
            if word in roles.OFFERING_WORDS:
                self.need(roles.offering_role(word))
                product, edition = roles.OFFERING_WORDS[word]
                if edition == "enterprise":  # its order relates to the parent (REL-009)
                    self.need(roles.parent_role_of(product))
                if product in ("jira", "jsm"):  # and may order a family container (REL-006)
                    self.need(roles.offering_role("Jira family container"))
        if "the app" in words:
            self.need("the app")
        self.need("the admin e-mail of new products")
        self.provisions.append(f"{' and '.join(words)} on {where}")

    def order(self, count: int = 1) -> None:
        self.need("a transaction account with an invoice group")
        self.orders += count

    def describe(self) -> list[str]:
        """The plan as lines: the scenario, then what it would use and do."""
        lines = [f"{self.tier.label:<13} {self.feature}: {self.name}"]
        missing = self.missing
        if missing:
            lines.append(f"{'':14}skipped: {missing[0]}")
            return lines
        lines += [f"{'':14}uses {use}" for use in self.uses]
        lines += [f"{'':14}provisions {what}" for what in self.provisions]
        if self.orders:
            lines.append(f"{'':14}places {_count(self.orders, 'order')} (at most)")
        return lines


def plan_scenario(
    feature: str,
    name: str,
    tier: SideEffect,
    consumes: bool,
    steps: Sequence[str],
    profile: Profile,
    naming: Naming,
) -> ScenarioPlan:
    """The plan of one scenario from its steps' texts (background first)."""
    plan = ScenarioPlan(feature, name, tier, consumes, profile, naming)
    for text in steps:
        for planner in PLANNERS:
            if planner.parser.is_matching(text):
                arguments = planner.parser.parse_arguments(text) or {}
                for key, convert in planner.converters.items():
                    if key in arguments:
                        arguments[key] = convert(arguments[key])
                wanted = inspect.signature(planner.effects).parameters
                planner.effects(plan, **{k: v for k, v in arguments.items() if k in wanted})
                break
    return plan


def feature_plans(folder: Path, profile: Profile, naming: Naming) -> list[ScenarioPlan]:
    """The plans of every scenario of a features folder, read without running pytest (for
    ``harness profile discover``): its step modules (``<folder>/steps/*.py``, a package
    beside the folder) are imported so that their planners are known."""
    from pytest_bdd.feature import get_features

    from .tiers import tier_of

    root = str(folder.resolve().parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    for module in sorted((folder / "steps").glob("*.py")):
        if module.stem != "__init__":
            importlib.import_module(f"{folder.name}.steps.{module.stem}")
    plans = []
    for feature in get_features([str(folder)]):
        for template in feature.scenarios.values():
            tags = {t.partition(":")[0] for t in template.tags | feature.tags}
            contexts = [c for ex in template.examples for c in ex.as_contexts()] or [{}]
            for context in contexts:
                rendered = template.render(context)
                stem = Path(feature.filename).stem
                plans.append(
                    plan_scenario(
                        stem,
                        rendered.name,
                        tier_of(tags, f"{stem}/{rendered.name}"),
                        "consumes" in tags,
                        [step.name for step in rendered.steps],
                        profile,
                        naming,
                    )
                )
    return plans


def summary(plans: Sequence[ScenarioPlan]) -> str:
    """One line: how many scenarios of each tier, and what they would make in all."""
    tiers = ", ".join(
        f"{sum(p.tier is tier for p in plans)} {tier.label}"
        for tier in SideEffect
        if any(p.tier is tier for p in plans)
    )
    runnable = [p for p in plans if not p.missing]
    skipped = len(plans) - len(runnable)
    sites = sum(len(p.new_sites) for p in runnable)
    orders = sum(p.orders for p in runnable)
    return (
        f"{_count(len(plans), 'scenario')} ({tiers or 'none'}): "
        f"{_count(sites, 'new site')}, {_count(orders, 'order')} at most"
        + (f"; {skipped} skipped for a role the profile lacks" if skipped else "")
        + "; nothing was sent"
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"

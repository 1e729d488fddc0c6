"""pytest-bdd: which Gherkin scenario a collected item runs, with an outline's example
filled in, at collection time.

pytest-bdd's hooks name the scenario only once it runs (``pytest_bdd_before_scenario``);
the suite must know before (tiers, roles, plans). Relies on: the registry of scenario
templates by test function, ``pytest_bdd.scenario.scenario_wrapper_template_registry``
(which pytest-bdd's own ``--generate-missing`` reads), an outline item's
``_pytest_bdd_example`` parameter, ``ScenarioTemplate.render(example)`` and its ``line_number``.
``tests/compat/test_pytest_bdd.py`` checks them against the installed pytest-bdd, which
``pyproject.toml`` pins to the minor version tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytest_bdd.scenario import scenario_wrapper_template_registry

#: The parameter pytest-bdd gives each example of a Scenario Outline.
EXAMPLE_PARAMETER = "_pytest_bdd_example"


@dataclass(frozen=True)
class CollectedScenario:
    """A scenario as an item runs it: its feature file, its name and its steps' texts
    (background first, an outline's example filled in), and the line it starts on."""

    feature_file: str
    name: str
    steps: tuple[str, ...]
    line: int = 0


def collected_scenario(item: Any) -> CollectedScenario | None:
    """The scenario ``item`` runs, or None for an item that is not a Gherkin scenario."""
    try:
        template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
    except TypeError:  # an item whose object cannot be a key is no scenario
        return None
    if template is None:
        return None
    callspec = getattr(item, "callspec", None)
    example = callspec.params.get(EXAMPLE_PARAMETER, {}) if callspec else {}
    rendered = template.render(example)
    return CollectedScenario(
        str(template.feature.filename),
        rendered.name,
        tuple(s.name for s in rendered.steps),
        template.line_number,
    )

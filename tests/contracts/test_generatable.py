"""The contracts are generatable by the tools users point at them (issue 13, deliver 5):
schemathesis draws every operation's requests from ``bundled_openapi()`` (what
``GET /openapi.json`` serves) without a failed Hypothesis health check. The product ARI
travels as one encoded path segment, which schemathesis allows once the parameter shows
an example holding its slash; order bodies draw fast enough because the parts the
cookbook details are closed (ASM-037).

Only ``too_slow`` is switched off here: it measures this machine's speed, and speed is
measured by the benchmark, not asserted (the long run, ``longruns/test_schemathesis.py``,
runs schemathesis with every default)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode

from harness.contracts import bundled_openapi

SCHEMA = schemathesis.openapi.from_dict(bundled_openapi("http://127.0.0.1:9"))
OPERATIONS = {result.ok().label: result.ok() for result in SCHEMA.get_all_operations()}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_schemathesis_generates_each_operations_requests(label: str, mode: GenerationMode) -> None:
    """Valid requests, and (as schemathesis also sends by default) invalid ones."""
    operation = OPERATIONS[label]
    drawn: list[object] = []

    @settings(max_examples=25, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operation.as_strategy(generation_mode=mode))
    def draw(case: object) -> None:
        drawn.append(case)

    draw()
    assert len(drawn) >= 25

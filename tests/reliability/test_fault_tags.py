"""The fault steps' words become the sandbox's fault specs; a cassette's no-response marker
is known to the audit, and an unknown one is named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from features.steps.faults import FAULTS, fault_of
from harness.sandbox.faults import FAULTS as SANDBOX_FAULTS
from harness.suite.audit import check_cassettes

ROOT = Path(__file__).resolve().parents[2]
LOST = ROOT / "cassettes/faults/an-order-whose-answer-is-lost-is-sent-again-and-placed-once.yaml"


@pytest.mark.parametrize(
    ("words", "spec"),
    [
        (
            "the API throttles the next order status request, asking to retry after 120 seconds",
            {"operation": "orders.get", "fault": "429", "retryAfter": 120},
        ),
        (
            "the API is unavailable for the next 2 order status requests",
            {"operation": "orders.get", "fault": "503", "times": 2},
        ),
        (
            "the API is unavailable for every order status request",
            {"operation": "orders.get", "fault": "503", "times": None},
        ),
        (
            "the API answers the next provisioning status request 5 seconds late",
            {"operation": "provisioning.status", "fault": "delay", "seconds": 5},
        ),
        (
            "the connection drops after the next provisioning request is acted on, losing its "
            "answer",
            {"operation": "products.provision", "fault": "drop-response"},
        ),
        (
            "the connection drops on every order status request",
            {"operation": "orders.get", "fault": "drop", "times": None},
        ),
    ],
)
def test_a_fault_step_is_the_sandboxs_spec(words: str, spec: dict[str, Any]) -> None:
    assert fault_of(words) == spec


def test_every_fault_step_names_a_fault_the_sandbox_has() -> None:
    kinds = {spec({"seconds": "1", "count": "1"})["fault"] for spec in FAULTS.values()}
    assert kinds <= set(SANDBOX_FAULTS)
    with pytest.raises(ValueError, match="no fault step says"):
        fault_of("the API is moody")


def test_the_no_response_marker_is_audited(tmp_path: Path) -> None:
    assert check_cassettes([LOST]) == []
    data = yaml.safe_load(LOST.read_text(encoding="utf-8"))
    marked = [i for i in data["interactions"] if i["response"]["status"]["code"] == 599]
    assert len(marked) == 1
    marked[0]["response"]["headers"]["x-harness-transport-error"] = ["SocketGremlin"]
    copy = tmp_path / "lost.yaml"
    copy.write_text(yaml.safe_dump(data), encoding="utf-8")
    problems = [str(p) for p in check_cassettes([copy])]
    assert problems == [
        f"{copy} interaction 2: orders.place: no response, marked with an unknown error "
        "'SocketGremlin'"
    ]

"""Fault tags become the sandbox's fault specs; a cassette's no-response marker is known to
the audit, and an unknown one is named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.suite.audit import check_cassettes
from harness.suite.fault_tags import fault_spec

ROOT = Path(__file__).resolve().parents[2]
LOST = ROOT / "cassettes/faults/an-order-whose-response-is-lost-is-sent-again-and-placed-once.yaml"


@pytest.mark.parametrize(
    ("tag", "spec"),
    [
        ("orders.process:fail-item", {"operation": "orders.process", "fault": "fail-item"}),
        ("orders.get:503:times=2", {"operation": "orders.get", "fault": "503", "times": 2}),
        ("orders.get:503:times=always", {"operation": "orders.get", "fault": "503", "times": None}),
        (
            "orders.get:429:retry-after=120",
            {"operation": "orders.get", "fault": "429", "retryAfter": 120},
        ),
        (
            "provisioning.status:delay=0.5",
            {"operation": "provisioning.status", "fault": "delay", "seconds": 0.5},
        ),
        (
            "orders.process:fail-item:item=O1:reason=NO_CAPACITY",
            {
                "operation": "orders.process",
                "fault": "fail-item",
                "item": "O1",
                "reason": "NO_CAPACITY",
            },
        ),
    ],
)
def test_a_fault_tag_is_the_sandboxs_spec(tag: str, spec: dict[str, Any]) -> None:
    assert fault_spec(tag) == spec


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

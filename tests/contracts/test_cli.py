"""`harness validate order`, run as the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cookbook"
HARNESS = shutil.which("harness") or str(Path(sys.executable).parent / "harness")


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HARNESS, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def test_a_valid_order_prints_one_ok_line() -> None:
    result = run("validate", "order", str(FIXTURES / "order-place-all-enterprise.request.json"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("OK ")


def test_a_cookbook_sample_with_comments_needs_allow_comments() -> None:
    sample = str(FIXTURES / "order-place-jsm-enterprise.request.jsonc")
    refused = run("validate", "order", sample)
    assert refused.returncode == 2
    assert "--allow-comments" in refused.stderr and "Traceback" not in refused.stderr
    assert ":9:60:" in refused.stderr  # file:line:column of the first comment
    accepted = run("validate", "order", "--allow-comments", sample)
    assert accepted.returncode == 0, accepted.stdout


def test_a_sample_pasted_on_one_line_is_told_its_comments_hide_the_rest(tmp_path: Path) -> None:
    """The scraped cookbook shows each body on one line, where a // comment runs to the end
    of the body: --allow-comments then left a fragment, and the error said only where."""
    text = (FIXTURES / "order-place-jsm-enterprise.request.jsonc").read_text()
    flat = tmp_path / "flat.jsonc"
    flat.write_text(" ".join(line.strip() for line in text.splitlines()))
    first_comment = flat.read_text().index("//") + 1
    refused = run("validate", "order", "--allow-comments", str(flat))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"the // comment at 1:{first_comment} runs to the end of its line" in refused.stderr
    # A comment that hides nothing is no cause for the hint.
    broken = tmp_path / "broken.jsonc"
    broken.write_text('{"orderId": // the id\n }')
    refused = run("validate", "order", "--allow-comments", str(broken))
    assert refused.returncode == 2 and "runs to the end" not in refused.stderr


def test_every_violation_is_reported_one_line_each(tmp_path: Path) -> None:
    order = json.loads((FIXTURES / "order-place-all-enterprise.request.json").read_text())
    order["items"][3]["itemId"] = "O3"  # REL-001
    order["items"][2]["optedUsageOptions"]["chargingDetails"]["chargeQuantities"][0][
        "chargeElement"
    ] = "agent"  # REL-012
    order["items"][0]["type"] = "RENEWAL"  # schema
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(order))
    result = run("validate", "order", str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "schema /items/0/type: must be one of 'CREATION_ORDER', got 'RENEWAL'",
        "REL-001 /items/3/itemId: itemId 'O3' is used by an earlier item",
        "REL-012 /items/2/optedUsageOptions/chargingDetails/chargeQuantities/0/chargeElement: "
        "Jira Enterprise is charged per 'user', not 'agent'",
    ]
    assert "3 violations" in result.stderr


def test_stdin_is_read_with_a_dash() -> None:
    text = (FIXTURES / "order-place-jira-premium.request.json").read_text()
    result = run("validate", "order", "-", stdin=text)
    assert result.returncode == 1
    assert result.stdout.strip() == (
        "schema /orderId: '{{$randomUUID}}' is not a valid uuid (cookbook erratum ERR-011)"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not JSON: Expecting property name"),
        ("", "not JSON: Expecting value"),
    ],
)
def test_unreadable_input_exits_2_with_a_clear_message(
    tmp_path: Path,
    content: str | None,
    message: str,
) -> None:
    path = tmp_path / "order.json"
    if content is not None:
        path.write_text(content)
    result = run("validate", "order", str(path))
    assert result.returncode == 2
    assert message in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_utf8_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "order.json"
    path.write_bytes(b'{"orderId": "\xff"}')
    result = run("validate", "order", str(path))
    assert result.returncode == 2 and "not UTF-8" in result.stderr


def test_a_custom_catalogue_changes_the_verdict(tmp_path: Path) -> None:
    profile = json.loads(
        (Path(__file__).resolve().parents[2] / "harness/data/profile.json").read_text()
    )
    catalogue = profile["catalogue"]
    catalogue["offerings"] = [o for o in catalogue["offerings"] if o["product"] != "confluence"]
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(catalogue))
    order = str(FIXTURES / "order-place-confluence-enterprise.request.json")
    result = run("validate", "order", order, "--catalogue", str(path))
    assert result.returncode == 1
    assert result.stdout.startswith("REL-002 /items/0/offeringId: offering 39605741")


def test_a_broken_catalogue_names_file_and_pointer(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.json"
    path.write_text(
        json.dumps(
            {"offerings": [{"id": "x", "name": "n", "product": "jira"}], "parentEntitlements": []}
        )
    )
    order = str(FIXTURES / "order-place-confluence-enterprise.request.json")
    result = run("validate", "order", order, "--catalogue", str(path))
    assert result.returncode == 2
    assert str(path) in result.stderr and "/offerings/0/id" in result.stderr
    assert "Traceback" not in result.stderr

"""Every request and response sample of the cookbook, judged by the contracts.

Samples that hit an erratum must fail, at the place the erratum names; all others pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import contracts
from harness.jsonc import strip_comments

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "cookbook"
SAMPLES: list[dict[str, Any]] = yaml.safe_load((HERE / "samples.yaml").read_text())["samples"]
JSON_HEADERS = {"Content-Type": "application/json"}


def _body(sample: dict[str, Any]) -> Any:
    return json.loads((HERE / sample["body"]).read_text()) if "body" in sample else None


def _response_url(operation: contracts.Operation) -> str:
    # Any concrete URL of the operation will do: responses are judged by operation.
    params = {
        "orgId": "org",
        "productAri": "ari:cloud:jira-software::site/4745a76c-290c-49d4-aa23-04d5ccb3c52d",
        "entitlementId": "f5050916-617d-49d5-9aa8-382185a0c0b3",
        "requestId": "6664d179-c5e8-4f6a-9f45-8a9f07564400",
        "orderId": "0aed15e5-3d09-4319-800d-d65a5e73f783",
    }
    return operation.url(
        "https://api.atlassian.com",
        **{k: v for k, v in params.items() if "{" + k + "}" in operation.path},
    )


def _judge(sample: dict[str, Any]) -> list[contracts.Violation]:
    operation = contracts.operation(sample["operation"])
    if "method" in sample:
        match = contracts.find_operation(sample["method"], sample["url"])
        assert match is not None and match.operation == operation, sample["url"]
        body = _body(sample)
        args = () if body is None else (body,)
        return contracts.validate_request(sample["method"], sample["url"], sample["headers"], *args)
    return contracts.validate_response(
        operation.method, _response_url(operation), sample["status"], JSON_HEADERS, _body(sample)
    )


@pytest.mark.parametrize(
    "sample", [s for s in SAMPLES if "fails_at" not in s], ids=lambda s: s["name"]
)
def test_sample_conforms(sample: dict[str, Any]) -> None:
    """Errata without `fails_at` are the org's to refuse (ERR-013: a product offering sent
    to the apps API): the contracts alone take the sample."""
    assert [str(v) for v in _judge(sample)] == []


@pytest.mark.parametrize(
    "sample",
    [s for s in SAMPLES if "fails_at" in s and "text" not in s],
    ids=lambda s: f"{s['name']} [{s['erratum']}]",
)
def test_sample_with_erratum_fails_for_the_named_reason(sample: dict[str, Any]) -> None:
    assert sample["erratum"] in {e.id for e in contracts.cookbook.ERRATA}
    violations = _judge(sample)
    assert sample["fails_at"] in [v.location for v in violations], [str(v) for v in violations]


def test_provisioning_response_as_printed_is_not_json() -> None:
    """ERR-012: the sample is a bare `"data": {...}` member, not a JSON object."""
    text = (HERE / "provisioning-accepted.response.txt").read_text()
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    assert json.loads("{" + text + "}") == _body({"body": "provisioning-accepted.response.json"})


def test_every_operation_has_a_sample_request_and_response() -> None:
    seen = {(contracts.operation(s["operation"]).name, "method" in s) for s in SAMPLES}
    names = {op.name for op in contracts.operations()}
    for name in names:
        assert (name, True) in seen, f"no request sample for {name}"
        assert (name, False) in seen, f"no response sample for {name}"


@pytest.mark.parametrize("path", sorted(HERE.glob("*.jsonc")), ids=lambda p: p.name)
def test_commented_sample_strips_to_its_fixture(path: Path) -> None:
    """ERR-003: the cookbook's samples carry // comments; stripped, they are the fixtures."""
    stripped = json.loads(strip_comments(path.read_text()))
    assert stripped == json.loads(path.with_suffix(".json").read_text())


ORDER_SAMPLES = [s for s in SAMPLES if s["operation"].startswith("orders.place") and "method" in s]


@pytest.mark.parametrize("sample", ORDER_SAMPLES, ids=lambda s: s["name"])
def test_order_samples_pass_every_relationship_rule_once_placeholders_are_filled(
    sample: dict[str, Any],
) -> None:
    order = _body(sample)
    fills = {
        "{{$randomUUID}}": "5b0f1f1e-8d55-4c63-9a57-0f3f3c6f1a01",
        "{{jiraFamilyContainerEntitlementId}}": "d71ec13e-301b-35bf-9808-653f5be6c256",
        "6664d179-c5e8-4f6a-9f45-8a9f0756440": "6664d179-c5e8-4f6a-9f45-8a9f07564400",
    }
    text = json.dumps(order)
    for placeholder, value in fills.items():
        text = text.replace(placeholder, value)
    violations = contracts.validate_order(json.loads(text), contracts.load_catalogue())
    assert [str(v) for v in violations] == []


def _field_pointers(value: Any, at: str = "") -> list[str]:
    """Every object member of a document, as a JSON pointer."""
    found = []
    if isinstance(value, dict):
        for key, child in value.items():
            found.append(f"{at}/{key}")
            found += _field_pointers(child, f"{at}/{key}")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += _field_pointers(child, f"{at}/{i}")
    return found


@pytest.mark.parametrize(
    "name",
    ["orders.get response", "orders.place response (Jira Enterprise)"],
)
def test_the_order_schemas_require_every_field_of_the_sample(name: str) -> None:
    """What the cookbook's order samples always show, the response schemas require: the
    sample without any one of its fields breaks the contract at that field (ASM-050)."""
    sample = next(s for s in SAMPLES if s["name"] == name)
    body = _body(sample)
    operation = contracts.operation(sample["operation"])
    url = _response_url(operation)
    pointers = _field_pointers(body)
    assert len(pointers) > 15
    for pointer in pointers:
        parent_pointer, _, key = pointer.rpartition("/")
        broken = json.loads(json.dumps(body))
        _, parent = contracts.resolve_pointer(broken, parent_pointer)
        del parent[key]
        problems = contracts.validate_response(operation.method, url, 200, JSON_HEADERS, broken)
        assert any(p.pointer in (pointer, parent_pointer) for p in problems), pointer


def test_err_017_the_printed_path_finds_nothing_the_whole_one_the_entitlement() -> None:
    """ERR-017: 'Look for $.relationships.entitlement[0].id' misses `$.data[]`; the client
    reads each workspace's relationships, as the corrected path does."""
    from harness.client import WorkspacePage

    sample = _body({"body": "workspaces-query-existing-site.response.json"})
    assert contracts.resolve_pointer(sample, "/relationships/entitlement/0/id") == (False, None)
    found = [
        value
        for _, present, value in contracts.expand_pointer(
            sample, "/data/*/relationships/entitlement/0/id"
        )
        if present
    ]
    assert found == ["f5050916-617d-49d5-9aa8-382185a0c0b3"]
    page = WorkspacePage.from_json(sample)
    assert [w.entitlement_id for w in page.workspaces] == found


def test_err_016_the_step_labelled_details_lists_entitlements() -> None:
    """ERR-016: the sample under 'Use the Get entitlement details by ID API to get the
    Entitlement ID' is the entitlements list, which the contracts call by its name."""
    sample = next(s for s in SAMPLES if s["name"] == "entitlements.list request")
    match = contracts.find_operation(sample["method"], sample["url"])
    assert match is not None and match.operation.name == "entitlements.list"
    assert match.operation.summary == "Get product entitlement ID"
    assert (
        contracts.find_operation("GET", sample["url"].replace("/entitlements", "/details")) is None
    )

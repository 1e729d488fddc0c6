"""The contracts themselves: valid schemas, every reference resolves, nothing unused."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import contracts
from harness.contracts import _schemas

FILES = _schemas.schema_files()
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cookbook"
#: Schema files that describe no API message.
NOT_MESSAGES = {"profile.json"}


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


@pytest.mark.parametrize("name", sorted(FILES))
def test_schema_is_valid_2020_12_with_an_absolute_id(name: str) -> None:
    schema = FILES[name]
    _schemas.python_validator_class().check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == _schemas.BASE_URI + name


def test_the_openapi_document_is_read_as_the_pure_python_loader_reads_it() -> None:
    # The harness reads it with libyaml where PyYAML has it, for speed; a construct the two
    # loaders read differently would change the contract unnoticed.
    text = (_schemas.schemas_dir() / "openapi.yaml").read_text(encoding="utf-8")
    assert _schemas.openapi_document() == yaml.load(text, Loader=yaml.SafeLoader)


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_ref_of_a_schema_resolves(name: str) -> None:
    resolver = _schemas.registry().resolver(base_uri=FILES[name]["$id"])
    for ref in _refs(FILES[name]):
        resolver.lookup(ref)  # raises Unresolvable on a broken reference


def test_every_ref_of_the_openapi_document_resolves() -> None:
    doc = _schemas.openapi_document()
    for ref in _refs(doc):
        if ref.startswith("#/"):
            node: Any = doc
            for part in ref[2:].split("/"):
                node = node[part]
        else:
            file, _, fragment = ref.partition("#")
            assert file in FILES, ref
            _schemas.registry().resolver(base_uri=_schemas.BASE_URI).lookup(
                _schemas.schema_uri(file) + ("#" + fragment if fragment else "")
            )


def test_every_operation_has_its_schemas() -> None:
    for op in contracts.operations():
        assert op.response_schema(200), f"{op.id}: no 200 response schema"
        for status in (400, 401, 403, 404, 429, 503):
            assert op.response_schema(status) == _schemas.schema_uri("error.json"), (op.id, status)
        if op.method == "POST":
            assert op.request_schema, f"{op.id}: no request schema"
        assert op.security, f"{op.id}: no security"


def test_every_endpoint_of_the_cookbook_table_is_an_operation() -> None:
    table = {
        "entitlements.list": (
            "GET",
            "/admin/installations/v2/orgs/{orgId}/products/{productAri}/entitlements",
        ),
        "entitlements.details": ("GET", "/commerce/api/v2/entitlements/{entitlementId}/details"),
        "products.provision": ("POST", "/admin/installations/v2/orgs/{orgId}/products"),
        "workspaces.query": ("POST", "/admin/v2/orgs/{orgId}/workspaces"),
        "apps.provision": (
            "POST",
            "/admin/installations/v2/orgs/{orgId}/products/{productAri}/apps",
        ),
        "provisioning.status": (
            "GET",
            "/admin/installations/v2/orgs/{orgId}/products/status/{requestId}",
        ),
        "orders.place": ("POST", "/commerce/api/v2/orders"),
        "orders.place.v1": ("POST", "/commerce/api/v1/orders"),
        "orders.get": ("GET", "/commerce/api/v2/orders/{orderId}"),
    }
    assert {op.id: (op.method, op.path) for op in contracts.operations()} == table


def test_every_schema_file_is_used() -> None:
    used: set[str] = set()
    for ref in _refs(_schemas.openapi_document()):
        used.add(ref.partition("#")[0])
    for schema in FILES.values():
        used.update(ref.partition("#")[0] for ref in _refs(schema))
    used.discard("")
    assert set(FILES) - used == NOT_MESSAGES
    assert contracts.load_profile()  # profile.json: used by the profile loader


def test_every_assumption_cited_exists() -> None:
    known = {a.id for a in contracts.cookbook.ASSUMPTIONS}
    texts = [json.dumps(FILES), json.dumps(_schemas.openapi_document())]
    texts += [r.quote + " ".join(r.assumptions) for r in contracts.RULES]
    cited = {m for text in texts for m in re.findall(r"ASM-\d{3}", text)}
    assert cited <= known, cited - known


def test_assumed_parts_say_so_in_their_description() -> None:
    for text in [json.dumps(FILES), json.dumps(_schemas.openapi_document())]:
        for match in re.finditer(r"ASM-\d{3}", text):
            window = text[max(0, match.start() - 200) : match.start()]
            assert "ASSUMED" in window, text[match.start() - 80 : match.end()]


def test_the_bundled_document_is_self_contained() -> None:
    doc = contracts.bundled_openapi("http://127.0.0.1:1234")
    assert doc["servers"] == [{"url": "http://127.0.0.1:1234"}]
    for ref in _refs(doc):
        assert ref.startswith("#/components/"), ref
        node: Any = doc
        for part in ref[2:].split("/"):
            node = node[part]
    assert "$id" not in json.dumps(doc)


def test_every_link_names_an_operation_and_its_parameters() -> None:
    """OpenAPI links (the cookbook's next steps) drive schemathesis' stateful phase."""
    doc = _schemas.openapi_document()
    links = [
        (op_id, link)
        for item in doc["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "responses" in op
        for op_id in [op["operationId"]]
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert len(links) >= 4
    for source, link in links:
        target = contracts.operation(link["operationId"])
        names = {p.name for p in target.parameters}
        for key, value in link["parameters"].items():
            assert key.rpartition(".")[2] in names, (source, key)
            assert value.startswith(("$response.body#/", "$request.path.")), (source, value)


def test_a_violation_inside_any_of_names_its_schema_location() -> None:
    """An error inside anyOf has a schema path relative to its branch: the location is
    found from the absolute one (it raised KeyError before)."""
    sample = json.loads((FIXTURES / "order.response.json").read_text())
    sample["items"][0]["parentEntitlementId"] = "not-a-uuid"
    found = contracts.validate(contracts.schema_uri("order.response.json"), sample)
    assert [v.pointer for v in found] == ["/items/0/parentEntitlementId"]
    location = found[0].schema_location or ""
    assert "order.response.json#/$defs/item" in location


def test_a_process_that_sees_only_valid_messages_imports_no_python_validator() -> None:
    """The Python validator and its registry are imported for a violation only: a run that
    breaks no contract never pays their start-up (``jsonschema``, ``referencing``)."""
    script = (
        "import sys, uuid\n"
        "from harness.client import OrderBuilder\n"
        "from harness.contracts import load_profile, validate_order\n"
        "profile = load_profile(None)\n"
        "order = OrderBuilder.for_profile(profile, str(uuid.uuid4())).jira().build()\n"
        "assert validate_order(order, profile.catalogue) == []\n"
        "print(sorted(m for m in ('jsonschema', 'referencing') if m in sys.modules))\n"
        "order['items'][0]['offeringId'] = 5\n"
        "assert validate_order(order, profile.catalogue)\n"
        "print(sorted(m for m in ('jsonschema', 'referencing') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split("\n")[:2] == ["[]", "['jsonschema', 'referencing']"]

"""Which assumptions the response schemas rest on, and which of them a breach breaks
(``harness.contracts._citations``)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from harness.contracts import (
    breached_assumptions,
    cookbook,
    operation,
    response_assumptions,
    response_citations,
    validate_response,
)

ORDER = json.loads(
    (
        Path(__file__).resolve().parents[1] / "fixtures" / "cookbook" / "order.response.json"
    ).read_text()
)
GET_ORDER = operation("orders.get").response_schema(200)
assert GET_ORDER is not None


def _breached(order: Any) -> dict[str, tuple[str, ...]]:
    """Each violation's pointer of an order read back, with the assumptions it breaks."""
    found = validate_response(
        "GET", "/commerce/api/v2/orders/x", 200, {"content-type": "application/json"}, order
    )
    return {v.pointer: breached_assumptions(GET_ORDER, v) for v in found}


def test_a_response_schema_cites_what_its_nodes_and_their_refs_cite() -> None:
    # order.response.json itself (ASM-050, ASM-008, ASM-005) and common.json's timestamp
    # (ASM-032) and item status (ASM-005); not an open value (ASM-007, ASM-064).
    assert response_assumptions(GET_ORDER) == {"ASM-005", "ASM-008", "ASM-032", "ASM-050"}
    cited = response_citations()
    assert cited["ASM-050"] == ("orders.get",)
    assert cited["ASM-004"] == ("provisioning.status",)
    assert set(cited["ASM-032"]) == {"entitlements.details", "orders.get"}
    assert set(cited) <= {a.id for a in cookbook.ASSUMPTIONS}


def test_an_open_value_is_cited_for_the_reader_only() -> None:
    """An assumption whose values the harness takes, whatever they are, can't be broken
    by an answer: it has no observation either."""
    open_values = {a.id for a in cookbook.ASSUMPTIONS if a.takes_any}
    assert {"ASM-007", "ASM-011", "ASM-012", "ASM-064"} <= open_values
    assert not open_values & set(response_citations())
    assert all(cookbook.assumption(i).observation is None for i in open_values)


def test_a_breach_breaks_the_nearest_citation_or_a_missing_fields_own() -> None:
    order = copy.deepcopy(ORDER)
    del order["slug"]  # the root's required: the root's citation
    del order["items"][0]["processingInfo"]["entitlement"]["version"]  # the field's own
    del order["items"][1]["reasonCode"]  # the field's own (ASM-005)
    del order["items"][1]["optedUsageOptions"]["trial"]  # ASM-007 is open: the root's
    order["items"][0]["processingInfo"]["status"] = "DONE"  # common.json's enum
    order["createdDate"] = 253402300800000  # common.json's timestamp
    order["items"][1]["relatesFromEntitlements"][0]["relationshipType"] = ""  # ASM-064 open
    assert _breached(order) == {
        "/slug": ("ASM-050",),
        "/items/0/processingInfo/entitlement/version": ("ASM-050",),
        "/items/0/processingInfo/status": ("ASM-005",),
        # ...not SUCCESS, with an entitlement: the cookbook's own rule, whose node cites
        # no assumption: the nearest citation up, the root's.
        "/items/0/processingInfo/entitlement": ("ASM-050",),
        "/items/1/reasonCode": ("ASM-005",),
        "/items/1/optedUsageOptions/trial": ("ASM-050",),
        "/items/1/relatesFromEntitlements/0/relationshipType": ("ASM-050",),
        "/createdDate": ("ASM-032",),
    }


def test_a_missing_field_whose_node_is_a_ref_is_judged_by_the_refs_citation() -> None:
    order = copy.deepcopy(ORDER)
    del order["items"][0]["processingInfo"]["status"]
    assert _breached(order)["/items/0/processingInfo/status"] == ("ASM-005",)


def test_a_header_breaks_no_assumption_and_no_body_the_roots() -> None:
    url = "/commerce/api/v2/orders/x"
    found = validate_response("GET", url, 200, {"content-type": "text/plain"}, ORDER)
    assert [(v.where, breached_assumptions(GET_ORDER, v)) for v in found] == [("header", ())]
    found = validate_response("GET", url, 200, {"content-type": "text/plain"})
    assert [(v.pointer, breached_assumptions(GET_ORDER, v)) for v in found] == [("", ("ASM-050",))]

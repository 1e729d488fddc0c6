"""The contracts: the single source of truth every other part of the harness checks against.

- the OpenAPI 3.1 document and JSON Schema 2020-12 files of ``schemas/``
  (``find_operation``, ``validate_request``, ``validate_response``);
- the entitlement relationship rules, ``REL-nnn`` (``harness.contracts.rules``);
- the org profile and its catalogue (``harness.contracts.profile``);
- what the harness assumes and where the cookbook errs (``harness.contracts.cookbook``).
"""

from __future__ import annotations

from typing import Any

from . import cookbook, rules
from ._json import MAX_FILE_BYTES, MAX_JSON_DEPTH, JsonError, parse_json, read_json_file
from ._operations import (
    Match,
    Operation,
    bundled_openapi,
    find_operation,
    operation,
    operations,
    path_allows,
    refusal_explains,
    validate_request,
    validate_response,
)
from ._schemas import schema_files, schema_uri, schemas_dir, validate
from ._violation import Violation, envelope, envelope_status
from .profile import (
    Catalogue,
    Offering,
    Profile,
    ProfileError,
    Site,
    load_catalogue,
    load_profile,
)
from .rules import RULES, OrderContext, ProvisioningFacts, check_order

ORDER_SCHEMA = schema_uri("order-place.request.json")


def validate_order(
    order: Any, catalogue: Catalogue, context: OrderContext | None = None
) -> list[Violation]:
    """Every schema and relationship-rule violation of an order body, schema ones first."""
    return [*validate(ORDER_SCHEMA, order), *check_order(order, catalogue, context)]


__all__ = [
    "MAX_FILE_BYTES",
    "MAX_JSON_DEPTH",
    "ORDER_SCHEMA",
    "RULES",
    "Catalogue",
    "JsonError",
    "Match",
    "Offering",
    "Operation",
    "OrderContext",
    "Profile",
    "ProfileError",
    "ProvisioningFacts",
    "Site",
    "Violation",
    "bundled_openapi",
    "check_order",
    "cookbook",
    "envelope",
    "envelope_status",
    "find_operation",
    "load_catalogue",
    "load_profile",
    "operation",
    "operations",
    "parse_json",
    "path_allows",
    "read_json_file",
    "refusal_explains",
    "rules",
    "schema_files",
    "schema_uri",
    "schemas_dir",
    "validate",
    "validate_order",
    "validate_request",
    "validate_response",
]

"""The contracts: the single source of truth every other part of the harness checks against.

- the OpenAPI 3.1 document and JSON Schema 2020-12 files of ``schemas/``
  (``find_operation``, ``validate_request``, ``validate_response``);
- the entitlement relationship rules, ``REL-nnn`` (``harness.contracts.rules``);
- the org profile and its catalogue (``harness.contracts.profile``), and the roles the
  features ask of it (``harness.contracts.roles``);
- what the harness assumes and where the cookbook errs (``harness.contracts.cookbook``).
"""

from __future__ import annotations

from typing import Any

from . import cookbook, roles, rules
from ._citations import breached_assumptions, response_assumptions, response_citations
from ._json import MAX_FILE_BYTES, MAX_JSON_DEPTH, JsonError, parse_json, read_json_file
from ._operations import (
    Match,
    Operation,
    SideEffect,
    auth_scheme,
    bundled_openapi,
    find_operation,
    operation,
    operations,
    path_allows,
    refusal_explains,
    side_effect,
    validate_request,
    validate_response,
)
from ._pointer import expand as expand_pointer
from ._pointer import join as join_pointer
from ._pointer import resolve as resolve_pointer
from ._schemas import schema_files, schema_uri, schemas_dir, validate
from ._schemas import validator as schema_validator
from ._violation import Violation, envelope, envelope_status, error_title
from .cookbook import Readings
from .profile import (
    Catalogue,
    Offering,
    Profile,
    ProfileError,
    Site,
    load_catalogue,
    load_profile,
    profile_from_data,
)
from .roles import ROLES, MissingRole, Role
from .rules import RULES, OrderContext, ProvisioningFacts, check_order

ORDER_SCHEMA = schema_uri("order-place.request.json")


def validate_order(
    order: Any,
    catalogue: Catalogue,
    context: OrderContext | None = None,
    *,
    readings: cookbook.Readings | None = None,
    schema: bool = True,
) -> list[Violation]:
    """Every schema and relationship-rule violation of an order body, schema ones first;
    one whose value is a cookbook sample's mistake names its erratum. ``schema=False``:
    the rules' alone, for a body already validated against ``ORDER_SCHEMA`` (the
    sandbox's request check of orders.place uses that very schema)."""
    found = [
        *(validate(ORDER_SCHEMA, order) if schema else ()),
        *check_order(order, catalogue, context, readings=readings),
    ]
    return cookbook.mark_errata(found, lambda v: resolve_pointer(order, v.pointer)[1])


__all__ = [
    "MAX_FILE_BYTES",
    "MAX_JSON_DEPTH",
    "ORDER_SCHEMA",
    "ROLES",
    "RULES",
    "Catalogue",
    "JsonError",
    "Match",
    "MissingRole",
    "Offering",
    "Operation",
    "OrderContext",
    "Profile",
    "ProfileError",
    "ProvisioningFacts",
    "Readings",
    "Role",
    "SideEffect",
    "Site",
    "Violation",
    "auth_scheme",
    "breached_assumptions",
    "bundled_openapi",
    "check_order",
    "cookbook",
    "envelope",
    "envelope_status",
    "error_title",
    "expand_pointer",
    "find_operation",
    "join_pointer",
    "load_catalogue",
    "load_profile",
    "operation",
    "operations",
    "parse_json",
    "path_allows",
    "profile_from_data",
    "read_json_file",
    "refusal_explains",
    "resolve_pointer",
    "response_assumptions",
    "response_citations",
    "roles",
    "rules",
    "schema_files",
    "schema_uri",
    "schema_validator",
    "schemas_dir",
    "side_effect",
    "validate",
    "validate_order",
    "validate_request",
    "validate_response",
]

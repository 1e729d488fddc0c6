"""The assumption ledger: what a run against an org says of the harness's assumptions.

Every assumption a run can observe declares how, next to it, in
``harness.contracts.cookbook`` (``Assumption.observation``): the operations it looks at, a
selector naming which of their exchanges count, and what an answer that agrees or
contradicts looks like. This module only reads those declarations: ``observe`` holds each
exchange a scenario's ``World`` recorded against them, ``Ledger`` adds the evidence up, and
a run in live mode (or record mode against a host that is not loopback) writes it as
``reports/assumptions.json`` and as an Allure result, "Assumption ledger";
``harness assumptions reports/`` prints it as a table (``ledger_report``).

A selector (``SELECTORS``) looks at one exchange and the scenario it belongs to
(``Scene``: the profile, the exchanges before it, the site admin who called) and yields
one context per thing that counts (``{"item": 2}``: the order's third item), which an
``Answer`` may name (``at="/items/{item}/..."``). How the ledger is written and shown:
``ledger_report``.

The response schemas rest on assumptions too: a node cites one in its description
("ASSUMED (ASM-050): ..."; ``harness.contracts.response_citations``). ``schema_verdicts``
judges an exchange's answer against its operation's response schema: an answer that breaks
a node citing an assumption contradicts it (the evidence names each breach's pointer), one
that keeps the whole schema agrees with every assumption that schema cites. An observed
assumption keeps its observation's word on what agrees: the schema only adds a
contradiction the observation did not see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness._files import write_whole
from harness._loopback import is_loopback
from harness.client import Exchange
from harness.contracts import (
    RULES,
    OrderContext,
    Profile,
    ProvisioningFacts,
    Violation,
    breached_assumptions,
    check_order,
    cookbook,
    expand_pointer,
    find_operation,
    resolve_pointer,
    response_assumptions,
    response_citations,
    validate_response,
)
from harness.contracts.cookbook import Answer, Assumption, Observation
from harness.contracts.profile import PRODUCT_OF_ARI, SITE_ARI, WORKSPACE_TYPE

from .modes import Mode, RunSettings

AGREES, CONTRADICTS = "agrees", "contradicts"
#: What the ledger says of an assumption: every counted exchange agreed, contradicted it,
#: or both (the org answered it both ways).
AGREED, CONTRADICTED, MIXED = "agreed", "contradicted", "mixed"
LEDGER_FILE = "assumptions.json"


def writes_ledger(settings: RunSettings) -> bool:
    """Live mode, and record mode against a host that is not loopback: runs whose answers
    are an org's own, not the harness sandbox's."""
    if settings.mode is Mode.LIVE:
        return True
    return bool(
        settings.mode is Mode.RECORD and settings.base_url and not is_loopback(settings.base_url)
    )


@dataclass(frozen=True)
class Scene:
    """What a selector may know of an exchange's scenario."""

    profile: Profile
    earlier: Sequence[Exchange]
    admin: Any = None  # the profile's site admin the scenario authenticated as


Selector = Callable[[Exchange, Scene], Iterator[dict[str, Any]]]


# -- selectors ------------------------------------------------------------------------


def _any(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    yield {}


def _basic_on_own_site(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """Basic authentication by a site admin who holds the role directly, on a resource of
    one of their own sites (elsewhere a 403 is expected whatever the reading)."""
    auth = {k.lower(): v for k, v in exchange.request_headers.items()}.get("authorization", "")
    admin = scene.admin
    if not auth.lower().startswith("basic") or admin is None or admin.role_via != "direct":
        return
    site = _resource_site(exchange, scene)
    if site is not None and site in admin.sites:
        yield {"site": site}


def _app_on_family_container(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """Each app item of an order whose APP_DEPENDENCE names a Jira family container."""
    for i, item in _items(exchange.request_json):
        offering = scene.profile.catalogue.offering(item.get("offeringId"))
        if offering is None or offering.product != "app":
            continue
        for rel in item.get("relatesFromEntitlements") or []:
            if (
                isinstance(rel, dict)
                and rel.get("relationshipType") == "APP_DEPENDENCE"
                and _is_family_container(rel.get("entitlementId"), scene)
            ):
                yield {"item": i}


def _enterprise_without_quantities(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """Each Enterprise instance item of an order with no charge quantity."""
    for i, item in _items(exchange.request_json):
        offering = scene.profile.catalogue.offering(item.get("offeringId"))
        if offering is None or not offering.is_enterprise_instance:
            continue
        found, quantities = resolve_pointer(
            item, "/optedUsageOptions/chargingDetails/chargeQuantities"
        )
        if not found or not quantities:
            yield {"item": i}


def _breaks_a_rule(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """An order the harness's relationship rules refuse, read with the profile's catalogue
    and the harness's readings (``pointers``: where each finding points). A REL-005
    finding (an entitlement the org lacks) counts only for an id no earlier answer of the
    scenario named: a site made for the scenario has entitlements the profile lacks."""
    pointers = [found.pointer for found in _findings(exchange, scene)]
    if pointers:
        yield {"pointers": tuple(dict.fromkeys(pointers))}


def _findings(exchange: Exchange, scene: Scene) -> list[Violation]:
    """What the harness's rules find wrong with an order (``_breaks_a_rule``)."""
    body = exchange.request_json
    found = []
    for finding in check_order(
        body, scene.profile.catalogue, _order_context(body, scene), only=_RULES_OBSERVED
    ):
        if finding.rule == "REL-005":
            _, named = resolve_pointer(body, finding.pointer)
            if any(str(named) in (e.response_text or "") for e in scene.earlier):
                continue
        found.append(finding)
    return found


def _breaks_only(rules: frozenset[str]) -> Selector:
    """An order the harness refuses for these rules and no other (``breaks:REL-nnn``): the
    org's answer to it is its answer to the assumption the rule rests on."""

    def select(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
        broken = {f.rule for f in _findings(exchange, scene)}
        if broken and broken <= rules:
            yield {}

    return select


def _changed_resend(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """An order whose orderId an earlier order of the scenario had, with another body."""
    body = exchange.request_json
    order_id = body.get("orderId") if isinstance(body, dict) else None
    if order_id is None:
        return
    for placed in scene.earlier:
        earlier = placed.request_json
        if (
            placed.operation.startswith("orders.place")
            and isinstance(earlier, dict)
            and earlier.get("orderId") == order_id
            and earlier != body
        ):
            yield {}
            return


#: The rules ``_breaks_a_rule`` reads: all but REL-015, whether the provisioning request
#: still waits, which is the org's state and clock (ASM-022, ASM-053).
_RULES_OBSERVED = frozenset(r.id for r in RULES if r.id != "REL-015")


def _order_context(body: Any, scene: Scene) -> OrderContext | None:
    """What the rules need of the provisioning request an order names, from the request
    the scenario made (None: not one of its own, or an existing site the profile does not
    know, such as a site made for the scenario, whose family container it cannot tell)."""
    found, request_id = resolve_pointer(body, "/metadata/provisionRequestId")
    made = _provisioned_by(request_id, scene) if found else None
    if made is None:
        return None
    offerings = tuple(
        o["id"]
        for o in (made.request_json or {}).get("offerings") or []
        if isinstance(o, dict) and isinstance(o.get("id"), str)
    )
    site_name = product_ari = None
    if made.operation == "apps.provision":
        product_ari = _path_params(made).get("productAri")
    else:
        parameters = (made.request_json or {}).get("parameters") or {}
        site_name = parameters.get("name") if isinstance(parameters, dict) else None
        new_site = isinstance(parameters, dict) and "timezone" in parameters
        if not new_site and scene.profile.catalogue.site(site_name) is None:
            return None
    facts = ProvisioningFacts(
        request_id, "IN_PROGRESS", 0.0, offerings, site_name=site_name, product_ari=product_ari
    )
    return OrderContext(now=0.0, provisioning=facts)


def _product_ari(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """An entitlements list asked for a product's ARI (not a site's)."""
    ari = _path_params(exchange).get("productAri", "")
    if ari.startswith("ari:cloud:") and not ari.startswith("ari:cloud:platform:"):
        yield {"asked": ari}


def _error_answer(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """An answer with an error status (400 to 599)."""
    if exchange.status is not None and 400 <= exchange.status < 600:
        yield {}


def _unknown_provision_request(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """An order naming a provisioning request that no provisioning answer of the scenario
    gave (a site made for the scenario is provisioned in it too)."""
    found, request_id = resolve_pointer(exchange.request_json, "/metadata/provisionRequestId")
    if found and isinstance(request_id, str) and _provisioned_by(request_id, scene) is None:
        yield {}


def _no_account_header(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """An order asked for with X-transaction-account missing or empty."""
    headers = {k.lower(): v for k, v in exchange.request_headers.items()}
    if not headers.get("x-transaction-account", "").strip():
        yield {}


def _unknown_id(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """The details, order or provisioning status of an id that the profile does not list
    and no earlier exchange of the scenario sent or answered."""
    params = _path_params(exchange)
    asked = params.get(
        {"entitlements.details": "entitlementId", "orders.get": "orderId"}.get(
            exchange.operation, "requestId"
        )
    )
    if not asked or scene.profile.catalogue.entitlement(asked) is not None:
        return
    if any(
        asked in (e.response_text or "") or asked in (e.request_body or "") or asked in e.url
        for e in scene.earlier
    ):
        return
    yield {}


def _product_workspaces(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """Each workspace of an answer whose id is the ARI of a product the harness knows
    (``asked``: that product's workspace type name)."""
    data = exchange.response_json.get("data") if isinstance(exchange.response_json, dict) else None
    for i, workspace in enumerate(data if isinstance(data, list) else []):
        ari = workspace.get("id") if isinstance(workspace, dict) else None
        found = SITE_ARI.fullmatch(ari) if isinstance(ari, str) else None
        product = PRODUCT_OF_ARI.get(found["part"]) if found else None
        if product is not None:
            yield {"workspace": i, "asked": WORKSPACE_TYPE[product]}


def _body_cursor(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """A workspaces query asking for a page by the ``cursor`` of the body (ASM-010)."""
    body = exchange.request_json
    if isinstance(body, dict) and isinstance(body.get("cursor"), str):
        yield {}


def _no_credentials(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """A request sent with no Authorization header."""
    if "authorization" not in {k.lower() for k in exchange.request_headers}:
        yield {}


def _item_status(item: Any) -> Any:
    found, status = resolve_pointer(item, "/processingInfo/status")
    return status if found else None


def _made_entitlements(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """Each item of an order read back that succeeded with an entitlement (``asked``: the
    version ASM-027 expects of it: "2" when the item relates from entitlements, else "1")."""
    for i, item in _items(exchange.response_json):
        found, entitlement = resolve_pointer(item, "/processingInfo/entitlement")
        if _item_status(item) == "SUCCESS" and found and isinstance(entitlement, dict):
            yield {"item": i, "asked": "2" if item.get("relatesFromEntitlements") else "1"}


def _failed_items(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """Each item of an order read back that FAILED."""
    for i, item in _items(exchange.response_json):
        if _item_status(item) == "FAILED":
            yield {"item": i}


def _orders_naming(request_id: str, scene: Scene) -> Iterator[Exchange]:
    """The scenario's earlier order placements naming this provisioning request."""
    for placed in scene.earlier:
        if placed.operation.startswith("orders.place"):
            found, named = resolve_pointer(placed.request_json, "/metadata/provisionRequestId")
            if found and named == request_id:
                yield placed


def _ordered_request(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """The status of a provisioning request of the scenario after the scenario read back
    an order naming it (placed with a 2xx) with every item SUCCESS."""
    request_id = _path_params(exchange).get("requestId")
    if _provisioned_by(request_id, scene) is None:
        return
    placed = {
        body.get("orderId")
        for e in _orders_naming(str(request_id), scene)
        if e.status is not None
        and 200 <= e.status < 300
        and isinstance(body := e.request_json, dict)
    }
    for read in _responses(scene, "orders.get"):
        items = [item for _, item in _items(read.response_json)]
        if (
            read.response_json.get("orderId") in placed
            and items
            and all(_item_status(item) == "SUCCESS" for item in items)
        ):
            yield {}
            return


def _unordered_request(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
    """The status of a provisioning request of the scenario that no order of the scenario
    named yet (sent at all: an order whose answer was lost may have been placed)."""
    request_id = _path_params(exchange).get("requestId")
    if _provisioned_by(request_id, scene) is not None and not any(
        _orders_naming(str(request_id), scene)
    ):
        yield {}


def _workspaces_of_known(product: str) -> Selector:
    """Each workspace of an answer whose entitlement (``relationships.entitlement[0].id``)
    the profile knows as a site's ``product`` (``asked``: that product's ARI on the site,
    as the harness writes it)."""

    def select(exchange: Exchange, scene: Scene) -> Iterator[dict[str, Any]]:
        body = exchange.response_json
        data = body.get("data") if isinstance(body, dict) else None
        for i, workspace in enumerate(data if isinstance(data, list) else []):
            found, ent_id = resolve_pointer(workspace, "/relationships/entitlement/0/id")
            known = scene.profile.catalogue.entitlement(ent_id) if found else None
            if (
                known is not None
                and known.kind == "product"
                and known.product == product
                and known.site is not None
            ):
                yield {"workspace": i, "asked": known.site.product_ari(product)}

    return select


#: The selectors observations name (``Observation.sent``).
SELECTORS: dict[str, Selector] = {
    "any": _any,
    "error-answer": _error_answer,
    "unknown-provision-request": _unknown_provision_request,
    "no-account-header": _no_account_header,
    "unknown-id": _unknown_id,
    "no-credentials": _no_credentials,
    "changed-resend": _changed_resend,
    "product-workspaces": _product_workspaces,
    "body-cursor": _body_cursor,
    "basic-own-site": _basic_on_own_site,
    "app-on-family-container": _app_on_family_container,
    "breaks-a-rule": _breaks_a_rule,
    "enterprise-without-quantities": _enterprise_without_quantities,
    "product-ari": _product_ari,
    "made-entitlements": _made_entitlements,
    "failed-items": _failed_items,
    "ordered-request": _ordered_request,
    "unordered-request": _unordered_request,
    "jsm-workspaces": _workspaces_of_known("jsm"),
}


def selector(sent: str) -> Selector:
    """The selector ``Observation.sent`` names; KeyError names one that is none."""
    if sent.startswith(BREAKS):
        rules = frozenset(sent[len(BREAKS) :].split(","))
        unknown = rules - {r.id for r in RULES}
        if unknown:
            raise KeyError(f"{sent}: no rule {', '.join(sorted(unknown))}")
        return _breaks_only(rules)
    return SELECTORS[sent]


#: ``Observation.sent`` of an order the harness refuses for the rules named after it.
BREAKS = "breaks:"


def _items(body: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    items = body.get("items") if isinstance(body, dict) else None
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            yield i, item


def _path_params(exchange: Exchange) -> Mapping[str, str]:
    match = find_operation(exchange.method, exchange.url)
    return match.path_params if match else {}


def _responses(scene: Scene, operation: str) -> Iterator[Exchange]:
    for earlier in scene.earlier:
        if earlier.operation == operation and isinstance(earlier.response_json, dict):
            yield earlier


def _is_family_container(entitlement_id: Any, scene: Scene) -> bool:
    """Whether the profile, or an answer the scenario had, says this is a family container
    (a product's details relating from it as FAMILY_CONTAINER, a list's metadata)."""
    known = scene.profile.catalogue.entitlement(entitlement_id)
    if known is not None:
        return known.kind == "family-container"
    for details in _responses(scene, "entitlements.details"):
        for rel in details.response_json.get("relatesFromEntitlements") or []:
            if (
                isinstance(rel, dict)
                and rel.get("relationshipType") == "FAMILY_CONTAINER"
                and rel.get("entitlementId") == entitlement_id
            ):
                return True
    return any(
        (listed.response_json.get("metadata") or {}).get("jira_family_container") == entitlement_id
        for listed in _responses(scene, "entitlements.list")
    )


def _resource_site(exchange: Exchange, scene: Scene) -> str | None:
    """The name of the site an exchange's resource belongs to, as far as the profile and
    the scenario's earlier answers tell (None: unknown, or the org's own)."""
    params = _path_params(exchange)
    op = exchange.operation
    if op == "entitlements.list":
        return _site_of_cloud(params.get("productAri", "").rsplit("/", 1)[-1], scene)
    if op == "entitlements.details":
        return _site_of_entitlement(params.get("entitlementId"), scene)
    if op == "provisioning.status":
        return _site_of_request(params.get("requestId"), scene)
    if op.startswith("orders.place"):
        found, request_id = resolve_pointer(exchange.request_json, "/metadata/provisionRequestId")
        return _site_of_request(request_id, scene) if found else None
    if op == "orders.get":
        for placed in scene.earlier:
            body = placed.request_json
            if (
                placed.operation.startswith("orders.place")
                and isinstance(body, dict)
                and body.get("orderId") == params.get("orderId")
            ):
                found, request_id = resolve_pointer(body, "/metadata/provisionRequestId")
                return _site_of_request(request_id, scene) if found else None
    return None


def _site_of_cloud(cloud_id: str, scene: Scene) -> str | None:
    for site in scene.profile.catalogue.sites:
        if site.cloud_id == cloud_id:
            return site.name
    for listed in _responses(scene, "workspaces.query"):
        for workspace in listed.response_json.get("data") or []:
            if isinstance(workspace, dict) and str(workspace.get("id", "")).endswith(cloud_id):
                return (workspace.get("attributes") or {}).get("name")
    return None


def _site_of_entitlement(entitlement_id: Any, scene: Scene) -> str | None:
    known = scene.profile.catalogue.entitlement(entitlement_id)
    if known is not None:
        return known.site.name if known.site else None
    for listed in _responses(scene, "workspaces.query"):
        for workspace in listed.response_json.get("data") or []:
            if not isinstance(workspace, dict):
                continue
            related = (workspace.get("relationships") or {}).get("entitlement") or []
            if any(isinstance(r, dict) and r.get("id") == entitlement_id for r in related):
                return (workspace.get("attributes") or {}).get("name")
    return None


def _provisioned_by(request_id: Any, scene: Scene) -> Exchange | None:
    """The scenario's provisioning exchange whose statusUrl names ``request_id``."""
    if not isinstance(request_id, str):
        return None
    for made in scene.earlier:
        if made.operation not in ("products.provision", "apps.provision"):
            continue
        found, url = resolve_pointer(made.response_json, "/data/statusUrl")
        if found and isinstance(url, str) and urlsplit(url).path.endswith("/" + request_id):
            return made
    return None


def _site_of_request(request_id: Any, scene: Scene) -> str | None:
    """The site a provisioning request of the scenario was made for."""
    made = _provisioned_by(request_id, scene)
    if made is None:
        return None
    if made.operation == "apps.provision":
        ari = _path_params(made).get("productAri", "")
        return _site_of_cloud(ari.rsplit("/", 1)[-1], scene)
    found, name = resolve_pointer(made.request_json, "/parameters/name")
    return name if found else None


# -- verdicts -------------------------------------------------------------------------


def _fits(
    answer: Answer, observation: Observation, exchange: Exchange, ctx: Mapping[str, Any]
) -> bool:
    """Whether an exchange's answer looks like ``answer``."""
    status = exchange.status
    if status is None:
        return False
    if answer.status == "2xx" and not 200 <= status < 300:
        return False
    if answer.status != "2xx" and status not in answer.status:
        return False
    body = exchange.response_json
    if answer.at is not None:
        targets = _targets(answer.at, ctx)
        errors = body.get("errors") if isinstance(body, dict) else None
        pointers = [
            (e.get("source") or {}).get("pointer")
            for e in (errors if isinstance(errors, list) else [])
            if isinstance(e, dict)
        ]
        if not any(
            isinstance(p, str) and (p == at or p.startswith(at + "/"))
            for p in pointers
            for at in targets
        ):
            return False
    read = _read(observation, body, ctx)
    if answer.echoes is not None:
        echoed = all(p and v == ctx.get("asked") for p, v in read)
        if echoed != answer.echoes:
            return False
    if answer.has is not None and all(p for p, _ in read) != answer.has:
        return False
    if answer.one_of is not None and not all(p and v in answer.one_of for p, v in read):
        return False
    if answer.filled is not None:
        filled = all(p and v is not None for p, v in read)
        if filled != answer.filled:
            return False
    if answer.header is not None:
        name, pattern = answer.header
        headers = {k.lower(): v for k, v in exchange.response_headers.items()}
        if not re.fullmatch(pattern, headers.get(name.lower(), "").strip()):
            return False
    return True


def _read(observation: Observation, body: Any, ctx: Mapping[str, Any]) -> list[tuple[bool, Any]]:
    """(present, value) of every match of ``Observation.field`` (each of its pointers,
    ``{key}`` filled from the context, ``*`` for each index or key) in the response."""
    fields = observation.field or ""
    return [
        (present, value)
        for wanted in ((fields,) if isinstance(fields, str) else fields)
        for _, present, value in expand_pointer(body, wanted.format(**ctx))
    ]


def _targets(at: str, ctx: Mapping[str, Any]) -> tuple[str, ...]:
    """The pointers ``Answer.at`` names in this context: ``"{key}"`` alone names every
    pointer of a tuple the context holds; otherwise the one pointer it formats to."""
    key = at[1:-1] if at.startswith("{") and at.endswith("}") else None
    if key is not None and isinstance(ctx.get(key), tuple):
        return tuple(ctx[key])
    return (at.format(**ctx),)


def verdicts(
    assumption: Assumption, exchange: Exchange, scene: Scene
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each (verdict, context) an exchange gives of an observed assumption."""
    observation = assumption.observation
    if observation is None or exchange.operation not in observation.operations:
        return
    for ctx in selector(observation.sent)(exchange, scene):
        if _fits(observation.agrees, observation, exchange, ctx):
            yield AGREES, ctx
        elif _fits(observation.contradicts, observation, exchange, ctx):
            yield CONTRADICTS, ctx


def schema_verdicts(exchange: Exchange) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """What an answer says of the assumptions its response schema cites: each one a node
    it breaks cites, contradicted (with those breaches: pointer, message, schema
    location); or, when it keeps the whole schema, each one the schema cites, agreed.
    Nothing of an exchange without an answer, or of an operation the contracts lack."""
    match = find_operation(exchange.method, exchange.url) if exchange.status else None
    uri = match.operation.response_schema(exchange.status) if match and exchange.status else None
    if uri is None or exchange.status is None:
        return {}
    body = () if exchange.response_json is None else (exchange.response_json,)
    found = validate_response(
        exchange.method, exchange.url, exchange.status, exchange.response_headers, *body
    )
    if not found:
        return {asm_id: (AGREES, []) for asm_id in sorted(response_assumptions(uri))}
    broken: dict[str, list[dict[str, Any]]] = {}
    for violation in found:
        for asm_id in breached_assumptions(uri, violation):
            broken.setdefault(asm_id, []).append(
                {
                    "pointer": violation.pointer,
                    "message": violation.message,
                    "schemaLocation": violation.schema_location,
                }
            )
    return {asm_id: (CONTRADICTS, breaches) for asm_id, breaches in broken.items()}


def ledgered() -> tuple[Assumption, ...]:
    """The assumptions a run can judge: those observed, and those a response schema cites."""
    cited = response_citations()
    return tuple(a for a in cookbook.ASSUMPTIONS if a.observation is not None or a.id in cited)


def shows(assumption: Assumption) -> str:
    """What counts as evidence of an assumption, in words: its observation's, and the
    response schemas that cite it."""
    operations = response_citations().get(assumption.id)
    if assumption.observation is None:
        assert operations is not None, assumption.id
        return (
            f"an answer of {', '.join(operations)}: one that breaks a node of its response "
            "schema citing this contradicts it (the pointer is named); one that keeps the "
            "whole schema agrees, as far as the schema holds it (fields and their kinds)"
        )
    if operations is None:
        return assumption.observation.shows
    return (
        f"{assumption.observation.shows} (also: an answer breaking a node of its response "
        "schema that cites this contradicts it)"
    )


@dataclass
class Evidence:
    """One exchange that agreed with or contradicted an assumption; ``breaches``: where
    the answer broke a response schema node citing it (pointer, message, schema
    location), when that is the evidence."""

    assumption: str
    verdict: str
    scenario: str
    exchange: dict[str, Any]
    breaches: list[dict[str, Any]] = field(default_factory=list)


def observe(
    scenario: str, exchanges: Sequence[Exchange], profile: Profile, admin: Any = None
) -> list[Evidence]:
    """Every verdict a scenario's exchanges give of the assumptions a run judges: each
    observation's, and the response schemas' (``schema_verdicts``): a breach the
    observation did not see contradicts; a kept schema agrees with an assumption no
    observation judges."""
    found = []
    judged = ledgered()
    for n, exchange in enumerate(exchanges):
        scene = Scene(profile, exchanges[:n], admin)
        by_schema = schema_verdicts(exchange)
        for assumption in judged:
            said = [verdict for verdict, _ in verdicts(assumption, exchange, scene)]
            found += [Evidence(assumption.id, v, scenario, _shown(exchange)) for v in said]
            schema, breaches = by_schema.get(assumption.id, (None, []))
            if (schema == CONTRADICTS and CONTRADICTS not in said) or (
                schema == AGREES and assumption.observation is None
            ):
                found.append(Evidence(assumption.id, schema, scenario, _shown(exchange), breaches))
    return found


def _shown(exchange: Exchange) -> dict[str, Any]:
    """The exchange as the ledger keeps it: credentials masked (as every Exchange), with
    the curl command that repeats it."""
    return {
        "summary": exchange.summary(),
        "curl": exchange.as_curl(),
        **exchange.as_dict(),
    }


# -- the ledger -----------------------------------------------------------------------


@dataclass
class Ledger:
    """The evidence of a run, added up per assumption."""

    evidence: list[Evidence] = field(default_factory=list)

    def add(self, found: Sequence[Evidence]) -> None:
        self.evidence.extend(found)

    def parts(self) -> list[dict[str, Any]]:
        """The evidence as JSON (an xdist worker hands it to the controller so)."""
        return [vars(e) for e in self.evidence]

    def merge(self, parts: Sequence[Mapping[str, Any]]) -> None:
        self.evidence.extend(Evidence(**p) for p in parts)

    def entries(self) -> list[dict[str, Any]]:
        """One entry per judged assumption the run exercised, in id order."""
        found = []
        for assumption in ledgered():
            mine = [e for e in self.evidence if e.assumption == assumption.id]
            if not mine:
                continue
            agreed = [e for e in mine if e.verdict == AGREES]
            contradicted = [e for e in mine if e.verdict == CONTRADICTS]
            verdict = MIXED if agreed and contradicted else CONTRADICTED if contradicted else AGREED
            found.append(
                {
                    "id": assumption.id,
                    "verdict": verdict,
                    "agreed": len(agreed),
                    "contradicted": len(contradicted),
                    "assumption": assumption.text,
                    "alternative": assumption.alternative,
                    "observed": shows(assumption),
                    "scenarios": {
                        AGREED: sorted({e.scenario for e in agreed}),
                        CONTRADICTED: sorted({e.scenario for e in contradicted}),
                    },
                    # The exchange that shows each side (the first of the run).
                    "evidence": {
                        AGREED: _first(agreed),
                        CONTRADICTED: _first(contradicted),
                    },
                }
            )
        return found

    def as_json(self, run: Mapping[str, Any]) -> dict[str, Any]:
        entries = self.entries()
        exercised = {e["id"] for e in entries}
        return {
            "run": dict(run),
            "contradicted": [e["id"] for e in entries if e["verdict"] != AGREED],
            "assumptions": entries,
            "notExercised": [a.id for a in ledgered() if a.id not in exercised],
        }

    def write(self, path: Path, run: Mapping[str, Any]) -> dict[str, Any]:
        """Write the ledger as JSON (whole or not at all); returns what it wrote."""
        data = self.as_json(run)
        write_whole(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return data


def _first(found: Sequence[Evidence]) -> dict[str, Any] | None:
    if not found:
        return None
    first = found[0]
    breaches = {"breaches": first.breaches} if first.breaches else {}
    return {"scenario": first.scenario, **breaches, **first.exchange}

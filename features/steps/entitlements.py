"""Prerequisite steps: the product entitlement ID, then the entitlement details."""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from harness.client import EntitlementDetails, Entitlements
from harness.contracts import roles
from harness.suite.plan import planned
from harness.suite.world import World

from .names import product_of_type


@when(parsers.parse('I list the entitlements of "{type_label}" on that site'))
def list_entitlements(world: World, type_label: str) -> None:
    assert world.site is not None, "no site yet: a 'Given a site with ...' step is missing"
    ari = world.site.product_ari(product_of_type(type_label))
    world.entitlements = world.attempt(lambda: world.api.entitlements(ari))
    if isinstance(world.entitlements, Entitlements) and world.entitlements.entitlements:
        world.entitlement_id = world.entitlements.entitlements[0].entitlement_id


@then("the response lists one ACTIVE entitlement")
def lists_one_active_entitlement(world: World) -> None:
    listed = world.result(Entitlements).entitlements
    assert [e.provisioning_status for e in listed] == ["ACTIVE"]


@then("its metadata names the Jira family container of that site")
def metadata_names_family_container(world: World) -> None:
    listed = world.result(Entitlements)
    assert world.site is not None
    assert listed.family_container_id == world.site.family_container


@when("I get the details of that entitlement")
def details_of_that_entitlement(world: World) -> None:
    entitlement_id = world.entitlement_id
    world.details = world.attempt(lambda: world.api.entitlement_details(entitlement_id))


@when("I get the details of that product's entitlement")
def details_of_that_products_entitlement(world: World) -> None:
    entitlement_id = world.workspace.entitlement_id
    world.details = world.attempt(lambda: world.api.entitlement_details(entitlement_id))
    world.app_parent = world.details


@when(parsers.parse('I get the details of entitlement "{entitlement_id}"'))
def details_of_entitlement(world: World, entitlement_id: str) -> None:
    world.details = world.attempt(lambda: world.api.entitlement_details(entitlement_id))


@then("the details relate it to the Jira family container of that site")
def details_relate_to_family_container(world: World) -> None:
    details = world.result(EntitlementDetails)
    # Cookbook, 'Existing sites': "$.relatesFromEntitlements[].entitlementId for type
    # FAMILY_CONTAINER".
    assert details.entitlement_id == world.entitlement_id  # not the sample's (ERR-008)
    assert world.site is not None
    assert details.family_container_id == world.site.family_container


_PARENT = parsers.parse('the details relate it to the "{word}" parent enterprise entitlement')


@planned(_PARENT, lambda plan, word: plan.need(roles.parent_role(word)))
@then(_PARENT)
def details_relate_to_parent(world: World, word: str) -> None:
    details = world.result(EntitlementDetails)
    assert details.enterprise_parent_id == world.role(roles.parent_role(word))


@then("the details give its billing anchor")
def details_give_billing_anchor(world: World) -> None:
    details = world.result(EntitlementDetails)
    # Any time the contract allows (timestampMs: 0 and on): a profile may anchor at 0.
    assert isinstance(details.billing_anchor, int)

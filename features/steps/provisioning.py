"""Provisioning steps: products on a new site or on "that site", apps on a product, and
the provisioning status."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, parsers, then, when

from harness.client import ProvisioningRequest, ProvisioningStatus
from harness.contracts import roles
from harness.suite.plan import ScenarioPlan, planned
from harness.suite.world import World

from .names import NAMES, names, offering

#: The provisioning states a request ends in: a step naming one waits for it.
_FINAL = ("COMPLETED", "FAILED")


def provision_products(world: World, offering_names: list[str], site_name: str, new: bool) -> Any:
    """Provision the named offerings on ``site_name``; a new site gets the profile's
    timezone (cookbook, 'Provision product instances': a timezone for a new site only)."""
    ids = [offering(world.profile, name).id for name in offering_names]
    admin_email = world.role("the admin e-mail of new products")
    world.provisioning_site = site_name
    return world.api.provision_products(
        ids,
        admin_email,
        site_name,
        timezone=roles.timezone(world.profile) if new else None,
        location=world.profile.defaults.get("location"),
    )


_NEW_SITE = parsers.re(rf'I provision (?P<offerings>{NAMES}) on a new site "(?P<label>[^"]+)"')


def plan_new_site(plan: ScenarioPlan, offerings: list[str], label: str) -> None:
    plan.provision(offerings, f"new site {plan.new_site(label)}")


@planned(_NEW_SITE, plan_new_site, converters={"offerings": names})
@given(_NEW_SITE, converters={"offerings": names})
@when(_NEW_SITE, converters={"offerings": names})
def provision_on_new_site(world: World, offerings: list[str], label: str) -> None:
    name = world.new_site_name(label)
    world.provisioning = world.attempt(lambda: provision_products(world, offerings, name, True))


_THAT_SITE = parsers.re(rf"I provision (?P<offerings>{NAMES}) on that site")


@planned(
    _THAT_SITE,
    lambda plan, offerings: plan.provision(offerings, f"{plan.site}"),
    converters={"offerings": names},
)
@when(_THAT_SITE, converters={"offerings": names})
def provision_on_that_site(world: World, offerings: list[str]) -> None:
    assert world.site is not None, "no site yet: a 'Given a site with ...' step is missing"
    name = world.site.name
    world.provisioning = world.attempt(lambda: provision_products(world, offerings, name, False))


def _provision_app(world: World, product_ari: str) -> None:
    app = world.role("the app")
    world.provisioning = world.attempt(
        lambda: world.api.provision_app(
            product_ari,
            [app.id],
            world.role("the admin e-mail of new products"),
            app.app_key or world.profile.defaults["appKey"],
        )
    )


_APP = "I provision the app on that product"


@planned(_APP, lambda plan: plan.provision("the app", f"a product of {plan.site}"))
@when(_APP)
def provision_app_on_that_product(world: World) -> None:
    _provision_app(world, world.workspace.product_ari)


_APP_ON = parsers.parse('I provision the app on the "{type_label}" product')


@planned(
    _APP_ON, lambda plan, type_label: plan.provision("the app", f"{type_label} of {plan.site}")
)
@when(_APP_ON)
def provision_app_on_product(world: World, type_label: str) -> None:
    page = world.result()
    world.workspace = next(w for w in page.workspaces if w.type == type_label)
    _provision_app(world, world.workspace.product_ari)


@then(parsers.parse("the provisioning request is {status}"))
def provisioning_request_is(world: World, status: str) -> None:
    """A final state (COMPLETED, FAILED) is waited for, polls reported; IN_PROGRESS is one
    look."""
    request = world.provisioning
    assert isinstance(request, ProvisioningRequest), f"no provisioning request: {request}"
    if status in _FINAL:
        current = world.wait_for_provisioning(request)
    else:
        current = world.api.provisioning_status(request)
    assert isinstance(current, ProvisioningStatus)
    assert current.request_id == request.request_id
    assert current.status == status, f"provisioning is {current.status} ({current.reason})"

"""Provisioning steps: products on a new or existing site, apps on a product, the status."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from harness.client import ProvisioningRequest, ProvisioningStatus
from harness.suite.world import World

from .names import NAMES, names, offering


def _provision(world: World, offering_names: list[str], site_name: str, new_site: bool) -> None:
    ids = [offering(world.profile, name).id for name in offering_names]
    defaults = world.profile.defaults
    world.provisioning = world.attempt(
        lambda: world.api.provision_products(
            ids,
            defaults.get("adminEmail", "admin@example.com"),
            site_name,
            # Cookbook, 'Provision product instances': a timezone for a new site only.
            timezone=defaults.get("timezone", "Australia/Sydney") if new_site else None,
            location=defaults.get("location"),
        )
    )
    world.provisioning_site = site_name


_NEW_SITE = parsers.re(rf'I provision (?P<offerings>{NAMES}) on a new site "(?P<site_name>[^"]+)"')


@given(_NEW_SITE, converters={"offerings": names})
@when(_NEW_SITE, converters={"offerings": names})
def provision_on_new_site(world: World, offerings: list[str], site_name: str) -> None:
    _provision(world, offerings, site_name, new_site=True)


@when(
    parsers.re(
        rf"I provision (?P<offerings>{NAMES}) on the existing site "
        r'"(?P<site_name>[^"]+)"'
    ),
    converters={"offerings": names},
)
def provision_on_existing_site(world: World, offerings: list[str], site_name: str) -> None:
    _provision(world, offerings, site_name, new_site=False)


def _provision_app(world: World, product_ari: str) -> None:
    apps = world.profile.catalogue.offerings_of("app")
    assert apps, "the profile's catalogue has no app offering"
    app = apps[0]
    world.provisioning = world.attempt(
        lambda: world.api.provision_app(
            product_ari,
            [app.id],
            world.profile.defaults.get("adminEmail", "admin@example.com"),
            app.app_key or world.profile.defaults.get("appKey", "app"),
        )
    )


@when("I provision the app on that product")
def provision_app_on_that_product(world: World) -> None:
    _provision_app(world, world.workspace.product_ari)


@when(parsers.parse('I provision the app on the "{type_label}" product'))
def provision_app_on_product(world: World, type_label: str) -> None:
    page = world.result()
    world.workspace = next(w for w in page.workspaces if w.type == type_label)
    _provision_app(world, world.workspace.product_ari)


@then(parsers.parse("the provisioning request is {status}"))
def provisioning_request_is(world: World, status: str) -> None:
    request = world.provisioning
    assert isinstance(request, ProvisioningRequest), f"no provisioning request: {request}"
    current = world.api.provisioning_status(request)
    assert isinstance(current, ProvisioningStatus)
    assert current.request_id == request.request_id
    assert current.status == status, f"provisioning is {current.status} ({current.reason})"

"""Workspaces query steps (cookbook, 'Provision apps' and 'Existing sites')."""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from harness.client import WorkspacePage
from harness.suite.world import World

from .names import NAMES, names, product_of_type, site


@when(parsers.parse('I query the workspaces of site "{name}"'))
def query_workspaces_of_site(world: World, name: str) -> None:
    world.workspaces = world.attempt(lambda: world.api.query_workspaces(name))


@when("I query every workspace I can see")
def query_every_workspace(world: World) -> None:
    world.workspaces = world.attempt(lambda: list(world.api.iter_workspaces()))


def _listed(world: World) -> list:
    result = world.result()
    return list(result.workspaces) if isinstance(result, WorkspacePage) else list(result)


@then(parsers.parse('the workspaces include a "{type_label}" workspace for site "{name}"'))
def workspaces_include(world: World, type_label: str, name: str) -> None:
    found = [w for w in _listed(world) if w.type == type_label and w.name == name]
    assert found, f"no {type_label} workspace of site {name!r} among {_listed(world)}"
    assert found[0].product_ari == site(world.profile, name).product_ari(
        product_of_type(type_label)
    )


@then(parsers.parse('I see only the workspaces of site "{name}"'))
def only_workspaces_of(world: World, name: str) -> None:
    seen = {w.name for w in _listed(world)}
    assert seen == {name}, f"the site admin sees the workspaces of {sorted(seen)}"


@then(
    parsers.re(rf'the workspaces of site "(?P<name>[^"]+)" are (?P<types>{NAMES})'),
    converters={"types": names},
)
def workspaces_of_site_are(world: World, name: str, types: list[str]) -> None:
    page = world.api.query_workspaces(name)
    assert sorted(w.type for w in page.workspaces) == sorted(types)
    for workspace in page.workspaces:
        assert workspace.host_url == f"https://{name}.atlassian.net"
        assert workspace.entitlement_ids, f"{workspace.type} of {name} has no entitlement"


@then(
    parsers.parse(
        'the "{type_label}" workspace gives the entitlement id of {product} on site "{name}"'
    )
)
def workspace_gives_entitlement(world: World, type_label: str, product: str, name: str) -> None:
    workspace = _workspace(world, type_label)
    expected = next(
        p.entitlement_id
        for p in site(world.profile, name).products
        if p.product == product_of_type(type_label)
    )
    # Cookbook, 'Existing sites': "Look for $.relationships.entitlement[0].id".
    assert workspace.entitlement_id == expected
    world.entitlement_id = workspace.entitlement_id


@then(parsers.parse('the "{type_label}" workspace id is a product ARI'))
def workspace_id_is_product_ari(world: World, type_label: str) -> None:
    workspace = _workspace(world, type_label)
    assert workspace.id.startswith("ari:cloud:") and "::site/" in workspace.id
    world.workspace = workspace


def _workspace(world: World, type_label: str):
    for workspace in _listed(world):
        if workspace.type == type_label:
            return workspace
    raise AssertionError(f"no {type_label} workspace among {_listed(world)}")

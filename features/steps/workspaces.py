"""Workspaces query steps (cookbook, 'Provision apps' and 'Existing sites')."""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from harness.client import Workspace, WorkspacePage
from harness.contracts import Site
from harness.contracts.profile import WORKSPACE_TYPE
from harness.suite.world import World

from .names import NAMES, names, product_of_type


def _that_site(world: World) -> Site:
    if world.site is None:
        raise AssertionError("no site yet: a 'Given a site with ...' step is missing")
    return world.site


@when("I query the workspaces of that site")
def query_workspaces_of_that_site(world: World) -> None:
    name = _that_site(world).name
    world.workspaces = world.attempt(lambda: world.api.query_workspaces(name))


def _my_sites(world: World) -> tuple[str, ...]:
    if world.admin is None:
        raise AssertionError("no site admin is authenticated: a Given step is missing")
    assert world.admin.sites, f"site admin {world.admin.email} administers no site"
    return world.admin.sites


@when("I query the workspaces of the site I administer")
def query_workspaces_of_my_site(world: World) -> None:
    first = _my_sites(world)[0]
    world.workspaces = world.attempt(lambda: world.api.query_workspaces(first))


@when("I query every workspace I can see")
def query_every_workspace(world: World) -> None:
    world.workspaces = world.attempt(lambda: list(world.api.iter_workspaces()))


def _listed(world: World) -> list[Workspace]:
    result = world.result()
    return list(result.workspaces) if isinstance(result, WorkspacePage) else list(result)


@then(parsers.parse('the workspaces include that site\'s "{type_label}" workspace'))
def workspaces_include(world: World, type_label: str) -> None:
    site = _that_site(world)
    found = [w for w in _listed(world) if w.type == type_label and w.name == site.name]
    assert found, f"no {type_label} workspace of site {site.name!r} among {_listed(world)}"
    assert found[0].product_ari == site.product_ari(product_of_type(type_label))


@then("I see only the workspaces of the sites I administer")
def only_workspaces_of_my_sites(world: World) -> None:
    mine = set(_my_sites(world))
    seen = {w.name for w in _listed(world)}
    assert seen, "the site admin sees no workspace at all"
    assert seen <= mine, f"the site admin of {sorted(mine)} sees the workspaces of {sorted(seen)}"


def _assert_workspaces(world: World, name: str, types: list[str]) -> None:
    page = world.api.query_workspaces(name)
    assert sorted(w.type for w in page.workspaces) == sorted(types), page.workspaces
    for workspace in page.workspaces:
        assert workspace.host_url == f"https://{name}.atlassian.net"
        assert workspace.entitlement_ids, f"{workspace.type} of {name} has no entitlement"


@then(
    parsers.re(rf'the workspaces of site "(?P<label>[^"]+)" are (?P<types>{NAMES})'),
    converters={"types": names},
)
def workspaces_of_new_site_are(world: World, label: str, types: list[str]) -> None:
    _assert_workspaces(world, world.site_named(label), types)


@then(
    parsers.re(rf"the workspaces of that site are its earlier ones and (?P<types>{NAMES})"),
    converters={"types": names},
)
def workspaces_of_that_site_are(world: World, types: list[str]) -> None:
    site = _that_site(world)
    earlier = [WORKSPACE_TYPE[p.product] for p in site.products if p.product in WORKSPACE_TYPE]
    _assert_workspaces(world, site.name, earlier + types)


@then(
    parsers.parse('the "{type_label}" workspace gives the entitlement id of {product} on that site')
)
def workspace_gives_entitlement(world: World, type_label: str, product: str) -> None:
    workspace = _workspace(world, type_label)
    expected = [
        p.entitlement_id
        for p in _that_site(world).products
        if p.product == product_of_type(type_label)
    ]
    # Cookbook, 'Existing sites': "Look for $.relationships.entitlement[0].id".
    assert [workspace.entitlement_id] == expected, (workspace.entitlement_id, expected)
    world.entitlement_id = workspace.entitlement_id


@then(parsers.parse('the "{type_label}" workspace id is a product ARI'))
def workspace_id_is_product_ari(world: World, type_label: str) -> None:
    workspace = _workspace(world, type_label)
    assert workspace.id.startswith("ari:cloud:") and "::site/" in workspace.id
    world.workspace = workspace


def _workspace(world: World, type_label: str) -> Workspace:
    for workspace in _listed(world):
        if workspace.type == type_label:
            return workspace
    raise AssertionError(f"no {type_label} workspace among {_listed(world)}")

"""Shared steps: who is calling, the site a role gives the scenario, whether the call
succeeded, and time passing.

Each step is one function; the world (``harness.suite.world.World``) carries the state.
Steps that need a role, provision or order say so with ``planned`` (``harness.suite.plan``).
"""

from __future__ import annotations

from collections.abc import Generator

import httpx
from pytest_bdd import given, parsers, then

from harness.client import OrgApiKey
from harness.suite.plan import planned
from harness.suite.world import World

_ADMIN_ROLE_VIA = {"directly": "direct", "through a group": "group"}


class _NoCredentials(OrgApiKey):
    """Sends no Authorization header at all (and its curl command none either)."""

    def __init__(self) -> None:
        super().__init__("none")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield request

    def curl_header(self) -> str | None:
        return None


class _AuthenticationHeader(OrgApiKey):
    """Sends the key in an ``Authentication`` header, as the cookbook's sample does (ERR-001)."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authentication"] = self.header_value()
        yield request

    def curl_header(self) -> str | None:
        return f'"Authentication: Bearer ${self.ENV}"'


class _UnknownKey(OrgApiKey):
    """A key made up for the scenario: no credential, so its curl command names it as it
    was sent (pasted, it is refused as in the scenario)."""

    def curl_header(self) -> str | None:
        return f"'Authorization: {self.header_value()}'"  # letters, digits and '-' only

    def curl_variables(self) -> str:
        return ""


_SITE_ROLE = parsers.re(r"(?P<role>a site with .+)")


@planned(_SITE_ROLE, lambda plan, role: plan.use_site(role))
@given(_SITE_ROLE)
def a_site_playing_a_role(world: World, role: str) -> None:
    """ "that site" from now on: the profile's site playing the role, or one made for a
    scenario that changes it (``@consumes``) on a shared org."""
    world.site_for(role)


@given("I authenticate with the org API key")
def authenticate_with_org_api_key(world: World) -> None:
    world.connect(world.org_api_key())


_SITE_ADMIN = parsers.parse("I authenticate as the site admin who holds the role {how}")


@planned(_SITE_ADMIN, lambda plan, how: plan.need(f"the site admin who holds the role {how}"))
@given(_SITE_ADMIN)
def authenticate_as_site_admin(world: World, how: str) -> None:
    world.connect(world.site_admin(_ADMIN_ROLE_VIA[how]))


@given("I authenticate with an API key the org does not know")
def authenticate_with_unknown_key(world: World) -> None:
    world.connect(_UnknownKey("unknown-key-" + world.new_id()[:8]))


@given("I send no credentials")
def send_no_credentials(world: World) -> None:
    world.connect(_NoCredentials())


@given('I send the org API key in an "Authentication" header, as the cookbook\'s sample does')
def send_key_in_authentication_header(world: World) -> None:
    world.connect(_AuthenticationHeader(world.profile.api_key or ""))


@given(parsers.parse("{seconds:d} seconds pass"))
def seconds_pass(world: World, seconds: int) -> None:
    world.clock.sleep(seconds)


@then("the request succeeds")
def request_succeeds(world: World) -> None:
    world.result()


@then(parsers.parse("the request is refused with status {status:d}"))
def request_refused(world: World, status: int) -> None:
    error = world.refusal()
    assert error.status == status, f"expected {status}, got: {error}"


def _said(world: World) -> str:
    error = world.refusal()
    return " ".join(filter(None, [error.title, error.detail, str(error)]))


@then(parsers.parse('the refusal says "{text}"'))
def refusal_says(world: World, text: str) -> None:
    said = _said(world)
    if not world.sandbox_answers:  # the words are the harness sandbox's own (ASM-060)
        world.unchecked_against_org(f"the words {text!r}")
        return
    assert text in said, f"{text!r} is not in: {said}"


@then("the refusal names that site")
def refusal_names_that_site(world: World) -> None:
    said = _said(world)
    assert world.site is not None, "no site yet: a 'Given a site with ...' step is missing"
    if not world.sandbox_answers:  # the words are the harness sandbox's own (ASM-060)
        world.unchecked_against_org(f"the site's name {world.site.name!r} in the words")
        return
    assert world.site.name in said, f"no site named in: {said}"


@then(parsers.parse('the refusal points at header "{name}"'))
def refusal_points_at_header(world: World, name: str) -> None:
    error = world.refusal()
    assert f"header {name}" in [e.pointer for e in error.errors], (
        f"no error entry points at header {name!r}: {error}"
    )

"""Shared steps: who is calling, whether the call succeeded, and time passing.

Each step is one function; the world (``harness.suite.world.World``) carries the state.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx
from pytest_bdd import given, parsers, then

from harness.client import OrgApiKey
from harness.suite.world import World


class _NoCredentials(OrgApiKey):
    """Sends no Authorization header at all."""

    def __init__(self) -> None:
        super().__init__("none")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield request

    def masked(self) -> str:
        return "(none)"


class _AuthenticationHeader(OrgApiKey):
    """Sends the key in an ``Authentication`` header, as the cookbook's sample does (ERR-001)."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authentication"] = self.header_value()
        yield request

    def masked(self) -> str:
        return "(sent as Authentication)"


@given("I authenticate with the org API key")
def authenticate_with_org_api_key(world: World) -> None:
    world.connect(world.org_api_key())


@given(parsers.parse("I authenticate as the site admin who holds the role {how}"))
def authenticate_as_site_admin(world: World, how: str) -> None:
    role_via = {"directly": "direct", "through a group": "group"}[how]
    world.connect(world.site_admin(role_via))


@given("I authenticate with an API key the org does not know")
def authenticate_with_unknown_key(world: World) -> None:
    world.connect(OrgApiKey("unknown-key-" + world.new_id()[:8]))


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


@then(parsers.parse('the refusal says "{text}"'))
def refusal_says(world: World, text: str) -> None:
    error = world.refusal()
    said = " ".join(filter(None, [error.title, error.detail, str(error)]))
    assert text in said, f"{text!r} is not in: {said}"


@then(parsers.parse('the refusal points at header "{name}"'))
def refusal_points_at_header(world: World, name: str) -> None:
    error = world.refusal()
    assert f"header {name}" in [e.pointer for e in error.errors], (
        f"no error entry points at header {name!r}: {error}"
    )

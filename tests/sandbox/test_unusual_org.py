"""A sandbox serving an org whose id is no UUID: the profile allows any id without a slash
(ASM-014), so one with a space, a query or fragment mark, a percent sign and non-ASCII
letters must still get answers that keep the contracts, and links that lead back."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from harness._tls import tls_context
from harness.contracts import profile_from_data, validate_response
from harness.sandbox.testing import SandboxServer, running_sandbox
from tests.other_org import other_org

#: Valid by schemas/profile.json (`^[^/]+$`), and every character a URL must encode.
ORG_ID = "Örg 42?x=1#frag%2F:@&+;組織"


@pytest.fixture(scope="module")
def unusual() -> Iterator[SandboxServer]:
    data: dict[str, Any] = copy.deepcopy(other_org())
    data["org"]["id"] = ORG_ID
    with running_sandbox(profile_from_data(data, source="unusual org")) as server:
        yield server


def test_a_status_url_of_an_org_id_that_needs_encoding_is_a_uri_that_answers(
    unusual: SandboxServer,
) -> None:
    profile = unusual.profile
    offering = profile.catalogue.offerings_of("confluence", "enterprise")[0]
    body = {
        "offerings": [{"id": offering.id}],
        "parameters": {"adminEmail": "x@example.test", "name": "fresh-site", "timezone": "UTC"},
    }
    bearer = {"Authorization": f"Bearer {profile.api_key}"}
    org = quote(ORG_ID, safe="")
    with httpx.Client(verify=tls_context(), timeout=10) as http:
        url = f"{unusual.base_url}/admin/installations/v2/orgs/{org}/products"
        accepted = http.post(url, json=body, headers=bearer)
        assert accepted.status_code == 200, accepted.text
        problems = validate_response("POST", url, 200, accepted.headers, accepted.json())
        assert problems == [], [str(p) for p in problems]
        status_url = accepted.json()["data"]["statusUrl"]
        assert status_url.startswith(f"{url}/status/")
        # Followed as given, as the cookbook says to: the status of that very request.
        status = http.get(status_url, headers=bearer)
    assert status.status_code == 200, status.text
    assert status.json()["data"]["requestId"] == status_url.rsplit("/", 1)[1]

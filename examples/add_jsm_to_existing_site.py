"""Add JSM Enterprise to an existing site that has Jira, onto the site's family container.

Environment: ATLASSIAN_BASE_URL (default https://api.atlassian.com), ATLASSIAN_ORG_ID,
ATLASSIAN_API_KEY (or ATLASSIAN_SITE_ADMIN_EMAIL and ATLASSIAN_SITE_ADMIN_TOKEN, which the
API refuses for provisioning products: use the org API key), ATLASSIAN_PROFILE (the
org's ids; default: the sandbox's profile), ATLASSIAN_SITE_NAME (a site of the org with
Jira and without JSM), ATLASSIAN_POLL_SECONDS (between two polls of a wait; default 1).
Without ATLASSIAN_SITE_NAME it first makes a fresh site with Jira Enterprise (a new name
each run), so it runs again against the same org. With only ATLASSIAN_BASE_URL set to a
local sandbox (`harness sandbox serve`) it runs as the sandbox org.

Prints the site, the order id and the new entitlement id, exit 0; on failure one line
saying what failed and what to do next, exit 1.
"""

import os
import sys

from harness.client import (
    Client,
    OrderBuilder,
    next_step,
    poll_seconds_from_env,
    wait_for_order,
    wait_for_provisioning,
)
from harness.client.journeys import jira_family_workspace, new_site, place_order_in_window
from harness.contracts import Profile, load_profile, roles


def site_with_jira(client: Client, profile: Profile, poll: float) -> str:
    """The caller's site, or a fresh one with Jira Enterprise made for this run."""
    named = os.environ.get("ATLASSIAN_SITE_NAME")
    if named:
        return named
    site = roles.fresh_site_name(profile)  # a site name is taken once: fresh per run
    new_site(client, profile, site, products=("jira",), poll_interval=poll)
    print(f"made site {site} with Jira Enterprise")
    return site


def main() -> None:
    poll = poll_seconds_from_env()
    profile = load_profile(os.environ.get("ATLASSIAN_PROFILE"))
    with Client.from_env(profile=profile) as client:
        site = site_with_jira(client, profile, poll)
        # The site's Jira workspace -> its entitlement -> that entitlement's family container.
        workspace = jira_family_workspace(client, site)
        if workspace is None or workspace.entitlement_id is None:
            raise LookupError(
                f"site {site!r} has no Jira product to add JSM next to (next: set "
                "ATLASSIAN_SITE_NAME to a site with Jira, or unset it to make a fresh one)"
            )
        details = client.entitlement_details(workspace.entitlement_id)
        print(f"site {site}: family container {details.family_container_id}")
        order = OrderBuilder.for_profile(profile).on_site(details).jsm()
        request = client.provision_products(
            order.offerings_to_provision(),
            roles.resolve(profile, "the admin e-mail of new products"),
            site,
        )
        status = client.provisioning_status(request)
        print(f"provisioning request {request.request_id}: {status.status}")
        placed = place_order_in_window(client, request, order.for_request(request).build())
        done = wait_for_order(client, placed, poll_interval=poll)
        wait_for_provisioning(client, request, poll_interval=poll)
    print(f"order {done.order_id}")
    for item_id, entitlement_id in done.entitlement_ids.items():
        print(f"entitlement {item_id} {entitlement_id}")


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # one clear line, no traceback
        hint = next_step(exc)
        sys.exit(f"add_jsm_to_existing_site failed: {exc}" + (f" (next: {hint})" if hint else ""))

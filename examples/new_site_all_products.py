"""Provision Confluence, Jira and JSM Enterprise on a new site and buy them in one order.

Environment: ATLASSIAN_BASE_URL (default https://api.atlassian.com), ATLASSIAN_ORG_ID,
ATLASSIAN_API_KEY (or ATLASSIAN_SITE_ADMIN_EMAIL and ATLASSIAN_SITE_ADMIN_TOKEN, which the
API refuses for provisioning products: use the org API key), ATLASSIAN_PROFILE (the
org's offering, parent entitlement and transaction account ids; default: the sandbox's
profile), ATLASSIAN_SITE_NAME (the new site's name; default: a fresh one each run, so the
example runs again against the same org), ATLASSIAN_POLL_SECONDS (between two polls of
a wait; default 1). With only ATLASSIAN_BASE_URL set to a local
sandbox (`harness sandbox serve`) it runs as the sandbox org.

Prints the site, the order id and each new entitlement id, exit 0; on failure one line
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
from harness.client.journeys import place_order_in_window
from harness.contracts import load_profile, roles


def main() -> None:
    poll = poll_seconds_from_env()
    profile = load_profile(os.environ.get("ATLASSIAN_PROFILE"))
    defaults = profile.defaults
    # A site name is taken once: a fresh one per run, unless the caller names one.
    site = os.environ.get("ATLASSIAN_SITE_NAME") or roles.fresh_site_name(profile)
    print(f"site {site}")
    with Client.from_env(profile=profile) as client:
        order = OrderBuilder.for_profile(profile).confluence().jira().jsm()
        request = client.provision_products(
            order.offerings_to_provision(),
            # As the suite takes them: defaults.adminEmail, else the org's direct site
            # admin; defaults.timezone, else UTC (a discovered profile may name neither).
            roles.resolve(profile, "the admin e-mail of new products"),
            site,
            timezone=roles.timezone(profile),
            location=defaults.get("location"),
        )
        status = client.provisioning_status(request)
        print(f"provisioning request {request.request_id}: {status.status}")
        # Within 10 minutes of provisioning, or the request times out (refused if late).
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
        sys.exit(f"new_site_all_products failed: {exc}" + (f" (next: {hint})" if hint else ""))

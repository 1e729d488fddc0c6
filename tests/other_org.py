"""A profile of an org that shares no value with the default one: ids, site names, e-mails,
keys, tokens, anchors, offering ids and names, pricing plans, app key, accounts.

``other_org()`` is its data; ``write_other_org(path)`` writes it as a profile file. Tests
serve it with the sandbox and run the suite, ``harness profile discover`` and the roles
against it, so that nothing passes only because it knows the default org.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from harness.contracts.profile import DEFAULT_PROFILE

_NS = uuid.UUID("3c0ffee0-0000-4000-8000-00000000beef")


def _id(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


#: Two sites: one with Jira only (the site admin's), one with Jira and JSM.
INITECH, UMBRELLA = "initech", "umbrella-corp"


def other_org() -> dict[str, Any]:
    jira, jsm = _id("offering/jira"), _id("offering/jsm")
    return {
        "description": "Another org, sharing no value with the default profile.",
        "org": {"id": _id("org"), "apiKey": "qa-org-key-" + _id("key")[:18]},
        "siteAdmins": [
            {
                "email": "pat.lead@initech.test",
                "apiToken": "qa-direct-token-" + _id("direct")[:12],
                "sites": [INITECH],
                "roleVia": "direct",
            },
            {
                "email": "grp.member@initech.test",
                "apiToken": "qa-group-token-" + _id("group")[:12],
                "sites": [INITECH],
                "roleVia": "group",
            },
        ],
        "defaults": {
            "adminEmail": "it.buyer@initech.test",
            "location": "eu",
            "timezone": "Europe/Berlin",
            "newSiteName": "initech-next",
            "sitePrefix": "qa",
            "premiumEndsAt": 1_893_456_000_000,
            "appKey": "test.initech.helper-app",
            "chargeQuantity": 25,
        },
        "sandbox": {"processingDelaySeconds": 1},
        "catalogue": {
            "offerings": [
                {
                    "id": _id("offering/container"),
                    "name": "Family box",
                    "product": "family-container",
                },
                {
                    "id": _id("offering/confluence"),
                    "name": "Confluence (Enterprise plan)",
                    "product": "confluence",
                    "edition": "enterprise",
                    "chargeElement": "user",
                },
                {
                    "id": jira,
                    "name": "Jira (Enterprise plan)",
                    "product": "jira",
                    "edition": "enterprise",
                    "chargeElement": "user",
                },
                {
                    "id": jsm,
                    "name": "Service desk (Enterprise plan)",
                    "product": "jsm",
                    "edition": "enterprise",
                    "chargeElement": "agent",
                },
                {
                    "id": _id("offering/oss"),
                    "name": "Jira for open source",
                    "product": "jira",
                    "edition": "premium",
                    "chargeElement": "user",
                    "pricingPlans": [_id("plan/oss")],
                },
                {
                    "id": _id("offering/app"),
                    "name": "Helper app",
                    "product": "app",
                    "chargeElement": "agent",
                    "pricingPlans": [_id("plan/app")],
                    "appKey": "test.initech.helper-app",
                },
            ],
            "parentEntitlements": [
                {"id": _id(f"parent/{p}"), "product": p} for p in ("confluence", "jira", "jsm")
            ],
            "transactionAccounts": [
                {"id": _id("account/1"), "invoiceGroupIds": [_id("group/1")]},
                {"id": _id("account/2"), "invoiceGroupIds": [_id("group/2")]},
            ],
            "sites": [
                {
                    "name": INITECH,
                    "cloudId": _id("cloud/initech"),
                    "familyContainerEntitlementId": _id("container/initech"),
                    "products": [
                        {
                            "product": "jira",
                            "offeringId": jira,
                            "entitlementId": _id("ent/initech/jira"),
                            "billingAnchorTimestamp": 1_790_000_000_000,
                        }
                    ],
                },
                {
                    "name": UMBRELLA,
                    "cloudId": _id("cloud/umbrella"),
                    "familyContainerEntitlementId": _id("container/umbrella"),
                    "products": [
                        {
                            "product": "jira",
                            "offeringId": jira,
                            "entitlementId": _id("ent/umbrella/jira"),
                            "billingAnchorTimestamp": 1_791_000_000_000,
                        },
                        {
                            "product": "jsm",
                            "offeringId": jsm,
                            "entitlementId": _id("ent/umbrella/jsm"),
                            "billingAnchorTimestamp": 1_792_000_000_000,
                        },
                    ],
                },
            ],
        },
    }


def write_other_org(path: Path) -> Path:
    path.write_text(json.dumps(other_org(), indent=2), encoding="utf-8")
    return path


def values_of(data: Any) -> set[str]:
    """Every id, name, e-mail, key, token and number of a profile (not its enumerations:
    products, editions, charge elements, role kinds; not its descriptions)."""
    enums = {"family-container", "confluence", "jira", "jsm", "app", "enterprise", "premium"}
    enums |= {"user", "agent", "direct", "group"}
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in ("description", "notes"):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, int | float | str) and str(node) not in enums | {"True", "False"}:
            found.add(str(node))

    walk(data)
    return found


def default_values() -> set[str]:
    """``values_of`` the default profile."""
    return values_of(json.loads(DEFAULT_PROFILE.read_text(encoding="utf-8")))

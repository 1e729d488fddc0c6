"""How the features name things, resolved against the profile (never ids in step code)."""

from __future__ import annotations

import re

from harness.contracts import Offering, Profile, Site
from harness.contracts.profile import WORKSPACE_TYPE

#: A list of quoted names: '"A"', '"A" and "B"', '"A", "B" and "C"'.
NAMES = r'(?:"[^"]+"(?:, | and )?)+'
PRODUCT_OF_TYPE = {label: product for product, label in WORKSPACE_TYPE.items()}
#: "the Jira parent enterprise entitlement": product words of the features.
PRODUCT_WORD = {"Confluence": "confluence", "Jira": "jira", "JSM": "jsm"}


def names(text: str) -> list[str]:
    return re.findall(r'"([^"]+)"', text)


def offering(profile: Profile, name: str) -> Offering:
    for candidate in profile.catalogue.offerings.values():
        if candidate.name == name:
            return candidate
    known = ", ".join(sorted(o.name for o in profile.catalogue.offerings.values()))
    raise AssertionError(f"no offering named {name!r} in the profile (known: {known})")


def site(profile: Profile, name: str) -> Site:
    found = profile.catalogue.site(name)
    if found is None:
        raise AssertionError(f"the profile has no site {name!r}")
    return found


def product_of_type(type_label: str) -> str:
    try:
        return PRODUCT_OF_TYPE[type_label]
    except KeyError:
        raise AssertionError(f"unknown workspace type {type_label!r}") from None

"""How the features name things: quoted lists of offerings and workspace types.

Offerings are named with the cookbook's words ("Jira Enterprise") and found by role in
the profile (``harness.contracts.roles``); nothing here names a value of one org.
"""

from __future__ import annotations

import re

from harness.contracts import Offering, Profile, roles
from harness.contracts.profile import WORKSPACE_TYPE

#: A list of quoted names: '"A"', '"A" and "B"', '"A", "B" and "C"'.
NAMES = r'(?:"[^"]+"(?:, | and )?)+'
PRODUCT_OF_TYPE = {label: product for product, label in WORKSPACE_TYPE.items()}


def names(text: str) -> list[str]:
    return re.findall(r'"([^"]+)"', text)


def offering(profile: Profile, words: str) -> Offering:
    """The offering the features call ``words``; the scenario's plan has checked its role."""
    return roles.offering(profile, words)


def product_of_type(type_label: str) -> str:
    try:
        return PRODUCT_OF_TYPE[type_label]
    except KeyError:
        raise AssertionError(f"unknown workspace type {type_label!r}") from None

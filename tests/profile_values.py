"""The values of the default profile (harness/data/profile.json) that name this one org:
site names, ids, e-mails, credentials, anchors. Examples and the notebook must name none of
them: they resolve what they need from whichever profile they are given."""

from __future__ import annotations

import json
from typing import Any

from harness.contracts.profile import DEFAULT_PROFILE

#: Keys whose values are words of the cookbook, not of the org (product, edition, ...).
_GENERIC = {
    "description",
    "notes",
    "product",
    "edition",
    "chargeElement",
    "roleVia",
    "timezone",
    "location",
    "processingDelaySeconds",
    "chargeQuantity",
}


def default_profile_values() -> list[str]:
    """Every org-specific value of the default profile, as text."""
    found: set[str] = set()

    def walk(node: Any, key: str, within: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                walk(value, name, (*within, name))
        elif isinstance(node, list):
            for value in node:
                walk(value, key, within)
        elif key in _GENERIC or (key == "name" and "offerings" in within):
            return
        elif isinstance(node, str) and len(node) >= 4:
            found.add(node)
        elif isinstance(node, int) and not isinstance(node, bool) and node >= 1_000_000:
            found.add(str(node))

    walk(json.loads(DEFAULT_PROFILE.read_text(encoding="utf-8")), "", ())
    return sorted(found)

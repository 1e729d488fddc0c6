"""Edits of a JSON document by slash path (``/items/1/itemId``), for tests that break orders.

Each returns a function that applies the edit in place, so a table of cases can hold them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

Edit = Callable[[Any], None]


def _parent(document: Any, path: str) -> tuple[Any, str | int]:
    *parents, last = path.strip("/").split("/")
    node = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node, int(last) if isinstance(node, list) else last


def set_at(path: str, value: Any) -> Edit:
    def apply(document: Any) -> None:
        node, key = _parent(document, path)
        node[key] = value

    return apply


def delete_at(path: str) -> Edit:
    def apply(document: Any) -> None:
        node, key = _parent(document, path)
        del node[key]

    return apply


def append_at(path: str, value: Any) -> Edit:
    """Append a copy of ``value`` to the list at ``path`` (a case table may reuse it)."""

    def apply(document: Any) -> None:
        node, key = _parent(document, path)
        node[key].append(copy.deepcopy(value))

    return apply

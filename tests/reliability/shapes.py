"""Hypothesis strategies of JSON shapes for the fuzzing tests: any JSON value, and a
document with one place replaced by one (or removed)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**300), max_value=10**300),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=15,
)


def pointers(value: Any, at: str = "") -> list[tuple[str, Any]]:
    """(pointer, container) of every place in the value that could be replaced."""
    found = [(at, value)]
    if isinstance(value, dict):
        for key, child in value.items():
            found += pointers(child, f"{at}/{key}")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += pointers(child, f"{at}/{i}")
    return found


def parent(document: Any, pointer: str) -> tuple[Any, str]:
    """The container holding the place ``pointer`` names, and its last token."""
    *parents, last = pointer.split("/")[1:]
    node = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node, last


@st.composite
def mutated(draw: st.DrawFn, document: Any) -> Any:
    """The document with one place replaced by any JSON value (or removed)."""
    doc = copy.deepcopy(document)
    places = [p for p, _ in pointers(doc) if p]
    node, last = parent(doc, draw(st.sampled_from(places)))
    key: Any = int(last) if isinstance(node, list) else last
    if draw(st.booleans()) and isinstance(node, dict):
        del node[key]
    else:
        node[key] = draw(VALUES)
    return doc

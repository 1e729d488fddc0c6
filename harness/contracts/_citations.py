"""Which assumptions the response schemas rest on, and which of them a breach breaks.

A schema node cites an assumption in its ``description`` ("ASSUMED (ASM-050): ...",
``tests/contracts/test_schemas.py`` holds every id to the word ASSUMED). An assumption
whose values the harness takes whatever an org answers (``Assumption.takes_any``) is
cited for the reader only: no answer contradicts it, so a breach passes it by and counts
against the next citation up.

- ``response_assumptions``: every assumption a response schema cites, its ``$ref``\\ s
  followed into other files: the ones a response keeping that schema agrees with;
- ``response_citations``: each assumption some operation's response schema cites, with
  those operations;
- ``breached_assumptions``: the ones a violation of a response breaks: the citation of
  the missing field's own node (for a missing required field), else of the nearest node
  citing one on the violation's schema location within its file, else of the response
  schema's root.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from . import cookbook
from ._operations import operations
from ._pointer import resolve
from ._schemas import BASE_URI, schema_files
from ._violation import Violation

_CITED = re.compile(r"ASM-\d{3}")


@functools.cache
def _judged() -> frozenset[str]:
    """The assumptions an answer can contradict: all but those that take any value."""
    return frozenset(a.id for a in cookbook.ASSUMPTIONS if not a.takes_any)


def cited(node: Any) -> tuple[str, ...]:
    """The assumptions a schema node's own ``description`` cites, in order, but those the
    harness takes any value of."""
    text = node.get("description") if isinstance(node, dict) else None
    if not isinstance(text, str):
        return ()
    return tuple(dict.fromkeys(i for i in _CITED.findall(text) if i in _judged()))


def _split(uri: str) -> tuple[str, str]:
    """(file name, JSON pointer) of a schema URI or a schema location (``file#/ptr``)."""
    file, _, fragment = uri.removeprefix(BASE_URI).partition("#")
    return file, fragment


def _node(file: str, pointer: str) -> Any:
    found, node = resolve(schema_files().get(file), pointer)
    return node if found else None


def _target(file: str, ref: str) -> tuple[str, str]:
    """Where a ``$ref`` of ``file`` leads (the contracts' refs are file names and local
    fragments)."""
    target, fragment = _split(ref)
    return target or file, fragment


@functools.cache
def response_assumptions(uri: str) -> frozenset[str]:
    """Every assumption the schema at ``uri`` and the nodes it reaches cite."""
    found: set[str] = set()
    seen: set[tuple[str, str]] = set()
    todo = [_split(uri)]
    while todo:
        file, pointer = todo.pop()
        if (file, pointer) in seen:
            continue
        seen.add((file, pointer))
        stack = [_node(file, pointer)]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                found.update(cited(node))
                if isinstance(node.get("$ref"), str):
                    todo.append(_target(file, node["$ref"]))
                stack.extend(v for k, v in node.items() if k != "description")
            elif isinstance(node, list):
                stack.extend(node)
    return frozenset(found)


@functools.cache
def response_citations() -> dict[str, tuple[str, ...]]:
    """Each assumption a response schema cites, with the operations (by name, in document
    order) whose responses, of any status, cite it."""
    found: dict[str, list[str]] = {}
    for op in operations():
        for uri in op.responses.values():
            for asm_id in response_assumptions(uri) if uri else ():
                names = found.setdefault(asm_id, [])
                if op.name not in names:
                    names.append(op.name)
    return {asm_id: tuple(found[asm_id]) for asm_id in sorted(found)}


def breached_assumptions(uri: str, violation: Violation) -> tuple[str, ...]:
    """The assumptions a violation of a response whose schema is ``uri`` breaks (none for
    a header's)."""
    if violation.where != "body":
        return ()
    if violation.schema_location:
        file, pointer = _split(violation.schema_location)
        tokens = pointer.split("/")  # ["", "$defs", ...], escaped as the pointer is
        if tokens[-1] == "required" and violation.pointer:
            field = violation.pointer.rsplit("/", 1)[-1]
            own = _field_citations(file, "/".join([*tokens[:-1], "properties", field]))
            if own:
                return own
        for end in range(len(tokens), 0, -1):
            found = cited(_node(file, "/".join(tokens[:end])))
            if found:
                return found
    file, pointer = _split(uri)
    return cited(_node(file, pointer))


def _field_citations(file: str, pointer: str) -> tuple[str, ...]:
    """A property's own citations, its ``$ref``\\ s followed (a missing ``status`` is
    ``itemProcessingStatus``'s)."""
    for _ in range(8):  # the contracts' refs are short chains
        node = _node(file, pointer)
        found = cited(node)
        if found or not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
            return found
        file, pointer = _target(file, node["$ref"])
    return ()

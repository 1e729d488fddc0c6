"""JSON pointers (RFC 6901): the one place the harness makes, escapes and follows them,
and patterns of them with ``*``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def escape(token: Any) -> str:
    """One reference token: ``~`` as ``~0``, ``/`` as ``~1``."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join(pointer: str, *tokens: Any) -> str:
    """``pointer`` with ``tokens`` (keys or indices) appended, each escaped."""
    return pointer + "".join("/" + escape(token) for token in tokens)


def resolve(document: Any, pointer: str) -> tuple[bool, Any]:
    """RFC 6901: ``(True, value)`` at the pointer, or ``(False, None)`` when absent."""
    value = document
    if pointer in ("", "/"):
        return True, value
    for raw in pointer.lstrip("/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return False, None
    return True, value


def expand(document: Any, pattern: str) -> Iterator[tuple[str, bool, Any]]:
    """Each pointer a pattern names (``*`` stands for every index of an array, or every
    key of an object), with whether it is present and its value: ``/items/*/itemId`` gives
    ``("/items/0/itemId", True, "O1")``, ... and ``(..., False, None)`` where an item lacks
    it."""
    tokens = [] if pattern in ("", "/") else pattern.lstrip("/").split("/")

    def walk(value: Any, at: str, rest: list[str]) -> Iterator[tuple[str, bool, Any]]:
        if not rest:
            yield at, True, value
            return
        head, tail = rest[0], rest[1:]
        if head == "*":
            keys = (
                range(len(value))
                if isinstance(value, list)
                else list(value)
                if isinstance(value, dict)
                else []
            )
            for key in keys:
                yield from walk(value[key], join(at, key), tail)
            return
        found, child = resolve(value, "/" + head)
        if found:
            yield from walk(child, f"{at}/{head}", tail)
        else:
            yield f"{at}/{'/'.join(rest)}", False, None

    yield from walk(document, "", tokens)

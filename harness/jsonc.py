"""Read the cookbook's samples, which carry ``// comments`` (erratum ERR-003)."""

from __future__ import annotations

from collections.abc import Iterator


def _comments(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each ``//`` comment outside a JSON string: up to its line end."""
    i, n = 0, len(text)
    in_string = False
    while i < n:
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end == -1 else end
            yield i, end
            i = end
            continue
        i += 1


def strip_comments(text: str) -> str:
    """``text`` with every ``//`` comment outside a JSON string removed, up to its line end.

    Line breaks are kept, so a JSON error in the result points at the original line.
    """
    out: list[str] = []
    kept = 0
    for start, end in _comments(text):
        out.append(text[kept:start])
        kept = end
    out.append(text[kept:])
    return "".join(out)


def comment_hiding_json(text: str) -> tuple[int, int] | None:
    """(line, column) of the first ``//`` comment whose rest of the line holds a quoted
    string: JSON it hides, as in a sample pasted on one line (the scraped cookbook's
    flattened code blocks). None when no comment does."""
    for start, end in _comments(text):
        if '"' in text[start:end]:
            line_start = text.rfind("\n", 0, start) + 1
            return text.count("\n", 0, start) + 1, start - line_start + 1
    return None

"""Read the cookbook's samples, which carry ``// comments`` (erratum ERR-003)."""

from __future__ import annotations


def strip_comments(text: str) -> str:
    """``text`` with every ``//`` comment outside a JSON string removed, up to its line end.

    Line breaks are kept, so a JSON error in the result points at the original line.
    """
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif ch == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end == -1 else end
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)

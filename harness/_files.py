"""Output files a command writes: checked before the work that fills them, then written
whole or not at all. A benchmark of minutes or a walk of an org must not end in a
traceback because ``--out`` named a folder that cannot be, nor leave half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def output_problem(path: Path) -> str | None:
    """What stops writing a file at ``path`` (its missing folders made first), or None."""
    if path.is_dir():
        return f"{path} is a folder"
    folder = path.parent
    while not folder.exists():  # the first folder that is there: the rest can be made
        if folder == folder.parent:
            break
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{folder} is not writable"
    return None


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (making its folders) through a temporary file and a
    rename: a reader sees the old file or the new one, never a part. ``OSError`` else."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

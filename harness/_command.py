"""How a user runs ``harness`` from where they are: the one spelling every printed hint uses,
and the one spelling of a path a message names (``shown_path``).

After the README's setup the command is ``.venv/bin/harness``, not ``harness``: the venv is
not activated. A hint that says ``harness report --serve`` would then fail as printed, so
hints name ``harness`` only when that name on PATH is this very installation.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path


def harness_command(*args: str) -> str:
    """``harness ARGS`` spelled so that it runs as printed from the current directory.

    ``harness`` when PATH finds this installation's script; else the script's path,
    relative to the current directory when it lies below it (``.venv/bin/harness``).
    """
    script = Path(sys.executable).parent / "harness"
    on_path = shutil.which("harness")
    if on_path is not None and _same(Path(on_path), script):
        name = "harness"
    elif not script.exists():
        name = f"{shlex.quote(shown_path(Path(sys.executable)))} -m harness.cli"
    else:
        name = shlex.quote(shown_path(script))
    return " ".join([name, *args])


def python_command(*args: str) -> str:
    """``python ARGS`` with this installation's Python, spelled to run from here."""
    return " ".join([shlex.quote(shown_path(Path(sys.executable))), *args])


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def shown_path(path: str | Path) -> str:
    """A path as a user at the current directory reads and types it: relative when below
    it (``.venv/bin/x``, ``features/x.feature``), else absolute."""
    path = Path(path)
    try:
        relative = path.absolute().relative_to(Path.cwd())
    except ValueError:
        return str(path.absolute())
    return str(relative)

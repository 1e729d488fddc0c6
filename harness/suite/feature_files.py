"""A feature file written wrong, told in one line per problem naming its file and line.

Users add their own journeys as feature files. pytest-bdd reads every one when the test
module binds them (``scenarios(".")``), and a mistake there stops collection with a
traceback through pytest-bdd's parser (a table row short of a cell), a message that names
no file (a tag pytest does not know, under ``--strict-markers``), or a bare
``UnicodeDecodeError``. ``feature_file_problem`` says instead where and what, for the
binding module to fail with (``pytest.fail(problem, pytrace=False)``: no traceback).
"""

from __future__ import annotations

import re
from pathlib import Path

from pytest_bdd.exceptions import GherkinParseError
from pytest_bdd.gherkin_parser import get_gherkin_document

from harness._command import shown_path

#: pytest's words for a mark it does not know (``--strict-markers``; pytest 7 to 9).
_UNKNOWN_MARK = re.compile(r"^'(?P<name>[^']+)' not found in `markers` configuration option")
#: The Gherkin parser's own errors, one per line: ``(line:column): what``.
_PARSER_ERROR = re.compile(r"^\((?P<line>\d+):(?P<column>\d+)\): (?P<what>.+)$", re.MULTILINE)


def feature_file_problem(exc: BaseException, folder: Path) -> str | None:
    """What is wrong with a feature file under ``folder`` that made binding the features
    raise ``exc``, one line per problem (``FILE:LINE: what``); None when ``exc`` is not a
    feature file's fault (then it is raised as it is)."""
    if isinstance(exc, GherkinParseError):
        return _parse_error(exc)
    if isinstance(exc, UnicodeDecodeError):
        return _not_utf8(folder)
    unknown = _UNKNOWN_MARK.match(str(exc))
    if unknown:
        return _unknown_tag(unknown["name"], folder)
    if isinstance(exc, Exception):  # pytest-bdd failed on a file it parsed: which one?
        return _unreadable(folder, exc)
    return None


def _parse_error(exc: GherkinParseError) -> str:
    where = shown_path(exc.filename)
    found = [
        f"{where}:{m['line']}:{m['column']}: {m['what']}"
        for m in _PARSER_ERROR.finditer(exc.message)
    ]
    if not found:  # one of pytest-bdd's own checks: its message and the line it names
        what = exc.message.splitlines()[0] if exc.message else type(exc).__name__
        found = [f"{where}:{exc.line}: {what}"]
    if exc.line_content.strip():
        found[0] += f" (the line: {exc.line_content.strip()!r})"
    return "\n".join(["a feature file does not parse as Gherkin:", *found])


def _unreadable(folder: Path, exc: Exception) -> str | None:
    """The first feature file under ``folder`` that pytest-bdd cannot read on its own, and
    why; None when each can be read (``exc`` was not a feature file's fault)."""
    for path in sorted(folder.rglob("*.feature")):
        try:
            get_gherkin_document(str(path))
        except GherkinParseError as found:
            return _parse_error(found)
        except UnicodeDecodeError:
            return _not_utf8(folder)
        except Exception:  # pytest-bdd's own reading of an odd file
            text = path.read_text("utf-8", "replace")
            if not any(line.strip().startswith("Feature:") for line in text.splitlines()):
                return f"{shown_path(path)}: no 'Feature:' line: a feature file holds one feature"
            return f"{shown_path(path)}: pytest-bdd cannot read it ({type(exc).__name__}: {exc})"
    return None


def _not_utf8(folder: Path) -> str | None:
    for path in sorted(folder.rglob("*.feature")):
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            return (
                f"{shown_path(path)}: not UTF-8 (byte {exc.object[exc.start]:#04x} at offset "
                f"{exc.start}): save it as UTF-8"
            )
    return None


def _unknown_tag(name: str, folder: Path) -> str:
    # A tag's mark is its name up to a colon (``@cookbook:section``: the ``cookbook`` mark).
    pattern = re.compile(rf"(?<!\S)@{re.escape(name)}(?::\S*)?(?!\S)")
    places = [
        f"{shown_path(path)}:{number}"
        for path in sorted(folder.rglob("*.feature"))
        for number, line in enumerate(path.read_text("utf-8", "replace").splitlines(), 1)
        if line.lstrip().startswith("@") and pattern.search(line)
    ]
    where = ", ".join(places) if places else str(folder)
    return (
        f"{where}: the tag @{name} is no mark of this suite (pytest runs with "
        "--strict-markers): use one of `pytest --markers`, or register it under "
        "[tool.pytest.ini_options] markers in pyproject.toml"
    )

"""A failing scenario told in a few lines: the feature, the scenario, the Gherkin step that
failed and why (for a contract breach: the operation, the JSON pointer, what was expected
and what came).

pytest's default traceback of a failing step starts deep inside pytest and pytest-bdd and
runs to a hundred lines; the plugin (``harness.pytest_plugin``) replaces it by
``StepFailure.summary()`` when the traceback style is the default one and the run is not
verbose. ``-v`` or an explicit ``--tb=long`` (or ``short``, ``native``...) keep pytest's
traceback, with the step's headline added as a section.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from harness._command import shown_path
from harness.contracts import cookbook
from harness.contracts import resolve_pointer as resolve

#: At most this many (non-blank) lines of an exception's message are shown (the rest: -v).
MESSAGE_LINES = 4
#: At most this many violations of one breach are shown one by one.
BREACH_VIOLATIONS = 2
#: Most characters of an exception's message line shown, besides its file paths.
LINE_CHARS = 200
#: Longest value shown after ``got:``.
VALUE_CHARS = 120
#: At most this many contradicted assumptions are told under a failed step.
MAX_ASSUMPTIONS = 2
HINT = "(full traceback: -v or --tb=long)"


class _Violation(Protocol):
    pointer: str
    message: str
    where: str

    @property
    def location(self) -> str: ...


class _Exchange(Protocol):
    operation: str
    method: str
    url: str
    status: int | None
    request_json: Any
    response_json: Any


@dataclass(frozen=True)
class StepFailure:
    """Where a scenario failed: its feature, itself, the step (with file lines)."""

    feature_file: str
    feature_name: str
    scenario_name: str
    scenario_line: int
    step_keyword: str
    step_text: str
    step_line: int
    #: The cassette a replayed scenario's answers came from.
    cassette: Path | None = None
    #: The assumptions (ASM-nnn) the org's answers in this scenario contradicted, each
    #: with the exchange that shows it (``harness.suite.assumptions``).
    contradicted: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls,
        feature: Any,
        scenario: Any,
        step: Any,
        *,
        cassette: Path | None = None,
        contradicted: tuple[tuple[str, str], ...] = (),
    ) -> StepFailure:
        """From pytest-bdd's ``Feature``, ``Scenario`` and ``Step`` (and the cassette a
        replay read, and the assumptions the org contradicted before the step failed)."""
        return cls(
            feature_file=str(getattr(feature, "rel_filename", None) or feature.filename),
            feature_name=feature.name,
            scenario_name=scenario.name,
            scenario_line=scenario.line_number,
            step_keyword=step.keyword,
            step_text=step.name,
            step_line=step.line_number,
            cassette=cassette,
            contradicted=contradicted,
        )

    @property
    def headline(self) -> str:
        return f"{self.step_keyword} {self.step_text}  ({self.feature_file}:{self.step_line})"

    def summary(self, error: BaseException) -> str:
        """The feature, scenario and step, then what went wrong, in at most ~12 lines."""
        lines = [
            f"Feature:  {self.feature_name}  ({self.feature_file})",
            f"Scenario: {self.scenario_name}  ({self.feature_file}:{self.scenario_line})",
            f"Failed:   {self.headline}",
            *self._replayed_from(error),
            *("  " + line for line in describe(error)),
            *self._assumptions(),
            HINT,
        ]
        return "\n".join(lines)

    def _assumptions(self) -> list[str]:
        """What the failure means when the org contradicted an assumption on the way: the
        step holds the org to the harness's reading, and the org reads it otherwise."""
        lines = []
        for asm_id, shown in self.contradicted[:MAX_ASSUMPTIONS]:
            item = cookbook.assumption(asm_id)
            if item.alternative:
                said = f"it reads the cookbook the other way: {item.alternative}"
            else:
                said = f"the harness assumes what it does not: {item.text}"
            lines += [
                f"  Your org contradicted {asm_id} here ({shown}):",
                "    " + fit_line(said, LINE_CHARS),
            ]
        if lines:
            lines.append(
                "  The step holds the org to the harness's assumption (docs/errata.md); the "
                "assumption ledger lists every answer that contradicted it."
            )
        return lines

    def _replayed_from(self, error: BaseException) -> list[str]:
        """The cassette line, unless the error names the cassette already (vcrpy's does)."""
        if self.cassette is None or str(self.cassette) in str(error):
            return []
        return [f"Cassette: {self.cassette} (replayed)"]

    def report(self, error: BaseException) -> FailureRepr:
        """pytest's ``longrepr`` for the failed step: ``summary()`` where pytest prints a
        failure, the step and the error's type in the one-line short summary."""
        return FailureRepr(
            text=self.summary(error),
            reprcrash=Crash(
                message=f"{self.headline}: {type(error).__name__}",
                path=self.feature_file,
                lineno=self.step_line,
            ),
        )


@dataclass(frozen=True)
class Crash:
    """Where and why, in one line (what pytest reads as ``longrepr.reprcrash``)."""

    message: str
    path: str
    lineno: int


@dataclass(frozen=True)
class FailureRepr:
    """A failed step as pytest prints it. A plain string ``longrepr`` would be repeated in
    full in the short test summary when pytest runs on CI (``CI`` set: no trimming to the
    terminal's width); the short summary takes ``reprcrash.message``, one line."""

    text: str
    reprcrash: Crash

    def toterminal(self, tw: Any) -> None:
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self) -> str:
        return self.text


def describe(error: BaseException) -> list[str]:
    """What went wrong, in a few lines: a contract breach field by field, anything else
    as its type and the first lines of its message."""
    exchange = getattr(error, "exchange", None)
    violations = getattr(error, "violations", None)
    side = getattr(error, "side", None)
    if exchange is not None and violations and side in ("request", "response"):
        return _breach(exchange, side, violations)
    text = str(error).strip() or "(no message)"
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    kept = _replay_miss(lines) if type(error).__name__ == _VCR_MISS else lines[:MESSAGE_LINES]
    shown = [fit_line(line, LINE_CHARS) for line in kept]
    if len(lines) > len(kept):
        shown.append(f"... {len(lines) - len(kept)} more lines")
    name = type(error).__name__
    # pytest.fail() and plain asserts say enough on their own.
    if name in ("Failed", "AssertionError"):
        return shown
    return [f"{name}: {shown[0]}", *shown[1:]]


#: vcrpy's error for a request its cassette cannot answer (vcrpy is imported by replays only).
_VCR_MISS = "CannotOverwriteExistingCassetteException"


def _replay_miss(lines: list[str]) -> list[str]:
    """vcrpy's message, some 25 lines, cut to what says what went wrong and where: its
    headline, the request, the cassette, and how the closest recorded requests differ
    when they differ in one thing only (the cassettes' body matcher names the JSON
    pointers); a request the cassette has nothing like (another path) is said enough."""
    headline, rest = lines[0], lines[1:]
    request = [line for line in rest[:3] if line.startswith("  ") and "://" in line][:1]
    cassette = [line for line in rest if line.startswith("Cassette: ")][:1]
    one_thing = re.search(r"\(the closest differ in [\w ]+\)", headline) and " and " not in headline
    differs = [line.strip() for line in rest if " differs" in line][:2] if one_thing else []
    return [headline, *request, *cassette, *differs]


def _breach(exchange: _Exchange, side: str, violations: list[_Violation]) -> list[str]:
    status = f" -> {exchange.status}" if exchange.status is not None else ""
    lines = [
        f"{exchange.operation}: the {side} breaks the contract "
        f"({exchange.method} {exchange.url}{status})"
    ]
    body = exchange.request_json if side == "request" else exchange.response_json
    for violation in violations[:BREACH_VIOLATIONS]:
        lines.append(f"  {violation.location}: {violation.message}")
        lines.append(f"    expected: {expected(violation.message)}")
        if violation.where == "body":
            lines.append(f"    got:      {_got(body, violation.pointer)}")
    if len(violations) > BREACH_VIOLATIONS:
        lines.append(f"  ... and {len(violations) - BREACH_VIOLATIONS} more violations (-v)")
    return lines


def expected(message: str) -> str:
    """What the contract wanted, from a violation's message."""
    quoted = re.fullmatch(r"(missing required|unexpected) field '(.*)'", message)
    if quoted and quoted.group(1) == "missing required":
        return f"a field '{quoted.group(2)}' (required)"
    if quoted:
        return f"no field '{quoted.group(2)}' (the schema has none)"
    return re.sub(r", got .*$", "", message)


def _got(body: Any, pointer: str) -> str:
    """The value at the pointer, or what its parent holds when the field is absent."""
    found, value = resolve(body, pointer)
    if found:
        return _cut(json.dumps(value, ensure_ascii=False, sort_keys=True), VALUE_CHARS)
    parent = pointer.rsplit("/", 1)[0]
    found, value = resolve(body, parent)
    if found and isinstance(value, dict):
        return _cut(f"no such field; {parent or '/'} has {sorted(value)}", VALUE_CHARS)
    return "no such field"


#: A file path in a message: a token with a '/' (not a URL's, whose '//' follows a ':'),
#: up to a space, quote, bracket or ':' (``cassette /x/y.yaml: does not parse``).
_PATH = re.compile(r"(?<![^\s'\"(=\[])[^\s'\"():\[\]]*/[^\s'\"():\[\]]+")


def fit_line(line: str, limit: int) -> str:
    """``line`` with at most ``limit`` characters of text besides its file paths: a path
    is shown whole (relative to the working directory when under it), so that a long one
    never pushes what the line says of the problem past the cut, and it can be copied."""
    line = _PATH.sub(lambda m: _relative(m.group(0)), line)
    shown, budget, at = [], limit, 0
    for found in [*_PATH.finditer(line), None]:
        text = line[at : found.start() if found else len(line)]
        if len(text) > budget:
            shown.append(_cut(text, max(budget, 3)))
            return "".join(shown)
        shown.append(text)
        budget -= len(text)
        if found is not None:
            shown.append(found.group(0))
            at = found.end()
    return "".join(shown)


def _relative(path: str) -> str:
    """An absolute path as the user reads it (``shown_path``); other text, a URL's path
    among it, as it is."""
    return shown_path(path) if path.startswith("/") else path


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."

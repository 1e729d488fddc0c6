"""What a run leaves under ``reports/``, and the rule that keeps it trustworthy.

A run writes its Allure results into a folder of its own first (``staged_outputs``); they
replace those of the last run only when the suite ran (pytest exit 0 or 1, ``RAN``).
pytest writes ``reports/junit.xml`` itself (so the path it prints is true) and the staging
folder keeps a copy of the previous one to put back. A run refused before it starts
(``--mode live`` without credentials, an unknown option), interrupted, or that selected no
scenario so leaves ``reports/`` as it was. ``reports/html/`` is either made from the
results beside it or removed (``RunOutputs.drop_html``), so an old report never passes
for a new run.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: pytest exit codes of a run whose results are published: all passed, some failed.
RAN = frozenset({0, 1})
#: Why the other exit codes published nothing (pytest's ExitCode).
RAN_NOT = {
    2: "interrupted, or a collection error",
    3: "internal error",
    4: "usage error",
    5: "no scenario selected",
}


@dataclass(frozen=True)
class RunOutputs:
    """The outputs of a run in one folder (``reports/`` or a staging folder)."""

    root: Path

    @property
    def results(self) -> Path:
        return self.root / "allure-results"

    @property
    def junit(self) -> Path:
        return self.root / "junit.xml"

    @property
    def html(self) -> Path:
        return self.root / "html"

    @property
    def history(self) -> Path:
        return self.root / "history.jsonl"

    def keep_junit(self, of: RunOutputs) -> None:
        """Copy ``of``'s JUnit XML here, to put back if the run does not run."""
        if of.junit.is_file():
            shutil.copy2(of.junit, self.junit)

    def publish(self, to: RunOutputs) -> None:
        """Replace ``to``'s Allure results by these, moved in whole."""
        to.root.mkdir(parents=True, exist_ok=True)
        incoming = to.root / ".allure-results-incoming"
        shutil.rmtree(incoming, ignore_errors=True)
        shutil.move(str(self.results), incoming)
        shutil.rmtree(to.results, ignore_errors=True)
        incoming.rename(to.results)

    def restore_junit(self, to: RunOutputs) -> None:
        """Put ``to``'s JUnit XML back as it was before the run (or remove a new one)."""
        if self.junit.is_file():
            shutil.copy2(self.junit, to.junit)
        else:
            to.junit.unlink(missing_ok=True)

    def drop_html(self) -> bool:
        """Remove the HTML report (it shows other results than these); True if there was one."""
        if not self.html.exists():
            return False
        shutil.rmtree(self.html)
        return True


@contextmanager
def staged_outputs() -> Iterator[RunOutputs]:
    """A fresh folder for one run's outputs, removed afterwards (publish what to keep)."""
    with tempfile.TemporaryDirectory(prefix="harness-run-") as folder:
        outputs = RunOutputs(Path(folder))
        outputs.results.mkdir()
        yield outputs

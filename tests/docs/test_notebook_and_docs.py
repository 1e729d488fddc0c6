"""The notebook runs top to bottom against the embedded sandbox; docs/ matches the code."""

from __future__ import annotations

from pathlib import Path

import nbformat
from click.testing import CliRunner
from nbclient import NotebookClient

from harness.cli import main
from harness.docs import generated

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "cookbook.ipynb"


def test_the_notebook_is_committed_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_the_notebook_runs_without_a_cell_error() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # A CellExecutionError on any cell fails this test, naming the cell.
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    printed = "".join(
        o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "COMPLETED" in printed
    assert "('SUCCESS'," in printed
    assert "['Jira Service Management', 'Jira Software']" in printed


def test_docs_are_generated_from_the_code() -> None:
    for name, text in generated(ROOT / "features").items():
        assert (ROOT / "docs" / name).read_text(encoding="utf-8") == text, (
            f"docs/{name} is stale: run harness docs"
        )


def test_every_rule_is_covered_by_a_scenario() -> None:
    rules = generated(ROOT / "features")["rules.md"]
    assert "Covered by: no scenario" not in rules


def test_docs_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    runner = CliRunner()
    wrote = runner.invoke(
        main, ["docs", "--out", str(tmp_path), "--features", str(ROOT / "features")]
    )
    assert wrote.exit_code == 0, wrote.output
    (tmp_path / "errata.md").write_text("stale\n")
    checked = runner.invoke(
        main, ["docs", "--check", "--out", str(tmp_path), "--features", str(ROOT / "features")]
    )
    assert checked.exit_code == 1
    assert "errata.md" in checked.output

"""The notebook runs top to bottom against a sandbox of its own or the one `harness notebook`
gives it (again and again: fresh sites), names no default-profile value; docs/ matches the
code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.client import Client, OrgApiKey
from harness.contracts import load_profile
from harness.docs import generated
from tests.profile_values import default_profile_values

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "cookbook.ipynb"


def read_notebook() -> Any:
    """The committed notebook. nbformat is imported here, not with the module: it imports
    jsonschema, with the rfc3987-syntax grammar where JupyterLab installed it (~1.8 s),
    and a run that only collects this file (``pytest tests/docs --lf``) needs none of it."""
    import nbformat

    return nbformat.read(NOTEBOOK, as_version=4)


def test_the_notebook_is_committed_without_outputs() -> None:
    notebook = read_notebook()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def execute() -> str:
    """Run the notebook in a fresh kernel; what its cells printed."""
    from nbclient import NotebookClient

    notebook = read_notebook()
    # A CellExecutionError on any cell fails the test, naming the cell.
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    return "".join(
        o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs
    )


def _journeys_done(printed: str, site_prefix: str | None = None) -> str:
    """The new site the notebook's journeys made, named with the profile's site prefix."""
    assert "COMPLETED" in printed
    assert "('SUCCESS'," in printed
    assert "['Jira Service Management', 'Jira Software']" in printed
    prefix = site_prefix or str(load_profile().defaults["sitePrefix"])
    found = re.search(rf"new site ({re.escape(prefix)}-[0-9a-f]{{8}})\b", printed)
    assert found, printed
    return found.group(1)


def test_the_notebook_runs_without_a_cell_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARNESS_SANDBOX_URL", raising=False)
    printed = execute()
    _journeys_done(printed)
    assert "at http://127.0.0.1:" in printed


def test_the_notebook_runs_again_against_the_sandbox_it_is_given(
    sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `harness notebook` runs it: HARNESS_SANDBOX_URL names a running sandbox."""
    monkeypatch.setenv("HARNESS_SANDBOX_URL", sandbox.base_url)
    sites = [_journeys_done(execute()) for _ in range(2)]
    assert sites[0] != sites[1]
    with Client(
        sandbox.base_url, org_id=sandbox.profile.org_id, auth=OrgApiKey(sandbox.profile.api_key)
    ) as client:
        for site in sites:
            kinds = {w.type for w in client.query_workspaces(site).workspaces}
            assert kinds == {"Jira Software", "Jira Service Management"}


def test_the_notebook_runs_against_another_org_served_by_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`harness notebook --profile`: another org's sandbox at a URL, its profile as
    HARNESS_PROFILE; one that gives no defaults.adminEmail or timezone (discovery writes
    them only when asked) as the suite takes it: its direct site admin, UTC. The notebook
    indexed defaults['adminEmail'] (a KeyError) and sent no timezone (422)."""
    import json

    from harness.sandbox.testing import running_sandbox
    from tests.other_org import other_org

    data = other_org()
    del data["defaults"]["adminEmail"], data["defaults"]["timezone"]
    profile = tmp_path / "other-org.json"
    profile.write_text(json.dumps(data), encoding="utf-8")
    with running_sandbox(profile) as server:
        monkeypatch.setenv("HARNESS_SANDBOX_URL", server.base_url)
        monkeypatch.setenv("HARNESS_PROFILE", str(profile))
        printed = execute()
    _journeys_done(printed, data["defaults"]["sitePrefix"])
    assert f"sandbox org {data['org']['id']} at {server.base_url}" in printed


def _without_enterprise(product: str) -> dict[str, Any]:
    """The other org without the Enterprise offering of ``product`` (and without that
    product on its sites, whose offering it was)."""
    from tests.other_org import other_org

    data = other_org()
    catalogue = data["catalogue"]
    gone = {
        o["id"]
        for o in catalogue["offerings"]
        if o["product"] == product and o.get("edition") == "enterprise"
    }
    catalogue["offerings"] = [o for o in catalogue["offerings"] if o["id"] not in gone]
    for site in catalogue["sites"]:
        site["products"] = [p for p in site["products"] if p["offeringId"] not in gone]
    return data


@pytest.mark.parametrize(
    ("product", "words", "runs_journey_1"),
    [
        ("jsm", "Jira Service Management Enterprise", True),
        ("jira", "Jira Enterprise", False),
    ],
)
def test_a_journey_the_org_cannot_run_says_why_in_one_line_and_the_rest_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, product: str, words: str, runs_journey_1: bool
) -> None:
    """An org without a JSM (or Jira) Enterprise offering: the notebook stopped at the
    order of the journey needing it with an OrderBuildError. Now each journey it cannot
    run says so in one line naming the offering and where offerings go, and the rest of
    the notebook runs (journey 1 without JSM; the last cell either way)."""
    import json

    from harness.sandbox.testing import running_sandbox

    profile = tmp_path / f"no-{product}.json"
    profile.write_text(json.dumps(_without_enterprise(product)), encoding="utf-8")
    with running_sandbox(profile) as server:
        monkeypatch.setenv("HARNESS_SANDBOX_URL", server.base_url)
        monkeypatch.setenv("HARNESS_PROFILE", str(profile))
        printed = execute()  # a cell error fails here, naming the cell
    lines = printed.splitlines()
    said = f"lacks 'an offering for {words}': add to catalogue.offerings an offering with"
    skipped = [line for line in lines if line.startswith("Journey ")]
    assert [line.split(":")[0] for line in skipped] == (
        ["Journey 2 skipped"] if runs_journey_1 else ["Journey 1 skipped", "Journey 2 skipped"]
    ), printed
    assert all(said in line and "harness profile discover" in line for line in skipped)
    assert ("COMPLETED" in printed) is runs_journey_1
    assert "['Jira Service Management', 'Jira Software']" not in printed  # no JSM added


def test_the_notebook_names_no_value_of_the_default_profile() -> None:
    notebook = read_notebook()
    text = "\n".join(cell.source for cell in notebook.cells).lower()
    named = [value for value in default_profile_values() if value.lower() in text]
    assert named == [], f"the notebook names default-profile values: {named}"


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


def test_docs_help_names_every_file_it_writes() -> None:
    """``harness docs --help`` (and the command list of ``harness --help``) names each file
    the command writes, so a reader knows roles.md and architecture.md are generated too."""
    runner = CliRunner()
    helped = runner.invoke(main, ["docs", "--help"], terminal_width=200)
    assert helped.exit_code == 0, helped.output
    summary = " ".join(helped.output.split())
    missing = [name for name in generated(ROOT / "features") if name not in summary]
    assert missing == [], f"harness docs --help does not name {missing}"


def test_the_package_map_says_what_every_module_is() -> None:
    """docs/architecture.md gives each module a summary from its docstring: none is blank,
    and none stops at a colon that introduced a list the map leaves out."""
    lines = generated(ROOT / "features")["architecture.md"].splitlines()
    modules = [line for line in lines if line.startswith("- `harness/")]
    assert len(modules) > 50
    unsaid = [line for line in modules if line.endswith((":", "`:", ": "))]
    assert unsaid == [], f"modules whose summary is blank or stops at a colon: {unsaid}"


def test_only_table_cells_escape_a_pipe() -> None:
    """A pipe is escaped in a table's cell only: elsewhere (a list, a heading) the
    backslash would be shown, inside a code span too (`harness cassettes check\\|drift`)."""
    for name, text in generated(ROOT / "features").items():
        shown = [line for line in text.splitlines() if "\\|" in line and not line.startswith("|")]
        assert shown == [], f"{name} shows an escaped pipe outside a table: {shown}"

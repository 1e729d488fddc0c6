"""`harness run`, `harness report` and `harness cassettes` on bad input: clear errors, exit 2."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from harness._command import harness_command
from harness.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_run_outside_the_repository_names_the_missing_features_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--features", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no features folder here" in result.output


def test_report_without_results_says_what_to_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "--results", str(tmp_path)])
    assert result.exit_code == 2
    assert f"no Allure results (run: {harness_command('run')})" in result.output


def test_cassettes_check_on_a_missing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["cassettes", "check", "--dir", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such folder" in result.output


def test_cassettes_check_names_file_and_interaction_of_a_planted_credential(
    tmp_path: Path,
) -> None:
    source = (
        ROOT
        / "cassettes"
        / "prerequisites"
        / ("get-the-product-entitlement-id-then-its-details.yaml")
    )
    planted = tmp_path / "planted.yaml"
    planted.write_text(
        source.read_text().replace(
            "    headers:\n",
            "    headers:\n      Authorization:\n      - Bearer abcdefghijklmnop1234\n",
            1,
        )
    )
    result = CliRunner().invoke(main, ["cassettes", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{planted} interaction 1: holds a credential: Authorization" in result.output


def test_cassettes_check_names_a_file_that_does_not_parse(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("interactions: [\n")
    result = CliRunner().invoke(main, ["cassettes", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "broken.yaml: does not parse" in result.output


def test_the_committed_cassettes_pass_the_check() -> None:
    result = CliRunner().invoke(main, ["cassettes", "check", "--dir", str(ROOT / "cassettes")])
    assert result.exit_code == 0, result.output

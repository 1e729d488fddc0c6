"""A feature file a user wrote wrong stops collection with one line per problem naming its
file and line, not pytest-bdd's traceback (``harness.suite.feature_files``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pytest_bdd.feature import get_features

from harness.suite.feature_files import feature_file_problem
from tests.pytest_runs import ROOT, run_pytest

GOOD = "Feature: A user's journey\n\n  @read-only\n  Scenario: One\n    Given a step\n"
#: Feature files written wrong, and what the one line says of each.
WRONG = {
    "a short table row": (
        GOOD + "      | a | b |\n      | 1 |\n",
        "user.feature:7:7: inconsistent cell count within the table (the line: '| 1 |')",
    ),
    "no Feature line": (
        "  Scenario: One\n    Given a step\n",
        "user.feature:1: Misplaced or incorrect 'Scenario' keyword",
    ),
    "an empty file": ("", "user.feature: no 'Feature:' line: a feature file holds one feature"),
    "a comment only": ("# to do\n", "user.feature: no 'Feature:' line"),
}


def bind(folder: Path) -> BaseException:
    """What binding the feature files of ``folder`` raises, as pytest-bdd reads them."""
    with pytest.raises(Exception) as caught:
        get_features([str(folder)])
    return caught.value


@pytest.mark.parametrize("name", sorted(WRONG))
def test_a_feature_file_written_wrong_is_named_with_its_line(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, expected = WRONG[name]
    (tmp_path / "good.feature").write_text(GOOD)
    (tmp_path / "user.feature").write_text(text)
    monkeypatch.chdir(tmp_path)
    problem = feature_file_problem(bind(tmp_path), tmp_path)
    assert problem is not None and expected in problem, problem


def test_a_feature_file_not_in_utf8_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "user.feature").write_bytes(b"Feature: caf\xe9\n")
    monkeypatch.chdir(tmp_path)
    problem = feature_file_problem(bind(tmp_path), tmp_path)
    assert problem == "user.feature: not UTF-8 (byte 0xe9 at offset 12): save it as UTF-8"


def test_an_error_that_is_no_feature_file_s_is_left_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "good.feature").write_text(GOOD)
    assert feature_file_problem(RuntimeError("a step module failed"), tmp_path) is None
    assert feature_file_problem(KeyboardInterrupt(), tmp_path) is None


@pytest.fixture
def suite_copy(tmp_path: Path) -> Path:
    """The suite's features, step bindings and configuration, in a folder of its own (a
    test must not add a feature file to the repository's, which other tests collect)."""
    shutil.copytree(
        ROOT / "features", tmp_path / "features", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD.replace("@read-only", "@read-only @smoke"),
            "features/zz_user.feature:3: the tag @smoke is no mark of this suite",
        ),
        (
            GOOD + "      | a | b |\n      | 1 |\n",
            "features/zz_user.feature:7:7: inconsistent cell count within the table",
        ),
    ],
    ids=["unknown tag", "short table row"],
)
def test_a_run_with_a_wrong_feature_file_says_where_in_a_few_lines(
    suite_copy: Path, text: str, expected: str
) -> None:
    (suite_copy / "features" / "zz_user.feature").write_text(text)
    done = run_pytest("-q", "features", "-p", "no:randomly", cwd=suite_copy)
    assert done.returncode == 2, done.stdout[-3000:] + done.stderr
    assert expected in done.stdout, done.stdout
    assert "Traceback" not in done.stdout and "pytest_bdd/" not in done.stdout, done.stdout
    # What pytest prints of the error: between its header and the summary, rules left out.
    section = done.stdout.split("ERROR collecting features/test_cookbook.py")[1]
    section = section.split("short test summary info")[0]
    told = [line for line in section.splitlines() if line.strip(" _=-") and "xml file" not in line]
    assert 1 <= len(told) <= 2, told


def test_a_scenario_without_a_tier_tag_is_named_with_its_file_and_line(suite_copy: Path) -> None:
    (suite_copy / "features" / "zz_user.feature").write_text(GOOD.replace("@read-only", ""))
    done = run_pytest("-q", "features", "-p", "no:randomly", cwd=suite_copy)
    assert done.returncode == 4, done.stdout[-3000:] + done.stderr
    expected = "features/zz_user.feature:4: zz_user/One: no tier tag; tag every scenario"
    assert expected in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (
            "@read-only @cookbook:track-orders",
            "zz_user/One: @cookbook:track-orders is no section of the cookbook: use one of "
            "@cookbook:authentication,",
        ),
        (
            "@read-only @cookbook:track-order @cookbook:place-order",
            "zz_user/One: several cookbook sections (@cookbook:place-order, "
            "@cookbook:track-order): a scenario cites one",
        ),
    ],
    ids=["unknown section", "two sections"],
)
def test_a_scenario_citing_no_one_cookbook_section_is_named_with_its_file_and_line(
    suite_copy: Path, tags: str, expected: str
) -> None:
    """The report files a scenario under its cookbook section and links to it: a section
    misspelt would drop both without a word, two would pick one at random."""
    (suite_copy / "features" / "zz_user.feature").write_text(GOOD.replace("@read-only", tags))
    done = run_pytest("-q", "features", "-p", "no:randomly", cwd=suite_copy)
    assert done.returncode == 4, done.stdout[-3000:] + done.stderr
    assert f"features/zz_user.feature:4: {expected}" in done.stderr, done.stderr

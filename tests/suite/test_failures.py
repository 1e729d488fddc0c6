"""A failing step is told in a few lines naming the feature, the scenario, the Gherkin step
and the breach; -v and --tb=long keep pytest's full traceback."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from harness.suite.failures import HINT, StepFailure, describe, expected, resolve
from tests.pytest_runs import ROOT, run_pytest

K = "new_site and jira-"
STEP = "When I place the Jira Enterprise order for that provisioning request"
STEP_OUTLINE = "When I place the <order> order for that provisioning request"
CASSETTE = Path("new_site") / "jira-enterprise-on-a-new-site.yaml"
FEATURE = ROOT / "features" / "new_site.feature"


def line_of(text: str) -> int:
    """The line of the feature file that holds ``text`` (first match), 1-based."""
    lines = FEATURE.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed cassettes, one of them cut after its provisioning status."""
    folder = tmp_path_factory.mktemp("broken") / "cassettes"
    shutil.copytree(ROOT / "cassettes" / "new_site", folder / "new_site")
    data = yaml.safe_load((folder / CASSETTE).read_text())
    del data["interactions"][2:]
    (folder / CASSETTE).write_text(yaml.safe_dump(data))
    return folder


@pytest.mark.parametrize("on_ci", [False, True], ids=["terminal", "CI"])
def test_a_broken_cassette_fails_in_at_most_15_lines_naming_the_step(
    broken: Path, on_ci: bool
) -> None:
    # pytest trims the short summary to the terminal's width, except on CI (CI=... set).
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "BUILD_NUMBER")}
    if on_ci:
        env["CI"] = "true"
    args = ("-q", "features", "--record-mode=none", f"--cassette-dir={broken}", "-k", K)
    done = run_pytest(*args, env=env)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert len(lines) <= 15, done.stdout
    summary = next(line for line in lines if line.startswith("FAILED "))
    if on_ci:  # untrimmed: the step and the error's type, on one line
        where = f"(features/new_site.feature:{line_of(STEP_OUTLINE)})"
        assert summary.endswith(f"{STEP}  {where}: CannotOverwriteExistingCassetteException")
    text = done.stdout
    step_line = line_of(STEP_OUTLINE)
    assert f"Failed:   {STEP}  (features/new_site.feature:{step_line})" in text
    outline = line_of("Scenario Outline: <order> on a new site")
    assert f"Scenario: Jira Enterprise on a new site  (features/new_site.feature:{outline})" in text
    assert "Feature:  A new site: provision, check the status" in text
    assert "POST http://sandbox.invalid/commerce/api/v2/orders" in text
    assert HINT in text
    assert "_pytest" not in text and "Traceback" not in text


def test_a_cassette_the_request_no_longer_matches_names_the_field_that_moved(
    tmp_path: Path,
) -> None:
    """The client now sends another timezone than the one recorded: the few lines say
    which request, which cassette, and where the bodies differ, by JSON pointer."""
    folder = tmp_path / "cassettes"
    shutil.copytree(ROOT / "cassettes" / "new_site", folder / "new_site")
    data = yaml.safe_load((folder / CASSETTE).read_text())
    recorded = data["interactions"][0]["request"]
    body = json.loads(recorded["body"])
    sent = body["parameters"]["timezone"]
    body["parameters"]["timezone"] = "Pacific/Chatham"
    recorded["body"] = json.dumps(body)
    (folder / CASSETTE).write_text(yaml.safe_dump(data))
    done = run_pytest("-q", "features", "--record-mode=none", f"--cassette-dir={folder}", "-k", K)
    assert done.returncode == 1
    assert len(done.stdout.splitlines()) <= 15, done.stdout
    assert "POST http://sandbox.invalid/admin/installations/v2/orgs/" in done.stdout
    assert f"Cassette: {folder / CASSETTE}" in done.stdout
    differs = f'/parameters/timezone: recorded "Pacific/Chatham", sent "{sent}"'
    assert f"json_body differs: the body differs at {differs}" in done.stdout


@pytest.mark.parametrize("flag", ["-v", "--tb=long"])
def test_verbose_or_long_keeps_the_traceback_and_names_the_step(broken: Path, flag: str) -> None:
    done = run_pytest("features", "--record-mode=none", f"--cassette-dir={broken}", "-k", K, flag)
    assert done.returncode == 1
    text = done.stdout
    assert "CannotOverwriteExistingCassetteException" in text
    assert "harness/client/" in text  # frames of the call, as pytest shows them
    assert "Gherkin step that failed" in text and STEP in text
    assert HINT not in text


def _exchange(**fields: object) -> SimpleNamespace:
    return SimpleNamespace(
        operation="orders.get",
        method="GET",
        url="http://sandbox.invalid/commerce/api/v2/orders/O",
        status=200,
        request_json=None,
        response_json={"data": {"items": [{"status": "DONE"}], "orderId": "O"}},
        **fields,
    )


def _violation(pointer: str, message: str, where: str = "body") -> SimpleNamespace:
    location = pointer if where == "body" else f"{where} {pointer}"
    return SimpleNamespace(pointer=pointer, message=message, where=where, location=location)


def test_a_breach_names_operation_pointer_expected_and_got() -> None:
    breach = SimpleNamespace(
        exchange=_exchange(),
        side="response",
        violations=[
            _violation(
                "/data/items/0/status",
                "must be one of 'PROCESSING', 'SUCCESS', 'FAILED', got 'DONE'",
            ),
            _violation("/data/total", "missing required field 'total'"),
            _violation("Content-Type", "must be application/json, got 'text/plain'", "header"),
        ],
    )
    assert describe(breach) == [  # type: ignore[arg-type]
        "orders.get: the response breaks the contract "
        "(GET http://sandbox.invalid/commerce/api/v2/orders/O -> 200)",
        "  /data/items/0/status: must be one of 'PROCESSING', 'SUCCESS', 'FAILED', got 'DONE'",
        "    expected: must be one of 'PROCESSING', 'SUCCESS', 'FAILED'",
        '    got:      "DONE"',
        "  /data/total: missing required field 'total'",
        "    expected: a field 'total' (required)",
        "    got:      no such field; /data has ['items', 'orderId']",
        "  ... and 1 more violations (-v)",
    ]


def test_any_other_error_is_its_type_and_first_lines() -> None:
    error = RuntimeError("first\n\nsecond\nthird\nfourth\nfifth\nsixth")
    assert describe(error) == [
        "RuntimeError: first",
        "second",
        "third",
        "fourth",
        "... 2 more lines",
    ]
    assert describe(AssertionError("the call was refused: HTTP 422")) == [
        "the call was refused: HTTP 422"
    ]


@pytest.mark.parametrize(
    ("pointer", "found"),
    [
        ("", (True, {"a/b": [1, {"~x": 2}]})),
        ("/a~1b/1/~0x", (True, 2)),
        ("/a~1b/0", (True, 1)),
        ("/a~1b/2", (False, None)),
        ("/nope", (False, None)),
        ("/a~1b/x", (False, None)),
    ],
)
def test_resolve_follows_rfc_6901(pointer: str, found: tuple[bool, object]) -> None:
    assert resolve({"a/b": [1, {"~x": 2}]}, pointer) == found


def test_expected_reads_the_violation_message() -> None:
    assert expected("unexpected field 'x'") == "no field 'x' (the schema has none)"
    assert expected("must be integer, got string 'a'") == "must be integer"
    assert expected("'x' is not a valid uuid") == "'x' is not a valid uuid"


def test_the_summary_stays_short() -> None:
    failure = StepFailure("f.feature", "F", "S", 3, "Then", "it works", 4)
    text = failure.summary(RuntimeError("\n".join(str(n) for n in range(50))))
    assert text.splitlines()[:3] == [
        "Feature:  F  (f.feature)",
        "Scenario: S  (f.feature:3)",
        "Failed:   Then it works  (f.feature:4)",
    ]
    assert len(text.splitlines()) <= 10


def test_a_long_cassette_path_never_hides_the_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cassette folder deep in a CI workspace: the path, shown whole (relative to the
    working directory when under it), does not count towards the line's 200 characters,
    so the problem that follows it is never cut; text beyond 200 characters still is."""
    deep = "/builds/" + "/".join(f"group-{n:02d}-of-a-long-workspace-path" for n in range(8))
    path = f"{deep}/cassettes/new_site/jira-enterprise-on-a-new-site.yaml"
    problem = "interaction 3 is not a request/response pair: the response has no status code"
    error = RuntimeError(f"cassette {path}: {problem}\n(fix it, or delete it and record it)")
    assert describe(error)[0] == f"RuntimeError: cassette {path}: {problem}"
    # Under the working directory the path is made relative.
    monkeypatch.chdir(tmp_path)
    inside = tmp_path / ("a-long-folder-name-" * 8) / "new_site" / "x.yaml"
    shown = describe(AssertionError(f"cassette {inside}: {problem}"))
    assert shown == [f"cassette {inside.relative_to(tmp_path)}: {problem}"]
    # A URL is no path; and text past the limit is still cut.
    url = "GET http://sandbox.invalid/admin/v2/orgs/o/workspaces -> 500"
    assert describe(AssertionError(url)) == [url]
    (long,) = describe(AssertionError(f"cassette {path}: " + "x" * 300))
    assert long.startswith(f"cassette {path}: xxx") and long.endswith("x...")
    assert len(long) == len(path) + 200

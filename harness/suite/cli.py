"""``harness run`` (the cookbook suite) and ``harness cassettes check|drift``."""

from __future__ import annotations

import shlex
import sys
import tempfile
from pathlib import Path

import click

from harness._command import harness_command

from .modes import Mode
from .outputs import RAN, RAN_NOT, RunOutputs, staged_outputs

REPORTS = Path("reports")


def _usage(message: str) -> click.ClickException:
    error = click.ClickException(message)
    error.exit_code = 2
    return error


def _features_dir(features: str) -> Path:
    path = Path(features)
    if not path.is_dir():
        raise _usage(f"{features}: no features folder here (cd to the repository root first)")
    if not path.resolve().is_relative_to(Path.cwd().resolve()):
        # pytest would not load the repository's conftest.py (the suite's plugin and
        # steps) for it, and would refuse the run's options as unknown.
        raise _usage(
            f"{features}: a features folder outside this repository ({Path.cwd()}): the "
            "suite's plugin and step definitions load from its conftest.py; put the folder "
            "under it (with a test module binding its files, as features/test_cookbook.py does)"
        )
    return path


def run_suite(args: list[str], *, reports: Path = REPORTS) -> int:
    """Run pytest on the features with the Allure and JUnit outputs; its exit code.

    The Allure results are written aside and replace ``reports/allure-results`` only when
    the suite ran (``outputs.RAN``): a run refused before it starts (a usage error such as
    ``--mode live`` without credentials) or that selected nothing leaves ``reports/`` as it
    was (``harness.suite.outputs``).
    """
    import pytest

    final = RunOutputs(reports)
    with staged_outputs() as staging:
        staging.keep_junit(final)
        code = int(
            pytest.main(
                [
                    *_BASE_ARGS,
                    f"--alluredir={staging.results}",
                    f"--junitxml={final.junit}",
                    f"--assumptions-ledger-published={final.assumptions}",
                    *args,
                ]
            )
        )
        if code in RAN:
            staging.publish(final)
        else:
            staging.restore_junit(final)
    return code


_BASE_ARGS = (
    # The features use neither Hypothesis nor schemathesis: their plugins cost about 1.5 s
    # of every run (measured by harness bench).
    *("-p", "no:hypothesispytest", "-p", "no:schemathesis"),
    # In-process: the harness has imported anyio (httpx) before pytest starts.
    *("-W", "ignore::pytest.PytestAssertRewriteWarning"),
)


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=None,
    help="local (default): embedded sandbox; replay: cassettes only; "
    "record: write cassettes; live: a real org from ATLASSIAN_* variables. "
    "Or vcrpy's --record-mode none|once|new_episodes|all (README, Modes).",
)
@click.option("--features", default="features", show_default=True, help="Features folder.")
@click.option(
    "--report/--no-report",
    default=True,
    show_default=True,
    help="Make reports/html/index.html afterwards (and add the run to reports/history.jsonl).",
)
@click.option(
    "--reports",
    "reports_dir",
    default=str(REPORTS),
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder of the results, JUnit XML, HTML report and history.",
)
@click.option(
    "--plan",
    is_flag=True,
    help="Print each scenario with its tier and the sites, products and orders it would "
    "make; send nothing, run nothing.",
)
@click.pass_context
def run(
    ctx: click.Context, mode: str | None, features: str, report: bool, reports_dir: str, plan: bool
) -> None:
    """Run the cookbook suite and write reports/allure-results/, reports/junit.xml and the
    HTML report reports/html/index.html.

    Other arguments go to pytest: --record-mode=none, --base-url URL, --allow-provisioning,
    --allow-orders, --reset-sandbox, --site-prefix P, --run-id ID, --profile FILE,
    -k window, -x, --lf, -n 4. The exit code is the suite's: 0 every scenario passed, 1
    some failed (the CI gate), 2-5 the suite did not run and reports/ is as it was.
    """
    folder = _features_dir(features)
    args = [str(folder), *([f"--mode={mode}"] if mode else []), *ctx.args]
    if plan:
        import pytest

        # A plan writes no results and no report: it runs nothing.
        sys.exit(int(pytest.main([*_BASE_ARGS, "-q", *args, "--plan"])))
    outputs = RunOutputs(Path(reports_dir))
    code = run_suite(args, reports=outputs.root)
    if code not in RAN:
        click.echo(
            f"harness run: the suite did not run ({RAN_NOT.get(code, f'pytest exit {code}')}):"
            f" {outputs.root}/ is as it was",
            err=True,
        )
    elif report:
        _make_report(outputs)
    else:
        _drop_stale_report(outputs, "not asked for (--no-report)")
    sys.exit(code)


def _make_report(outputs: RunOutputs) -> Path | None:
    from .report import ReportError, generate, history_runs

    try:
        index = generate(outputs.results, outputs.html, outputs.history)
    except ReportError as exc:
        _drop_stale_report(outputs, str(exc))
        return None
    runs = history_runs(outputs.history)
    click.echo(
        f"Report: {index} (open it in a browser; {runs} run{'s' if runs != 1 else ''} "
        f"in {outputs.history})"
    )
    click.echo(f"Serve it: {_report_command(outputs, '--serve')}")
    return index


def _report_command(outputs: RunOutputs, *extra: str) -> str:
    """``harness report`` for these outputs, as it runs when pasted."""
    folders: list[str] = []
    if outputs.root != REPORTS:
        folders = [
            *("--results", shlex.quote(str(outputs.results))),
            *("--out", shlex.quote(str(outputs.html))),
            *("--history", shlex.quote(str(outputs.history))),
        ]
    return harness_command("report", *folders, *extra)


def _drop_stale_report(outputs: RunOutputs, why: str) -> None:
    """No report of this run: the one of an earlier run must not pass for it."""
    removed = outputs.drop_html()
    click.echo(
        f"no HTML report: {why}"
        + (f"; {outputs.html}/ of an earlier run was removed" if removed else "")
        + f". Make it from these results: {_report_command(outputs)}",
        err=True,
    )


@click.command()
@click.option(
    "--results",
    default=str(REPORTS / "allure-results"),
    show_default=True,
    type=click.Path(file_okay=False),
)
@click.option(
    "--out", default=str(REPORTS / "html"), show_default=True, type=click.Path(file_okay=False)
)
@click.option(
    "--history",
    default=str(REPORTS / "history.jsonl"),
    show_default=True,
    type=click.Path(dir_okay=False),
    help="History file (JSON Lines): the runs the Trend shows; results not in it yet are added.",
)
@click.option("--serve", is_flag=True, help="Serve the report on 127.0.0.1 until Ctrl-C.")
@click.option(
    "--port",
    default=0,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port for --serve (0: a free one).",
)
def report(results: str, out: str, history: str, serve: bool, port: int) -> None:
    """Make the HTML report of the last run (one file: reports/html/index.html)."""
    from .report import ReportError, generate, serve_until_stopped, unreadable_results
    from .report import serve as serve_report

    try:
        index = generate(Path(results), Path(out), Path(history))
    except ReportError as exc:
        raise _usage(str(exc)) from None
    for line in unreadable_results(Path(results)):
        click.echo(f"harness report: left out {line}", err=True)
    click.echo(f"Report: {index}")
    if serve:
        try:
            server = serve_report(Path(out), port)
        except ReportError as exc:
            raise _usage(str(exc)) from None
        click.echo(
            f"Serving the report at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)"
        )
        serve_until_stopped(server)


@click.group()
def cassettes() -> None:
    """Audit the committed cassettes."""


@cassettes.command("check")
@click.option(
    "--dir", "folder", default="cassettes", show_default=True, type=click.Path(file_okay=False)
)
@click.option(
    "--profile",
    default=None,
    help="Profile of the org the cassettes were recorded for (default: the sandbox's); "
    "its credentials must not appear.",
)
def check(folder: str, profile: str | None) -> None:
    """Every cassette parses, every interaction keeps the contracts, no credential is in one,
    no request names an org other than the profile's.

    Exit 1 naming the file and interaction of each problem.
    """
    import os

    from harness.contracts import ProfileError, load_profile

    from .audit import cassette_files, check_cassettes

    root = Path(folder)
    if not root.is_dir():
        raise _usage(f"{folder}: no such folder")
    try:
        loaded = load_profile(profile)
    except ProfileError as exc:
        raise _usage(str(exc)) from None
    secrets = list(loaded.credentials())
    secrets += [os.environ.get(n, "") for n in ("ATLASSIAN_API_KEY", "ATLASSIAN_SITE_ADMIN_TOKEN")]
    files = cassette_files(root)
    if not files:  # a mistyped --dir must not pass a gate that checks nothing
        raise _usage(f"{folder}: no cassette (a .yaml or .yml file) under it")
    problems = check_cassettes(files, secrets, loaded.org_id)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {len(files)} cassettes", err=True)
        sys.exit(1)
    click.echo(
        f"OK: {len(files)} cassettes parse, keep the contracts, hold no credential and are "
        f"of org {loaded.org_id}"
    )


@cassettes.command("drift")
@click.option(
    "--dir", "folder", default="cassettes", show_default=True, type=click.Path(file_okay=False)
)
@click.option("--features", default="features", show_default=True)
@click.option(
    "--profile",
    default=None,
    help="Profile the cassettes were recorded with (default: the embedded sandbox's).",
)
def drift_command(folder: str, features: str, profile: str | None) -> None:
    """Re-record every scenario against a fresh embedded sandbox and compare with the
    committed cassettes; exit 1 naming each scenario and field that moved.

    Cassettes recorded for another org (``harness run --mode record --profile FILE``) are
    compared with a sandbox serving that org: give the same ``--profile``."""
    from harness.contracts import ProfileError, load_profile

    from .audit import cassette_files, drift, of_another_org

    folder_path = Path(folder)
    if not folder_path.is_dir():
        raise _usage(f"{folder}: no such folder")
    args = [str(_features_dir(features)), "--mode=record", "-q"]
    try:
        loaded = load_profile(profile)  # a mistake is told here, not as a failed re-recording
    except ProfileError as exc:
        raise _usage(str(exc)) from None
    # Cassettes of another org would differ in every id: say so before re-recording.
    foreign = of_another_org(cassette_files(folder_path), loaded.org_id)
    if foreign is not None:
        raise _usage(
            f"{foreign}: give --profile the profile they were recorded with "
            "(harness run --mode record --profile FILE)"
        )
    if profile is not None:
        args.append(f"--profile={profile}")
    with tempfile.TemporaryDirectory(prefix="harness-drift-") as tmp:
        code = run_suite([*args, f"--cassette-dir={tmp}"], reports=Path(tmp) / "reports")
        if code != 0:
            click.echo(f"re-recording failed (pytest exit {code})", err=True)
            sys.exit(1)
        moved = drift(folder_path, Path(tmp))
    for line in moved:
        click.echo(line)
    if moved:
        click.echo(f"{len(moved)} difference(s): the cassettes drifted from the sandbox", err=True)
        sys.exit(1)
    click.echo(f"OK: re-recording reproduces every cassette in {folder}")

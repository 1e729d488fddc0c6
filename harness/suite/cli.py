"""``harness run`` (the cookbook suite) and ``harness cassettes check|drift``."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import click

from .modes import Mode

REPORTS = Path("reports")


def _usage(message: str) -> click.ClickException:
    error = click.ClickException(message)
    error.exit_code = 2
    return error


def _features_dir(features: str) -> Path:
    path = Path(features)
    if not path.is_dir():
        raise _usage(f"{features}: no features folder here (run harness from the repository root)")
    return path


def run_suite(args: list[str], *, reports: Path = REPORTS) -> int:
    """Run pytest on the features with the Allure and JUnit outputs; its exit code."""
    import pytest

    results = reports / "allure-results"
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir(parents=True, exist_ok=True)
    return int(
        pytest.main(
            [
                # The features use neither Hypothesis nor schemathesis: their plugins cost
                # about 1.5 s of every run (measured by harness bench).
                *("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:schemathesis"),
                # In-process: the harness has imported anyio (httpx) before pytest starts.
                *("-W", "ignore::pytest.PytestAssertRewriteWarning"),
                f"--alluredir={results}",
                f"--junitxml={reports / 'junit.xml'}",
                *args,
            ]
        )
    )


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=Mode.LOCAL.value,
    show_default=True,
    help="local: embedded sandbox; replay: cassettes only; "
    "record: write cassettes; live: a real org from ATLASSIAN_* variables.",
)
@click.option("--features", default="features", show_default=True, help="Features folder.")
@click.option(
    "--report/--no-report",
    default=True,
    show_default=True,
    help="Make reports/html/index.html afterwards.",
)
@click.pass_context
def run(ctx: click.Context, mode: str, features: str, report: bool) -> None:
    """Run the cookbook suite and write reports/allure-results/, reports/junit.xml and the
    HTML report reports/html/index.html.

    Other arguments go to pytest (e.g. --base-url URL, --allow-orders, -k window, -x).
    The exit code is the suite's.
    """
    folder = _features_dir(features)
    code = run_suite([str(folder), f"--mode={mode}", *ctx.args])
    if report:
        _make_report(REPORTS / "allure-results", REPORTS / "html")
    sys.exit(code)


def _make_report(results: Path, out: Path) -> Path | None:
    from .report import ReportError, generate

    try:
        index = generate(results, out)
    except ReportError as exc:
        click.echo(f"no HTML report: {exc}", err=True)
        return None
    click.echo(f"Report: {index} (open it in a browser, or: harness report --serve)")
    return index


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
@click.option("--serve", is_flag=True, help="Serve the report on 127.0.0.1 until Ctrl-C.")
@click.option("--port", default=0, show_default=True, help="Port for --serve (0: a free one).")
def report(results: str, out: str, serve: bool, port: int) -> None:
    """Make the HTML report of the last run (one file: reports/html/index.html)."""
    from .report import ReportError, generate
    from .report import serve as serve_report

    try:
        index = generate(Path(results), Path(out))
    except ReportError as exc:
        raise _usage(str(exc)) from None
    click.echo(f"Report: {index}")
    if serve:
        server = serve_report(Path(out), port)
        click.echo(
            f"Serving the report at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


@click.group()
def cassettes() -> None:
    """Audit the committed cassettes."""


@cassettes.command("check")
@click.option(
    "--dir", "folder", default="cassettes", show_default=True, type=click.Path(file_okay=False)
)
@click.option("--profile", default=None, help="Profile whose credentials must not appear.")
def check(folder: str, profile: str | None) -> None:
    """Every cassette parses, every interaction keeps the contracts, no credential is in one.

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
    problems = check_cassettes(files, secrets)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {len(files)} cassettes", err=True)
        sys.exit(1)
    click.echo(f"OK: {len(files)} cassettes parse, keep the contracts and hold no credential")


@cassettes.command("drift")
@click.option(
    "--dir", "folder", default="cassettes", show_default=True, type=click.Path(file_okay=False)
)
@click.option("--features", default="features", show_default=True)
def drift_command(folder: str, features: str) -> None:
    """Re-record every scenario against a fresh embedded sandbox and compare with the
    committed cassettes; exit 1 naming each scenario and field that moved."""
    from .audit import drift

    folder_path = Path(folder)
    with tempfile.TemporaryDirectory(prefix="harness-drift-") as tmp:
        code = run_suite(
            [str(_features_dir(features)), "--mode=record", f"--cassette-dir={tmp}", "-q"],
            reports=Path(tmp) / "reports",
        )
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

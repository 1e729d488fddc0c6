"""The ``harness`` command line. Each command is thin: the work lives in the modules it calls.

Exit codes: 0 success; 1 the thing checked is wrong (violations, failed tests);
2 a usage error or input that cannot be read (missing file, not JSON).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from ._command import harness_command
from .bench.cli import bench as bench_command
from .notebook import notebook as notebook_command
from .sandbox.cli import sandbox as sandbox_commands
from .suite.cli import cassettes as cassettes_commands
from .suite.cli import report as report_command
from .suite.cli import run as run_command


class UserError(click.ClickException):
    """A mistake in what the user gave: printed as one line, exit 2, no traceback."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="harness")
def main() -> None:
    """Contract and sandbox test harness for the 'add a new Enterprise product' cookbook."""


main.add_command(sandbox_commands)
main.add_command(run_command)
main.add_command(cassettes_commands)
main.add_command(report_command)
main.add_command(bench_command)
main.add_command(notebook_command)


@main.group()
def validate() -> None:
    """Check a payload against the contracts and the relationship rules."""


@validate.command("order")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--catalogue",
    "catalogue_path",
    type=click.Path(dir_okay=False),
    help="Catalogue or profile file (default: the sandbox's default profile).",
)
@click.option(
    "--allow-comments",
    is_flag=True,
    help="Strip // comments first, so the cookbook's samples can be pasted (ERR-003).",
)
def validate_order_command(file: str, catalogue_path: str | None, allow_comments: bool) -> None:
    """Judge an order request body (FILE, or - for stdin) against the order schema and every
    relationship rule that an order alone can be judged by.

    Prints OK, or one line per violation: the rule id (or 'schema'), the JSON pointer and
    what is wrong. Exit 0 when valid, 1 when not, 2 when FILE cannot be read as JSON.
    """
    from .contracts import ProfileError, load_catalogue, validate_order

    order = read_json(file, allow_comments=allow_comments)
    try:
        catalogue = load_catalogue(catalogue_path)
    except ProfileError as exc:
        raise UserError(str(exc)) from None
    violations = validate_order(order, catalogue)
    name = "<stdin>" if file == "-" else file
    if not violations:
        click.echo(f"OK {name}: the order passes the schema and every relationship rule")
        return
    for violation in violations:
        click.echo(str(violation))
    click.echo(
        f"{name}: {len(violations)} violation{'s' if len(violations) != 1 else ''}", err=True
    )
    sys.exit(1)


def read_json(file: str, *, allow_comments: bool = False) -> Any:
    """Parse FILE (or stdin for ``-``) as JSON, read bounded and strictly
    (``harness.contracts.read_json_file``), or raise a UserError naming file and line."""
    from .contracts import JsonError, read_json_file
    from .jsonc import strip_comments

    seen: list[str] = []

    def keep(text: str) -> str:  # the text as read, for the hint below
        seen.append(text)
        return strip_comments(text) if allow_comments else text

    try:
        return read_json_file(file, strip=keep)
    except JsonError as exc:
        comments = not allow_comments and seen and "//" in seen[0] and ": not JSON:" in str(exc)
        hint = " (it has // comments: add --allow-comments)" if comments else ""
        raise UserError(f"{exc}{hint}") from None


@main.command("docs")
@click.option("--check", is_flag=True, help="Exit 1 when docs/ differs from what the code says.")
@click.option("--out", default="docs", show_default=True, type=click.Path(file_okay=False))
@click.option("--features", default="features", show_default=True, type=click.Path(file_okay=False))
def docs_command(check: bool, out: str, features: str) -> None:
    """Write docs/rules.md (the rule catalogue) and docs/errata.md from the code."""
    from .docs import generated

    folder = Path(out)
    stale = []
    for name, text in generated(Path(features)).items():
        path = folder / name
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(str(path))
        if not check:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if check and stale:
        click.echo(f"stale: {', '.join(stale)} (run: {harness_command('docs')})", err=True)
        sys.exit(1)
    click.echo(("up to date: " if check else "wrote: ") + (", ".join(stale) or str(folder)))


if __name__ == "__main__":  # pragma: no cover
    main()

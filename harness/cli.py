"""The ``harness`` command line. Each command is thin: the work lives in the modules it calls.

Exit codes: 0 success; 1 the thing checked is wrong (violations, failed tests);
2 a usage error or input that cannot be read (missing file, not JSON).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from ._command import harness_command
from ._usage import UserError

#: The commands that live in other modules: (name, "module:attribute", short help). Each
#: module is imported only when its command runs, so that ``harness --help`` loads neither
#: the web stack, pytest nor the benchmark.
LAZY_COMMANDS: tuple[tuple[str, str, str], ...] = (
    (
        "sandbox",
        "harness.sandbox.cli:sandbox",
        "The local sandbox org: a server that behaves like the cookbook's API.",
    ),
    (
        "run",
        "harness.suite.cli:run",
        "Run the cookbook suite and write reports/allure-results/, "
        "reports/junit.xml and the HTML report reports/html/index.html.",
    ),
    ("cassettes", "harness.suite.cli:cassettes", "Audit the committed cassettes."),
    (
        "report",
        "harness.suite.cli:report",
        "Make the HTML report of the last run (one file: reports/html/index.html).",
    ),
    (
        "bench",
        "harness.bench.cli:bench",
        "Measure the suite (replay, local, xdist, collection floor), the sandbox under load "
        "next to a bare JSON endpoint, contract validation, and live runs at a real org's "
        "pace; print a table, write OUTPUT.",
    ),
    (
        "notebook",
        "harness.notebook:notebook",
        "Start the embedded sandbox and open the cookbook notebook in JupyterLab against it.",
    ),
)


class _LazyGroup(click.Group):
    """A group whose ``LAZY_COMMANDS`` are imported when run (click's lazy-loading recipe);
    its command list shows their one-line help without importing them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *(name for name, _, _ in LAZY_COMMANDS)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for name, target, _ in LAZY_COMMANDS:
            if name == cmd_name:
                return _load(target)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lazy = {name: short for name, _, short in LAZY_COMMANDS}
        rows = []
        for name in self.list_commands(ctx):
            if name in lazy:
                limit = formatter.width - 6 - len(name)
                rows.append((name, click.Command(name, help=lazy[name]).get_short_help_str(limit)))
                continue
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _load(target: str) -> click.Command:
    import importlib

    module, _, name = target.partition(":")
    command: click.Command = getattr(importlib.import_module(module), name)
    return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="harness")
def main() -> None:
    """Contract and sandbox test harness for the 'add a new Enterprise product' cookbook."""


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
    from .jsonc import comment_hiding_json, strip_comments

    seen: list[str] = []

    def keep(text: str) -> str:  # the text as read, for the hint below
        seen.append(text)
        return strip_comments(text) if allow_comments else text

    try:
        return read_json_file(file, strip=keep)
    except JsonError as exc:
        not_json = bool(seen) and ": not JSON:" in str(exc)
        hint = ""
        if not_json and not allow_comments and "//" in seen[0]:
            hint = " (it has // comments: add --allow-comments)"
        elif not_json and allow_comments and (hiding := comment_hiding_json(seen[0])):
            hint = (
                f" (the // comment at {hiding[0]}:{hiding[1]} runs to the end of its line and "
                "hides the JSON after it: a sample pasted on one line needs its line breaks)"
            )
        raise UserError(f"{exc}{hint}") from None


@main.group("profile")
def profile_commands() -> None:
    """The profile of an org: what the suite's roles find in it."""


@profile_commands.command("discover")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Profile to write.")
@click.option(
    "--force",
    is_flag=True,
    help="Replace --out when it exists (the site admins you added to it are lost).",
)
@click.option("--transaction-account", multiple=True, help="A transaction account id (repeat).")
@click.option(
    "--invoice-group",
    multiple=True,
    help="An invoice group: GROUP (of the first --transaction-account) or ACCOUNT=GROUP.",
)
@click.option(
    "--offering",
    multiple=True,
    help="NAME=ID of an offering to buy: jira-enterprise, confluence-enterprise, "
    "jsm-enterprise, jira-premium, jira-family-container, app (or the cookbook's words).",
)
@click.option("--pricing-plan", multiple=True, help="NAME=PLAN: a pricing plan of an offering.")
@click.option("--app-key", help="The app's key (apps.provision's appKey).")
@click.option(
    "--app-charge-element",
    type=click.Choice(["user", "agent"]),
    help="What the app's items are charged per (its pricing says; no read API does).",
)
@click.option("--admin-email", help="The admin e-mail the provisioning requests name.")
@click.option("--site-prefix", help="How the suite's new site names begin.")
@click.option(
    "--features",
    default="features",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Features folder: which scenarios need what is missing.",
)
def discover_command(
    out: str,
    force: bool,
    transaction_account: tuple[str, ...],
    invoice_group: tuple[str, ...],
    offering: tuple[str, ...],
    pricing_plan: tuple[str, ...],
    app_key: str | None,
    app_charge_element: str | None,
    admin_email: str | None,
    site_prefix: str | None,
    features: str,
) -> None:
    """Write a profile of your org (--out FILE) from the cookbook's read APIs.

    Reads ATLASSIAN_BASE_URL (default https://api.atlassian.com), ATLASSIAN_ORG_ID and
    ATLASSIAN_API_KEY (or ATLASSIAN_SITE_ADMIN_EMAIL and ATLASSIAN_SITE_ADMIN_TOKEN);
    walks the workspaces, entitlement lists and entitlement details; takes what no read
    API gives from the options; prints what is still missing, for which scenarios. It
    sends reads only: its client refuses anything else before sending. Exit 0 when the
    profile was written, 1 when the org answered an error or what makes no valid profile
    (nothing is written then), 2 for a usage error (said before a request is sent).
    """
    from ._files import output_problem, write_whole
    from .client import HarnessClientError
    from .discovery import (
        DiscoveryError,
        DiscoveryOptions,
        UnusableAnswers,
        check_options,
        client_from_env,
        discover,
    )

    options = DiscoveryOptions(
        transaction_account,
        invoice_group,
        offering,
        pricing_plan,
        app_key,
        admin_email,
        site_prefix,
        app_charge_element,
    )
    path = Path(out)
    if path.exists() and not force:
        raise UserError(
            f"--out {out}: the file exists (site admins you added to it would be lost): "
            "give another file, or --force to replace it"
        )
    problem = output_problem(path)
    if problem:
        raise UserError(f"--out {out}: cannot write it: {problem}")
    try:
        with client_from_env() as client:
            check_options(client.org_id, options)
            found = discover(client, options, progress=lambda line: click.echo(line, err=True))
    except DiscoveryError as exc:
        raise UserError(str(exc)) from None
    except UnusableAnswers as exc:
        raise click.ClickException(str(exc)) from None
    except HarnessClientError as exc:
        raise click.ClickException(f"the org answered: {exc}") from None
    try:
        write_whole(path, json.dumps(found.data, indent=2) + "\n")
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write it: {exc.strerror}") from None
    profile = dataclasses.replace(found.profile, source=str(path))  # loaded by discover
    for note in found.notes:
        click.echo(f"note: {note}")
    click.echo(_profile_summary(path, found.data))
    _report_missing(profile, Path(features), site_prefix)


def _profile_summary(path: Path, data: dict[str, Any]) -> str:
    catalogue = data["catalogue"]
    sites = "; ".join(
        f"{s['name']}: {', '.join(p['product'] for p in s['products']) or 'no product'}"
        for s in catalogue["sites"]
    )
    return (
        f"Wrote {path}: org {data['org']['id']}, {len(catalogue['sites'])} site(s) "
        f"({sites or 'none'}), {len(catalogue['offerings'])} offering(s), "
        f"{len(catalogue['parentEntitlements'])} parent Enterprise entitlement(s), "
        f"{len(catalogue['transactionAccounts'])} transaction account(s)"
    )


def _report_missing(profile: Any, features: Path, site_prefix: str | None) -> None:
    """Each role the profile lacks, how to add it, and the scenarios that need it (as a
    live run would see them: sites a scenario changes are made for it)."""
    from .contracts import roles
    from .suite.naming import Naming
    from .suite.plan import feature_plans

    if not features.is_dir():
        missing = roles.missing(profile, roles.ROLES)
        needs: dict[str, list[str]] = {m.role.name: [] for m in missing}
    else:
        naming = Naming(site_prefix or roles.site_prefix(profile), "discover")
        needs = {}
        for plan in feature_plans(features, profile, naming):
            for role in plan.missing:
                needs.setdefault(role.role.name, []).append(plan.key)
    if not needs:
        click.echo("Nothing is missing: every scenario's roles are in the profile.")
        return
    click.echo("Still missing (a scenario that needs it is skipped, saying so):")
    for name, scenarios in needs.items():
        click.echo(f"  {name}: {roles.role(name).how_to_add}")
        if scenarios:
            shown = ", ".join(scenarios[:4]) + (", ..." if len(scenarios) > 4 else "")
            click.echo(f"    needed by {len(scenarios)} scenario(s): {shown}")


@main.command("assumptions")
@click.argument("reports", default="reports", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the ledger as JSON instead.")
def assumptions_command(reports: str, as_json: bool) -> None:
    """The assumption ledger of the last live run in REPORTS (reports/assumptions.json):
    each assumption it observed, whether the org's answers agreed with the harness's
    reading, and the exchange that shows it. Exit 1 when the org contradicted one."""
    from harness.suite.assumptions import LEDGER_FILE
    from harness.suite.ledger_report import read, table

    try:
        data = read(Path(reports) / LEDGER_FILE)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(json.dumps(data, indent=2) if as_json else table(data))
    sys.exit(1 if data.get("contradicted") else 0)


@main.command("docs")
@click.option("--check", is_flag=True, help="Exit 1 when docs/ differs from what the code says.")
@click.option("--out", default="docs", show_default=True, type=click.Path(file_okay=False))
@click.option("--features", default="features", show_default=True, type=click.Path(file_okay=False))
def docs_command(check: bool, out: str, features: str) -> None:
    """Write docs/rules.md, errata.md, roles.md and architecture.md from the code.

    The rule catalogue, the errata and assumptions, the roles and the package map: each is
    generated, so it changes through the code it is made from, never by hand."""
    from ._files import output_problem, write_whole
    from .docs import generated

    folder = Path(out)
    if not Path(features).is_dir():
        raise UserError(f"--features {features}: no such folder (the features folder)")
    problem = None if check else output_problem(folder / "rules.md")
    if problem:
        raise UserError(f"--out {out}: cannot write it: {problem}")
    stale = []
    for name, text in generated(Path(features)).items():
        path = folder / name
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(str(path))
        if not check:
            try:
                write_whole(path, text)
            except OSError as exc:
                raise UserError(f"{path}: cannot write it: {exc.strerror}") from None
    if check and stale:
        click.echo(f"stale: {', '.join(stale)} (run: {harness_command('docs')})", err=True)
        sys.exit(1)
    click.echo(("up to date: " if check else "wrote: ") + (", ".join(stale) or str(folder)))


if __name__ == "__main__":  # pragma: no cover
    main()

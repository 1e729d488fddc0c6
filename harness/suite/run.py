"""One suite run, worked out once from its command line before any scenario: its
settings, the org's profile, how it names what it makes, and whether it may start.

``prepare(option, environ)`` refuses (``RunError``, one line for a person) a run that
cannot work: live mode without its variables, a base URL that is none, ``--reset-sandbox``
where it means nothing, a profile or a site prefix that is unusable. ``notices`` says
how the run treats the org; ``has_sandbox`` whether the org has the sandbox's clock and
faults (asked once); ``scenario_settings`` how one scenario runs under
``--record-mode=once``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness._command import harness_command
from harness._loopback import is_loopback
from harness._redact import redacted_url
from harness.client import credential_problem
from harness.contracts import Profile, ProfileError, load_profile, roles

from . import record_mode
from .modes import Mode, RunSettings, base_url_problem
from .naming import Naming, NamingError, check_prefix, check_run_id, new_run_id

#: Sandbox time at every reset of the sandbox: frozen, so recordings repeat.
FROZEN_EPOCH = 1_767_225_600.0  # 2026-01-01T00:00:00Z
#: The live API's root when neither --base-url nor $ATLASSIAN_BASE_URL says another.
LIVE_BASE_URL = "https://api.atlassian.com"

#: Reads one command-line option by its name (``--mode``): ``pytest.Config.getoption``.
Option = Callable[[str], Any]


class RunError(ValueError):
    """The run cannot start; the message says why and what to do."""


@dataclass
class Run:
    """What a run worked out once."""

    settings: RunSettings
    profile: Profile
    naming: Naming
    #: ``--plan``: nothing is sent, not even a probe.
    plan: bool = False
    #: Whether --base-url (or the embedded one) is a harness sandbox; None: not asked yet.
    has_sandbox: bool | None = None


def settings_of(option: Option) -> RunSettings:
    """The run's settings from its command-line options."""
    try:
        mode, vcr_mode = record_mode.resolve(option("--mode"), option("--record-mode"))
    except record_mode.RecordModeError as exc:
        raise RunError(str(exc)) from None
    return RunSettings(
        mode=mode,
        base_url=option("--base-url"),
        allow_orders=option("--allow-orders"),
        profile_path=option("--profile"),
        cassette_dir=Path(option("--cassette-dir")),
        allow_provisioning=option("--allow-provisioning"),
        reset_sandbox=option("--reset-sandbox"),
        site_prefix=option("--site-prefix"),
        record_mode=vcr_mode.value if vcr_mode else None,
    )


def prepare(
    option: Option,
    environ: Mapping[str, str] | None = None,
    *,
    given_run_id: str | None = None,
    processes: int = 0,
) -> Run:
    """The run of these options (``RunError`` when it cannot work). ``given_run_id``: the
    one an xdist controller handed its workers; ``processes``: ``-n`` (in a worker, how
    many workers the run has)."""
    env = os.environ if environ is None else environ
    settings = settings_of(option)
    plan = bool(option("--plan"))
    if settings.mode is Mode.LIVE and not plan:
        missing = [n for n in ("ATLASSIAN_ORG_ID", "ATLASSIAN_API_KEY") if not env.get(n)]
        if missing:
            raise RunError(f"--mode live needs {' and '.join(missing)} in the environment")
        problem = credential_problem(env["ATLASSIAN_API_KEY"])
        if problem:
            raise RunError(f"ATLASSIAN_API_KEY {problem}")
    urls = {"--base-url": settings.base_url}
    if settings.mode is Mode.LIVE and not settings.base_url:
        urls["ATLASSIAN_BASE_URL"] = env.get("ATLASSIAN_BASE_URL")
    for name, url in urls.items():
        problem = base_url_problem(url) if url is not None else None
        if problem:
            raise RunError(f"{name} {redacted_url(url)!r}: {problem}")
    if settings.reset_sandbox and not (settings.mode is Mode.RECORD and settings.base_url):
        raise RunError(
            "--reset-sandbox resets the harness sandbox of --mode record --base-url URL; "
            "the embedded sandbox is reset anyway, and a live org never is"
        )
    if settings.reset_sandbox and processes > 1:
        raise RunError(
            "--reset-sandbox resets one sandbox before each scenario: scenarios running at "
            "once (-n) would reset each other's state; record with one process"
        )
    try:
        profile = load_profile(settings.profile_path)
        # An empty value given (an unset shell variable) is checked, not taken for none.
        given_prefix = settings.site_prefix
        prefix = check_prefix(roles.site_prefix(profile) if given_prefix is None else given_prefix)
        run_id = None
        if settings.fresh:
            given = option("--run-id")
            given = given_run_id if given is None else given
            run_id = new_run_id() if given is None else check_run_id(given)
    except (ProfileError, NamingError) as exc:
        raise RunError(str(exc)) from None
    org = env.get("ATLASSIAN_ORG_ID")
    default_profile = settings.mode in (Mode.LIVE, Mode.RECORD) and not settings.profile_path
    if default_profile and org and org != profile.org_id:
        # The default profile is the sandbox org's: its sites, offerings, accounts and
        # admin e-mail would be sent to another org (a plan would list them as its).
        raise RunError(
            f"--mode {settings.mode} against org {org!r} needs that org's profile: the default "
            f"one describes the sandbox org {profile.org_id}; give --profile my-org.json "
            f"({harness_command('profile', 'discover', '--out', 'my-org.json')} writes it)"
        )
    if settings.embeds_sandbox and not plan and not profile.api_key:
        # The embedded sandbox authenticates the org's calls against it: none would pass.
        raise RunError(
            f"{profile.source}: no org.apiKey: the embedded sandbox serves this org and "
            "takes its key; add one (any string of 8 or more characters), or run --mode "
            "live against the org itself"
        )
    settings = replace(settings, run_id=run_id, concurrent=processes > 1)
    taken = frozenset(site.name for site in profile.catalogue.sites)
    return Run(settings, profile, Naming(prefix, run_id, taken), plan=plan)


def base_url(settings: RunSettings, environ: Mapping[str, str] | None = None) -> str | None:
    """Where the run's requests go, when known before the session starts (None: the
    embedded sandbox or the cassettes, both of which allow everything)."""
    if settings.embeds_sandbox or settings.mode is Mode.REPLAY:
        return None
    env = os.environ if environ is None else environ
    return settings.base_url or env.get("ATLASSIAN_BASE_URL", LIVE_BASE_URL)


def notices(run: Run) -> list[str]:
    """What a person should know about how this run treats the org."""
    settings, naming = run.settings, run.naming
    lines = []
    if settings.reset_sandbox:
        lines.append(
            f"harness: resetting the sandbox at {settings.base_url} before each scenario, its "
            "clock frozen at 2026-01-01T00:00:00Z (--reset-sandbox)"
        )
    elif settings.mode is Mode.RECORD and settings.base_url:
        lines.append(
            f"harness: the org at {settings.base_url} is never reset (--reset-sandbox resets a "
            "harness sandbox before each scenario, so that the cassettes repeat)"
        )
    if naming.fresh:
        lines.append(
            f"harness: run {naming.run_id}: new sites are named "
            f"{naming.prefix}-{naming.run_id}-<label>-<hash>; order and item ids carry the run id"
        )
    return lines


def has_sandbox(run: Run, probe: Callable[[str, Profile], bool]) -> bool:
    """Whether the run's org has the sandbox's clock and faults (asked once, through
    ``probe(base_url, profile)``; a plan takes a loopback host for one, unasked)."""
    if run.has_sandbox is None:
        settings = run.settings
        if settings.mode is Mode.LIVE:
            run.has_sandbox = False  # a live org is never probed for /_sandbox/
        elif settings.mode is Mode.RECORD and settings.base_url:
            run.has_sandbox = (
                is_loopback(settings.base_url)
                if run.plan
                else probe(settings.base_url, run.profile)
            )
        else:
            run.has_sandbox = True
    return run.has_sandbox


def scenario_settings(settings: RunSettings, cassette: Path) -> RunSettings:
    """The run's settings for one scenario: ``--record-mode=once`` replays a scenario whose
    cassette exists and records the others."""
    if settings.record_mode is None:
        return settings
    wanted = record_mode.RecordMode(settings.record_mode)
    mode = record_mode.scenario_mode(wanted, cassette.is_file())
    return settings if mode is settings.mode else replace(settings, mode=mode)

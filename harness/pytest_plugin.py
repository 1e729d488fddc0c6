"""The pytest plugin of the cookbook suite: options, hooks and fixtures only.

The logic lives in ``harness.suite`` (modes, record modes, tiers, naming, plan,
selection, cassettes, the scenario world, progress, failures, reporting). Options:
``--mode local|replay|record|live``, ``--record-mode none|once|new_episodes|all`` (vcrpy's,
``harness.suite.record_mode``), ``--base-url``, ``--allow-provisioning``,
``--allow-orders``, ``--reset-sandbox``, ``--site-prefix``, ``--run-id``, ``--plan``,
``--profile``, ``--cassette-dir``. A failing step is reported in a few lines
(``harness.suite.failures``). Fixtures: ``run_settings`` (override it to configure a run
from code), ``journey_target`` (session: where scenarios send their requests) and
``world`` (one per scenario).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import pytest_socket

from harness._command import harness_command
from harness._loopback import is_loopback
from harness.contracts import Profile, ProfileError, load_profile, roles
from harness.suite import assumptions, record_mode, reporting
from harness.suite.cassettes import RECORDED_BASE_URL, cassette_path, make_vcr
from harness.suite.failures import StepFailure
from harness.suite.modes import Mode, RunSettings, base_url_problem
from harness.suite.naming import Naming, NamingError, check_prefix, check_run_id, new_run_id
from harness.suite.plan import summary
from harness.suite.progress import WaitProgress
from harness.suite.report import write_run_metadata
from harness.suite.selection import plan_of, scenario_of, select, tier_problems
from harness.suite.tiers import tier_of
from harness.suite.world import RealClock, SandboxControl, ScenarioClock, World

#: Gherkin tags of the features, registered as pytest marks.
MARKS = {
    "auth": "authentication journeys",
    "prerequisites": "entitlement ID and details",
    "new-site": "provisioning on a new site",
    "existing-site": "adding to an existing site",
    "apps": "app journeys",
    "window": "the 10-minute provisioning window",
    "tracking": "order tracking",
    "rules": "order relationship rules",
    "sandbox-clock": "needs a sandbox whose clock can be moved (not live)",
    "cookbook(section)": "the cookbook section a feature covers",
    "fault(spec)": "a sandbox fault injected for the scenario",
    "read-only": "tier: reads only; runs against any org",
    "provisioning": "tier: creates sites or apps (--allow-provisioning off loopback)",
    "orders": "tier: places orders, which cost money (--allow-orders off loopback)",
    "consumes": "changes the sites its roles give it for good: a shared org makes new ones",
}
#: Sandbox time at every reset of the sandbox: frozen, so recordings repeat.
FROZEN_EPOCH = 1_767_225_600.0  # 2026-01-01T00:00:00Z
#: Where the plugin keeps what it worked out once per run.
_RUN = pytest.StashKey["_Run"]()
#: The run's assumption ledger (live runs, record runs against a host not loopback).
_LEDGER = pytest.StashKey[assumptions.Ledger]()
#: What the controller wrote of the ledger, for the terminal summary.
_LEDGER_WRITTEN = pytest.StashKey[tuple[Path, dict[str, Any]]]()


@dataclass
class _Run:
    settings: RunSettings
    profile: Profile
    naming: Naming
    #: ``--plan``: nothing is sent, not even a probe.
    plan: bool = False
    #: Whether --base-url (or the embedded one) is a harness sandbox; None: not asked yet.
    has_sandbox: bool | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "cookbook suite")
    group.addoption(
        "--mode",
        choices=[m.value for m in Mode],
        default=None,
        help="local (embedded sandbox, default), replay (cassettes, no network), "
        "record (write cassettes), live (a real org, no cassettes)",
    )
    group.addoption(
        "--record-mode",
        choices=[m.value for m in record_mode.RecordMode],
        default=None,
        help="vcrpy's record modes onto the suite's: none (= --mode replay), once (replay "
        "the cassettes that exist, record the missing), new_episodes (replay, and record "
        "new requests into the cassette), all (= --mode record)",
    )
    group.addoption(
        "--base-url",
        default=None,
        help="API root for record and live modes (live default: "
        "$ATLASSIAN_BASE_URL or https://api.atlassian.com)",
    )
    group.addoption(
        "--allow-provisioning",
        action="store_true",
        default=False,
        help="run @provisioning scenarios against a host that is not loopback (they create "
        "sites and apps)",
    )
    group.addoption(
        "--allow-orders",
        action="store_true",
        default=False,
        help="run @orders scenarios against a host that is not loopback (they cost money); "
        "implies --allow-provisioning",
    )
    group.addoption(
        "--reset-sandbox",
        action="store_true",
        default=False,
        help="record mode: reset the harness sandbox at --base-url before each scenario, its "
        "clock frozen at the suite's epoch (without it, an external sandbox is never reset)",
    )
    group.addoption(
        "--site-prefix",
        default=None,
        help="how new site names begin (default: the profile's defaults.sitePrefix, else "
        "'harness'); a run against a shared org adds its run id",
    )
    group.addoption(
        "--run-id",
        default=None,
        help="the run id of a run against a shared org (default: a fresh one); give the one "
        "a --plan printed to make what it listed",
    )
    group.addoption(
        "--plan",
        action="store_true",
        default=False,
        help="print each scenario with its tier, the sites, products and orders it would make, "
        "and exit without sending anything",
    )
    group.addoption(
        "--profile",
        default=None,
        help="profile file of the org (default: the sandbox's default profile)",
    )
    group.addoption("--cassette-dir", default="cassettes", help="where cassettes live")
    group.addoption(
        "--assumptions-ledger",
        default=None,
        help="where a live run (or a record run against a host that is not loopback) writes "
        "its assumption ledger (default: assumptions.json beside --alluredir's folder, else "
        "reports/assumptions.json)",
    )
    # harness run writes into a staging folder it publishes afterwards: where to say it is.
    group.addoption("--assumptions-ledger-published", default=None, help=argparse.SUPPRESS)


def pytest_configure(config: pytest.Config) -> None:
    """Register the marks; refuse, once and before any scenario, a run that cannot work:
    live mode without its variables, a base URL that is none, a profile that is unusable."""
    for name, text in MARKS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    settings = _settings(config)
    if settings.mode is Mode.LIVE and not config.getoption("--plan"):
        missing = [n for n in ("ATLASSIAN_ORG_ID", "ATLASSIAN_API_KEY") if not os.environ.get(n)]
        if missing:
            raise pytest.UsageError(f"--mode live needs {' and '.join(missing)} in the environment")
    urls = {"--base-url": settings.base_url}
    if settings.mode is Mode.LIVE and not settings.base_url:
        urls["ATLASSIAN_BASE_URL"] = os.environ.get("ATLASSIAN_BASE_URL")
    for name, url in urls.items():
        problem = base_url_problem(url) if url is not None else None
        if problem:
            raise pytest.UsageError(f"{name} {url[:200]!r}: {problem}")
    if settings.reset_sandbox and not (settings.mode is Mode.RECORD and settings.base_url):
        raise pytest.UsageError(
            "--reset-sandbox resets the harness sandbox of --mode record --base-url URL; "
            "the embedded sandbox is reset anyway, and a live org never is"
        )
    if settings.reset_sandbox and (config.getoption("numprocesses", None) or 0) > 1:
        raise pytest.UsageError(
            "--reset-sandbox resets one sandbox before each scenario: scenarios running at "
            "once (-n) would reset each other's state; record with one process"
        )
    try:
        profile = load_profile(settings.profile_path)
        prefix = check_prefix(settings.site_prefix or roles.site_prefix(profile))
        run_id = None
        if settings.fresh:
            given = config.getoption("--run-id") or _worker_input(config).get("harness_run_id")
            run_id = check_run_id(given) if given else new_run_id()
    except (ProfileError, NamingError) as exc:
        raise pytest.UsageError(str(exc)) from None
    if config.getoption("--plan") and hasattr(config.option, "dist"):
        # A plan runs nothing: one process reads every scenario (xdist configures later).
        config.option.dist, config.option.numprocesses = "no", None
    settings = replace(settings, run_id=run_id)
    config.stash[_RUN] = _Run(
        settings, profile, Naming(prefix, run_id), plan=config.getoption("--plan")
    )
    if assumptions.writes_ledger(settings) and not config.getoption("--plan"):
        config.stash[_LEDGER] = assumptions.Ledger()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist: a worker's ledger evidence joins the controller's."""
    ledger = node.config.stash.get(_LEDGER, None)
    if ledger is not None:
        ledger.merge(getattr(node, "workeroutput", {}).get("harness_assumptions", []))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The ledger: a worker hands its evidence on; the controller writes it
    (``reports/assumptions.json`` beside the Allure results, and an Allure result)."""
    config = session.config
    ledger = config.stash.get(_LEDGER, None)
    if ledger is None:
        return
    if hasattr(config, "workeroutput"):
        config.workeroutput["harness_assumptions"] = ledger.parts()
        return
    results = config.getoption("allure_report_dir", None)
    given = config.getoption("--assumptions-ledger")
    path = (
        Path(given)
        if given
        else (Path(results).parent if results else config.rootpath / "reports")
        / assumptions.LEDGER_FILE
    )
    settings = config.stash[_RUN].settings
    run = {
        "mode": settings.mode.value,
        "baseUrl": _base_url(settings),
        "runId": settings.run_id,
        "finishedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    data = assumptions.publish(ledger, path, Path(results) if results else None, run)
    published = config.getoption("--assumptions-ledger-published")
    config.stash[_LEDGER_WRITTEN] = (Path(published) if published else path, data)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    written = config.stash.get(_LEDGER_WRITTEN, None)
    if written is not None:
        terminalreporter.write_line(assumptions.summary_line(*written))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker of a run shares its run id (names never collide)."""
    run_id = node.config.stash[_RUN].settings.run_id
    if run_id:
        node.workerinput["harness_run_id"] = run_id


def _notices(run: _Run) -> list[str]:
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


def pytest_bdd_apply_tag(tag: str, function: Any) -> Any:
    """``@cookbook:place-order`` becomes ``mark.cookbook("place-order")``."""
    name, sep, value = tag.partition(":")
    if not sep:
        return None
    return getattr(pytest.mark, name)(value)(function)


def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    request.node.harness_scenario = (feature.filename, scenario.name)


#: The failed Gherkin step of a scenario, for its report.
FAILED_STEP = pytest.StashKey[StepFailure]()


def pytest_bdd_step_error(
    request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any, exception: Exception
) -> None:
    request.node.stash[FAILED_STEP] = StepFailure.of(feature, scenario, step)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed step: the feature, scenario, step and breach in a few lines instead of the
    traceback (kept under -v or an explicit --tb); the step's line in any case."""
    report = yield
    failure = item.stash.get(FAILED_STEP, None)
    if failure is None or not report.failed or call.excinfo is None:
        return report
    config = item.config
    if config.option.tbstyle == "auto" and config.get_verbosity() <= 0:
        report.longrepr = failure.summary(call.excinfo.value)
    else:
        report.sections.append(("Gherkin step that failed", failure.headline))
    return report


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check every scenario's tier tag; deselect, one line per reason, what this run may
    not send (``selection.select``); skip, before anything is sent, a scenario whose
    roles the profile lacks (``plan``)."""
    problems = tier_problems(items)
    if problems:  # an outline's examples share their scenario's tags: each said once
        raise pytest.UsageError("\n".join(dict.fromkeys(problems)))
    run = config.stash[_RUN]
    for line in _notices(run):
        _announce(config, line)
    kept, left_out = select(items, run.settings, _base_url(run.settings), _has_sandbox(run))
    for group in left_out:
        config.hook.pytest_deselected(items=group.items)
        _announce(config, group.line())
    items[:] = kept
    for item in items:
        scenario = scenario_of(item)
        if scenario is None:
            continue
        missing = plan_of(scenario, run.profile, run.naming).missing
        if missing:
            item.add_marker(pytest.mark.skip(reason=str(missing[0])))


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    """``--plan``: print what each kept scenario would make, and run nothing."""
    config = session.config
    if not config.getoption("--plan"):
        return None
    run = config.stash[_RUN]
    plans = [
        plan_of(scenario, run.profile, run.naming)
        for scenario in map(scenario_of, session.items)
        if scenario is not None
    ]
    lines = [line for plan in plans for line in plan.describe()]
    lines.append(f"harness --plan: {summary(plans)}")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    for line in lines:
        if reporter is not None:
            reporter.write_line(line)
        else:
            print(line)
    return True


@pytest.fixture(scope="session")
def run_settings(pytestconfig: pytest.Config) -> RunSettings:
    """The run's settings from the command line; override to configure from code."""
    return pytestconfig.stash[_RUN].settings


@dataclass(frozen=True)
class JourneyTarget:
    """Where the scenarios send requests, and the org's profile."""

    base_url: str
    profile: Profile
    embedded: Any = None  # the embedded SandboxServer, when there is one


@pytest.fixture(scope="session")
def journey_target(
    run_settings: RunSettings, pytestconfig: pytest.Config
) -> Iterator[JourneyTarget]:
    """Where scenarios go: the embedded sandbox, the cassettes, or ``--base-url``."""
    profile = load_profile(run_settings.profile_path)
    for target in _targets(run_settings, profile):
        results = pytestconfig.getoption("allure_report_dir", None)
        if results:
            write_run_metadata(Path(results), run_settings, target.base_url)
        yield target


def _targets(run_settings: RunSettings, profile: Profile) -> Iterator[JourneyTarget]:
    if run_settings.reset_sandbox and not _probe(run_settings.base_url or "", profile):
        pytest.exit(
            f"--reset-sandbox: {run_settings.base_url} is not a harness sandbox (GET "
            "/_sandbox/clock did not answer 200 to the profile's API key)",
            returncode=4,
        )
    if run_settings.embeds_sandbox:
        from harness.sandbox.testing import running_sandbox

        with running_sandbox(profile, clock=lambda: FROZEN_EPOCH) as server:
            yield JourneyTarget(server.base_url, profile, server)
        return
    if run_settings.mode is Mode.REPLAY:
        yield JourneyTarget(RECORDED_BASE_URL, profile)
        return
    base_url = run_settings.base_url or os.environ.get(
        "ATLASSIAN_BASE_URL", "https://api.atlassian.com"
    )
    if run_settings.mode is Mode.LIVE:
        profile = _live_profile(profile)
    yield JourneyTarget(base_url, profile)


@pytest.fixture
def world(
    request: pytest.FixtureRequest, run_settings: RunSettings, journey_target: JourneyTarget
) -> Iterator[World]:
    """One scenario's world, with its cassette (replay, record) and sandbox state reset."""
    feature_file, scenario_name = getattr(request.node, "harness_scenario", (None, None))
    if feature_file is None:
        pytest.fail("the world fixture serves Gherkin scenarios only")
    key = f"{Path(feature_file).stem}/{scenario_name}"
    path = cassette_path(run_settings.cassette_dir, feature_file, scenario_name)
    settings = _scenario_settings(run_settings, path)
    mode = settings.mode
    base_url = RECORDED_BASE_URL if mode is Mode.REPLAY else journey_target.base_url
    control = None
    if mode in (Mode.LOCAL, Mode.RECORD):
        control = SandboxControl.probe(base_url, journey_target.profile.control_token)
    clock = (
        ScenarioClock(control.advance if control else None)
        if (control or mode is Mode.REPLAY)
        else RealClock()
    )
    run = request.config.stash[_RUN]
    tags = {mark.name for mark in request.node.iter_markers()}
    echo = _echo(request.config) if isinstance(clock, RealClock) else None
    world = World(
        settings,
        journey_target.profile,
        base_url,
        clock,
        key,
        control,
        naming=run.naming,
        tier=tier_of(tags, key),
        consumes="consumes" in tags,
        progress=WaitProgress(key, echo),
    )
    marker = request.node.get_closest_marker("cookbook")
    reporting.label_scenario(marker.args[0] if marker else None)
    ledger = request.config.stash.get(_LEDGER, None)
    with ExitStack() as stack:
        stack.callback(world.close)
        if ledger is not None:  # what the scenario's exchanges say of the assumptions
            stack.callback(
                lambda: ledger.add(
                    assumptions.observe(key, world.exchanges, world.profile, world.admin)
                )
            )
        if control is not None:
            if settings.resets_org:
                control.reset(frozen_at=FROZEN_EPOCH)
            marker = request.node.get_closest_marker("fault")
            if marker:
                control.faults(_fault_spec(marker.args[0]))
                if not settings.resets_org:  # leave a shared sandbox as it was
                    stack.callback(control.clear_faults)
        if settings.uses_cassettes:
            if mode is Mode.REPLAY and not path.is_file():
                pytest.fail(
                    f"no cassette for scenario {scenario_name!r}: {path} is missing "
                    f"(record it: {harness_command('run', '--record-mode=once')})",
                    pytrace=False,
                )
            if settings.record_mode == record_mode.RecordMode.ALL:
                # vcrpy's `all` keeps old interactions no new request matched: a request
                # whose body changed would leave its old one behind. Record afresh.
                path.unlink(missing_ok=True)
            secrets = _secrets(journey_target.profile)
            recorder = make_vcr(
                record_mode=settings.record_mode or "none", base_url=base_url, secrets=secrets
            )
            stack.enter_context(recorder.use_cassette(str(path)))
            if mode is Mode.REPLAY:
                # Replay needs no server: pytest-socket refuses every socket until the end.
                pytest_socket.disable_socket(allow_unix_socket=True)
                stack.callback(pytest_socket.enable_socket)
        yield world


def _scenario_settings(run_settings: RunSettings, cassette: Path) -> RunSettings:
    """The run's settings for one scenario: ``--record-mode=once`` replays a scenario whose
    cassette exists and records the others."""
    if run_settings.record_mode is None:
        return run_settings
    wanted = record_mode.RecordMode(run_settings.record_mode)
    mode = record_mode.scenario_mode(wanted, cassette.is_file())
    return run_settings if mode is run_settings.mode else replace(run_settings, mode=mode)


def _settings(config: pytest.Config) -> RunSettings:
    try:
        mode, vcr_mode = record_mode.resolve(
            config.getoption("--mode"), config.getoption("--record-mode")
        )
    except record_mode.RecordModeError as exc:
        raise pytest.UsageError(str(exc)) from None
    return RunSettings(
        mode=mode,
        base_url=config.getoption("--base-url"),
        allow_orders=config.getoption("--allow-orders"),
        profile_path=config.getoption("--profile"),
        cassette_dir=Path(config.getoption("--cassette-dir")),
        allow_provisioning=config.getoption("--allow-provisioning"),
        reset_sandbox=config.getoption("--reset-sandbox"),
        site_prefix=config.getoption("--site-prefix"),
        record_mode=vcr_mode.value if vcr_mode else None,
    )


def _base_url(settings: RunSettings) -> str | None:
    """Where the run's requests go, when known before the session starts (None: the
    embedded sandbox or the cassettes, both of which allow everything)."""
    if settings.embeds_sandbox or settings.mode is Mode.REPLAY:
        return None
    return settings.base_url or os.environ.get("ATLASSIAN_BASE_URL", "https://api.atlassian.com")


def _has_sandbox(run: _Run) -> bool:
    """Whether the run's org has the sandbox's clock and faults (asked once)."""
    if run.has_sandbox is None:
        settings = run.settings
        if settings.mode is Mode.LIVE:
            run.has_sandbox = False  # a live org is never probed for /_sandbox/
        elif settings.mode is Mode.RECORD and settings.base_url:
            # A plan sends nothing: it takes a loopback host for a sandbox, unasked.
            run.has_sandbox = (
                is_loopback(settings.base_url)
                if run.plan
                else _probe(settings.base_url, run.profile)
            )
        else:
            run.has_sandbox = True
    return run.has_sandbox


def _probe(base_url: str, profile: Profile) -> bool:
    control = SandboxControl.probe(base_url, profile.control_token)
    if control is None:
        return False
    control.close()
    return True


def _worker_input(config: pytest.Config) -> dict[str, Any]:
    return getattr(config, "workerinput", {})


def _echo(config: pytest.Config) -> Any:
    """A function writing one line to the terminal past pytest's capture; in an xdist
    worker (whose stdout is not the terminal) to stderr, prefixed with the worker's id."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    worker = _worker_input(config).get("workerid")

    def echo(line: str) -> None:
        suspended = capture.global_and_fixture_disabled() if capture else ExitStack()
        with suspended:
            if worker is None:
                reporter = config.pluginmanager.get_plugin("terminalreporter")
                if reporter is not None:
                    # After a row of progress dots, start a line of its own.
                    if reporter._tw.width_of_current_line:
                        reporter._tw.line()
                    reporter._tw.line(line)
                    return
            sys.stderr.write(f"[{worker}] {line}\n" if worker else f"{line}\n")
            sys.stderr.flush()

    return echo


def _announce(config: pytest.Config, line: str) -> None:
    """A line about the whole run: from the controller, or from one xdist worker only."""
    worker = _worker_input(config).get("workerid")
    if worker in (None, "gw0"):
        _echo(config)(line)


#: Option names of a fault tag -> fields of ``POST /_sandbox/faults``.
_FAULT_OPTIONS = {"times": "times", "retry-after": "retryAfter", "item": "item", "reason": "reason"}


def _fault_spec(text: str) -> dict[str, Any]:
    """A fault tag's spec for ``POST /_sandbox/faults`` (``harness.sandbox.faults``).

    ``<operation>:<fault>[=<seconds>][:<option>=<value>]...``::

        orders.process:fail-item          {"operation": "orders.process", "fault": "fail-item"}
        orders.get:503:times=2            ... "fault": "503", "times": 2
        orders.get:503:times=always       ... "times": null (until the scenario ends)
        orders.get:429:retry-after=120    ... "fault": "429", "retryAfter": 120
        provisioning.status:delay=2       ... "fault": "delay", "seconds": 2
        orders.process:fail-item:item=O1  ... "item": "O1"

    The sandbox checks the spec and answers 400 naming what is wrong.
    """
    operation, _, rest = text.partition(":")
    fault, *options = rest.split(":")
    spec: dict[str, Any] = {"operation": operation}
    kind, _, seconds = fault.partition("=")
    spec["fault"] = kind
    if seconds:
        spec["seconds"] = _number(seconds)
    for option in options:
        name, _, value = option.partition("=")
        field = _FAULT_OPTIONS.get(name, name)
        if field == "times" and value == "always":
            spec[field] = None
        elif field in ("times", "retryAfter"):
            spec[field] = _number(value)
        else:
            spec[field] = value
    return spec


def _number(text: str) -> Any:
    """An int when the text is one, else a float; the text itself when neither (the
    sandbox then refuses it by name)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def _secrets(profile: Profile) -> list[str]:
    found = list(profile.credentials())
    found += [
        os.environ.get(name, "") for name in ("ATLASSIAN_API_KEY", "ATLASSIAN_SITE_ADMIN_TOKEN")
    ]
    return [s for s in found if s]


def _live_profile(profile: Profile) -> Profile:
    """A live run's credentials and org come from the environment, never from a file."""
    return replace(
        profile, org_id=os.environ["ATLASSIAN_ORG_ID"], api_key=os.environ["ATLASSIAN_API_KEY"]
    )

"""The pytest plugin of the cookbook suite: options, hooks and fixtures only.

The logic lives in ``harness.suite``: the run (``run``: settings, profile, naming, what
it refuses), where it goes (``target``), one scenario's world and cassette
(``scenario``), which scenarios it keeps (``selection``,
``tiers``, ``plan``), the terminal lines (``terminal``), failures, reporting and the
assumption ledger. What other plugins may change of a run: ``harness.suite.extensions``.

Options: ``--mode local|replay|record|live``, ``--record-mode none|once|new_episodes|all``
(vcrpy's, ``harness.suite.record_mode``), ``--base-url``, ``--allow-provisioning``,
``--allow-orders``, ``--reset-sandbox``, ``--site-prefix``, ``--run-id``, ``--plan``,
``--profile``, ``--cassette-dir``, ``--assumptions-ledger``. Fixtures: ``run_settings``
(override it to configure a run from code), ``journey_target`` (session: where scenarios
send their requests) and ``world`` (one per scenario).
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.suite import assumptions, ledger_report
from harness.suite.extensions import extensions
from harness.suite.failures import StepFailure
from harness.suite.modes import Mode, RunSettings
from harness.suite.plan import summary
from harness.suite.record_mode import RecordMode
from harness.suite.results import write_run_metadata
from harness.suite.run import Run, RunError, base_url, has_sandbox, notices, prepare
from harness.suite.scenario import ScenarioInfo, open_scenario
from harness.suite.selection import plan_of, scenario_of, select, tier_problems
from harness.suite.target import JourneyTarget, TargetError, is_sandbox, journey_targets
from harness.suite.terminal import announce, echo_to_terminal, worker_input
from harness.suite.world import World

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
    "faults": "transient and permanent faults of the sandbox",
    "sandbox-clock": "needs a sandbox whose clock can be moved (not live)",
    "sandbox-faults": "makes the sandbox misbehave on purpose (not live)",
    "cookbook(section)": "the cookbook section a feature covers",
    "read-only": "tier: reads only; runs against any org",
    "provisioning": "tier: creates sites or apps (--allow-provisioning off loopback)",
    "orders": "tier: places orders, which cost money (--allow-orders off loopback)",
    "consumes": "changes the sites its roles give it for good: a shared org makes new ones",
}
#: What the plugin worked out once per run (``harness.suite.run.Run``).
RUN = pytest.StashKey[Run]()
#: The run's assumption ledger (live runs, record runs against a host not loopback).
LEDGER = pytest.StashKey[assumptions.Ledger]()
#: What the controller wrote of the ledger, for the terminal summary.
LEDGER_WRITTEN = pytest.StashKey[tuple[Path, dict[str, Any]]]()
#: The Gherkin scenario an item runs (set when it starts), and its failed step.
SCENARIO = pytest.StashKey[tuple[str, str]]()
FAILED_STEP = pytest.StashKey[StepFailure]()
#: The scenario's world, for what a failed step says of it.
WORLD = pytest.StashKey[World]()
#: A replayed scenario's cassette, which its failures name.
REPLAYED_FROM = pytest.StashKey[Path]()
#: Whether a scenario's steps (pytest's call phase) passed.
CALL_PASSED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "cookbook suite")
    group.addoption(
        "--mode",
        choices=["local", "replay", "record", "live"],
        default=None,
        help="local (embedded sandbox, default), replay (cassettes, no network), "
        "record (write cassettes), live (a real org, no cassettes)",
    )
    group.addoption(
        "--record-mode",
        choices=[m.value for m in RecordMode],
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


# -- the run ------------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Register the marks; refuse, once and before any scenario, a run that cannot work.
    First of every plugin's: its cleanup (``gc.unfreeze``) then runs last, after pytest's
    own last garbage collection, which so walks only what the run made (~35 ms of every
    run, walking the frozen modules and schemas too)."""
    config.add_cleanup(gc.unfreeze)
    for name, text in MARKS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    given = worker_input(config)
    try:
        run = prepare(
            config.getoption,
            given_run_id=given.get("harness_run_id"),
            # xdist gives a worker no -n of its own, but the number of workers.
            processes=config.getoption("numprocesses", None) or given.get("workercount") or 0,
        )
    except RunError as exc:
        raise pytest.UsageError(str(exc)) from None
    if run.plan and hasattr(config.option, "dist"):
        # A plan runs nothing: one process reads every scenario (xdist configures later).
        config.option.dist, config.option.numprocesses = "no", None
    config.stash[RUN] = run
    if assumptions.writes_ledger(run.settings) and not run.plan:
        config.stash[LEDGER] = assumptions.Ledger()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker of a run shares its run id (names never collide)."""
    run_id = node.config.stash[RUN].settings.run_id
    if run_id:
        node.workerinput["harness_run_id"] = run_id


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist: a worker's ledger evidence joins the controller's."""
    ledger = node.config.stash.get(LEDGER, None)
    if ledger is not None:
        ledger.merge(getattr(node, "workeroutput", {}).get("harness_assumptions", []))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The ledger: a worker hands its evidence on; the controller writes it
    (``reports/assumptions.json`` beside the Allure results, and an Allure result)."""
    config = session.config
    ledger = config.stash.get(LEDGER, None)
    if ledger is None:
        return
    if hasattr(config, "workeroutput"):
        config.workeroutput["harness_assumptions"] = ledger.parts()
        return
    results = config.getoption("allure_report_dir", None)
    written = ledger_report.publish_run(
        ledger,
        config.stash[RUN].settings,
        given=config.getoption("--assumptions-ledger"),
        results=Path(results) if results else None,
        root=config.rootpath,
    )
    published = config.getoption("--assumptions-ledger-published")
    config.stash[LEDGER_WRITTEN] = (Path(published) if published else written[0], written[1])


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    written = config.stash.get(LEDGER_WRITTEN, None)
    if written is not None:
        terminalreporter.write_line(ledger_report.summary_line(*written))


# -- collection -----------------------------------------------------------------------------


def pytest_bdd_apply_tag(tag: str, function: Any) -> Any:
    """``@cookbook:place-order`` becomes ``mark.cookbook("place-order")``."""
    name, sep, value = tag.partition(":")
    if not sep:
        return None
    return getattr(pytest.mark, name)(value)(function)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check every scenario's tier tag; deselect, one line per reason, what this run may
    not send (``selection.select``); skip, before anything is sent, a scenario whose
    roles the profile lacks (``plan``)."""
    problems = tier_problems(items)
    if problems:  # an outline's examples share their scenario's tags: each said once
        raise pytest.UsageError("\n".join(dict.fromkeys(problems)))
    run = config.stash[RUN]
    added = extensions(config)
    for line in notices(run):
        announce(config, line)
    sandbox = has_sandbox(run, lambda url, profile: is_sandbox(url, profile, added.resolve))
    kept, left_out = select(
        items, run.settings, base_url(run.settings), sandbox, by_tier=added.guards.deselect_by_tier
    )
    for group in left_out:
        config.hook.pytest_deselected(items=group.items)
        announce(config, group.line())
    items[:] = kept
    for item in items:
        scenario = scenario_of(item)
        missing = plan_of(scenario, run.profile, run.naming).missing if scenario else None
        if missing:
            item.add_marker(pytest.mark.skip(reason=str(missing[0])))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """What exists once the run is collected (modules, plugins, schemas, items) lives as
    long as the run: out of the garbage collector's passes (``gc.freeze``), which then walk
    only what the scenarios make; pytest's own pass at the end took ~0.1 s of every run.
    They are handed back after it (the cleanup ``pytest_configure`` registers): a process
    that runs pytest in process (``harness run``, a notebook) keeps collecting them."""
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    """``--plan``: print what each kept scenario would make, and run nothing."""
    config = session.config
    run = config.stash[RUN]
    if not run.plan:
        return None
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


# -- a scenario -----------------------------------------------------------------------------


def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    request.node.stash[SCENARIO] = (feature.filename, scenario.name)


@pytest.hookimpl(wrapper=True)
def pytest_bdd_before_step_call(step_func_args: dict[str, Any]) -> Iterator[None]:
    """The report lists a step's arguments as its parameters (allure-pytest-bdd): the
    scenario's world (a fixture, on every step) and an optional phrase the step's text
    left out (None) are no words of the step, so they are hidden from the report while
    its hooks run, and given back before the step is called."""
    hidden = {k: v for k, v in step_func_args.items() if v is None or isinstance(v, World)}
    for name in hidden:
        del step_func_args[name]
    try:
        return (yield)
    finally:
        step_func_args.update(hidden)


@pytest.hookimpl(wrapper=True)
def pytest_bdd_step_error(
    request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any, exception: Exception
) -> Iterator[None]:
    """Where a step failed, for the summary; and the report's failed step shows the error
    by its message, as the scenario does, not by the frames of pytest-bdd, the client and
    tenacity (kept, for the report too, under -v or an explicit --tb)."""
    config = request.config
    request.node.stash[FAILED_STEP] = StepFailure.of(
        feature,
        scenario,
        step,
        cassette=request.node.stash.get(REPLAYED_FROM, None),
        contradicted=_contradicted(config, request.node.stash.get(WORLD, None)),
    )
    frames = exception.__traceback__
    if config.option.tbstyle == "auto" and config.get_verbosity() <= 0:
        exception.__traceback__ = None
    try:
        return (yield)
    finally:
        exception.__traceback__ = frames


def _contradicted(config: pytest.Config, world: Any) -> tuple[tuple[str, str], ...]:
    """The assumptions the org contradicted in a scenario so far, each with the summary of
    the first exchange that shows it: only a run that writes the ledger asks."""
    if config.stash.get(LEDGER, None) is None or not isinstance(world, World):
        return ()
    found: dict[str, str] = {}
    for e in assumptions.observe("", world.exchanges, world.profile, world.admin):
        if e.verdict == assumptions.CONTRADICTS:
            found.setdefault(e.assumption, f"{e.exchange['operation']} -> {e.exchange['status']}")
    return tuple(found.items())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed step: the feature, scenario, step and breach in a few lines instead of the
    traceback (kept under -v or an explicit --tb); the step's line in any case."""
    report = yield
    if report.when == "call":
        item.stash[CALL_PASSED] = report.passed
    failure = item.stash.get(FAILED_STEP, None)
    if failure is None or not report.failed or call.excinfo is None:
        return report
    config = item.config
    if config.option.tbstyle == "auto" and config.get_verbosity() <= 0:
        report.longrepr = failure.report(call.excinfo.value)
    else:
        report.sections.append(("Gherkin step that failed", failure.headline))
    return report


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def run_settings(pytestconfig: pytest.Config) -> RunSettings:
    """The run's settings from the command line; override to configure from code."""
    return pytestconfig.stash[RUN].settings


@pytest.fixture(scope="session")
def journey_target(
    run_settings: RunSettings, pytestconfig: pytest.Config
) -> Iterator[JourneyTarget]:
    """Where scenarios go: the embedded sandbox, the cassettes, or ``--base-url``."""
    run = pytestconfig.stash[RUN]
    added = extensions(pytestconfig)
    targets = journey_targets(
        run_settings, run.profile, sandbox=added.sandbox, resolve=added.resolve
    )
    try:
        for target in targets:
            results = pytestconfig.getoption("allure_report_dir", None)
            if results:
                write_run_metadata(Path(results), run_settings, target.base_url)
            yield target
    except TargetError as exc:
        pytest.exit(str(exc), returncode=4)


@pytest.fixture
def world(
    request: pytest.FixtureRequest, run_settings: RunSettings, journey_target: JourneyTarget
) -> Iterator[World]:
    """One scenario's world, with its cassette (replay, record) and sandbox state reset."""
    named = request.node.stash.get(SCENARIO, None)
    if named is None:
        pytest.fail("the world fixture serves Gherkin scenarios only")
    config = request.config
    run = config.stash[RUN]
    if run_settings is not run.settings:  # the fixture was overridden from code
        run = Run(run_settings, run.profile, run.naming, run.plan, run.has_sandbox)
    section = request.node.get_closest_marker("cookbook")
    info = ScenarioInfo(
        feature_file=named[0],
        name=named[1],
        tags=frozenset(mark.name for mark in request.node.iter_markers()),
        section=section.args[0] if section else None,
    )
    with open_scenario(
        info,
        run,
        journey_target,
        extensions(config),
        ledger=config.stash.get(LEDGER, None),
        echo=echo_to_terminal(config),
        passed=lambda: request.node.stash.get(CALL_PASSED, False),
    ) as opened:
        if opened.settings.mode is Mode.REPLAY:
            request.node.stash[REPLAYED_FROM] = info.cassette(opened.settings.cassette_dir)
        request.node.stash[WORLD] = opened
        yield opened

"""The pytest plugin of the cookbook suite: options, hooks and fixtures only.

The logic lives in ``harness.suite`` (modes, cassettes, the scenario world, reporting).
Options: ``--mode local|replay|record|live``, ``--record-mode none|once|new_episodes|all``
(vcrpy's, ``harness.suite.record_mode``), ``--base-url``, ``--allow-orders``, ``--profile``,
``--cassette-dir``. A failing step is reported in a few lines (``harness.suite.failures``).
Fixtures: ``run_settings`` (override it to configure a run from code), ``journey_target``
(session: where scenarios send their requests) and ``world`` (one per scenario).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import pytest_socket

from harness._command import harness_command
from harness.contracts import Profile, ProfileError, load_profile
from harness.suite import record_mode, reporting
from harness.suite.cassettes import RECORDED_BASE_URL, cassette_path, make_vcr
from harness.suite.failures import StepFailure
from harness.suite.modes import Mode, RunSettings, base_url_problem
from harness.suite.report import write_run_metadata
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
}
#: Sandbox time at every reset of the embedded sandbox: frozen, so recordings repeat.
FROZEN_EPOCH = 1_767_225_600.0  # 2026-01-01T00:00:00Z


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
        "--allow-orders",
        action="store_true",
        default=False,
        help="send orders to a host that is not loopback (they cost money)",
    )
    group.addoption(
        "--profile",
        default=None,
        help="profile file of the org (default: the sandbox's default profile)",
    )
    group.addoption("--cassette-dir", default="cassettes", help="where cassettes live")


def pytest_configure(config: pytest.Config) -> None:
    """Register the marks; refuse, once and before any scenario, a run that cannot work:
    live mode without its variables, a base URL that is none, a profile that is unusable."""
    for name, text in MARKS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    settings = _settings(config)
    if settings.mode is Mode.LIVE:
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
    try:
        load_profile(settings.profile_path)
    except ProfileError as exc:
        raise pytest.UsageError(f"--profile: {exc}") from None


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
    """Against a real org the sandbox clock and faults cannot be used: deselect those."""
    settings = _settings(config)
    if settings.mode is Mode.LIVE or (settings.mode is Mode.RECORD and settings.base_url):
        kept, dropped = [], []
        for item in items:
            needs_sandbox = item.get_closest_marker("sandbox-clock") or item.get_closest_marker(
                "fault"
            )
            (dropped if needs_sandbox and _is_feature(item) else kept).append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept


@pytest.fixture(scope="session")
def run_settings(pytestconfig: pytest.Config) -> RunSettings:
    """The run's settings from the command line; override to configure from code."""
    return _settings(pytestconfig)


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
    world = World(settings, journey_target.profile, base_url, clock, key, control)
    marker = request.node.get_closest_marker("cookbook")
    reporting.label_scenario(marker.args[0] if marker else None)
    with ExitStack() as stack:
        stack.callback(world.close)
        if control is not None:
            control.reset()
            marker = request.node.get_closest_marker("fault")
            if marker:
                control.faults(_fault_spec(marker.args[0]))
        if settings.uses_cassettes:
            if mode is Mode.REPLAY and not path.is_file():
                pytest.fail(
                    f"no cassette for scenario {scenario_name!r}: {path} is missing "
                    f"(record it: {harness_command('run', '--record-mode=once')})",
                    pytrace=False,
                )
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
        record_mode=vcr_mode.value if vcr_mode else None,
    )


def _is_feature(item: pytest.Item) -> bool:
    return "_pytest_bdd_example" in getattr(item, "fixturenames", ())


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

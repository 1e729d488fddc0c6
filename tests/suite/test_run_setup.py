"""The run's set-up as public functions (``harness.suite.run``, ``target``, ``terminal``,
``extensions``): what a run refuses before it starts, what it tells, where it goes."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness.contracts import load_profile
from harness.suite import run as run_setup
from harness.suite.extensions import KEY, Checks, Extensions, Guards, extend, extensions
from harness.suite.modes import Mode, RunSettings
from harness.suite.target import live_profile, secrets
from harness.suite.terminal import _own_line
from tests.other_org import other_org

DEFAULTS: dict[str, Any] = {
    "--mode": None,
    "--record-mode": None,
    "--base-url": None,
    "--allow-orders": False,
    "--allow-provisioning": False,
    "--profile": None,
    "--cassette-dir": "cassettes",
    "--reset-sandbox": False,
    "--site-prefix": None,
    "--run-id": None,
    "--plan": False,
}


def options(**given: Any) -> Any:
    values = {**DEFAULTS, **{f"--{k.replace('_', '-')}": v for k, v in given.items()}}
    return values.__getitem__


def test_a_local_run_is_deterministic_and_needs_nothing() -> None:
    run = run_setup.prepare(options(), environ={})
    assert run.settings.mode is Mode.LOCAL and run.settings.run_id is None
    assert not run.naming.fresh and run_setup.notices(run) == []
    assert run_setup.base_url(run.settings, {}) is None


@pytest.mark.parametrize(
    ("given", "environ", "says"),
    [
        ({"mode": "live"}, {}, "--mode live needs ATLASSIAN_ORG_ID and ATLASSIAN_API_KEY"),
        ({"base_url": "ftp://x"}, {}, "--base-url 'ftp://x': not an http:// or https:// URL"),
        ({"reset_sandbox": True}, {}, "--reset-sandbox resets the harness sandbox of"),
        ({"mode": "local", "record_mode": "once"}, {}, "--mode local does not"),
        ({"profile": "/nowhere/profile.json"}, {}, "/nowhere/profile.json"),
        ({"site_prefix": "Not A Prefix"}, {}, "site prefix"),
        # An empty value (an unset shell variable) is refused, not taken for none given.
        ({"site_prefix": ""}, {}, "site prefix '': a site prefix is"),
        (
            {"mode": "record", "base_url": "http://127.0.0.1:9", "run_id": ""},
            {},
            "run id '': 4 to 12",
        ),
    ],
)
def test_a_run_that_cannot_work_is_refused_in_one_line(
    given: dict[str, Any], environ: dict[str, str], says: str
) -> None:
    with pytest.raises(run_setup.RunError, match=None) as refused:
        run_setup.prepare(options(**given), environ=environ)
    assert says.lower() in str(refused.value).lower() and "\n" not in str(refused.value)


def test_a_live_run_against_another_org_without_its_profile_is_refused(tmp_path: Path) -> None:
    """The default profile describes the sandbox org: a live run against another org with
    it sent that org the sandbox's sites, offerings, accounts and admin e-mail (44 of 49
    scenarios failed against a served org of its own; against a real one, with
    --allow-orders, orders on the cookbook's transaction accounts). Refused before it
    starts, saying to give --profile; so are a record run and a plan (which listed the
    sandbox org's sites as the other org's). The sandbox org itself still runs."""
    env = {"ATLASSIAN_ORG_ID": "another-org", "ATLASSIAN_API_KEY": "k" * 12}
    for mode, plan in (("live", False), ("live", True), ("record", False)):
        with pytest.raises(run_setup.RunError) as refused:
            run_setup.prepare(
                options(mode=mode, plan=plan, base_url="https://api.example.test"), environ=env
            )
        said = str(refused.value)
        assert "another-org" in said and "--profile" in said and "profile discover" in said
        assert f"--mode {mode} " in said and "\n" not in said
    sandbox_org = {**env, "ATLASSIAN_ORG_ID": load_profile().org_id}
    assert run_setup.prepare(options(mode="live"), environ=sandbox_org)
    other = tmp_path / "other.json"
    other.write_text(json.dumps(other_org()))
    given = {**env, "ATLASSIAN_ORG_ID": other_org()["org"]["id"]}
    assert run_setup.prepare(options(mode="live", profile=str(other)), environ=given)


@pytest.mark.parametrize("mode", ["local", "record"])
def test_a_profile_without_an_org_key_is_refused_for_the_embedded_sandbox(
    tmp_path: Path, mode: str
) -> None:
    """Its every call would be refused (and the waits for the clock it cannot move ran to
    their deadlines): refused before the run starts, saying what to add."""
    data = copy.deepcopy(other_org())
    del data["org"]["apiKey"]
    path = tmp_path / "keyless.json"
    path.write_text(json.dumps(data))
    with pytest.raises(run_setup.RunError) as refused:
        run_setup.prepare(options(mode=mode, profile=str(path)), environ={})
    assert f"{path}: no org.apiKey" in str(refused.value)
    # What needs no sandbox of its own still runs with it.
    assert run_setup.prepare(options(mode="replay", profile=str(path)), environ={})
    assert run_setup.prepare(options(profile=str(path), plan=True), environ={}).plan


def test_reset_sandbox_with_several_processes_is_refused() -> None:
    given = options(mode="record", base_url="http://127.0.0.1:9", reset_sandbox=True)
    with pytest.raises(run_setup.RunError, match="-n"):
        run_setup.prepare(given, environ={}, processes=2)


def test_a_live_run_is_fresh_and_says_how_it_names_things() -> None:
    env = {"ATLASSIAN_ORG_ID": load_profile().org_id, "ATLASSIAN_API_KEY": "key"}
    run = run_setup.prepare(options(mode="live"), environ=env, given_run_id="k3x9q2ab")
    assert run.settings.run_id == "k3x9q2ab" and run.naming.fresh
    assert run_setup.notices(run) == [
        f"harness: run k3x9q2ab: new sites are named {run.naming.prefix}-k3x9q2ab-<label>-"
        "<hash>; order and item ids carry the run id"
    ]
    assert run_setup.base_url(run.settings, env) == run_setup.LIVE_BASE_URL
    assert run_setup.has_sandbox(run, lambda url, profile: True) is False  # never probed


def test_a_record_run_asks_once_whether_its_host_is_a_sandbox() -> None:
    run = run_setup.prepare(options(mode="record", base_url="http://127.0.0.1:9"), environ={})
    asked: list[str] = []

    def probe(url: str, profile: Any) -> bool:
        asked.append(url)
        return True

    assert run_setup.has_sandbox(run, probe) and run_setup.has_sandbox(run, probe)
    assert asked == ["http://127.0.0.1:9"]
    planned = replace(run, plan=True, has_sandbox=None)
    assert run_setup.has_sandbox(planned, probe) is True and len(asked) == 1  # unasked


def test_record_mode_once_replays_a_scenario_whose_cassette_exists(tmp_path: Path) -> None:
    settings = RunSettings(Mode.RECORD, record_mode="once")
    cassette = tmp_path / "c.yaml"
    assert run_setup.scenario_settings(settings, cassette).mode is Mode.RECORD
    cassette.write_text("interactions: []\n")
    assert run_setup.scenario_settings(settings, cassette).mode is Mode.REPLAY


def test_a_live_profile_takes_the_org_and_key_from_the_environment_only() -> None:
    profile = load_profile()
    live = live_profile(profile, {"ATLASSIAN_ORG_ID": "o-1", "ATLASSIAN_API_KEY": "k-1"})
    assert (live.org_id, live.api_key) == ("o-1", "k-1")
    found = secrets(profile, {"ATLASSIAN_SITE_ADMIN_TOKEN": "t-1"})
    assert "t-1" in found and profile.api_key in found and "" not in found


def test_extensions_change_only_what_a_plugin_says(pytestconfig: pytest.Config) -> None:
    before = pytestconfig.stash.get(KEY, None)
    try:
        pytestconfig.stash[KEY] = Extensions()
        extend(pytestconfig, guards=Guards(order_steps=False))
        extend(pytestconfig, resolve=str.lower)
        added = extensions(pytestconfig)
        assert added.guards == Guards(order_steps=False) and added.resolve is str.lower
        assert added.checks == Checks() and added.sandbox == {}
    finally:
        if before is None:
            del pytestconfig.stash[KEY]
        else:
            pytestconfig.stash[KEY] = before


class _Reporter:
    def __init__(self, verbosity: int) -> None:
        self.verbosity = verbosity
        self.reported_progress = 0
        self.written: list[str] = []

    def write(self, text: str) -> None:
        self.written.append(text)


def test_a_line_after_a_row_of_quiet_dots_starts_a_line_of_its_own() -> None:
    quiet, seen = _Reporter(-1), {"progress": 0}
    _own_line(quiet, seen)
    assert quiet.written == []  # nothing reported yet: at a line's start
    quiet.reported_progress = 3  # three dots since
    _own_line(quiet, seen)
    _own_line(quiet, seen)  # no dot since our last line
    assert quiet.written == ["\n"]
    normal = _Reporter(0)
    normal.reported_progress = 3
    _own_line(normal, {"progress": 0})
    assert normal.written == []  # pytest's write_line starts the line itself

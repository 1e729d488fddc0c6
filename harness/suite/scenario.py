"""One scenario from start to end: its world, its cassette, its sandbox state.

``open_scenario`` is what the plugin's ``world`` fixture does: the scenario's settings
(``--record-mode=once`` replays a scenario whose cassette exists), a control of the
sandbox when there is one (reset before the scenario; its steps may inject faults),
the clock (virtual against a sandbox or a cassette, real against an org or a sandbox
that scenarios running at once share), its cassette
(replay and record; replay with every socket refused) and, in a run that keeps an
assumption ledger, what its exchanges say of the assumptions.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Collection, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_socket

from harness._command import harness_command

from . import assumptions, attachments
from .cassettes import (
    RECORDED_BASE_URL,
    cassette_path,
    inspect_cassette,
    make_vcr,
)
from .extensions import Extensions
from .modes import Mode, RunSettings
from .naming import Naming
from .progress import Echo, WaitProgress
from .record_mode import RecordMode
from .run import FROZEN_EPOCH, Run, scenario_settings
from .target import JourneyTarget, control, secrets
from .tiers import tier_of
from .world import RealClock, ScenarioClock, World


@dataclass(frozen=True)
class ScenarioInfo:
    """What the plugin knows of a scenario: its feature file, name and tags' marks."""

    feature_file: str
    name: str
    tags: Collection[str]
    #: Its cookbook section (``@cookbook:...``), if any.
    section: str | None = None

    @property
    def key(self) -> str:
        return f"{Path(self.feature_file).stem}/{self.name}"

    def cassette(self, cassette_dir: Path) -> Path:
        """Its cassette file under ``cassette_dir``."""
        return cassette_path(cassette_dir, self.feature_file, self.name)


@contextmanager
def open_scenario(
    info: ScenarioInfo,
    run: Run,
    target: JourneyTarget,
    extensions: Extensions,
    *,
    ledger: assumptions.Ledger | None = None,
    echo: Echo | None = None,
    passed: Callable[[], bool] = lambda: False,
) -> Iterator[World]:
    """The scenario's world, with its cassette and the sandbox's state ready; closed,
    and its evidence added to ``ledger``, when the block ends. ``echo``: where a wait
    on a real clock reports its polls. ``passed``: whether the scenario's steps passed,
    asked when the block ends: a replay that passed must have played every interaction
    of its cassette."""
    path = info.cassette(run.settings.cassette_dir)
    settings = scenario_settings(run.settings, path)
    mode = settings.mode
    base_url = RECORDED_BASE_URL if mode is Mode.REPLAY else target.base_url
    naming = run.naming
    problem = None  # why vcrpy could not replay the cassette there is, read once
    if settings.uses_cassettes and settings.record_mode != RecordMode.ALL and path.is_file():
        inspection = inspect_cassette(path, target.profile.org_id)
        problem = inspection.problem
        if mode is Mode.REPLAY and inspection.naming is not None:
            naming = inspection.naming  # recorded with fresh names: replayed with them
    sandbox = None
    if mode in (Mode.LOCAL, Mode.RECORD):
        sandbox = control(base_url, target.profile, extensions.resolve)
    # A sandbox other scenarios use at the same time keeps its own time: waits are real.
    virtual = (sandbox is not None and not settings.shares_sandbox) or mode is Mode.REPLAY
    clock = ScenarioClock(sandbox.advance if sandbox else None) if virtual else RealClock()
    world = World(
        settings,
        target.profile,
        base_url,
        clock,
        info.key,
        sandbox,
        naming=naming,
        tier=tier_of(info.tags, info.key),
        consumes="consumes" in info.tags,
        progress=WaitProgress(info.key, echo if isinstance(clock, RealClock) else None),
        checks=extensions.checks,
        guards=extensions.guards,
        resolve=extensions.resolve,
    )
    attachments.label_scenario(info.section)
    with ExitStack() as stack:
        stack.callback(world.close)
        if ledger is not None:  # what the scenario's exchanges say of the assumptions
            stack.callback(
                lambda: ledger.add(
                    assumptions.observe(info.key, world.exchanges, world.profile, world.admin)
                )
            )
        if sandbox is not None and settings.resets_org:
            sandbox.reset(frozen_at=FROZEN_EPOCH)
        if settings.uses_cassettes:
            cassette = _use_cassette(
                stack,
                settings.record_mode,
                mode,
                path,
                info.name,
                base_url,
                target,
                naming,
                problem=problem,
                record=record_command(run.settings),
            )
            if mode is Mode.REPLAY:
                stack.callback(lambda: passed() and _require_all_played(cassette, path))
        yield world


def _use_cassette(
    stack: ExitStack,
    record_mode: str | None,
    mode: Mode,
    path: Path,
    name: str,
    base_url: str,
    target: JourneyTarget,
    naming: Naming,
    *,
    problem: str | None,
    record: str,
) -> Any:
    """Replay or record the scenario's cassette until the stack closes; vcrpy's
    ``Cassette``. ``problem``: why a cassette it would read cannot be, as the harness
    reads one (``inspect_cassette``): vcrpy would take an alias, and say of a broken file
    only a parser's or a KeyError's words (or, recording, treat it as empty and write over
    it). ``record``: the command that records it (``record_command``)."""
    if mode is Mode.REPLAY and not path.is_file():
        # The command on a line of its own: a failure's summary cuts long lines.
        pytest.fail(
            f"no cassette for scenario {name!r}: {path} is missing\n(record it: {record})",
            pytrace=False,
        )
    if record_mode == RecordMode.ALL:
        # vcrpy's `all` keeps old interactions no new request matched: a request whose
        # body changed would leave its old one behind. Record afresh.
        path.unlink(missing_ok=True)
    elif problem is not None:  # (another org's cassette would match none of its requests)
        pytest.fail(
            f"cassette {path}: {problem}\n(fix it, or delete it and record it: {record})",
            pytrace=False,
        )
    recorder = make_vcr(
        record_mode=record_mode or "none",
        base_url=base_url,
        secrets=secrets(target.profile),
        naming=naming,
    )
    cassette = stack.enter_context(recorder.use_cassette(str(path)))
    if mode is Mode.REPLAY:
        # Replay needs no server: pytest-socket refuses every socket until the end.
        pytest_socket.disable_socket(allow_unix_socket=True)
        stack.callback(pytest_socket.enable_socket)
    return cassette


def record_command(settings: RunSettings) -> str:
    """``harness run --record-mode=once`` that records a missing cassette where this run
    looks for it (``--cassette-dir``), for the org it replays (``--profile``)."""
    args = ["--record-mode=once"]
    if settings.cassette_dir != RunSettings().cassette_dir:
        args.append(f"--cassette-dir={settings.cassette_dir}")
    if settings.profile_path:
        args.append(f"--profile={settings.profile_path}")
    return harness_command("run", *(shlex.quote(arg) for arg in args))


def _require_all_played(cassette: Any, path: Path) -> None:
    """Fail naming the first interaction a passed replay never played: the cassette holds
    more than this scenario sends (a duplicated interaction, one pasted in, a stale one)."""
    for index, (request, _) in enumerate(cassette.data):
        if not cassette.play_counts[index]:
            pytest.fail(
                f"cassette {path}: interaction {index + 1} ({request.method} {request.uri}) "
                "was never requested: the scenario passed without it, so the cassette is "
                "not its recording (a duplicated or stale interaction); record it afresh",
                pytrace=False,
            )

"""vcrpy's --record-mode on the suite: none replays with the network blocked (pytest-socket),
once records only missing cassettes, new_episodes appends, all re-records; --mode and
--record-mode that disagree are refused before anything runs."""

from __future__ import annotations

import copy
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from harness.suite.modes import Mode
from harness.suite.record_mode import RecordMode, RecordModeError, resolve, scenario_mode
from tests.pytest_runs import ROOT, run_pytest

NEW_SITE = ROOT / "cassettes" / "new_site"
PREREQUISITES = ROOT / "cassettes" / "prerequisites"
DETAILS = "get-the-product-entitlement-id-then-its-details.yaml"


@pytest.mark.parametrize(
    ("mode", "record_mode", "expected"),
    [
        (None, None, (Mode.LOCAL, None)),
        ("replay", None, (Mode.REPLAY, RecordMode.NONE)),
        ("record", None, (Mode.RECORD, RecordMode.ALL)),
        ("live", None, (Mode.LIVE, None)),
        (None, "none", (Mode.REPLAY, RecordMode.NONE)),
        (None, "once", (Mode.RECORD, RecordMode.ONCE)),
        (None, "new_episodes", (Mode.RECORD, RecordMode.NEW_EPISODES)),
        (None, "all", (Mode.RECORD, RecordMode.ALL)),
        ("replay", "none", (Mode.REPLAY, RecordMode.NONE)),
        ("record", "once", (Mode.RECORD, RecordMode.ONCE)),
    ],
)
def test_record_modes_map_onto_the_suite_modes(
    mode: str | None, record_mode: str | None, expected: tuple[Mode, RecordMode | None]
) -> None:
    assert resolve(mode, record_mode) == expected


@pytest.mark.parametrize(
    ("mode", "record_mode", "says"),
    [
        ("local", "once", "--record-mode=once uses cassettes; --mode local does not"),
        ("live", "all", "--record-mode=all uses cassettes; --mode live does not"),
        ("replay", "all", "--record-mode=all alone means --mode record"),
        ("record", "none", "--record-mode=none alone means --mode replay"),
    ],
)
def test_modes_that_disagree_are_refused(mode: str, record_mode: str, says: str) -> None:
    with pytest.raises(RecordModeError, match=says.replace("-", r"\-")):
        resolve(mode, record_mode)


def test_once_replays_what_exists_and_records_what_does_not() -> None:
    assert scenario_mode(RecordMode.ONCE, cassette_exists=True) is Mode.REPLAY
    assert scenario_mode(RecordMode.ONCE, cassette_exists=False) is Mode.RECORD
    assert scenario_mode(RecordMode.NONE, cassette_exists=False) is Mode.REPLAY
    assert scenario_mode(RecordMode.NEW_EPISODES, cassette_exists=True) is Mode.RECORD
    assert scenario_mode(RecordMode.ALL, cassette_exists=True) is Mode.RECORD


def _probe(tmp_path: Path, *args: str) -> tuple[str, dict[str, str]]:
    """Run the features with the socket probe; their output and each scenario's state."""
    probe = tmp_path / "probe.txt"
    done = run_pytest(
        "-q",
        "features",
        "-p",
        "tests.suite.socket_probe_plugin",
        *args,
        env={**os.environ, "SOCKET_PROBE_FILE": str(probe), "PYTHONPATH": str(ROOT)},
    )
    states = dict(line.split("\t") for line in probe.read_text().splitlines())
    return done.stdout + done.stderr, states


def test_record_mode_none_replays_every_cassette_with_the_network_blocked(
    tmp_path: Path,
) -> None:
    """The whole suite from the committed cassettes, one scenario per cassette, none of
    them able to open a socket (the replay run of the test command)."""
    output, states = _probe(tmp_path, "--record-mode=none")
    cassettes = len(list((ROOT / "cassettes").rglob("*.yaml")))
    assert f"{cassettes} passed" in output, output[-2000:]
    assert "failed" not in output and "skipped" not in output, output[-2000:]
    assert set(states.values()) == {"blocked"}


def test_local_mode_leaves_the_network_open(tmp_path: Path) -> None:
    """The probe can tell: in local mode the scenarios talk to the embedded sandbox."""
    output, states = _probe(tmp_path, "-m", "new-site")
    assert "6 passed" in output, output[-2000:]
    assert set(states.values()) == {"open"}


def test_once_records_only_the_missing_cassette(tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    shutil.copytree(NEW_SITE, cassettes / "new_site")
    missing = cassettes / "new_site" / "jira-enterprise-on-a-new-site.yaml"
    missing.unlink()
    # A header only this copy has: a replayed cassette is not rewritten, so it stays.
    kept = cassettes / "new_site" / "confluence-enterprise-on-a-new-site.yaml"
    marked = "      x-kept:\n      - 'yes'\n      content-type:\n"
    kept.write_text(kept.read_text().replace("      content-type:\n", marked, 1))
    before = kept.read_bytes()
    output, states = _probe(
        tmp_path, "--record-mode=once", f"--cassette-dir={cassettes}", "-m", "new-site"
    )
    assert "6 passed" in output, output[-2000:]
    assert missing.is_file()
    assert missing.read_text() == (NEW_SITE / missing.name).read_text()
    assert kept.read_bytes() == before
    assert states["Jira Enterprise on a new site"] == "open"
    assert states["Confluence Enterprise on a new site"] == "blocked"


def _new_episodes(cassettes: Path) -> subprocess.CompletedProcess[str]:
    """The entitlement-details scenario under ``--record-mode=new_episodes``."""
    return run_pytest(
        "-q",
        "features",
        "--record-mode=new_episodes",
        f"--cassette-dir={cassettes}",
        "-k",
        "get_the_product_entitlement_id",
    )


def test_new_episodes_replays_and_appends_what_is_new(tmp_path: Path) -> None:
    folder = tmp_path / "cassettes" / "prerequisites"
    folder.mkdir(parents=True)
    original = yaml.safe_load((PREREQUISITES / DETAILS).read_text())["interactions"]
    cut = {"interactions": original[:-1], "version": 1}
    (folder / DETAILS).write_text(yaml.safe_dump(cut))
    done = _new_episodes(tmp_path / "cassettes")
    assert "1 passed" in done.stdout, done.stdout[-2000:]
    again = yaml.safe_load((folder / DETAILS).read_text())["interactions"]
    assert again[:-1] == original[:-1]
    assert len(again) == len(original)
    assert again[-1]["request"]["uri"] == original[-1]["request"]["uri"]


def test_new_episodes_keeps_a_cassette_it_cannot_read_and_says_so(tmp_path: Path) -> None:
    """vcrpy treats a cassette it cannot load as empty and records over it: a hand-broken
    cassette (here cut short) would be lost. The run refuses it, naming the file, and
    leaves it as it was."""
    folder = tmp_path / "cassettes" / "prerequisites"
    folder.mkdir(parents=True)
    text = (PREREQUISITES / DETAILS).read_text()
    (folder / DETAILS).write_text(text[: len(text) // 2])
    done = _new_episodes(tmp_path / "cassettes")
    assert done.returncode == 1, done.stdout[-2000:]
    assert f"cassette {folder / DETAILS}: " in done.stdout
    assert "(fix it, or delete it and record it: " in done.stdout
    assert "Traceback" not in done.stdout
    assert (folder / DETAILS).read_text() == text[: len(text) // 2]


def test_disagreeing_modes_stop_before_anything_runs() -> None:
    done = run_pytest("-q", "features", "--mode=local", "--record-mode=once")
    assert done.returncode == 4
    assert "--record-mode=once uses cassettes; --mode local does not" in done.stderr


def test_all_records_each_cassette_afresh(tmp_path: Path) -> None:
    """A request whose body changed since the last recording leaves no stale interaction
    behind (vcrpy's `all` alone would keep every old one no new request matched)."""
    folder = tmp_path / "cassettes" / "prerequisites"
    folder.mkdir(parents=True)
    original = yaml.safe_load((PREREQUISITES / DETAILS).read_text())
    stale = copy.deepcopy(original["interactions"][0])
    stale["request"]["uri"] = stale["request"]["uri"] + "-stale"
    (folder / DETAILS).write_text(
        yaml.safe_dump({**original, "interactions": [stale, *original["interactions"]]})
    )
    done = run_pytest(
        "-q",
        "features",
        "--record-mode=all",
        f"--cassette-dir={tmp_path / 'cassettes'}",
        "-k",
        "get_the_product_entitlement_id",
    )
    assert "1 passed" in done.stdout, done.stdout[-2000:]
    again = yaml.safe_load((folder / DETAILS).read_text())["interactions"]
    assert [i["request"]["uri"] for i in again] == [
        i["request"]["uri"] for i in original["interactions"]
    ]


def test_a_missing_cassette_names_the_command_that_records_it_where_it_was_looked_for(
    tmp_path: Path,
) -> None:
    """A replay of cassettes kept in a folder of the user's (``--cassette-dir``) that lacks
    one prints a command that records it there: the hint's own options, run as given,
    make the replay pass (before, it named the default ``cassettes/``, which had it)."""
    cassettes = tmp_path / "my cassettes"
    select = ("-k", "get_the_product_entitlement_id")
    replay = ("-q", "features", "--mode=replay", f"--cassette-dir={cassettes}", *select)
    missing = run_pytest(*replay)
    assert missing.returncode == 1, missing.stdout[-2000:]
    hint = re.search(r"\(record it: (.+)\)$", missing.stdout, re.MULTILINE)
    assert hint is not None, missing.stdout[-2000:]
    command = shlex.split(hint.group(1))
    assert command[command.index("run") - 1].endswith("harness")
    recorded = run_pytest("-q", "features", *command[command.index("run") + 1 :], *select)
    assert "1 passed" in recorded.stdout, recorded.stdout[-2000:]
    assert list(cassettes.rglob("*.yaml")), "the command recorded nothing into the folder"
    again = run_pytest(*replay)
    assert again.returncode == 0, again.stdout[-2000:]

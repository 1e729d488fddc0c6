"""Secrets: a run with canary credentials leaves them nowhere a person or CI keeps.

A copy of the profile gets unique canary strings as its org API key, sandbox admin token
and site-admin tokens. The suite then runs in record mode and in local mode (the local run
made to fail, with ``--showlocals``, so tracebacks and exception text are in its output),
at DEBUG log level into a log file, with Allure results and JUnit XML (captured logs included). No
canary, nor the Basic credentials built from one, may appear in any of it: cassettes,
Allure results, the HTML report (when the Allure CLI is installed), JUnit XML, the log
file, or the runs' output. And ``harness cassettes check`` catches a planted one.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from harness.contracts.profile import DEFAULT_PROFILE
from harness.suite.report import ALLURE_CLI, generate
from tests.made_once import made_once
from tests.pytest_runs import run_pytest

from .figures import record

ROOT = Path(__file__).resolve().parents[2]
HARNESS = str(Path(sys.executable).parent / "harness")
#: Scenarios that use the org key (Bearer), both site admins (Basic) and lost connections.
SCENARIOS = ["-m", "auth or tracking or faults"]


class Canaries:
    """The canary strings of a canary profile (``made``: a new one in a folder)."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        data = json.loads(profile.read_text(encoding="utf-8"))
        self.org_key = data["org"]["apiKey"]
        self.sandbox_token = data["sandbox"]["adminToken"]
        admins = data["siteAdmins"]
        self.tokens = [a["apiToken"] for a in admins]
        self.basic = [
            base64.b64encode(f"{a['email']}:{a['apiToken']}".encode()).decode() for a in admins
        ]

    @classmethod
    def made(cls, folder: Path) -> Canaries:
        """A copy of the default profile with a unique canary for each credential."""
        tag = uuid.uuid4().hex[:12]
        data = json.loads(DEFAULT_PROFILE.read_text(encoding="utf-8"))
        data["org"]["apiKey"] = f"CANARY-ORG-KEY-{tag}"
        data["sandbox"]["adminToken"] = f"CANARY-SANDBOX-TOKEN-{tag}"
        for n, admin in enumerate(data["siteAdmins"]):
            admin["apiToken"] = f"CANARY-ADMIN-TOKEN-{n}-{tag}"
        profile = folder / "canary-profile.json"
        profile.write_text(json.dumps(data, indent=2), encoding="utf-8")
        return cls(profile)

    @property
    def strings(self) -> list[str]:
        """Each canary, and each as it travels (Basic: base64 of email:token)."""
        return [self.org_key, self.sandbox_token, *self.tokens, *self.basic]

    def found_in(self, text: str) -> list[str]:
        return [s for s in self.strings if s in text]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run_pytest(*args, cwd=cwd)


def suite_run(canaries: Canaries, out: Path, mode: str, *extra: str) -> str:
    """One run of the suite writing everything it can into ``out``; its output."""
    out.mkdir()
    result = run(
        "features",
        f"--mode={mode}",
        f"--profile={canaries.profile}",
        f"--cassette-dir={out / 'cassettes'}",
        f"--alluredir={out / 'allure-results'}",
        f"--junitxml={out / 'junit.xml'}",
        "-o",
        "junit_logging=all",
        "--log-level=DEBUG",
        f"--log-file={out / 'debug.log'}",
        "--log-file-level=DEBUG",
        *SCENARIOS,
        *extra,
    )
    output = result.stdout + result.stderr
    (out / "output.txt").write_text(output, encoding="utf-8")
    return output


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Canaries, Path]:
    """The canary runs, made once per test run (read-only)."""
    folder, _ = made_once(tmp_path_factory, "canary-runs", _canary_runs)
    return Canaries(folder / "canary-profile.json"), folder


def _canary_runs(folder: Path) -> None:
    canaries = Canaries.made(folder)
    recorded = suite_run(canaries, folder / "record", "record")
    assert " passed" in recorded and " failed" not in recorded, recorded[-3000:]
    # The local run fails on purpose (every order GET dropped): tracebacks, locals and
    # exception text are in its output.
    failed = suite_run(
        canaries, folder / "local", "local", "-p", "tests.reliability.drop_orders", "-l"
    )
    assert " failed" in failed and "TransportError" in failed, failed[-3000:]
    if ALLURE_CLI.exists():
        generate(folder / "local" / "allure-results", folder / "local" / "html")


def test_the_canaries_were_really_sent(runs: tuple[Canaries, Path]) -> None:
    """Else the search below would pass for nothing: the embedded sandbox knew only the
    canaries, and it accepted the org key (Bearer) and a site admin's token (Basic)."""
    _, folder = runs
    cassettes = folder / "record" / "cassettes" / "authentication"
    for accepted in (
        "the-org-api-key-is-accepted-as-a-bearer-token.yaml",
        "a-site-admin-uses-basic-authentication-where-the-cookbook-allows-it.yaml",
    ):
        interactions = yaml.safe_load((cassettes / accepted).read_text())["interactions"]
        assert interactions[0]["response"]["status"]["code"] == 200, accepted
    # And the DEBUG log file holds every exchange the client made, headers included.
    log = (folder / "record" / "debug.log").read_text(encoding="utf-8")
    assert "-> orders.place POST" in log and "Authorization': 'Bearer ***'" in log


def test_no_canary_is_in_anything_a_run_leaves(runs: tuple[Canaries, Path]) -> None:
    canaries, folder = runs
    kept = [p for p in sorted(folder.rglob("*")) if p.is_file() and p != canaries.profile]
    kinds = {
        "cassettes": [p for p in kept if p.suffix == ".yaml"],
        "allure results": [p for p in kept if "allure-results" in p.parts],
        "html report": [p for p in kept if "html" in p.parts],
        "junit xml": [p for p in kept if p.name == "junit.xml"],
        "debug logs": [p for p in kept if p.name == "debug.log"],
        "run output": [p for p in kept if p.name == "output.txt"],
    }
    for kind, paths in kinds.items():
        if kind == "html report" and not ALLURE_CLI.exists():
            continue  # the Allure CLI is installed by scripts/setup (npm)
        assert paths, f"the runs left no {kind}"
    leaks = {
        str(p.relative_to(folder)): found
        for p in kept
        if (found := canaries.found_in(p.read_text(encoding="utf-8", errors="replace")))
    }
    assert leaks == {}
    record(
        "secrets",
        {
            "files searched": len(kept),
            **{kind: len(paths) for kind, paths in kinds.items()},
            "canary strings": len(canaries.strings),
            "found": 0,
        },
    )


def test_cassettes_check_catches_a_planted_credential(
    runs: tuple[Canaries, Path], tmp_path: Path
) -> None:
    canaries, folder = runs
    planted = tmp_path / "cassettes"
    shutil.copytree(folder / "record" / "cassettes", planted)
    clean = subprocess.run(
        [HARNESS, "cassettes", "check", "--dir", str(planted), "--profile", str(canaries.profile)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert clean.returncode == 0, clean.stdout
    victim = sorted(planted.rglob("*.yaml"))[0]
    data = yaml.safe_load(victim.read_text(encoding="utf-8"))
    data["interactions"][0]["request"]["headers"]["x-api-key"] = [canaries.org_key]
    victim.write_text(yaml.safe_dump(data), encoding="utf-8")
    caught = subprocess.run(
        [HARNESS, "cassettes", "check", "--dir", str(planted), "--profile", str(canaries.profile)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert caught.returncode == 1
    assert (
        f"{victim} interaction 1: holds a credential of the profile or environment" in caught.stdout
    )

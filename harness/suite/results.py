"""What a run writes into its Allure results folder besides the scenarios: the Environment
panel (``environment.properties``: mode, where, versions; never a credential) and the
Categories that tell failures apart by their message (``categories.json``).
"""

from __future__ import annotations

import json
import platform
import re
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from harness._loopback import is_loopback

from .modes import RunSettings

#: What a failure is, told apart by its message (Allure "categories").
CATEGORIES = [
    {
        "name": "Contract violations",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": ".*breaks the contract.*",
    },
    {
        "name": "Rule refusals",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": ".*(REL-\\d{3}|PROVISIONING_[A-Z_]+|HTTP 4\\d\\d).*",
    },
    {
        "name": "Timeouts",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": ".*(WaitTimeout|timed out|Timeout).*",
    },
    {
        # A replay that its cassettes cannot serve: no network was involved.
        "name": "Cassettes that do not fit (replay)",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": ".*(CannotOverwriteExistingCassette|no cassette for scenario|"
        "cassette \\S+\\.yaml).*",
    },
    {
        "name": "Transport errors",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": ".*(TransportError|ConnectError|network blocked).*",
    },
]


def write_run_metadata(results: Path, settings: RunSettings, base_url: str | None) -> None:
    """``environment.properties`` (mode, where, versions; never a credential) and
    ``categories.json`` into the results folder.

    No ``executor.json``: the allure2 report would label the current run of its Trend by
    the executor's build number instead of counting the runs in the history."""
    results.mkdir(parents=True, exist_ok=True)
    where = base_url or "(none)"
    if settings.mode.value == "replay":
        where = "cassettes (network blocked)"
    elif base_url and is_loopback(base_url):
        where = f"{base_url} (local sandbox)"
    env: dict[str, str] = {
        "Mode": settings.mode.value,
        **({"Record mode": settings.record_mode} if settings.record_mode else {}),
        "Base URL": where,
        "Orders allowed off loopback": str(settings.allow_orders).lower(),
        "Profile": settings.profile_path or "harness/data/profile.json (sandbox default)",
        "Python": platform.python_version(),
    }
    for package in (
        "provisioning-harness",
        "pytest",
        "pytest-bdd",
        "httpx",
        "vcrpy",
        "jsonschema",
        "allure-pytest-bdd",
    ):
        env[package] = _version(package)
    lines = [f"{_escape_key(k)}={v.replace(chr(92), chr(92) * 2)}" for k, v in env.items()]
    (results / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (results / "categories.json").write_text(json.dumps(CATEGORIES, indent=2), encoding="utf-8")


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _escape_key(key: str) -> str:
    # .properties: a key ends at the first unescaped space, '=' or ':'.
    return key.replace(" ", "\\ ").replace("=", "\\=").replace(":", "\\:")


def read_environment(results: Path) -> Mapping[str, str]:
    """The environment.properties of a results folder, unescaped (for tests and tools)."""
    found = {}
    for line in (results / "environment.properties").read_text(encoding="utf-8").splitlines():
        key, value = re.split(r"(?<!\\)=", line, maxsplit=1)
        found[re.sub(r"\\(.)", r"\1", key)] = value.replace("\\\\", "\\")
    return found

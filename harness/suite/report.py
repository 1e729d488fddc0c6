"""The Allure report: its environment and categories, and the HTML made by the pinned CLI.

``harness run`` writes ``reports/allure-results/`` (through allure-pytest-bdd) and then
``reports/html/index.html``, one file that opens from disk. ``harness report`` makes the
HTML again, and ``--serve`` serves it on loopback.
"""

from __future__ import annotations

import functools
import http.server
import json
import platform
import re
import shutil
import subprocess
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .modes import RunSettings, is_loopback

REPO = Path(__file__).resolve().parents[2]
#: The Allure CLI that scripts/setup installs from package.json (npm allure-commandline).
ALLURE_CLI = REPO / "node_modules" / ".bin" / "allure"

#: What a failure is, told apart by its message (Allure "categories").
CATEGORIES = [
    {
        "name": "Contract violations",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": "(?s).*breaks the contract.*",
    },
    {
        "name": "Rule refusals",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": "(?s).*(REL-\\d{3}|PROVISIONING_[A-Z_]+|HTTP 4\\d\\d).*",
    },
    {
        "name": "Timeouts",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": "(?s).*(WaitTimeout|timed out|Timeout).*",
    },
    {
        "name": "Transport errors",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": "(?s).*(TransportError|ConnectError|network blocked|"
        "CannotOverwriteExistingCassette|no cassette).*",
    },
]


class ReportError(RuntimeError):
    """The HTML report cannot be made; the message says what to do."""


def write_run_metadata(results: Path, settings: RunSettings, base_url: str | None) -> None:
    """``environment.properties`` (mode, where, versions; never a credential) and
    ``categories.json`` into the results folder."""
    results.mkdir(parents=True, exist_ok=True)
    where = base_url or "(none)"
    if settings.mode.value == "replay":
        where = "cassettes (network blocked)"
    elif base_url and is_loopback(base_url):
        where = f"{base_url} (local sandbox)"
    env: dict[str, str] = {
        "Mode": settings.mode.value,
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


def generate(results: Path, out: Path) -> Path:
    """Make ``out/index.html`` from the results with the pinned Allure CLI; its path."""
    if not results.is_dir() or not any(results.glob("*-result.json")):
        raise ReportError(f"{results}: no Allure results (run: harness run)")
    if not ALLURE_CLI.exists():
        raise ReportError(f"the Allure CLI is not installed at {ALLURE_CLI}: run scripts/setup")
    if shutil.which("java") is None:
        raise ReportError("the Allure CLI needs Java on PATH")
    done = subprocess.run(
        [str(ALLURE_CLI), "generate", str(results), "-o", str(out), "--clean", "--single-file"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    index = out / "index.html"
    if done.returncode != 0 or not index.is_file():
        raise ReportError(
            f"allure generate failed ({done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[-500:]}"
        )
    # The scenarios link to the rule catalogue and the errata beside the report.
    (out / "docs").mkdir(exist_ok=True)
    for page in sorted((REPO / "docs").glob("*.md")):
        shutil.copy2(page, out / "docs" / page.name)
    return index


def serve(folder: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """An HTTP server for the report on 127.0.0.1 (port 0: a free one); call
    ``serve_forever``."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _escape_key(key: str) -> str:
    # Java properties: a key ends at the first unescaped space, '=' or ':'.
    return key.replace(" ", "\\ ").replace("=", "\\=").replace(":", "\\:")


def read_environment(results: Path) -> Mapping[str, str]:
    """The environment.properties of a results folder, unescaped (for tests and tools)."""
    found = {}
    for line in (results / "environment.properties").read_text(encoding="utf-8").splitlines():
        key, value = re.split(r"(?<!\\)=", line, maxsplit=1)
        found[re.sub(r"\\(.)", r"\1", key)] = value.replace("\\\\", "\\")
    return found

"""The Allure report: its environment and categories, its history, and the HTML made by the
pinned Allure Report 3 CLI (npm ``allure``, pure Node: no Java).

``harness run`` writes ``reports/allure-results/`` (through allure-pytest-bdd) and then
``reports/html/index.html`` with the ``allure2`` plugin (the Allure 2 report: Overview with
Trend and Environment, Categories, Behaviors by feature and cookbook section, Graphs,
Timeline) as one file that opens from disk. Every report made from new results appends one
entry to ``reports/history.jsonl``, so the Trend chart and each scenario's History tab
(and its flaky mark) cover the runs before it; making the report again from the same
results (``harness report``) does not append twice. What a run writes into the results
besides its scenarios (environment, categories) is ``results``; what the report shows of
each scenario, ``attachments``.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import shutil
import socketserver
import subprocess
import tempfile
import threading
from pathlib import Path

from harness._command import harness_command
from harness._signals import stop_signals
from harness.contracts import JsonError, read_json_file

REPO = Path(__file__).resolve().parents[2]
#: The Allure Report 3 CLI that scripts/setup installs from package-lock.json (npm allure).
ALLURE_CLI = REPO / "node_modules" / ".bin" / "allure"
#: Runs kept in the history file (about 1 KB per scenario each).
HISTORY_LIMIT = 100
REPORT_NAME = "Cookbook suite"


class ReportError(RuntimeError):
    """The HTML report cannot be made; the message says what to do."""


def generate(results: Path, out: Path, history: Path | None = None) -> Path:
    """Make ``out/index.html`` from the results with the pinned Allure CLI; its path.

    ``history`` (a JSON Lines file, created when missing) feeds the Trend and each
    scenario's History; results not yet in it are appended as one run, and results made
    into a report before are shown against the history as it was then (not twice). The
    report is made beside ``out`` and then put in its place: a failure leaves the old one.
    """
    if not results.is_dir() or not any(results.glob("*-result.json")):
        raise ReportError(f"{results}: no Allure results (run: {harness_command('run')})")
    unreadable = unreadable_results(results)
    if len(unreadable) == len(list(results.glob("*-result.json"))):
        raise ReportError(
            f"{results}: no readable Allure results: {len(unreadable)} result files are not "
            f"JSON objects ({unreadable[0]}); run: {harness_command('run')}"
        )
    if not ALLURE_CLI.exists():
        raise ReportError(
            f"the Allure Report CLI is not installed ({ALLURE_CLI}): run scripts/setup "
            "from the repository root (it needs Node.js with npm)"
        )
    if shutil.which("node") is None:
        raise ReportError("the Allure Report CLI needs Node.js (node) on PATH")
    if history is not None:
        check_history(history)
    out.parent.mkdir(parents=True, exist_ok=True)
    run = _fingerprint(results)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}-", dir=out.parent) as tmp:
        staged = Path(tmp) / "report"
        config = Path(tmp) / "allurerc.json"
        again = history is not None and _last_appended(history) == run
        if history is not None and again:
            # These results are the history's last run: show the history as it was before.
            earlier = Path(tmp) / "history.jsonl"
            lines = history.read_text(encoding="utf-8").splitlines(keepends=True)
            earlier.write_text("".join(lines[:-1]), encoding="utf-8")
            config.write_text(json.dumps(_config(staged, earlier, append=False)))
        else:
            config.write_text(json.dumps(_config(staged, history, append=True)))
        if history is not None:
            history.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [str(ALLURE_CLI), "generate", str(results.absolute()), "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            # The allure2 report embeds an analytics tag unless this is set.
            env={**os.environ, "ALLURE_NO_ANALYTICS": "true", "NO_COLOR": "1"},
        )
        if done.returncode != 0 or not (staged / "index.html").is_file():
            raise ReportError(
                f"allure generate failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-500:]}"
            )
        if history is not None and not again:
            _marker(history).write_text(run + "\n", encoding="utf-8")
        # The scenarios link to the rule catalogue and the errata beside the report.
        (staged / "docs").mkdir(exist_ok=True)
        for page in sorted((REPO / "docs").glob("*.md")):
            shutil.copy2(page, staged / "docs" / page.name)
        if out.exists():
            shutil.rmtree(out)
        staged.rename(out)
    return out / "index.html"


def unreadable_results(results: Path) -> list[str]:
    """One line per result file of ``results`` that is no JSON object: Allure leaves such a
    file (one cut short by a killed run) out of the report without a word."""
    found = []
    for path in sorted(results.glob("*-result.json")):
        try:
            value = read_json_file(path, max_bytes=_RESULT_BYTES, max_depth=_RESULT_DEPTH)
        except JsonError as exc:
            found.append(str(exc))
            continue
        if not isinstance(value, dict):
            found.append(f"{path}: not a JSON object (an Allure result is one)")
    return found


#: Bounds of a result file read (far above a scenario's: its waits nest their polls).
_RESULT_BYTES = 64 << 20
_RESULT_DEPTH = 512


def check_history(history: Path) -> None:
    """A ``ReportError`` naming the file and line when ``history`` (if there) is no JSON
    Lines file: the Allure CLI would stop on it with a Node.js stack trace."""
    try:
        lines = history.read_bytes().splitlines()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ReportError(f"{history}: cannot read the history: {exc.strerror}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            run = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            problem = "not UTF-8"
        except ValueError as exc:  # JSONDecodeError, or a number of thousands of digits
            problem = f"not JSON ({getattr(exc, 'msg', exc)})"
        except RecursionError:
            problem = "not JSON the report reads (nested too deep)"
        else:
            if isinstance(run, dict):
                continue
            problem = f"a JSON {type(run).__name__}, not one run as a JSON object"
        raise ReportError(
            f"{history}:{number}: not a history file (JSON Lines, one run a line): {problem}; "
            "move it away to start a new history, or give another --history"
        )


def history_runs(history: Path) -> int:
    """How many runs the history file holds (0 when there is none)."""
    if not history.is_file():
        return 0
    with history.open(encoding="utf-8") as lines:
        return sum(1 for line in lines if line.strip())


def _config(out: Path, history: Path | None, append: bool) -> dict[str, object]:
    """allurerc of one generation: the allure2 report as one file, the history file."""
    config: dict[str, object] = {
        "name": REPORT_NAME,
        "output": str(out.absolute()),
        "plugins": {"allure2": {"options": {"singleFile": True, "reportName": REPORT_NAME}}},
    }
    if history is not None:
        config.update(
            historyPath=str(history.absolute()), historyLimit=HISTORY_LIMIT, appendHistory=append
        )
    return config


def _fingerprint(results: Path) -> str:
    """Which run the results are: their result files are named by fresh UUIDs."""
    names = sorted(p.name for p in results.glob("*-result.json"))
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:32]


def _marker(history: Path) -> Path:
    """Beside the history: which results its last run was made from."""
    return history.with_name(history.name + ".last")


def _last_appended(history: Path) -> str | None:
    """Which results the history's last run is (None: unknown, or no history)."""
    marker = _marker(history)
    if not history_runs(history) or not marker.is_file():
        return None
    return marker.read_text(encoding="utf-8").strip()


def serve(folder: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """An HTTP server for the report on 127.0.0.1 (port 0: a free one); call
    ``serve_until_stopped`` (or ``serve_forever``). ``ReportError`` when the port is taken."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    try:
        return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise ReportError(
            f"cannot serve the report on 127.0.0.1:{port}: {exc.strerror or exc} "
            "(--port 0 takes a free one)"
        ) from None


def serve_until_stopped(server: socketserver.BaseServer) -> None:
    """Serve on a thread until SIGINT (Ctrl-C) or SIGTERM (``stop_signals``), then close
    the server."""
    stop = threading.Event()
    serving = threading.Thread(target=server.serve_forever, name="report-server", daemon=True)
    with stop_signals(stop.set):
        serving.start()
        try:
            while not stop.wait(0.5):
                pass
        finally:
            server.shutdown()
            server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return

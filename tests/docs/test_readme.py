"""The README's curl walk-through of the sandbox runs as written against
``harness sandbox serve`` (only the base URL changed): every call, control endpoints
included, is one a user can paste."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def readme_walkthrough() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("```sh\nBASE=http://127.0.0.1:8080\n")
    return text[start + len("```sh\n") : text.index("```\n", start + 1)]


def documents(text: str) -> list[object]:
    """The JSON documents curl printed back to back (its answers end without a newline)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        value, at = decoder.raw_decode(text, at)
        found.append(value)
    return found


def test_the_readme_walkthrough_runs_against_a_served_sandbox(tmp_path: Path) -> None:
    assert shutil.which("curl"), "the README's walk-through needs curl on PATH"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "harness.cli", "sandbox", "serve", "--port", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={"PYTHONUNBUFFERED": "1", "PATH": "/usr/bin:/bin"},
        )
    try:
        for _ in range(600):
            found = re.search(r"listening on (http://\S+)", log.read_text())
            if found or server.poll() is not None:
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert found, log.read_text()
        script = readme_walkthrough().replace("BASE=http://127.0.0.1:8080", f"BASE={found[1]}", 1)
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.terminate()
        server.wait(15)
    assert run.returncode == 0, run.stderr
    answers = documents(run.stdout)
    # status, order, clock, order tracked, workspaces (org), workspaces (site admin)
    assert len(answers) == 6, run.stdout
    assert not [a for a in answers if "errors" in a], run.stdout
    status, placed, clock, tracked, org_view, admin_view = answers
    assert status["data"]["status"] == "IN_PROGRESS"
    assert placed["orderId"] == tracked["orderId"]
    assert clock["offsetSeconds"] == 3
    assert {i["processingInfo"]["status"] for i in tracked["items"]} == {"SUCCESS"}
    assert {w["attributes"]["name"] for w in org_view["data"]} == {"acme-2"}
    assert {w["attributes"]["name"] for w in admin_view["data"]} == {"acme"}

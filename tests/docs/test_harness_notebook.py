"""`harness notebook --no-browser`: the sandbox answers, JupyterLab serves the notebook at the
printed URL, and SIGTERM stops both. (The notebook against such a sandbox: the notebook
tests; opening a browser is left to the person.)"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from queue import Empty, Queue

import httpx
import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.contracts import load_profile

HARNESS = str(Path(sys.executable).parent / "harness")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """`harness notebook --no-browser` run from another folder, and its first 3 lines."""
    env = {**os.environ, "HOME": str(tmp_path), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    process = subprocess.Popen(
        [HARNESS, "notebook", "--no-browser"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: Queue[str] = Queue()
    assert process.stdout is not None
    stream = process.stdout
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    seen: list[str] = []
    try:
        while len(seen) < 3:
            seen.append(lines.get(timeout=120).rstrip("\n"))
    except Empty:
        process.kill()
        pytest.fail(f"harness notebook printed no URL in 120 s: {seen}")
    yield process, seen
    if process.poll() is None:
        process.kill()
        process.wait(timeout=30)


def test_it_starts_the_sandbox_and_jupyterlab_on_the_notebook(
    started: tuple[subprocess.Popen[str], list[str]],
) -> None:
    process, (sandbox_line, lab_line, stop_line) = started
    found = re.fullmatch(r"Sandbox org (\S+) on (http://127\.0\.0\.1:\d+)", sandbox_line)
    assert found, sandbox_line
    org, sandbox = found.groups()
    assert org == load_profile().org_id
    key = {"Authorization": f"Bearer {load_profile().api_key}"}
    assert httpx.get(f"{sandbox}/_sandbox/clock", headers=key, timeout=10).status_code == 200
    assert httpx.get(f"{sandbox}/openapi.json", timeout=10).json()["servers"][0]["url"] == sandbox
    lab = re.fullmatch(
        r"JupyterLab: (http://127\.0\.0\.1:\d+)/lab/tree/notebooks/cookbook\.ipynb\?token=(\S+)",
        lab_line,
    )
    assert lab, lab_line
    base, token = lab.groups()
    page = httpx.get(f"{base}/lab/tree/notebooks/cookbook.ipynb", params={"token": token})
    assert page.status_code == 200 and "JupyterLab" in page.text
    content = httpx.get(
        f"{base}/api/contents/notebooks/cookbook.ipynb", params={"token": token}, timeout=10
    )
    assert content.status_code == 200 and content.json()["type"] == "notebook"
    assert httpx.get(f"{base}/api/status", timeout=10).status_code == 403  # the token guards it
    assert stop_line.startswith("Ctrl-C stops")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{sandbox}/_sandbox/clock", timeout=5)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/api/status", timeout=5)


def test_without_jupyterlab_it_says_how_to_install_it(tmp_path: Path) -> None:
    """The notebook extra missing: one line, exit 2, a command that installs it."""
    hide = tmp_path / "hide"
    hide.mkdir()
    # sys.modules[name] = None is Python's own "this module cannot be imported".
    (hide / "sitecustomize.py").write_text(
        "import sys\nsys.modules['jupyterlab'] = None\n", encoding="utf-8"
    )
    done = subprocess.run(
        [HARNESS, "notebook", "--no-browser"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(hide)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "JupyterLab is not installed: run " in done.stderr
    assert "-m pip install -e '.[notebook]'" in done.stderr


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("/etc/hostname", "/etc/hostname: not under the repository"),
        ("../outside.ipynb", "../outside.ipynb: not under the repository"),
        ("README.md", "README.md: not a notebook (.ipynb)"),
        ("notebooks/nope.ipynb", "notebooks/nope.ipynb: no such notebook under"),
    ],
)
def test_a_notebook_jupyterlab_cannot_open_is_refused_in_one_line(given: str, says: str) -> None:
    """Before anything starts (JupyterLab's own refusal of a file outside its root came
    after the sandbox had started, in its words)."""
    result = CliRunner().invoke(main, ["notebook", "--no-browser", "--notebook", given])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {says}"), lines

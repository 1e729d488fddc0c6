"""``harness notebook``: the embedded sandbox, and JupyterLab on the cookbook notebook
against it.

The sandbox runs in this process on a free loopback port; JupyterLab runs as a child
process with ``HARNESS_SANDBOX_URL`` (and ``HARNESS_PROFILE``) in its environment, which
the notebook reads to talk to that sandbox instead of starting its own. JupyterLab comes
with the ``notebook`` extra (``pip install -e ".[notebook]"``). Ctrl-C or SIGTERM stops
both.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO
from urllib.parse import quote

import click

from harness._command import harness_command, python_command
from harness._signals import stop_signals
from harness._tls import tls_context_for

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = Path("notebooks") / "cookbook.ipynb"
#: Environment the notebook reads: the sandbox to use, and the profile it serves.
SANDBOX_URL_ENV = "HARNESS_SANDBOX_URL"
PROFILE_ENV = "HARNESS_PROFILE"
_READY_TIMEOUT = 120.0


class NotebookError(click.ClickException):
    """JupyterLab cannot be started; the message says what to do. Exit 2."""

    exit_code = 2


@click.command("notebook")
@click.option(
    "--no-browser", is_flag=True, help="Do not open a browser; open the printed URL yourself."
)
@click.option(
    "--port", default=0, show_default=True, type=click.IntRange(0, 65535),
    help="JupyterLab's port on 127.0.0.1 (0: a free one).",
)  # fmt: skip
@click.option(
    "--profile",
    "profile_path",
    type=click.Path(dir_okay=False),
    help="Profile file of the sandbox org (default: the built-in one).",
)
@click.option(
    "--notebook",
    "notebook_path",
    default=str(NOTEBOOK),
    show_default=True,
    help="Notebook to open, relative to the repository root.",
)
def notebook(no_browser: bool, port: int, profile_path: str | None, notebook_path: str) -> None:
    """Start the embedded sandbox and open the cookbook notebook in JupyterLab against it.

    Prints the sandbox's URL and JupyterLab's (with its token) once both answer; Ctrl-C
    stops both.
    """
    if importlib.util.find_spec("jupyterlab") is None:
        install = python_command("-m", "pip", "install", "-e", "'.[notebook]'")
        raise NotebookError(
            f"JupyterLab is not installed: run {install} (or scripts/setup test) "
            "from the repository root"
        )
    notebook_path = _notebook_under_repo(notebook_path)
    from .contracts import ProfileError, load_profile
    from .sandbox import SandboxServer

    try:
        profile = load_profile(profile_path)
    except ProfileError as exc:
        raise NotebookError(str(exc)) from None
    sandbox = SandboxServer(profile).start()
    token = secrets.token_urlsafe(24)
    port = port or _free_port()
    env = {**os.environ, SANDBOX_URL_ENV: sandbox.base_url}
    if profile_path:
        env[PROFILE_ENV] = str(Path(profile_path).absolute())
    # JupyterLab logs a lot: into a file, so a full pipe never blocks it.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as log:
        lab = subprocess.Popen(
            _lab_command(port, token, notebook_path, open_browser=not no_browser),
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        stop = _Stopper(lab)
        try:
            with stop_signals(stop):
                base = f"http://127.0.0.1:{port}"
                _wait_until_ready(lab, log, base, token)
                click.echo(f"Sandbox org {profile.org_id} on {sandbox.base_url}")
                click.echo(f"JupyterLab: {base}/lab/tree/{quote(notebook_path)}?token={token}")
                click.echo("Ctrl-C stops JupyterLab and the sandbox.")
                code = lab.wait()
            if code not in (0, -signal.SIGTERM, -signal.SIGINT) and not stop.requested:
                raise NotebookError(f"JupyterLab stopped (exit {code})")
        finally:
            if lab.poll() is None:
                lab.terminate()
                try:
                    lab.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    lab.kill()
            sandbox.stop()


def _notebook_under_repo(given: str) -> str:
    """``given`` as a path relative to the repository (JupyterLab's root), or
    ``NotebookError`` saying why it is no notebook JupyterLab can open there."""
    root = REPO.resolve()
    path = (REPO / given).resolve()
    if not path.is_relative_to(root):
        raise NotebookError(f"{given}: not under the repository ({root}), JupyterLab's root")
    if path.suffix != ".ipynb":
        raise NotebookError(f"{given}: not a notebook (.ipynb)")
    if not path.is_file():
        raise NotebookError(f"{given}: no such notebook under {root}")
    return str(path.relative_to(root))


def _lab_command(port: int, token: str, notebook_path: str, *, open_browser: bool) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        notebook_path,
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={REPO}",
        f"--ServerApp.open_browser={open_browser}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--ServerApp.allow_root=True")  # JupyterLab refuses root otherwise
    return command


def _wait_until_ready(lab: subprocess.Popen[bytes], log: IO[str], base: str, token: str) -> None:
    """Until JupyterLab answers its status API, or fail with what it said."""
    import httpx

    deadline = time.monotonic() + _READY_TIMEOUT
    # One client for every poll (each httpx.get() loaded the CA bundle again, ~20 ms), of
    # plain http on loopback: the context that loads none.
    with httpx.Client(timeout=2, verify=tls_context_for(base)) as http:
        while time.monotonic() < deadline:
            if lab.poll() is not None:
                log.seek(0)
                said = log.read().strip().splitlines()[-5:]
                raise NotebookError("JupyterLab did not start: " + " | ".join(said))
            try:
                if http.get(f"{base}/api/status", params={"token": token}).is_success:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
    raise NotebookError(
        f"JupyterLab did not answer on {base} within {_READY_TIMEOUT:.0f} s; "
        f"try again: {harness_command('notebook', '--no-browser')}"
    )


class _Stopper:
    """What SIGTERM and SIGINT do while JupyterLab runs (``stop_signals``): stop it, and
    so this command, cleanly."""

    def __init__(self, lab: subprocess.Popen[bytes]) -> None:
        self.lab = lab
        self.requested = False

    def __call__(self) -> None:
        self.requested = True
        if self.lab.poll() is None:
            self.lab.terminate()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

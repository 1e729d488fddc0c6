"""``harness sandbox profile`` and ``harness sandbox serve`` (as a real subprocess)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from harness._tls import tls_context
from harness.cli import main
from harness.client import OrderBuilder
from harness.contracts import load_profile


def test_profile_prints_the_default_profile_as_json() -> None:
    result = CliRunner().invoke(main, ["sandbox", "profile"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == load_profile().public()


def test_profile_of_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["sandbox", "profile", "--profile", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "no such file" in result.output


@contextmanager
def _serve(*args: str) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "sandbox", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        # The banner is printed once the socket listens; read all of it here, through the
        # same buffered reader, so that communicate() later sees only what follows.
        banner = ""
        for line in process.stdout:
            banner += line
            if line.startswith("Press Ctrl-C") or not line:
                break
        found = re.search(r"listening on (http://\S+)", banner)
        assert found, banner + (process.stderr.read() if process.stderr else "")
        yield process, found[1], banner
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_serve_runs_until_signalled_and_stops_cleanly(stop: signal.Signals) -> None:
    with _serve() as (process, base_url, banner):
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
        profile = load_profile()
        auth = {"Authorization": f"Bearer {profile.api_key}"}
        clock = httpx.get(f"{base_url}/_sandbox/clock", headers=auth, timeout=10)
        assert clock.status_code == 200
        workspaces = httpx.post(
            f"{base_url}/admin/v2/orgs/{profile.org_id}/workspaces",
            headers={"Authorization": f"Bearer {profile.api_key}"},
            json={"query": {"field": {"name": "attributes.name", "values": ["acme"]}}},
            timeout=10,
        )
        assert workspaces.status_code == 200
        assert workspaces.json()["data"][0]["attributes"]["name"] == "acme"
        process.send_signal(stop)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "Sandbox stopped." in out
    assert "Traceback" not in err
    # The access log names paths, never credentials.
    assert profile.api_key and profile.api_key not in out + err
    state = re.search(r"state:\s+(\S+) \(temporary\)", banner)
    assert state and not Path(state[1]).exists()


def test_serve_keeps_state_in_db(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    profile = load_profile()
    auth = {"Authorization": f"Bearer {profile.api_key}"}
    with _serve("--db", str(db)) as (process, base_url, _):
        moved = httpx.post(
            f"{base_url}/_sandbox/clock/advance", headers=auth, json={"seconds": 42}, timeout=10
        )
        assert moved.status_code == 200
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    assert process.returncode == 0
    with _serve("--db", str(db)) as (process, base_url, _):
        clock = httpx.get(f"{base_url}/_sandbox/clock", headers=auth, timeout=10).json()
        assert clock["offsetSeconds"] == 42
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)


def test_serve_on_a_taken_port_is_a_usage_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "harness.cli", "sandbox", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def _serve_refused(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", "sandbox", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("a" * 300 + ".db", "not a usable sandbox database: File name too long"),
        ("nowhere/org.db", "nowhere is no existing folder"),
        ("file.txt/org.db", "file.txt is no existing folder"),
    ],
    ids=["name-too-long", "missing-folder", "folder-is-a-file"],
)
def test_serve_on_a_db_path_that_cannot_be_is_one_line_and_exit_2(
    tmp_path: Path, name: str, says: str
) -> None:
    """A name too long was an OSError traceback."""
    (tmp_path / "file.txt").write_text("x")
    refused = _serve_refused("--db", str(tmp_path / name))
    assert refused.returncode == 2, refused.stderr
    assert "Traceback" not in refused.stderr and says in refused.stderr
    assert refused.stderr.count("\n") == 1


def test_serve_on_a_damaged_db_is_one_line_and_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    with _serve("--db", str(db)) as (process, _, _):
        process.send_signal(signal.SIGTERM)  # at once: the shutdown must still be clean
        process.communicate(timeout=15)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.db"]
    data = bytearray(db.read_bytes())
    data[4096:] = bytes((i * 37 + 11) % 256 for i in range(len(data) - 4096))
    db.write_bytes(bytes(data))
    result = _serve_refused("--db", str(db))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert str(db) in result.stderr and "damaged" in result.stderr


def test_a_second_serve_on_the_same_db_is_refused_naming_the_first(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    with _serve("--db", str(db)) as (process, base_url, _):
        result = _serve_refused("--db", str(db))
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"pid {process.pid}" in result.stderr and base_url in result.stderr


def test_serve_takes_a_real_orgs_pace() -> None:
    """--processing-seconds and --provisioning-seconds: a live run can be rehearsed at a
    real org's pace; the banner says it."""
    args = ("--processing-seconds", "0.4", "--provisioning-seconds", "3")
    with _serve(*args) as (process, base_url, banner):
        assert "items SUCCESS 0.4 s after their order, provisioning COMPLETED 3 s" in banner
        profile = load_profile()
        auth = {"Authorization": f"Bearer {profile.api_key}"}
        org = f"{base_url}/admin/installations/v2/orgs/{profile.org_id}"
        jira = profile.catalogue.offerings_of("jira", "enterprise")[0].id
        body = {
            "offerings": [{"id": jira}],
            "parameters": {"adminEmail": "a@example.com", "name": "paced", "timezone": "UTC"},
        }
        seen: dict[str, float] = {}

        def poll() -> None:
            status = httpx.get(
                f"{org}/products/status/{request_id}",
                headers=auth,
                timeout=10,
                verify=tls_context(),  # polled in a loop: the CA bundle loaded once
            )
            seen.setdefault(status.json()["data"]["status"], time.monotonic() - started)

        started = time.monotonic()
        accepted = httpx.post(f"{org}/products", json=body, headers=auth, timeout=10)
        request_id = accepted.json()["data"]["statusUrl"].rsplit("/", 1)[1]
        # Polled at once, before the order is built and sent: on a loaded machine that
        # took longer than the provisioning time, and the request was never seen waiting.
        poll()
        order = OrderBuilder.for_profile(profile, request_id).jira().build()
        placed = httpx.post(
            f"{base_url}/commerce/api/v2/orders", json=order, headers=auth, timeout=10
        )
        assert placed.status_code == 200, placed.text
        # Waiting on the sandbox's real pace (the point of the test), polled briefly.
        while "COMPLETED" not in seen and time.monotonic() - started < 20:
            poll()
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    # Never sooner than the provisioning time; IN_PROGRESS until then.
    assert "IN_PROGRESS" in seen and 3 <= seen["COMPLETED"] < 20, seen


def test_the_banner_of_another_orgs_profile_prints_that_orgs_credentials(tmp_path: Path) -> None:
    """The banner's credentials line is a command that prints the served org's profile.
    Before, it never named --profile, so for another org it printed the default org's key."""
    from tests.other_org import other_org, write_other_org

    profile = write_other_org(tmp_path / "my org's profile.json")
    with _serve("--profile", str(profile)) as (process, _, banner):
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    found = re.search(r"credentials: (.+)", banner)
    assert found, banner
    printed = subprocess.run(
        found[1], shell=True, capture_output=True, text=True, timeout=60, check=False
    )
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout)["org"] == other_org()["org"]

"""The CLI never answers a user's file with a traceback (issue 13, attack 5): every JSON
input (``validate order`` FILE and ``--catalogue``, ``sandbox serve --profile``, ``sandbox
profile --profile``, ``cassettes check --profile``) is read bounded (``MAX_FILE_BYTES``),
parsed no deeper than ``MAX_JSON_DEPTH``, and refused with exit 2 and one line naming the
file and the problem."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.contracts import MAX_FILE_BYTES, MAX_JSON_DEPTH

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cookbook"
ORDER = FIXTURES / "order-place-all-enterprise.request.json"


def harness(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


#: name -> (file content, what the one line must say)
HOSTILE: dict[str, tuple[bytes, str]] = {
    "200k-deep-array": (b"[" * 200_000 + b"]" * 200_000, f"deeper than {MAX_JSON_DEPTH}"),
    "200k-deep-object": (b'{"a":' * 200_000 + b"1" + b"}" * 200_000, "deeper than"),
    "65-deep": (b"[" * 65 + b"]" * 65, "deeper than"),
    "10000-digit-integer": (b'{"orderId": ' + b"9" * 10_000 + b"}", "10000 digits"),
    "huge-float": (b'{"orderId": 1e999}', "too large"),
    "nan": (b'{"orderId": NaN}', "NaN"),
    "duplicate-key": (b'{"orderId": "a", "items": [{"x": 1, "x": 2}]}', "'x' twice"),
    "lone-surrogate": (b'{"orderId": "\\ud800"}', "surrogate"),
    "not-utf8": (b'{"orderId": "\xff"}', "not UTF-8"),
    "byte-order-mark": ("\ufeff{}".encode(), "byte order mark"),
    "truncated": (b'{"orderId": ', "not JSON"),
}


def _order_file(tmp_path: Path, content: bytes) -> list[str]:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    return ["validate", "order", str(path)]


def _catalogue_file(tmp_path: Path, content: bytes) -> list[str]:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    return ["validate", "order", str(ORDER), "--catalogue", str(path)]


def _profile_for_serve(tmp_path: Path, content: bytes) -> list[str]:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    return ["sandbox", "serve", "--port", "0", "--profile", str(path)]


def _profile_for_profile(tmp_path: Path, content: bytes) -> list[str]:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    return ["sandbox", "profile", "--profile", str(path)]


def _profile_for_check(tmp_path: Path, content: bytes) -> list[str]:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    (tmp_path / "cassettes").mkdir()
    return ["cassettes", "check", "--dir", str(tmp_path / "cassettes"), "--profile", str(path)]


COMMANDS: dict[str, Callable[[Path, bytes], list[str]]] = {
    "validate-order": _order_file,
    "validate-order-catalogue": _catalogue_file,
    "sandbox-serve-profile": _profile_for_serve,
    "sandbox-profile-profile": _profile_for_profile,
    "cassettes-check-profile": _profile_for_check,
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_json_file_is_one_line_and_exit_2(
    tmp_path: Path, command: str, name: str
) -> None:
    """In-process (fast); an exception would be the result's, not a SystemExit."""
    content, says = HOSTILE[name]
    args = COMMANDS[command](tmp_path, content)
    result = CliRunner().invoke(main, args)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert str(tmp_path / "input.json") in lines[0]
    assert says in lines[0], lines[0]


@pytest.mark.parametrize("name", ["200k-deep-array", "10000-digit-integer"])
def test_as_the_installed_command_it_is_one_line_too(tmp_path: Path, name: str) -> None:
    """The issue's two tracebacks, as a user runs them: no traceback on stderr."""
    content, says = HOSTILE[name]
    for args in (
        COMMANDS["validate-order"](tmp_path, content),
        COMMANDS["sandbox-serve-profile"](tmp_path, content),
    ):
        result = harness(*args)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: {tmp_path / 'input.json'}")
        assert says in result.stderr


def test_an_endless_input_stops_at_the_size_limit() -> None:
    """The read is bounded: it ends (the run's 60 s timeout would say otherwise) at the
    limit, where it used to read 9 GB in 10 s and go on."""
    result = harness("validate", "order", "/dev/zero")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"Error: /dev/zero: larger than {MAX_FILE_BYTES >> 20} MiB, the limit of a JSON input"
    ]


def test_endless_stdin_stops_at_the_size_limit() -> None:
    with open("/dev/zero", "rb") as zeros:
        result = subprocess.run(
            [sys.executable, "-m", "harness.cli", "validate", "order", "-"],
            stdin=zeros,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr.startswith("Error: <stdin>: larger than")


def test_the_limits_are_generous_for_real_inputs(tmp_path: Path) -> None:
    """An order nested exactly MAX_JSON_DEPTH deep is read (and judged), not refused."""
    order = json.loads(ORDER.read_text())
    node: dict[str, object] = order["metadata"]
    for _ in range(MAX_JSON_DEPTH - 2):
        node["x"] = {}
        node = node["x"]  # type: ignore[assignment]
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(order))
    result = harness("validate", "order", str(path))
    assert result.returncode == 0, result.stderr  # read and judged (metadata is open)
    assert "deeper" not in result.stderr

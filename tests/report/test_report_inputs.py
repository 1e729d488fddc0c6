"""``harness report`` given what a user may: a history file that is no JSON Lines file, a
port out of range or taken. Each is one line naming the file and line (or the option),
exit 2, no traceback, and no report of an earlier run replaced."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main


def _results(tmp_path: Path) -> Path:
    results = tmp_path / "allure-results"
    results.mkdir()
    result = {"uuid": "r1", "name": "a scenario", "status": "passed", "start": 1, "stop": 2}
    (results / "r1-result.json").write_text(json.dumps({**result, "historyId": "h1"}))
    return results


def _report(tmp_path: Path, *extra: str, history: Path | None = None) -> tuple[int, str]:
    history = history or tmp_path / "history.jsonl"
    args = ["report", "--results", str(_results(tmp_path)), "--out", str(tmp_path / "html")]
    result = CliRunner().invoke(main, [*args, "--history", str(history), *extra])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        (b"not json\n", ":1: not a history file (JSON Lines, one run a line): not JSON"),
        (b'{"uuid": "a"}\n\n{"uuid": \n', ":3: not a history file"),
        (
            b'{"uuid": "a"}\n[1, 2]\n',
            ":2: not a history file (JSON Lines, one run a line): a JSON list",
        ),
        (b"\xff\xfe{}\n", ":1: not a history file (JSON Lines, one run a line): not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000 + b"\n", ":1: not a history file"),
    ],
)
def test_a_history_that_is_no_json_lines_is_named_with_its_line(
    tmp_path: Path, lines: bytes, says: str
) -> None:
    history = tmp_path / "history.jsonl"
    history.write_bytes(lines)
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "index.html").write_text("the report of an earlier run")
    code, output = _report(tmp_path, history=history)
    assert code == 2, output
    assert f"{history}{says}" in output and "Traceback" not in output and " at " not in output
    assert history.read_bytes() == lines  # the user's file is left as it was
    assert (tmp_path / "html" / "index.html").read_text() == "the report of an earlier run"


@pytest.mark.parametrize("port", ["-1", "65536", "99999", "http"])
def test_a_port_out_of_range_is_a_usage_error_before_anything_is_made(
    tmp_path: Path, port: str
) -> None:
    code, output = _report(tmp_path, "--serve", "--port", port)
    assert code == 2 and "Invalid value for '--port'" in output, output
    assert not (tmp_path / "html").exists()


def test_a_taken_port_is_one_line_naming_it(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = _report(tmp_path, "--serve", "--port", str(port))
    assert code == 2, output
    assert f"cannot serve the report on 127.0.0.1:{port}: Address already in use" in output
    assert "Traceback" not in output
    assert (tmp_path / "html" / "index.html").is_file()  # the report itself was made

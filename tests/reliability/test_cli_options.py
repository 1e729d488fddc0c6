"""Every command's options given what a user may by mistake (audit 8): numbers out of
range, nan, inf, words; an output path that cannot be; an empty host. Each is refused in
one line naming the option, exit 2, no traceback, before any work: nothing is measured,
served or written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _refused(code: int, output: str, says: str) -> None:
    assert code == 2, output
    assert says in output, output
    assert "Traceback" not in output


#: bench's parts but the named one are skipped; each value fails before anything runs.
_ONLY_SANDBOX = ("--skip", "suite", "--skip", "validation", "--skip", "live")
_ONLY_VALIDATION = ("--skip", "suite", "--skip", "sandbox", "--skip", "live")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--duration", "nan", *_ONLY_SANDBOX), "Invalid value for '--duration': 'nan'"),
        (("--duration", "0", *_ONLY_SANDBOX), "Invalid value for '--duration'"),
        (("--duration", "inf", *_ONLY_SANDBOX), "Invalid value for '--duration'"),
        (("--warmup", "-1", *_ONLY_SANDBOX), "Invalid value for '--warmup'"),
        (("--warmup", "nan", *_ONLY_SANDBOX), "Invalid value for '--warmup'"),
        (("--place-pool", "0", *_ONLY_SANDBOX), "Invalid value for '--place-pool'"),
        (("--load-processes", "-2", *_ONLY_SANDBOX), "Invalid value for '--load-processes'"),
        (("--validation-repeats", "0", *_ONLY_VALIDATION), "'--validation-repeats'"),
        (("--validation-repeats", "-3", *_ONLY_VALIDATION), "'--validation-repeats'"),
        (("--live-processing-seconds", "nan", *_ONLY_VALIDATION), "'--live-processing-seconds'"),
        (("--live-provisioning-seconds", "-5", *_ONLY_VALIDATION), "--live-provisioning-seconds"),
        (("--rounds", "0", *_ONLY_VALIDATION), "Invalid value for '--rounds'"),
        (("--concurrency", "8,0", *_ONLY_SANDBOX), "--concurrency 8,0: each number must be >= 1"),
    ],
)
def test_bench_refuses_a_number_it_cannot_use(
    tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    out = tmp_path / "bench.json"
    code, output = _run("bench", "--quiet", "--output", str(out), *args)
    _refused(code, output, says)
    assert not out.exists()


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("a-file/bench.json", "a-file is not a folder"),
        ("a-file/deeper/bench.json", "a-file is not a folder"),
        ("a-folder", "a-folder' is a directory"),
    ],
)
def test_bench_refuses_an_output_it_cannot_write_before_measuring(
    tmp_path: Path, where: str, says: str
) -> None:
    (tmp_path / "a-file").write_text("in the way")
    (tmp_path / "a-folder").mkdir()
    # Only the validation part, one repeat: seconds, were it not refused first.
    code, output = _run(
        "bench", "--quiet", "--validation-repeats", "1", *_ONLY_VALIDATION,
        "--output", str(tmp_path / where),
    )  # fmt: skip
    _refused(code, output, f"{tmp_path}/{says}")
    assert "--output" in output
    assert "contract validation" not in output  # nothing was measured


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--processing-seconds", "nan"), "Invalid value for '--processing-seconds'"),
        (("--provisioning-seconds", "nan"), "Invalid value for '--provisioning-seconds'"),
        (("--processing-delay", "-1"), "'--processing-delay'"),
        (("--provisioning-seconds", "inf"), "Invalid value for '--provisioning-seconds'"),
        (("--max-connections", "0"), "Invalid value for '--max-connections'"),
        (("--host", ""), "--host '': give an interface: 127.0.0.1"),
        (("--host", "  "), "--host '  ': give an interface"),
    ],
)
def test_sandbox_serve_refuses_what_it_cannot_serve_with(args: tuple[str, ...], says: str) -> None:
    code, output = _run("sandbox", "serve", "--port", "0", *args)
    _refused(code, output, says)
    assert "listening on" not in output


_ENTRY = {
    "id": "ASM-001",
    "verdict": "agreed",
    "agreed": 1,
    "contradicted": 0,
    "observed": "what shows it",
    "evidence": {"agreed": {"scenario": "s", "summary": "x"}, "contradicted": None},
}


@pytest.mark.parametrize(
    ("ledger", "says"),
    [
        ({"assumptions": [], "contradicted": "yes"}, "/contradicted is not a JSON array"),
        ({"assumptions": [{"id": "ASM-001"}]}, "/assumptions/0/verdict is missing"),
        ({"assumptions": [1]}, "/assumptions/0 is not a JSON object"),
        ({"assumptions": [{**_ENTRY, "agreed": True}]}, "/assumptions/0/agreed is missing or"),
        (
            {"assumptions": [_ENTRY, {**_ENTRY, "evidence": {"agreed": []}}]},
            "/assumptions/1/evidence/agreed is not a JSON object or null",
        ),
        ({"assumptions": [], "run": []}, "/run is not a JSON object"),
    ],
)
@pytest.mark.parametrize("as_json", [(), ("--json",)], ids=["table", "json"])
def test_assumptions_names_what_a_ledger_of_another_shape_lacks(
    tmp_path: Path, ledger: dict, says: str, as_json: tuple[str, ...]
) -> None:
    (tmp_path / "assumptions.json").write_text(json.dumps(ledger))
    code, output = _run("assumptions", str(tmp_path), *as_json)
    _refused(code, output, f"{tmp_path / 'assumptions.json'}: not a ledger: {says}")


def test_assumptions_reads_a_ledger_of_the_shape_a_run_writes(tmp_path: Path) -> None:
    ledger = {"assumptions": [_ENTRY], "contradicted": [], "notExercised": [], "run": {}}
    (tmp_path / "assumptions.json").write_text(json.dumps(ledger))
    code, output = _run("assumptions", str(tmp_path))
    assert code == 0 and "ASM-001     agreed   1" in output, output


def test_docs_refuses_an_out_or_features_folder_that_cannot_be(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("in the way")
    code, output = _run("docs", "--out", str(tmp_path / "a-file" / "docs"))
    _refused(code, output, f"cannot write it: {tmp_path / 'a-file'} is not a folder")
    code, output = _run("docs", "--check", "--features", str(tmp_path / "none"))
    _refused(code, output, f"--features {tmp_path / 'none'}: no such folder")

"""schemathesis against the sandbox's own ``/openapi.json``: the ``not_a_server_error`` and
``response_schema_conformance`` checks over every phase (examples, coverage, fuzzing,
stateful), at least 1000 generated requests, no failure.

The sandbox is a real ``harness sandbox serve`` subprocess; the org API key and org id go
in through ``longruns/schemathesis.toml`` (from the environment). No health check is
suppressed: the contracts must be generatable as they are (the product ARI's parameter
shows an encoded slash in its example, the order's detailed parts are closed, ASM-037).
``HARNESS_SCHEMATHESIS_EXAMPLES`` (30 per operation and phase) and
``HARNESS_SCHEMATHESIS_SEED`` set the run.

A second run is what a user gets who points schemathesis at the sandbox and nothing else:
``schemathesis run URL/openapi.json``, every default, no config file, no credentials. It
must end without a failure and without a failed health check.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from harness.contracts import load_profile
from tests.reliability.figures import record

from .serve import served

ROOT = Path(__file__).resolve().parents[1]
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
EXAMPLES = os.environ.get("HARNESS_SCHEMATHESIS_EXAMPLES", "30")
SEED = os.environ.get("HARNESS_SCHEMATHESIS_SEED", "20260101")
MIN_REQUESTS = 1000
#: Seconds a run may take; pytest's own timeout (pyproject: 300 s) is raised to match.
RUN_TIMEOUT = 600


def schemathesis(tmp_path: Path, args: list[str], env: dict[str, str]) -> tuple[str, float]:
    """Run schemathesis (``args`` with ``{url}`` for the served /openapi.json) against a
    served sandbox, from ``tmp_path``; its output and the seconds it took."""
    with served(tmp_path / "serve.log") as server:
        url = f"{server.base_url}/openapi.json"
        began = time.perf_counter()
        run = subprocess.run(
            [SCHEMATHESIS, *(a.replace("{url}", url) for a in args)],
            cwd=tmp_path,
            env={**env, "NO_COLOR": "1"},
            capture_output=True,
            text=True,
            # A hang, not a slow run: it takes ~70 s alone, ~170 s beside scripts/test's
            # other tests, and once 242 s on a busy machine (killed at the old 240 s).
            timeout=RUN_TIMEOUT,
            check=False,
        )
        elapsed = time.perf_counter() - began
    output = run.stdout + run.stderr
    assert "Failed Health Check" not in output, output[-6000:]
    assert run.returncode == 0, output[-6000:]
    return output, elapsed


@pytest.mark.timeout(RUN_TIMEOUT + 60)
def test_schemathesis_finds_no_server_error_and_no_nonconforming_response(
    tmp_path: Path,
) -> None:
    profile = load_profile()
    har = tmp_path / "schemathesis.har"
    output, elapsed = schemathesis(
        tmp_path,
        [
            "--config-file",
            str(ROOT / "longruns" / "schemathesis.toml"),
            "run",
            "{url}",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            EXAMPLES,
            "--seed",
            SEED,
            "--report",
            "har",
            "--report-har-path",
            str(har),
            # One worker: hypothesis' lambda descriptions call ast.parse, which is not
            # thread-safe on CPython 3.11 ("AST constructor recursion depth mismatch").
            "--workers",
            "1",
        ],
        {
            **os.environ,
            "SANDBOX_API_KEY": profile.api_key or "",
            "SANDBOX_ORG_ID": profile.org_id,
        },
    )
    entries = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]
    statuses = Counter(f"{e['response']['status'] // 100}xx" for e in entries)
    stateful = re.search(r"Stateful.*?Scenarios:\s+(\d+)", output, re.S)
    assert stateful and int(stateful[1]) > 0, output[-3000:]
    assert len(entries) >= MIN_REQUESTS, f"only {len(entries)} requests"
    assert statuses.get("5xx", 0) == 0
    found = re.search(r"(\d+) generated, (\d+) passed", output)
    record(
        "schemathesis",
        {
            "requests": len(entries),
            "test cases": int(found[1]) if found else None,
            "stateful scenarios": int(stateful[1]),
            "by status class": dict(sorted(statuses.items())),
            "failures": 0,
            "seed": int(SEED),
            "seconds": round(elapsed, 1),
        },
    )


@pytest.mark.timeout(RUN_TIMEOUT + 60)
def test_schemathesis_with_every_default_passes_without_a_failed_health_check(
    tmp_path: Path,
) -> None:
    """No config file (the run's folder holds none), no options but the seed."""
    plain = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS")}
    output, elapsed = schemathesis(tmp_path, ["run", "{url}", "--seed", SEED], plain)
    found = re.search(r"(\d+) generated, (\d+) passed", output)
    assert found and int(found[1]) == int(found[2]) > 0, output[-3000:]
    record(
        "schemathesis-defaults",
        {
            "test cases": int(found[1]),
            "failures": 0,
            "failed health checks": 0,
            "seed": int(SEED),
            "seconds": round(elapsed, 1),
        },
    )

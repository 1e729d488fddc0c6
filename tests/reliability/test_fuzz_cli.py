"""Fuzzing the CLI with what users hand it (issue 13, deliver 5).

Hypothesis writes files that are almost JSON, JSON of the wrong shape, valid orders with
one part replaced by anything, deep or huge or binary, and almost-cassettes, and runs
``harness validate order`` (FILE and ``--catalogue``), ``harness sandbox profile
--profile`` and ``harness cassettes check`` on them. Every run ends with exit 0, 1 or 2,
never an exception; exit 2 says one line naming the file.

``harness.contracts.validate_order`` gets each mutated order directly too: whatever the
shape, it answers with violations, never an exception.

``HARNESS_FUZZ_EXAMPLES`` (default 150) sets the number of inputs per command.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cli import main
from harness.contracts import load_profile, validate_order

from .figures import record
from .shapes import VALUES, mutated

ROOT = Path(__file__).resolve().parents[2]
ORDER = json.loads(
    (ROOT / "tests" / "fixtures" / "cookbook" / "order-place-all-enterprise.request.json")
    .read_text(encoding="utf-8")
)  # fmt: skip
PROFILE = load_profile()
PROFILE_DATA = PROFILE.public()
CASSETTE = (
    ROOT / "cassettes" / "prerequisites" / "get-the-product-entitlement-id-then-its-details.yaml"
).read_text(encoding="utf-8")
EXAMPLES = int(os.environ.get("HARNESS_FUZZ_EXAMPLES", "150"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ALMOST_JSON = st.one_of(
    VALUES.map(json.dumps),
    mutated(ORDER).map(json.dumps),
    st.tuples(st.integers(0, 3000), st.sampled_from(["[", '{"a":'])).map(
        lambda t: t[1] * t[0] + "1" + ("]" if t[1] == "[" else "}") * t[0]
    ),
    st.tuples(mutated(ORDER).map(json.dumps), st.integers(0, 200), st.text(max_size=5)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :]
    ),
    st.sampled_from(
        [
            "",
            "\ufeff{}",
            '{"orderId": NaN}',
            '{"orderId": 1e999}',
            '{"a": 1, "a": 2}',
            '{"a": "\\ud800"}',
            '{"a": ' + "9" * 6000 + "}",
            "// comment\n{}",
        ]
    ),
)
FILES = ALMOST_JSON.map(lambda text: text.encode("utf-8", "surrogatepass")) | st.binary(
    max_size=200
)


def run(args: list[str], exits: Counter[str]) -> None:
    """One CLI run: exit 0, 1 or 2 and no exception; exit 2 is one line naming a file."""
    result = CliRunner().invoke(main, args)
    exits[f"{args[0]} {args[1]}: exit {result.exit_code}"] += 1
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: {result.exception!r}") from result.exception
    assert result.exit_code in (0, 1, 2), (args, result.output)
    if result.exit_code == 2:
        lines = result.output.strip().splitlines()
        assert lines and any(str(a) in lines[0] for a in args if a.endswith((".json", ".yaml"))), (
            args,
            result.output,
        )


def test_validate_order_answers_any_file(tmp_path: Path) -> None:
    exits: Counter[str] = Counter()
    # One file, written again for each input: a folder made and removed per input was a
    # fifth of this test's time.
    path = tmp_path / "order.json"

    @SETTINGS
    @given(content=FILES)
    def fuzz(content: bytes) -> None:
        path.write_bytes(content)
        run(["validate", "order", str(path)], exits)
        run(["validate", "order", "--allow-comments", str(path)], exits)

    fuzz()
    record("fuzz-cli-validate-order", dict(sorted(exits.items())))


@SETTINGS
@given(order=mutated(ORDER))
def test_validate_order_judges_any_shape_without_raising(order: Any) -> None:
    violations = validate_order(order, PROFILE.catalogue)
    assert all(v.message for v in violations)


def test_profiles_and_catalogues_of_any_shape_are_usage_errors_at_worst(tmp_path: Path) -> None:
    exits: Counter[str] = Counter()
    path, order = tmp_path / "profile.json", tmp_path / "order.json"
    order.write_text(json.dumps(ORDER))

    @SETTINGS
    @given(content=FILES | mutated(PROFILE_DATA).map(lambda d: json.dumps(d).encode()))
    def fuzz(content: bytes) -> None:
        path.write_bytes(content)
        run(["sandbox", "profile", "--profile", str(path)], exits)
        run(["validate", "order", str(order), "--catalogue", str(path)], exits)

    fuzz()
    record("fuzz-cli-profiles", dict(sorted(exits.items())))


YAML_NOISE = st.sampled_from(
    ["&a ", "*a", "!!python/object:os.system ", "- ", "[", "{", "#", "'", '"']
)


def test_cassettes_check_answers_any_cassette(tmp_path: Path) -> None:
    exits: Counter[str] = Counter()
    fuzzed, reshaped = tmp_path / "fuzzed", tmp_path / "reshaped"
    fuzzed.mkdir()
    reshaped.mkdir()

    # Half the inputs each way: a check reads detect-secrets' settings per file (~15 ms).
    half = settings(SETTINGS, max_examples=max(1, EXAMPLES // 2))

    @half
    @given(
        at=st.integers(0, len(CASSETTE)),
        noise=st.lists(YAML_NOISE | st.text(max_size=6), max_size=6).map("".join),
        binary=st.booleans(),
    )
    def fuzz(at: int, noise: str, binary: bool) -> None:
        text = CASSETTE[:at] + noise + CASSETTE[at:]
        path = fuzzed / "fuzzed.yaml"
        if binary:
            path.write_bytes(text.encode("utf-8", "surrogatepass")[:at] + b"\xff\xfe")
        else:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        run(["cassettes", "check", "--dir", str(fuzzed)], exits)

    @half
    @given(data=mutated(yaml.safe_load(CASSETTE)))
    def reshape(data: Any) -> None:
        """The cassette's structure with one place replaced by anything (or removed)."""
        (reshaped / "reshaped.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
        run(["cassettes", "check", "--dir", str(reshaped)], exits)

    fuzz()
    reshape()
    record("fuzz-cli-cassettes", dict(sorted(exits.items())))

"""``parse_json`` reads a text the way its exact path (Python's ``json``, every refusal
named) does: the same value, or the same refusal, whether orjson's quick read could vouch
for it or not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.contracts import JsonError, parse_json
from harness.contracts._json import _UNSURE, _parse_exactly, _quick

DEPTH = 4


def _outcome(read: Any, text: str) -> tuple[str, Any]:
    try:
        value = read(text)
    except JsonError as exc:
        return "refused", (exc.problem, exc.line, exc.column)
    return "read", json.dumps(value, sort_keys=True)  # 1 and 1.0 and True told apart


def _both(text: str) -> None:
    quick = _outcome(lambda t: parse_json(t, max_depth=DEPTH), text)
    assert quick == _outcome(lambda t: _parse_exactly(t, DEPTH), text)


HOSTILE = [
    '{"a":1,"a":2}',  # a key twice
    '{"a":1,"\\u0061":2}',  # the same key, spelled two ways
    '{"a":"x\\":y","a":2}',  # a quote and colon inside a string, and a key twice
    '{"a":"x\\":y"}',
    "[1e999]",
    "[-1e400]",
    "NaN",
    "[Infinity]",
    '"\\ud800"',
    '"\\udc00x"',
    '"\\ud83d\\ude00"',
    "[" + "9" * 5000 + "]",
    "[18446744073709551616]",
    "-9223372036854775809",
    "[9223372036854775807, 1e19, 9.3e18]",
    "[[[[[1]]]]]",
    '{"a":{"b":{"c":{"d":{}}}}}',
    "[1,2",
    '{"a":1}x',
    "",
    " ",
    '{"k" : 1 , "j" : [1.5, -0, -0.0, "s"]}',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_text_is_read_or_refused_as_the_exact_path_does(text: str) -> None:
    _both(text)


def test_the_quick_read_vouches_for_an_ordinary_order() -> None:
    text = json.dumps({"orderId": "x", "items": [{"itemId": "a", "n": 1, "q": 2.5}] * 3})
    assert _quick(text, DEPTH) is not _UNSURE
    assert _quick('{"a":1,"a":2}', DEPTH) is _UNSURE


_KEYS = st.sampled_from(["a", "b", "\\u0061", 'x\\":y', "é"])
_SCALARS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["true", "null", "1e999", "NaN", '"\\ud800"', '"s\\":t"', "-0"]),
)
_TEXTS = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4).map(lambda xs: "[" + ",".join(xs) + "]")
        | st.lists(st.tuples(_KEYS, inner), max_size=4).map(
            lambda kvs: "{" + ",".join(f'"{k}" : {v}' for k, v in kvs) + "}"
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300)
@given(_TEXTS)
def test_any_text_is_read_or_refused_as_the_exact_path_does(text: str) -> None:
    _both(text)


@pytest.mark.parametrize(
    ("text", "problem", "line", "column"),
    [
        # A UUID's "78e519" is no number; the 1e999 after it is.
        ('{"orderId": "78e519c2",\n "quantity": 1e999}', "(1e999)", 2, 14),
        ('{"q": 1' + "0" * 400 + ".5}", "(10000000000000000...)", 1, 7),
        ('{"name": "NaN", "q": NaN}', "holds NaN", 1, 22),
        ('{"a": "-Infinity", "b": -Infinity}', "holds -Infinity", 1, 25),
        ('{"s": "' + "1" * 6000 + '", "q": 1' + "0" * 4400 + "}", "4401 digits", 1, 6016),
    ],
    ids=["exponent-in-a-string-first", "no-exponent", "nan", "infinity", "long-string-first"],
)
def test_a_refused_number_is_named_where_it_is_not_inside_a_string(
    text: str, problem: str, line: int, column: int
) -> None:
    with pytest.raises(JsonError) as refused:
        parse_json(text)
    assert problem in refused.value.problem
    assert (refused.value.line, refused.value.column) == (line, column)

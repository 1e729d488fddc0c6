"""The fast verdict (jsonschema-rs) and the Python validator judge every message alike.

``_schemas.validate`` trusts jsonschema-rs's "valid" and asks the Python validator for
the violations otherwise, so a message the fast one passes must have no Python error.
Checked on every cookbook sample and on many mutations of them, and on the edge cases
where the two libraries' regex and format rules could part.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import contracts
from harness.contracts import _schemas

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "cookbook"
SAMPLES = yaml.safe_load((HERE / "samples.yaml").read_text())["samples"]


def _schema_of(sample: dict[str, Any]) -> str | None:
    op = contracts.operation(sample["operation"])
    if "method" in sample:
        return op.request_schema
    return op.response_schema(sample["status"])


#: (schema URI, body) of every sample with a JSON body.
BODIES = [
    (uri, json.loads((HERE / s["body"]).read_text()))
    for s in SAMPLES
    if "body" in s and (uri := _schema_of(s)) is not None
]


def _agree(uri: str, instance: Any) -> None:
    fast = _schemas._is_valid(_schemas.fast_validator(uri), instance)
    # One bit from each (the Python validator stops at its first error: ~30% of this
    # module's time went to listing errors no one read); the errors when they part.
    slow = _schemas.validator(uri)
    if fast != slow.is_valid(instance):
        errors = [e.message for e in slow.iter_errors(instance)]
        raise AssertionError(f"{uri}: fast says valid={fast}; Python: {errors}; {instance!r}")


def _formats(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "format" and isinstance(value, str):
                yield value
            else:
                yield from _formats(value)
    elif isinstance(node, list):
        for value in node:
            yield from _formats(value)


def test_every_format_of_the_contracts_is_checked_by_both() -> None:
    checkers = _schemas.python_validator_class().FORMAT_CHECKER.checkers
    used = {f for schema in _schemas.schema_files().values() for f in _formats(schema)}
    used |= set(_formats(_schemas.openapi_document()))
    assert used <= set(_schemas._FORMATS)
    assert used <= set(checkers)


@pytest.mark.parametrize(("uri", "body"), BODIES, ids=[f"{u.rsplit('/', 1)[1]}" for u, _ in BODIES])
def test_samples_get_the_same_verdict(uri: str, body: Any) -> None:
    _agree(uri, body)


EDGES = [
    "",
    "a",
    "200\n",
    "acme\n",
    "acme-2",
    "ACME",
    "a@b",
    "@",
    "not an email",
    "0AED15E5-3D09-4319-800D-D65A5E73F783",
    "{0aed15e5-3d09-4319-800d-d65a5e73f783}",
    "urn:uuid:0aed15e5-3d09-4319-800d-d65a5e73f783",
    "0aed15e53d094319800dd65a5e73f783",
    "0aed15e5-3d09-4319-800d-d65a5e73f783\n",
    "http://127.0.0.1:8080/admin/installations/v2/orgs/x/products/status/"
    "0aed15e5-3d09-4319-800d-d65a5e73f783",
    "https://example.com/a b",
    "relative/path",
    "ari:cloud:jira-software::site/abc",
    "ari:cloud:jira-software::site/abc\n",
    "REL-001",
    "REL-001\n",
    "/items/0",
    "é",
    "\u0000",
    0,
    1,
    -1,
    1.0,
    1.5,
    2**63,
    2**70,
    True,
    False,
    None,
    [],
    {},
]


def _paths(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*at, i))


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy: Any = dict(node) if isinstance(node, dict) else list(node)
    copy[path[0]] = _replace(node[path[0]], path[1:], value)
    return copy


def _delete(node: Any, path: tuple[Any, ...]) -> Any:
    if len(path) == 1:
        copy: Any = dict(node) if isinstance(node, dict) else list(node)
        del copy[path[0]]
        return copy
    return _replace(node, path[:1], _delete(node[path[0]], path[1:]))


@pytest.mark.parametrize(("uri", "body"), BODIES, ids=[f"{u.rsplit('/', 1)[1]}" for u, _ in BODIES])
def test_every_field_set_to_every_edge_case_gets_the_same_verdict(uri: str, body: Any) -> None:
    for path in _paths(body):
        for value in EDGES:
            _agree(uri, _replace(body, path, value))
        if path:
            _agree(uri, _delete(body, path))
        if path and isinstance(body, dict):
            _agree(uri, _replace(body, path[:-1] or (), _extra(body, path[:-1])))


def _extra(body: Any, path: tuple[Any, ...]) -> Any:
    node = body
    for part in path:
        node = node[part]
    return {**node, "unexpected": 1} if isinstance(node, dict) else node


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.from_regex(re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-.{4}-.{12}"))
    | st.sampled_from([v for v in EDGES if isinstance(v, str)]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_mutations_get_the_same_verdict(data: st.DataObject) -> None:
    uri, body = data.draw(st.sampled_from(BODIES))
    path = data.draw(st.sampled_from(list(_paths(body))))
    _agree(uri, _replace(body, path, data.draw(json_values)))


@pytest.mark.parametrize("value", EDGES, ids=repr)
def test_inline_parameter_schemas_get_the_same_verdict(value: Any) -> None:
    for op in contracts.operations():
        for param in op.parameters:
            if set(param.schema) == {"$ref"}:
                continue
            key = json.dumps(param.schema, sort_keys=True)
            fast = _schemas._is_valid(_schemas._fast_inline_validator(key), value)
            slow = list(_schemas._inline_validator(key).iter_errors(value))
            assert fast == (not slow), (param.name, value)


def test_a_value_the_fast_validator_cannot_take_goes_the_slow_way_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    uri = contracts.schema_uri("error.json")
    with caplog.at_level("DEBUG", logger="harness.contracts"):
        assert _schemas._is_valid(_schemas.fast_validator(uri), {"errors": b"bytes"}) is False
    assert "jsonschema-rs could not take the value" in caplog.text


def test_a_failure_of_the_fast_validator_itself_is_not_taken_for_a_verdict() -> None:
    class Broken:
        def is_valid(self, instance: Any) -> bool:
            raise RuntimeError("jsonschema-rs broke")

    with pytest.raises(RuntimeError, match="broke"):
        _schemas._is_valid(Broken(), {})  # type: ignore[arg-type]

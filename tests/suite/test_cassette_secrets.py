"""``harness cassettes check`` finds a credential wherever a cassette can hold one (issue 13,
attack 6): headers named like one (request and response, cookies too), query parameters,
YAML comments, body text in Atlassian's token shapes, in every ``*.yaml`` and ``*.yml``;
and a cassette it cannot read is a one-line problem, never a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.cli import main

ROOT = Path(__file__).resolve().parents[2]
SOURCE = (
    ROOT / "cassettes" / "prerequisites" / "get-the-product-entitlement-id-then-its-details.yaml"
)
#: Looks like a credential, and is none of the profile's (the check must not need to know it).
TOKEN = "q8Zr2LmV9xTn4Kp7Wd3Hs6Jc1Fb5Ny0GaUe"
ATLASSIAN_TOKEN = "ATATT3xFfGF0" + "Tz9Lq4Wm2Xc7Vb1Nk8Hs5Jd3Fg6Pr0Ye" * 4 + "=A1B2C3D4"
REQUEST_HEADERS = "    headers:\n      accept:\n"
RESPONSE_HEADERS = "    headers:\n      content-length:\n"

#: name -> (text to find in the source cassette, what to put there, interaction named)
PLANTED: dict[str, tuple[str, str, int]] = {
    "x-api-key": (
        REQUEST_HEADERS,
        f"    headers:\n      X-Api-Key:\n      - {TOKEN}\n      accept:\n",
        1,
    ),
    "x-atlassian-token": (
        REQUEST_HEADERS,
        f"    headers:\n      X-Atlassian-Token:\n      - {TOKEN}\n      accept:\n",
        1,
    ),
    "proxy-authorization": (
        REQUEST_HEADERS,
        f"    headers:\n      Proxy-Authorization:\n      - Basic {TOKEN}\n      accept:\n",
        1,
    ),
    "client-secret": (
        REQUEST_HEADERS,
        f"    headers:\n      x-client-secret:\n      - {TOKEN}\n      accept:\n",
        1,
    ),
    "cookie": (
        REQUEST_HEADERS,
        f"    headers:\n      Cookie:\n      - sid={TOKEN}\n      accept:\n",
        1,
    ),
    "set-cookie": (
        RESPONSE_HEADERS,
        f"    headers:\n      Set-Cookie:\n      - session={TOKEN}; HttpOnly\n"
        "      content-length:\n",
        1,
    ),
    "api-key-in-query": ("/entitlements\n", f"/entitlements?api_key={TOKEN}\n", 1),
    "short-token-in-query": ("/details\n", "/details?access_token=abc123\n", 2),
    "comment": ("interactions:\n", f"# token: {TOKEN}\ninteractions:\n", 0),
    "atlassian-token-in-comment": ("version: 1", f"version: 1\n# {ATLASSIAN_TOKEN}", 0),
    "atlassian-token-in-a-body": (
        '"can_reactivate":false',
        f'"can_reactivate":false,"note":"{ATLASSIAN_TOKEN}"',
        1,
    ),
    "atlassian-token-under-a-neutral-header": (
        RESPONSE_HEADERS,
        f"    headers:\n      x-request-note:\n      - {ATLASSIAN_TOKEN}\n      content-length:\n",
        1,
    ),
}


def check(folder: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["cassettes", "check", "--dir", str(folder)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output.splitlines()


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
@pytest.mark.parametrize("name", sorted(PLANTED))
def test_a_planted_credential_is_found_naming_file_and_interaction(
    tmp_path: Path, name: str, suffix: str
) -> None:
    find, replace, interaction = PLANTED[name]
    text = SOURCE.read_text(encoding="utf-8")
    assert find in text
    planted = tmp_path / "sub" / f"planted{suffix}"
    planted.parent.mkdir()
    planted.write_text(text.replace(find, replace, 1), encoding="utf-8")
    code, lines = check(tmp_path)
    assert code == 1, lines
    where = f"{planted} interaction {interaction}:" if interaction else f"{planted}:"
    found = [line for line in lines if line.startswith(where)]
    assert found, lines
    assert all(TOKEN not in line and ATLASSIAN_TOKEN[12:] not in line for line in lines)


def test_a_5000_deep_yaml_is_one_problem_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text("interactions:\n" + "- " * 5000 + "x\n")
    (tmp_path / "deep-flow.yml").write_text("interactions: " + "[" * 5000 + "]" * 5000 + "\n")
    code, lines = check(tmp_path)
    assert code == 1
    assert any(line.startswith(f"{tmp_path / 'deep.yaml'}: does not parse") for line in lines)
    assert any(line.startswith(f"{tmp_path / 'deep-flow.yml'}: does not parse") for line in lines)


def test_yaml_aliases_are_refused_before_they_expand(tmp_path: Path) -> None:
    """A 'billion laughs' cassette would eat the memory of whatever dumps it."""
    laughs = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for n in "bcdefghi":
        previous = chr(ord(n) - 1)
        laughs += f"{n}: &{n} [*{previous},*{previous},*{previous},*{previous},*{previous}]\n"
    (tmp_path / "laughs.yaml").write_text(laughs + "interactions: [*i]\n")
    code, lines = check(tmp_path)
    assert code == 1
    assert any("alias" in line for line in lines), lines


def test_the_committed_cassettes_hold_nothing_that_looks_like_a_credential() -> None:
    code, lines = check(ROOT / "cassettes")
    assert code == 0, lines
    assert lines[-1].startswith("OK:")


def test_recording_drops_what_the_check_refuses() -> None:
    """The scrubber and the check share the rule: a header or query parameter named like
    a credential never reaches a cassette, so recording cannot write one the check fails."""
    from vcr.request import Request

    from harness.suite.cassettes import Scrubber

    scrubber = Scrubber("http://127.0.0.1:9")
    request = Request(
        "GET",
        f"http://127.0.0.1:9/commerce/api/v2/orders/x?api_key={TOKEN}&limit=2",
        b"",
        {"X-Api-Key": TOKEN, "Proxy-Authorization": f"Basic {TOKEN}", "Accept": "*/*"},
    )
    kept = scrubber.request(request)
    assert kept is not None
    assert TOKEN not in kept.uri and "api_key=***" in kept.uri and "limit=2" in kept.uri
    assert set(kept.headers) == {"Accept"}
    response = scrubber.response(
        {
            "status": {"code": 401, "message": "Unauthorized"},
            "headers": {
                "Set-Cookie": [f"s={TOKEN}"],
                "X-Atlassian-Token": [TOKEN],
                "WWW-Authenticate": ['Bearer realm="x"'],
            },
            "body": {"string": ""},
        }
    )
    assert set(response["headers"]) == {"WWW-Authenticate"}


@pytest.mark.parametrize(
    ("find", "replace", "says"),
    [
        ("- request:\n    body: ''", "- request: just text\n  x:\n    body: ''", "pair"),
        (REQUEST_HEADERS, "    headers: [1, 2]\n    h:\n      accept:\n", "pair"),
        ("      code: 200\n", "      code: '200'\n", "pair"),
        ("http://sandbox.invalid/", "http://sandbox.invalid[/", "no operation"),
    ],
    ids=["request-is-text", "headers-are-a-list", "status-is-text", "uri-does-not-parse"],
)
def test_an_interaction_of_another_shape_is_a_problem_not_an_exception(
    tmp_path: Path, find: str, replace: str, says: str
) -> None:
    """Found by fuzzing (issue 13): these ended in AttributeError or ValueError."""
    text = SOURCE.read_text(encoding="utf-8")
    assert find in text
    (tmp_path / "odd.yaml").write_text(text.replace(find, replace, 1), encoding="utf-8")
    code, lines = check(tmp_path)
    assert code == 1, lines
    assert any(says in line for line in lines), lines


def test_detect_secrets_runs_the_atlassian_rule_on_every_file_and_only_with_ours(
    tmp_path: Path,
) -> None:
    """detect-secrets' plugin table is built once with the harness's rule in it: each later
    file is still scanned by that rule, and a scan with detect-secrets' own settings does
    not run it."""
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import default_settings

    from harness.suite.secret_scan import _detect_secrets

    token = "ATATT3x" + "Zq7" * 10
    files = []
    for n in range(3):
        files.append(tmp_path / f"c{n}.yaml")
        files[-1].write_text(f"interactions:\n- request:\n    body: note {n} {token}\n")
    for path in files:
        kinds = {kind for _, kind, _ in _detect_secrets(path)}
        assert "Atlassian Token" in kinds, (path.name, kinds)
    with default_settings():
        kinds = {s.type for s in scan_file(str(files[0]))}
    assert "Atlassian Token" not in kinds


@pytest.mark.parametrize(
    "text",
    [
        "interactions: []\n",
        "interactions:\n- request: {method: GET, uri: 'http://x/a?b=1'}\n"
        "  response: {status: {code: 200}}\n",
        "a: &a [1]\ninteractions: [*a]\n",
        "interactions:\n" + "- " * 64 + "x\n",
        "interactions:\n" + "- " * 63 + "x\n",
        "interactions: " + "[" * 70 + "]" * 70 + "\n",
        "interactions: !!python/object/apply:os.system ['true']\n",
        "interactions: [\n",
        "a: 1\n---\nb: 2\n",
        "x: !!binary aGk=\ny: 2026-12-02\nz: 0o17\n",
    ],
    ids=[
        "empty",
        "pair",
        "alias",
        "64 deep",
        "63 deep",
        "70 deep flow",
        "python tag",
        "cut short",
        "two documents",
        "tags",
    ],
)
def test_libyaml_and_the_python_loader_read_a_cassette_alike(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The harness reads cassettes with libyaml where PyYAML has it (replay reads each
    one): the same value, or the same refusal at the same place, as without it."""
    import yaml

    from harness.suite.cassettes import load_yaml_safely

    def read() -> tuple[str, object]:
        try:
            return "value", load_yaml_safely(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = (mark.line, mark.column) if mark else None
            alias_or_depth = "alias" in str(exc) or "deeper" in str(exc)
            return "refused", (type(exc).__mro__[1:3], where if alias_or_depth else None)

    assert yaml.__with_libyaml__
    fast = read()
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    assert read() == fast


#: Addresses an org may have that the ASCII pattern missed or cut: the scrubber left
#: 'o'', 'Ü' or the whole address in the cassette (and the check then failed the user's own
#: recording, or passed an address it did not see).
ADDRESSES = [
    "o'brien@initech.example",
    "ÜBER.admin@Odd-Domain.Example.COM",
    "admin@bücher.example",
    "名前@例え.jp",
    "Site.Admin+QA@Sub.Example.COM",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_every_e_mail_address_is_redacted_whole_and_a_left_one_is_found(
    address: str, tmp_path: Path
) -> None:
    from harness.suite.cassettes import REDACTED_EMAIL, Scrubber
    from harness.suite.secret_scan import find_credentials

    scrubber = Scrubber("http://127.0.0.1:9")
    escaped = json.dumps(address)[1:-1]  # as httpx sends JSON: non-ASCII as \uXXXX
    for held in (escaped, address):
        text = f'{{"detail": "{held} holds the role"}}'
        assert scrubber.text(text) == f'{{"detail": "{REDACTED_EMAIL} holds the role"}}'
        cassette = tmp_path / "planted.yaml"
        cassette.write_text(f"body: '{text}'\n", encoding="utf-8")
        found = find_credentials(
            cassette, cassette.read_text(encoding="utf-8"), [], allowed_emails=[REDACTED_EMAIL]
        )
        assert [f.what for f in found] == [f"an e-mail address: {held}"]


@pytest.mark.timeout(60)  # a guard against a hang, not a speed goal: it takes ~2 s
def test_long_hostile_lines_are_checked_and_scrubbed_in_linear_time(tmp_path: Path) -> None:
    """A comment of 'keykey...' and a word after an '@', 120 and 200 KB: the backtracking
    patterns took minutes for 4 KB of the first and 15 s for 20 KB of the second, and a
    megabyte would have hung `cassettes check` and recording for hours."""
    from harness.suite.cassettes import Scrubber

    hostile = "key" * 40_000
    at_word = "a@" + "b" * 200_000
    text = SOURCE.read_text(encoding="utf-8")
    text += f"# {hostile} api_token: {TOKEN}\n# {at_word} o'brien@example.org\n"
    (tmp_path / "hostile.yaml").write_text(text, encoding="utf-8")
    code, lines = check(tmp_path)
    assert code == 1
    assert any("a credential: api_token in a comment" in line for line in lines), lines
    assert any("an e-mail address: o'brien@example.org" in line for line in lines), lines
    scrubbed = Scrubber("http://127.0.0.1:1").text(f"{at_word} {hostile}@x.example ü@b.example")
    assert scrubbed.startswith(at_word + " ")
    assert scrubbed.count("redacted@example.invalid") == 2


#: The backtracking patterns the linear ones replaced: what they found is the reference.
_REFERENCE_NAMED_VALUE = re.compile(
    r"(?i)([\w-]*(?:key|token|secret|passw|auth|cookie|session)[\w-]*)['\"]?\s*[:=]\s*"
    r"['\"]?(?!\*\*\*)([A-Za-z0-9+/=._~-]{8,})"
)
_PIECES = ["key", "tok", "en", "auth", "a", "1", "_", "-", ":", "=", "'", '"', " ", "***"]
_PIECES += ["abcdefgh", "ABCDEFGHIJ", "é", "+", ".", "@", "x.example", "\\u00fc"]


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_the_linear_named_values_find_what_the_backtracking_pattern_found(text: str) -> None:
    from harness.suite.secret_scan import _named_values

    found = [(m.span(), m.groups()) for m in _named_values(text)]
    assert found == [(m.span(), m.groups()) for m in _REFERENCE_NAMED_VALUE.finditer(text)]


@pytest.mark.parametrize("depth", [900, 5000])
def test_a_deeply_nested_recorded_body_is_told_apart_in_one_short_line(depth: int) -> None:
    # A hand-edited (or hostile) cassette body nested past what Python's JSON reader
    # takes was a RecursionError out of vcrpy's matching, not "the body differs".
    from vcr.request import Request

    from harness.suite.cassettes import json_body

    def nested(leaf: str) -> str:
        return "[" * depth + leaf + "]" * depth

    sent = Request("POST", "http://127.0.0.1/x", nested("1"), {})
    recorded = Request("POST", "http://127.0.0.1/x", nested("2"), {})
    with pytest.raises(AssertionError, match=r"^the body differs at ") as raised:
        json_body(sent, recorded)
    assert len(str(raised.value)) < 300
    json_body(sent, Request("POST", "http://127.0.0.1/x", nested("1"), {}))  # equal: no error

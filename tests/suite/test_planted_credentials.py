"""``harness cassettes check`` (``audit.check_cassettes``) finds a profile's credential
planted in a cassette in every form it can take there, whatever characters it holds, and
its report never quotes it back."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from harness.contracts import load_profile
from harness.contracts.profile import DEFAULT_PROFILE
from harness.suite.audit import check_cassettes

ROOT = Path(__file__).resolve().parents[2]
#: A committed cassette to plant into: one interaction, a provisioning POST.
BASE = ROOT / "cassettes/faults/a-provisioning-request-whose-answer-is-lost-is-not-sent-again.yaml"
#: Printable ASCII a profile allows, with what YAML, JSON and URLs escape: quotes, a
#: backslash, & and <, and base64 that decodes to JSON (the shape of the API's cursors).
KEY = base64.b64encode(b'{"typ":"JWT"}').decode() + "\"q\\'<&>" + "K" * 200 + "-Zq81x"
TOKEN = 'tok"en\\&=' + base64.b64encode(b'{"a":1}').decode() + "-Tq81x"

Plant = Callable[[dict[str, Any], str, str], None]


def _header(data: dict[str, Any], key: str, basic: str) -> None:
    data["interactions"][0]["request"]["headers"]["x-echo"] = [key]


def _basic_header(data: dict[str, Any], key: str, basic: str) -> None:
    data["interactions"][0]["request"]["headers"]["x-echo"] = [basic]


def _json_body(data: dict[str, Any], key: str, basic: str) -> None:
    data["interactions"][0]["response"]["body"]["string"] = json.dumps({"detail": key})


def _query(data: dict[str, Any], key: str, basic: str) -> None:
    data["interactions"][0]["request"]["uri"] += "?q=" + quote(key, safe="")


def _path(data: dict[str, Any], key: str, basic: str) -> None:
    data["interactions"][0]["request"]["uri"] += "/" + quote(key, safe="")


@pytest.mark.parametrize("plant", [_header, _basic_header, _json_body, _query, _path])
@pytest.mark.parametrize("which", ["org key", "site admin token"])
def test_a_planted_credential_is_found_and_not_quoted(
    tmp_path: Path, plant: Plant, which: str
) -> None:
    data = json.loads(DEFAULT_PROFILE.read_text(encoding="utf-8"))
    data["org"]["apiKey"] = KEY
    admin = data["siteAdmins"][0]
    admin["apiToken"] = TOKEN
    (tmp_path / "profile.json").write_text(json.dumps(data), encoding="utf-8")
    profile = load_profile(tmp_path / "profile.json")
    secret = KEY if which == "org key" else TOKEN
    basic = base64.b64encode(f"{admin['email']}:{TOKEN}".encode()).decode()

    cassette = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    plant(cassette, secret, basic)
    path = tmp_path / "planted.yaml"
    path.write_text(yaml.safe_dump(cassette), encoding="utf-8")

    problems = [str(p) for p in check_cassettes([path], profile.credentials())]
    assert f"{path} interaction 1: holds a credential of the profile or environment" in problems
    shown = "\n".join(problems)
    assert "Zq81x" not in shown and "Tq81x" not in shown and basic not in shown

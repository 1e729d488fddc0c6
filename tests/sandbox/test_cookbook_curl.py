"""The cookbook's curl commands, run with bash and the real curl against a sandbox.

Each command is transcribed as printed (``tests/fixtures/cookbook/curl/``, line breaks
restored), then only its host, credentials, placeholders (``<admin-email>``,
``{orgId}``...) and the ids of earlier steps are filled in. A command whose
``curl_needs`` (``samples.yaml``) is empty then answers 2xx. Otherwise each needed erratum
is shown first, as printed: a shell mistake by bash itself (ERR-010) or by the arguments
curl would get (ERR-002: a header with no value and a stray URL, never sent); an API
mistake by the sandbox's refusal naming it. Corrected one by one, the command answers
2xx. The README's list of what each command needs is this file's ``curl_needs``.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from harness.contracts import find_operation, validate_response

from .cookbook_samples import REQUESTS
from .support import (
    ACME_CLOUD_ID,
    ACME_CONTAINER,
    ACME_JIRA,
    APP,
    FIXTURES,
    Api,
    ari,
    cookbook_order,
)

ROOT = Path(__file__).resolve().parents[2]
CURL = [
    (sample["name"], command, list(sample["curl_needs"]))
    for sample in REQUESTS
    if "curl" in sample
    for command in ([sample["curl"]] if isinstance(sample["curl"], str) else sample["curl"])
]
#: Errata in shell quoting: shown by bash or by the arguments curl would get, never sent.
SHELL = ("ERR-010", "ERR-002")

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl on PATH")


# -- what each command needs filled, from the steps before it --------------------------


def _provisioned(api: Api, offerings: list[str], site: str = "curl-site") -> str:
    return api.provisioned(offerings, site, timezone=None if site == "acme" else "UTC")


def _order_fills(api: Api, command: str) -> dict[str, str]:
    """An order sample's provisioning request (provisioned as the order needs) and its
    transaction account, and the family container of the existing-site journey."""
    name = command.removesuffix(".sh").removeprefix("order-place-")
    order = json.loads((FIXTURES / f"order-place-{name}.request.json").read_text())
    offerings = [i["offeringId"] for i in order["items"]]
    container = "009f8789-c10c-4366-9420-f712d02a6499"
    if name == "app":
        response = api.provision_app(ari("jira-software", ACME_CLOUD_ID))
        request_id = response.json()["data"]["statusUrl"].rsplit("/", 1)[1]
    elif name == "add-jsm-existing-site":
        request_id = _provisioned(api, [o for o in offerings if o != container], "acme")
    else:
        request_id = _provisioned(api, [o for o in offerings if o != container])
    return {
        order["metadata"]["provisionRequestId"]: request_id,
        "{{transactionAccountId}}": order["transactionAccountId"],
        "{{jiraFamilyContainerEntitlementId}}": ACME_CONTAINER,
    }


def _status_fills(api: Api, command: str) -> dict[str, str]:
    return {
        "6664d179-c5e8-4f6a-9f45-8a9f0756440": _provisioned(
            api, ["39605741-b92f-4763-8229-7bba2d16433c"]
        )
    }


def _tracking_fills(api: Api, command: str) -> dict[str, str]:
    request_id = _provisioned(api, ["799958b5-36bb-4a3d-9289-9fd2986352a7"])
    order = cookbook_order("jira-enterprise", request_id)
    assert api.place(order).status_code == 200
    return {"{id}": order["orderId"], "{{transactionAccountId}}": order["transactionAccountId"]}


def _basic_fills(api: Api, command: str) -> dict[str, str]:
    """The entitlements sample authenticates with Basic: acme's direct site admin."""
    admin = api.profile.site_admin("direct")
    token = base64.b64encode(f"{admin.email}:{admin.api_token}".encode()).decode()
    return {"<access_token>": token}


SETUP: dict[str, Callable[[Api, str], dict[str, str]]] = {
    "entitlements-list.sh": _basic_fills,
    "provisioning-status.sh": _status_fills,
    "orders-get.sh": _tracking_fills,
}


def _fills(api: Api, command: str) -> dict[str, str]:
    """Host, credentials, placeholders, and the ids of earlier steps."""
    found = SETUP.get(command, _order_fills if command.startswith("order-place") else None)
    earlier = found(api, command) if found else {}
    defaults = api.profile.defaults
    return {
        "https://api.atlassian.com": api.base_url,
        "{orgId}": api.org,
        "{{APIKey}}": api.profile.api_key or "",
        "<access_token>": api.profile.api_key or "",
        "<admin-email>": defaults["adminEmail"],
        "<app-key>": defaults["appKey"],
        "{productAri}": quote(ari("jira-software", ACME_CLOUD_ID), safe=""),
        "{entitlementId}": ACME_JIRA,
        **earlier,
    }


def _filled(text: str, fills: dict[str, str]) -> str:
    for old, new in fills.items():
        text = text.replace(old, new)
    return text


# -- correcting an erratum in a command's text -----------------------------------------

FIXES: dict[str, Callable[[str], str]] = {
    "ERR-001": lambda t: t.replace("'Authentication: Basic", "'Authorization: Basic"),
    "ERR-002": lambda t: re.sub(
        r"--header 'X-transaction-account': (\S+)", r"--header 'X-transaction-account: \1'", t
    ),
    "ERR-003": lambda t: re.sub(r"[ \t]+//[^\n]*", "", t),
    "ERR-009": lambda t: t.replace(
        "--header 'Accept: application/json'",
        "--header 'Authorization: Bearer {{APIKey}}' \\\n--header 'Accept: application/json'",
    ),
    "ERR-010": lambda t: t.rstrip("\n") + "'\n",
    "ERR-011": lambda t: t.replace("{{$randomUUID}}", str(uuid.uuid4())),
    "ERR-013": lambda t: t.replace("39605741-b92f-4763-8229-7bba2d16433c", APP),
    "ERR-020": lambda t: re.sub(r",\s*\.\.\.\s*\]", "\n  ]", t),
}


# -- running a command ---------------------------------------------------------------


def _bash(script: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, timeout=30, check=False, cwd=ROOT
    )


def _arguments(text: str) -> list[str] | subprocess.CompletedProcess[bytes]:
    """The arguments bash would hand curl (curl itself is not run), or bash's failure."""
    done = _bash("curl() { printf '%s\\0' \"$@\"; }\n" + text)
    if done.returncode != 0:
        return done
    return done.stdout.decode().split("\0")[:-1]


def _run(text: str) -> tuple[int, Any]:
    """Run the command with the real curl; (HTTP status, JSON answer)."""
    wrapper = (
        "curl() { command curl --silent --show-error --max-time 10 "
        "--write-out '\\n%{http_code}' \"$@\"; }\n"
    )
    done = _bash(wrapper + text)
    assert done.returncode == 0, done.stderr.decode()
    body, _, status = done.stdout.decode().rpartition("\n")
    return int(status), json.loads(body)


def _headers(argv: list[str]) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv) if a in ("--header", "-H")]


def _show_shell_erratum(erratum: str, text: str, fills: dict[str, str]) -> None:
    if erratum == "ERR-010":  # the body's quote never closes: bash stops
        failed = _arguments(text)
        assert isinstance(failed, subprocess.CompletedProcess)
        assert failed.returncode == 2 and b"unexpected EOF" in failed.stderr
    elif erratum == "ERR-002":  # `'X-transaction-account': id`: no value, a stray URL
        argv = _arguments(text)
        assert isinstance(argv, list), argv
        assert "X-transaction-account:" in _headers(argv)
        account = fills["{{transactionAccountId}}"]
        assert account in argv and argv[argv.index(account) - 1] != "--header"


@pytest.mark.parametrize(("sample", "command", "needs"), CURL, ids=[c[1] for c in CURL])
def test_a_cookbook_curl_command_runs_once_what_it_needs_is_corrected(
    api: Api, sample: str, command: str, needs: list[str]
) -> None:
    printed = (FIXTURES / "curl" / command).read_text()
    fills = _fills(api, command)
    text = _filled(printed, fills)
    for erratum in needs:
        if erratum in SHELL:
            _show_shell_erratum(erratum, text, fills)
        else:  # the sandbox refuses it, naming the erratum
            status, answer = _run(text)
            assert status >= 400, answer
            assert erratum in {e.get("meta", {}).get("erratum") for e in answer["errors"]}, answer
        text = _filled(FIXES[erratum](text), fills)
    argv = _arguments(text)
    assert isinstance(argv, list) and "X-transaction-account:" not in _headers(argv)
    status, answer = _run(text)
    assert 200 <= status < 300, answer
    # The answer keeps the contracts of the operation the command called.
    method = next((argv[i + 1] for i, a in enumerate(argv) if a == "--request"), "GET")
    url = next(a for a in argv if a.startswith(api.base_url))
    match = find_operation(method, url)
    assert match is not None and sample.startswith(match.operation.name.split(".v")[0])
    assert (
        validate_response(method, url, status, {"content-type": "application/json"}, answer) == []
    )


def test_every_command_of_the_cookbook_is_transcribed_and_run() -> None:
    files = {path.name for path in (FIXTURES / "curl").glob("*.sh")}
    assert files == {command for _, command, _ in CURL}
    assert len(files) == 17


def test_the_readme_says_what_each_command_needs() -> None:
    """The README's table lists every command that needs more than its host, credentials,
    placeholders and ids changed, with the errata it needs, and says the others run."""
    readme = (ROOT / "README.md").read_text()
    table = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`curl/"):
            table[cells[0].strip("`").removeprefix("curl/")] = re.findall(r"ERR-\d{3}", cells[1])
    assert table == {command: needs for _, command, needs in CURL if needs}
    assert all(command in readme for _, command, needs in CURL if not needs)

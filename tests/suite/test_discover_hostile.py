"""``harness profile discover`` against an org whose answers are odd (audit 8): a real HTTP
server on loopback answers each read as the test says. Every walk ends in a profile that
``load_profile`` loads, or in one message saying what the org said (exit 1) or what an
option gave (exit 2, before a request is sent); never a traceback, a hang, a file that
does not load, or the API key in the output."""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.contracts import load_profile

ORG_ID = "odd-org"
API_KEY = "odd-org-key-7f3a9c41"
_NS = uuid.UUID("0dd0dd00-0000-4000-8000-000000000000")

#: (status, body: JSON value or bytes, headers)
Answer = tuple[int, Any, dict[str, str]]
Answers = Callable[[str, dict[str, list[str]]], Answer]


def uid(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


def workspace(site: str, part: str = "jira-software", entitlement: str | None = None) -> dict:
    return {
        "id": f"ari:cloud:{part}::site/{uid('cloud/' + site)}",
        "type": "workspace",
        "attributes": {"name": site},
        "relationships": {"entitlement": [{"id": entitlement or uid(f"{site}/{part}")}]},
    }


def a_sane_org(
    workspaces: list[dict] | None = None, pages: Callable[[str | None], Answer] | None = None
) -> Answers:
    """An org whose reads agree with each other; ``workspaces`` (one page) or ``pages``
    (the answer to each cursor) replace its workspaces query."""
    listed = workspaces if workspaces is not None else [workspace("odd-site")]
    # Each entitlement's offering is one of its product's (a site's products differ).
    part_of = {
        e["id"]: w["id"].split(":")[2] for w in listed for e in w["relationships"]["entitlement"]
    }

    def answer(path: str, query: dict[str, list[str]]) -> Answer:
        if path.endswith("/workspaces"):
            if pages:
                return pages((query.get("cursor") or [None])[0])
            return 200, {"data": listed, "links": {"next": None}}, {}
        if path.endswith("/entitlements"):  # .../products/{ari}/entitlements
            ari = unquote(path.split("/")[-2])
            found = next(w for w in listed if w["id"] == ari)
            ids = [e["id"] for e in found["relationships"]["entitlement"]]
            body = {
                "resource_ari": ari,
                "entitlements": [
                    {"entitlement_id": i, "provisioning_status": "ACTIVE"} for i in ids
                ],
            }
            return 200, body, {}
        if path.endswith("/details"):
            entitlement = unquote(path.split("/")[-2])
            offering = uid(f"offering/{part_of.get(entitlement)}")
            return 200, {"entitlementId": entitlement, "offeringId": offering}, {}
        return 404, {"errors": [{"code": "NOT_FOUND", "title": path}]}, {}

    return answer


class OddOrg:
    """The loopback server; ``answers`` says what each request gets, ``requests`` what came."""

    def __init__(self) -> None:
        self.answers: Answers = a_sane_org()
        self.requests: list[str] = []
        org = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:
                self._answer({})

            def do_POST(self) -> None:
                sent = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                # The workspaces query's paging travels in the body (ASM-010).
                with contextlib.suppress(ValueError):
                    cursor = json.loads(sent or b"{}").get("cursor")
                    self._answer({"cursor": [cursor]} if cursor is not None else {})
                    return
                self._answer({})

            def _answer(self, paging: dict[str, list[str]]) -> None:
                parts = urlsplit(self.path)
                org.requests.append(parts.path)
                query = {**parse_qs(parts.query), **paging}
                status, body, headers = org.answers(parts.path, query)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(ConnectionError):  # the client may stop reading
                    self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def org() -> Iterator[OddOrg]:
    server = OddOrg()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def discover(org: OddOrg, out: Path, *options: str) -> tuple[int, str]:
    env = {
        "ATLASSIAN_BASE_URL": org.base_url,
        "ATLASSIAN_ORG_ID": ORG_ID,
        "ATLASSIAN_API_KEY": API_KEY,
        "ATLASSIAN_SITE_ADMIN_EMAIL": "",
        "ATLASSIAN_SITE_ADMIN_TOKEN": "",
    }
    result = CliRunner().invoke(
        main, ["profile", "discover", "--out", str(out), "--features", "no-such", *options], env=env
    )
    assert API_KEY not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def refused_by_the_org(org: OddOrg, tmp_path: Path, says: str) -> None:
    out = tmp_path / "profile.json"
    code, output = discover(org, out)
    assert code == 1, output
    assert says in output, output
    assert not out.exists() and not list(tmp_path.iterdir())  # no file, whole or part


def only_workspaces(answer: Answer) -> Answers:
    sane = a_sane_org()
    return lambda path, query: answer if path.endswith("/workspaces") else sane(path, query)


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ((500, {"errors": [{"code": "INTERNAL"}]}, {}), "workspaces.query: HTTP 500 INTERNAL"),
        ((429, {"errors": [{"code": "SLOW"}]}, {"Retry-After": "86400"}), "HTTP 429 SLOW"),
        ((200, b"<html>Sign in</html>", {"Content-Type": "text/html"}), "body is not JSON"),
        ((200, {"data": {"0": {}}, "links": {}}, {}), "unexpected dict at /data"),
        ((200, [], {}), "missing field at /data"),
        ((200, {"data": [], "pad": "x" * (17 << 20)}, {}), "body is larger than 16777216 bytes"),
        ((200, {"data": [], "links": {"next": 7}}, {}), "unexpected int at /links/next"),
    ],
    ids=["500", "429-for-a-day", "html", "data-an-object", "a-list", "17-MiB", "cursor-a-number"],
)
def test_an_answer_the_client_cannot_use_is_exit_1_naming_it(
    org: OddOrg, tmp_path: Path, answer: Answer, says: str
) -> None:
    org.answers = only_workspaces(answer)
    refused_by_the_org(org, tmp_path, says)


def test_throttling_with_retry_after_is_waited_out(org: OddOrg, tmp_path: Path) -> None:
    sane, throttled = a_sane_org(), []

    def answer(path: str, query: dict[str, list[str]]) -> Answer:
        if len(throttled) < 2:
            throttled.append(path)
            return 429, {"errors": [{"code": "SLOW"}]}, {"Retry-After": "0"}
        return sane(path, query)

    org.answers = answer
    code, output = discover(org, tmp_path / "profile.json")
    assert code == 0, output
    assert [s.name for s in load_profile(tmp_path / "profile.json").catalogue.sites] == ["odd-site"]


def test_an_org_without_workspaces_is_a_profile_without_sites(org: OddOrg, tmp_path: Path) -> None:
    org.answers = a_sane_org([])
    code, output = discover(org, tmp_path / "profile.json")
    assert code == 0 and "workspaces: 0 on 0 sites" in output, output
    assert load_profile(tmp_path / "profile.json").catalogue.sites == ()


def test_pages_that_overlap_name_each_workspace_once(org: OddOrg, tmp_path: Path) -> None:
    first, second = workspace("odd-site"), workspace("odd-site", "confluence")
    sane = a_sane_org([first, second])
    pages = {None: ([first], "p2"), "p2": ([first, second], None)}  # page 2 repeats one

    def answer(path: str, query: dict[str, list[str]]) -> Answer:
        if path.endswith("/workspaces"):
            listed, following = pages[(query.get("cursor") or [None])[0]]
            return 200, {"data": listed, "links": {"next": following}}, {}
        return sane(path, query)

    org.answers = answer
    code, output = discover(org, tmp_path / "profile.json")
    assert code == 0, output
    (site,) = load_profile(tmp_path / "profile.json").catalogue.sites
    assert sorted(p.product for p in site.products) == ["confluence", "jira"]


@pytest.mark.timeout(60)
def test_paging_that_never_ends_stops_with_exit_1(org: OddOrg, tmp_path: Path) -> None:
    org.answers = a_sane_org(
        pages=lambda cursor: (
            200,
            {"data": [workspace("odd-site")], "links": {"next": str(int(cursor or 0) + 1)}},
            {},
        )
    )
    refused_by_the_org(
        org, tmp_path, "after 1000 pages, each cursor new (paging that does not end)"
    )


def test_a_cursor_that_comes_back_is_a_paging_loop(org: OddOrg, tmp_path: Path) -> None:
    org.answers = a_sane_org(
        pages=lambda cursor: (200, {"data": [], "links": {"next": "again"}}, {})
    )
    refused_by_the_org(org, tmp_path, "repeats the cursor 'again' (a paging loop)")


@pytest.mark.parametrize(
    ("workspaces", "says"),
    [
        (
            [
                workspace("odd-site"),
                workspace("odd-site", "confluence", uid("odd-site/jira-software")),
            ],
            "an entitlement id names one entitlement",
        ),
        (
            [workspace("odd-site"), {**workspace("odd-site"), "attributes": {"name": "other"}}],
            "names workspace 'ari:cloud:jira-software::site/",
        ),
        (
            [
                workspace("odd-site"),
                {**workspace("elsewhere", "confluence"), "attributes": {"name": "odd-site"}},
            ],
            "names two sites 'odd-site'",
        ),
        ([workspace("Odd Site/../é\n")], "(site 'Odd Site/../é\\n' of the workspaces)"),
        ([workspace("odd-site", entitlement="../../x?y#z")], "'../../x?y#z' is not a valid uuid"),
    ],
    ids=[
        "one-entitlement-two-products",
        "one-id-two-names",
        "one-name-two-clouds",
        "odd-name",
        "odd-id",
    ],
)
def test_answers_that_make_no_valid_profile_are_exit_1_and_write_nothing(
    org: OddOrg, tmp_path: Path, workspaces: list[dict], says: str
) -> None:
    org.answers = a_sane_org(workspaces)
    refused_by_the_org(org, tmp_path, says)


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (("--admin-email", "not-an-email"), "--admin-email: 'not-an-email' is not a valid email"),
        (("--site-prefix", "Odd Prefix"), "--site-prefix: 'Odd Prefix' does not have the expected"),
        # Empty (an unset shell variable): refused, not taken for an option not given.
        (("--admin-email", ""), "--admin-email: '' is not a valid email"),
        (("--site-prefix", ""), "--site-prefix: '' does not have the expected"),
        (("--app-key", ""), "--app-key: must not be empty"),
        (("--transaction-account", "a b"), "--transaction-account: 'a b' is not a valid uuid"),
        (("--invoice-group", f"{uid('ta')}=g/1"), "--invoice-group: 'g/1' is not a valid uuid"),
        (("--offering", "app=not-an-id"), "--offering: 'not-an-id' is not a valid uuid"),
        (
            ("--offering", f"app={uid('o')}", "--pricing-plan", "app=plan 1"),
            "--pricing-plan: 'plan 1' is not a valid uuid",
        ),
        (
            ("--offering", f"app={uid('o')}", "--offering", f"jira-enterprise={uid('o')}"),
            f"--offering jira-enterprise={uid('o')}: that id is given as 'app' too",
        ),
    ],
)
def test_an_option_no_profile_may_hold_is_named_before_a_request(
    org: OddOrg, tmp_path: Path, options: tuple[str, ...], says: str
) -> None:
    out = tmp_path / "profile.json"
    code, output = discover(org, out, *options)
    assert code == 2 and says in output, output
    assert org.requests == [] and not out.exists()


def test_an_existing_profile_is_not_replaced_without_force(org: OddOrg, tmp_path: Path) -> None:
    out = tmp_path / "profile.json"
    out.write_text('{"hand-edited": "with site admins"}')
    code, output = discover(org, out)
    assert code == 2 and "--out" in output and "--force to replace it" in output, output
    assert out.read_text() == '{"hand-edited": "with site admins"}' and org.requests == []
    code, output = discover(org, out, "--force")
    assert code == 0, output
    assert load_profile(out).org_id == ORG_ID


def test_an_out_that_cannot_be_written_is_said_before_a_request(
    org: OddOrg, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("in the way")
    code, output = discover(org, tmp_path / "a-file" / "profile.json")
    assert code == 2 and f"cannot write it: {tmp_path / 'a-file'} is not a folder" in output
    assert org.requests == []

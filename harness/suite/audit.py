"""Audits of committed cassettes: do they parse, keep the contracts, and hold no credential?
And does re-recording reproduce them (drift)?

``harness cassettes check`` and ``harness cassettes drift`` print what these return.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness.client import mask_text
from harness.contracts import (
    JsonError,
    find_operation,
    parse_json,
    refusal_explains,
    validate_request,
    validate_response,
)

from .cassettes import (
    ABSENT,
    RECORDED_BASE_URL,
    REDACTED_EMAIL,
    differences,
    inspect_cassette,
    load_error,
    load_interactions,
    naming_problem,
    other_org,
    pair_problem,
    read_cassette,
)
from .secret_scan import find_credentials
from .transport import TRANSPORT_ERROR_HEADER, TRANSPORT_ERROR_STATUS, TRANSPORT_ERRORS


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a cassette: file, interaction (1-based; 0 for the file) and what."""

    path: Path
    interaction: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}" + (f" interaction {self.interaction}" if self.interaction else "")
        return f"{where}: {self.message}"


def cassette_files(root: Path) -> list[Path]:
    """Every cassette under ``root``: ``*.yaml`` and ``*.yml``."""
    return sorted(p for pattern in ("*.yaml", "*.yml") for p in root.rglob(pattern) if p.is_file())


def check_cassettes(
    paths: Iterable[Path], secrets: Iterable[str] = (), org_id: str | None = None
) -> list[Problem]:
    """Every problem of every cassette: parse errors, contract breaches, credentials, and
    with ``org_id`` a request for another org."""
    secrets = tuple(s for s in secrets if s)
    found: list[Problem] = []
    for path in paths:
        found.extend(check_cassette(path, secrets, org_id))
    return found


def of_another_org(paths: Iterable[Path], org_id: str) -> str | None:
    """The first cassette recorded for an org other than ``org_id`` (``other_org``), as
    ``<file> interaction N: recorded for org ...``; None when none is. Cassettes that
    cannot be read are left to ``check_cassette``."""
    for path in paths:
        try:
            interactions = read_cassette(path).interactions
        except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError):
            continue
        foreign = other_org(interactions, org_id)
        if foreign is not None:
            return f"{path} interaction {foreign[0]}: {foreign[1]}"
    return None


def check_cassette(
    path: Path, secrets: tuple[str, ...] = (), org_id: str | None = None
) -> Iterator[Problem]:
    """A cassette's problems: it does not parse (bounded, no aliases, not too deep), it
    holds a credential (``secret_scan``), an interaction breaks the contracts, and with
    ``org_id`` it was recorded for another org (``cassettes.other_org``, as replay finds)."""
    try:
        read = read_cassette(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
        yield Problem(path, 0, f"does not parse: {load_error(exc)}")
        return
    text, interactions = read.text, read.interactions
    wrong_naming = naming_problem(read)
    if wrong_naming:
        yield Problem(path, 0, wrong_naming)
    foreign = other_org(interactions, org_id) if org_id is not None else None
    if foreign is not None:
        # The id is the request's path: masked like a breach, should a credential be there.
        yield Problem(path, foreign[0], mask_text(foreign[1], secrets))
    for finding in find_credentials(
        path, text, interactions, secrets, allowed_emails=(REDACTED_EMAIL,)
    ):
        yield Problem(path, finding.interaction, finding.message)
    for number, interaction in enumerate(interactions, start=1):
        for message in _check_interaction(interaction):
            # A breach quotes the URI or a value: a credential there shows as ***.
            yield Problem(path, number, mask_text(message, secrets))


def _check_interaction(interaction: Any) -> Iterator[str]:
    shape = pair_problem(interaction)
    if shape:
        yield f"is not a request/response pair: {shape}"
        return
    request, response = interaction["request"], interaction["response"]
    method, uri = request["method"], request["uri"]
    status = int(response["status"]["code"])
    if not uri.startswith(RECORDED_BASE_URL):
        yield f"names host {uri.split('/')[2] if '//' in uri else uri!r}, not {RECORDED_BASE_URL}"
    match = find_operation(method, uri)
    if match is None:
        yield f"{method} {uri} is no operation of the contracts"
        return
    name = match.operation.id
    req_headers = _headers(request.get("headers"))
    req_body = _json(request.get("body"))
    args = () if req_body is _NONE else (req_body,)
    # Authorization is scrubbed from every cassette on purpose.
    breaches = [
        v
        for v in validate_request(method, uri, req_headers, *args)
        if not (v.where == "header" and v.pointer == "Authorization")
    ]
    resp_headers = _headers(response.get("headers"))
    resp_body = _json((response.get("body") or {}).get("string"))
    failure = next(
        (v for k, v in resp_headers.items() if k.lower() == TRANSPORT_ERROR_HEADER), None
    )
    if status == TRANSPORT_ERROR_STATUS and failure is not None:
        # No response came (a dropped connection, a timeout): the request stands alone.
        for v in breaches:
            yield f"{name} request: {v}"
        if failure not in TRANSPORT_ERRORS:
            yield f"{name}: no response, marked with an unknown error {failure!r}"
        return
    if not refusal_explains(breaches, status, resp_body):
        for v in breaches:
            yield f"{name} request: {v}"
    not_json = _not_json((response.get("body") or {}).get("string"), resp_headers)
    if not_json:
        yield f"{name} response {status}: {not_json}"
        return
    args = () if resp_body is _NONE else (resp_body,)
    for v in validate_response(method, uri, status, resp_headers, *args):
        yield f"{name} response {status}: {v}"


# -- drift --------------------------------------------------------------------------


def drift(committed: Path, recorded: Path) -> list[str]:
    """What moved between two cassette trees: missing or extra cassettes, and per
    interaction the request or response field that changed."""
    found: list[str] = []
    old = {p.relative_to(committed): p for p in cassette_files(committed)}
    new = {p.relative_to(recorded): p for p in cassette_files(recorded)}
    for name in sorted(old.keys() - new.keys()):
        found.append(f"{name}: committed, but no scenario recorded it")
    for name in sorted(new.keys() - old.keys()):
        found.append(f"{name}: recorded, but not committed")
    for name in sorted(old.keys() & new.keys()):
        inspection = inspect_cassette(old[name])  # one read: its problem, or its interactions
        if inspection.problem is not None or inspection.read is None:
            found.append(f"{name}: committed, but {inspection.problem}")  # one line, then on
            continue
        a, b = inspection.read.interactions, load_interactions(new[name])
        if len(a) != len(b):
            found.append(f"{name}: {len(a)} interactions committed, {len(b)} recorded")
        for number, (x, y) in enumerate(zip(a, b, strict=False), start=1):
            for pointer, was, now in differences(_comparable(x), _comparable(y)):
                found.append(f"{name} interaction {number}: {pointer} moved: {was} -> {now}")
    return found


def _comparable(interaction: dict[str, Any]) -> dict[str, Any]:
    request, response = interaction.get("request", {}), interaction.get("response", {})
    return {
        "request": {
            "method": request.get("method"),
            "uri": request.get("uri"),
            "body": _json(request.get("body")),
        },
        "response": {
            "status": (response.get("status") or {}).get("code"),
            "body": _json((response.get("body") or {}).get("string")),
        },
    }


# -- helpers ------------------------------------------------------------------------

_NONE = ABSENT


def _headers(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): (str(v[0]) if isinstance(v, list) and v else str(v)) for k, v in raw.items()}


def _json(raw: Any) -> Any:
    """A recorded body as JSON, read as the sandbox and the CLI read it (``parse_json``:
    no traceback for a body nested 100,000 deep); a body that is not JSON as its text."""
    if raw is None or raw == "" or raw == b"":
        return _NONE
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    try:
        return parse_json(text)
    except JsonError:
        return text


def _not_json(raw: Any, headers: dict[str, str]) -> str | None:
    """Why a body recorded as JSON (its Content-Type says so) is no JSON we read, or None."""
    media = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if not raw or "json" not in media.lower():
        return None
    try:
        parse_json(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw))
    except JsonError as exc:
        return exc.about("the body")
    return None

"""The assumption ledger as people and tools read it: the file a run wrote
(``reports/assumptions.json``, ``read``), a table (``table``, what ``harness assumptions``
prints), an Allure result ("Assumption ledger", ``write_allure_result``), and the line a run
prints of it (``summary_line``). ``publish`` writes all of it at the end of a run;
``assumptions`` gathers the evidence.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness._command import harness_command

from .assumptions import AGREED, CONTRADICTED, LEDGER_FILE, Ledger
from .modes import RunSettings
from .run import base_url


def read(path: Path) -> dict[str, Any]:
    """A ledger file; ValueError saying what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(
            f"{path}: no ledger here: a run in live mode (or record mode against a host that "
            "is not loopback) writes it"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a ledger: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("assumptions"), list):
        raise ValueError(f"{path}: not a ledger: no 'assumptions' list")
    problem = _shape_problem(data)
    if problem:
        raise ValueError(f"{path}: not a ledger: {problem}")
    return data


#: What ``table`` and the exit code read of a ledger: (pointer, type) at the top...
_TOP = (("/contradicted", list), ("/notExercised", list), ("/run", dict))
#: ...and in each entry of ``assumptions``.
_ENTRY = (
    ("id", str),
    ("verdict", str),
    ("agreed", int),
    ("contradicted", int),
    ("observed", str),
    ("evidence", dict),
)


def _shape_problem(data: dict[str, Any]) -> str | None:
    """The first value ``table`` would read that is missing or of another type, by its
    JSON pointer (a ledger edited by hand, or another program's file)."""
    for pointer, kind in _TOP:
        if pointer[1:] in data and not isinstance(data[pointer[1:]], kind):
            return f"{pointer} is not a JSON {_KIND[kind]}"
    for i, entry in enumerate(data["assumptions"]):
        if not isinstance(entry, dict):
            return f"/assumptions/{i} is not a JSON object"
        for key, kind in _ENTRY:
            value = entry.get(key)
            if not isinstance(value, kind) or isinstance(value, bool):
                return f"/assumptions/{i}/{key} is missing or not a JSON {_KIND[kind]}"
        for side in (AGREED, CONTRADICTED):
            if not isinstance(entry["evidence"].get(side), dict | None):
                return f"/assumptions/{i}/evidence/{side} is not a JSON object or null"
    return None


_KIND = {list: "array", dict: "object", str: "string", int: "integer"}


def table(data: Mapping[str, Any]) -> str:
    """The ledger as a table: one row per exercised assumption, with the scenario and the
    exchange that shows the verdict."""
    rows = [("assumption", "verdict", "agreed", "contradicted", "shown by")]
    for entry in data["assumptions"]:
        side = AGREED if entry["verdict"] == AGREED else CONTRADICTED
        shown = entry["evidence"][side] or {}
        rows.append(
            (
                entry["id"],
                entry["verdict"],
                str(entry["agreed"]),
                str(entry["contradicted"]),
                f"{shown.get('scenario', '')}: {shown.get('summary', '')}{_at(shown)}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True)) + "  " + row[4]
        for row in rows
    ]
    run = data.get("run", {})
    lines.append("")
    contradicted = data.get("contradicted", [])
    lines.append(
        f"{len(data['assumptions'])} assumption(s) observed against {run.get('baseUrl', '?')} "
        f"({run.get('mode', '?')} run {run.get('runId') or ''}): "
        + (f"contradicted: {', '.join(contradicted)}" if contradicted else "none contradicted")
    )
    if data.get("notExercised"):
        lines.append(f"not exercised by this run: {', '.join(data['notExercised'])}")
    return "\n".join(line.rstrip() for line in lines)


def _at(shown: Mapping[str, Any]) -> str:
    """Where the answer broke a response schema node citing the assumption, when it did."""
    breaches = shown.get("breaches")
    if not isinstance(breaches, list) or not breaches or not isinstance(breaches[0], dict):
        return ""
    more = f" (+{len(breaches) - 1})" if len(breaches) > 1 else ""
    return f" at {breaches[0].get('pointer') or '/'}{more}"


def write_allure_result(results: Path, data: Mapping[str, Any]) -> None:
    """The ledger as one Allure result, "Assumption ledger": a step per assumption with the
    exchange that shows its verdict, the whole ledger attached; failed when the org
    contradicted one."""
    from allure_commons.logger import AllureFileLogger
    from allure_commons.model2 import (
        Attachment,
        Label,
        Status,
        StatusDetails,
        TestResult,
    )

    writer = AllureFileLogger(results)

    def attach(name: str, body: str, kind: str, extension: str) -> Attachment:
        source = f"{hashlib.sha1(f'{name}{body}'.encode()).hexdigest()}-attachment.{extension}"
        writer.report_attached_data(body, source)
        return Attachment(name=name, source=source, type=kind)

    now = int(time.time() * 1000)
    steps = [_step(entry, attach, now) for entry in data["assumptions"]]
    contradicted = data.get("contradicted", [])
    message = (
        f"the org contradicted {', '.join(contradicted)}: see each assumption's alternative "
        "reading in docs/errata.md"
        if contradicted
        else "the org's answers agreed with every assumption the run observed"
    )
    result = TestResult(
        uuid=hashlib.sha1(b"harness assumption ledger" + str(now).encode()).hexdigest(),
        historyId=hashlib.md5(b"harness assumption ledger").hexdigest(),
        fullName="harness.assumptions.ledger",
        name=f"Assumption ledger: {len(contradicted)} of {len(data['assumptions'])} contradicted",
        status=Status.FAILED if contradicted else Status.PASSED,
        statusDetails=StatusDetails(message=message),
        stage="finished",
        start=now,
        stop=now,
        description=table(data),
        labels=[
            Label("feature", "Assumption ledger"),
            Label("suite", "Assumption ledger"),
            Label("tag", "assumptions"),
        ],
        steps=steps,
        attachments=[
            attach(
                "assumptions.json",
                json.dumps(data, indent=2, ensure_ascii=False),
                "application/json",
                "json",
            ),
            attach("ledger", table(data), "text/plain", "txt"),
        ],
    )
    writer.report_result(result)


def _step(entry: Mapping[str, Any], attach: Any, now: int) -> Any:
    """One assumption's step: its verdict, with the exchange that shows it."""
    from allure_commons.model2 import Status, TestStepResult

    side = AGREED if entry["verdict"] == AGREED else CONTRADICTED
    shown = entry["evidence"][side] or {}
    return TestStepResult(
        name=f"{entry['id']} {entry['verdict']}: {entry['observed']}",
        status=Status.PASSED if entry["verdict"] == AGREED else Status.FAILED,
        stage="finished",
        start=now,
        stop=now,
        attachments=[
            attach("curl", shown.get("curl", ""), "text/plain", "txt"),
            attach(
                f"exchange ({shown.get('scenario', '')})",
                json.dumps(shown, indent=2, ensure_ascii=False),
                "application/json",
                "json",
            ),
        ],
    )


def publish_run(
    ledger: Ledger,
    settings: RunSettings,
    *,
    given: str | None,
    results: Path | None,
    root: Path,
) -> tuple[Path, dict[str, Any]]:
    """At the end of a run: the ledger written where ``--assumptions-ledger`` says (``given``),
    else as ``assumptions.json`` beside the Allure results' folder, else in
    ``<root>/reports/``; with Allure results, its Allure result too. Where, and its data."""
    folder = results.parent if results else root / "reports"
    path = Path(given) if given else folder / LEDGER_FILE
    run = {
        "mode": settings.mode.value,
        "baseUrl": base_url(settings),
        "runId": settings.run_id,
        "finishedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return path, publish(ledger, path, results, run)


def publish(
    ledger: Ledger, path: Path, results: Path | None, run: Mapping[str, Any]
) -> dict[str, Any]:
    """Write the ledger to ``path`` (``reports/assumptions.json``) and, with Allure
    results, its Allure result; returns the ledger's data."""
    data = ledger.write(path, run)
    if results is not None:
        write_allure_result(results, data)
    return data


def summary_line(path: Path, data: Mapping[str, Any]) -> str:
    """What a run prints of its ledger."""
    contradicted = data.get("contradicted", [])
    verdict = f"contradicted: {', '.join(contradicted)}" if contradicted else "none contradicted"
    meaning = (
        " - your org answered otherwise than the harness assumes there, and a step that "
        "holds it to the assumption fails saying so (docs/errata.md: each one, and its "
        "other reading)"
        if contradicted
        else ""
    )
    return (
        f"harness: assumption ledger {path} ({len(data['assumptions'])} observed, {verdict})"
        f"{meaning}; print it: {harness_command('assumptions', str(path.parent))}"
    )

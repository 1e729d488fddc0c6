"""What the Allure report shows of a scenario: each HTTP exchange, as curl and as JSON.

Attachments nest under the Gherkin step that made the call. Without an active Allure
run (``--alluredir`` not given) ``allure.attach`` does nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import allure

from harness._command import harness_command
from harness.client import Exchange
from harness.contracts import RULES, Catalogue, Violation, check_order, cookbook

#: Where the rule catalogue and errata are, relative to the report's index.html
#: (``report.generate`` copies docs/ there, so the links work from disk and when served).
DOCS = "docs"


@contextmanager
def step(title: str) -> Iterator[None]:
    """An Allure step that nests what happens inside it. An error that ends it is shown by
    its message: the frames of the client, tenacity and the suite are no reader's business
    (pytest keeps them for ``-v``)."""
    context = allure.step(title)
    context.__enter__()
    try:
        yield
    except BaseException as error:
        frames, error.__traceback__ = error.__traceback__, None  # Allure falls back on it
        try:
            context.__exit__(type(error), error, None)
        finally:
            error.__traceback__ = frames
        raise
    context.__exit__(None, None, None)


def label_scenario(section: str | None) -> None:
    """The story (cookbook section) and the links of a scenario: its cookbook section, the
    rule catalogue and the errata."""
    if section and section in cookbook.SECTIONS:
        allure.dynamic.story(cookbook.SECTIONS[section])
        allure.dynamic.link(
            cookbook.section_url(section), name=f"Cookbook: {cookbook.SECTIONS[section]}"
        )
    allure.dynamic.link(f"{DOCS}/rules.md", name="Rule catalogue (REL-nnn)")
    allure.dynamic.link(f"{DOCS}/errata.md", name="Cookbook errata and assumptions")


def curl_preamble(variables: str | None = "ATLASSIAN_API_KEY=<org apiKey>") -> str:
    """Opens every curl attachment: how to point it at a sandbox of your own (the commands
    spelled as they run from where the suite ran), with the credentials the command reads
    (``variables``; None: it sends none)."""
    exported = f" {variables}" if variables else ""
    return (
        f"# Against a local sandbox ({harness_command('sandbox', 'serve')}; "
        f"{harness_command('sandbox', 'profile')} shows the credentials):\n"
        f"# export ATLASSIAN_BASE_URL=http://127.0.0.1:8080{exported}\n"
    )


def curl(exchange: Exchange, base_url: str | None) -> str:
    """The exchange as a curl command whose host is ``$ATLASSIAN_BASE_URL``."""
    text = exchange.as_curl()
    if base_url:
        text = text.replace(f"--url '{base_url.rstrip('/')}", '--url "$ATLASSIAN_BASE_URL"\'', 1)
    variables = exchange.auth_curl_variables if exchange.auth_curl_header else None
    return curl_preamble(variables) + text


def attach_exchange(
    exchange: Exchange,
    violations: list[Violation],
    catalogue: Catalogue | None = None,
    base_url: str | None = None,
    breach: BaseException | None = None,
) -> None:
    """Attach one exchange: the curl command, the request and the response, and for an
    order the relationship rules it was checked against. ``breach``: the contract breach
    that fails the scenario's step, raised from the exchange's own step so that the report
    marks the exchange that broke the contract (``violations`` without one: a request the
    contracts refuse, sent on purpose and refused as they say)."""
    title = f"{exchange.operation} {exchange.method}"
    status = exchange.status if exchange.status is not None else "no response"
    label = f"{title} -> {status}" + (
        f" (attempt {exchange.attempt})" if exchange.attempt > 1 else ""
    )
    with step(label):
        allure.attach(
            curl(exchange, base_url), name="curl", attachment_type=allure.attachment_type.TEXT
        )
        if exchange.request_json is not None:
            _attach_json("request", exchange.request_json)
        if exchange.response_json is not None:
            _attach_json(f"response {status}", exchange.response_json)
        elif exchange.response_text:
            allure.attach(
                exchange.response_text,
                name=f"response {status}",
                attachment_type=allure.attachment_type.TEXT,
            )
        elif exchange.error:
            allure.attach(
                exchange.error, name="transport error", attachment_type=allure.attachment_type.TEXT
            )
        if exchange.operation.startswith("orders.place") and catalogue is not None:
            _attach_rules(exchange, catalogue)
        if violations:
            allure.attach(
                "\n".join(str(v) for v in violations),
                name="contract violations"
                if breach is not None
                else "contract violations, refused as the contract says",
                attachment_type=allure.attachment_type.TEXT,
            )
        if breach is not None:
            raise breach


def played_by(role: str, what: str) -> None:
    """A step naming what plays a role of the feature ("a site with JSM") in this org."""
    with step(f"{role}: {what}"):
        pass


def attach_not_sent(operation: str, reason: str, body: Any = None) -> None:
    """A request the client refused to send (it knew the answer): a step of its own, as
    an exchange has, saying why and what it would have sent."""
    with step(f"{operation} not sent"):
        allure.attach(reason, name="why", attachment_type=allure.attachment_type.TEXT)
        if body is not None:
            _attach_json("request (not sent)", body)


def _attach_json(name: str, value: Any) -> None:
    allure.attach(
        json.dumps(value, indent=2, ensure_ascii=False),
        name=name,
        attachment_type=allure.attachment_type.JSON,
    )


def _attach_rules(exchange: Exchange, catalogue: Catalogue) -> None:
    """Every rule, with what the harness found before sending and what the server said."""
    found = {v.rule: v for v in check_order(exchange.request_json, catalogue)}
    answered = {}
    if isinstance(exchange.response_json, dict):
        for entry in exchange.response_json.get("errors", []) or []:
            rule = (entry.get("meta") or {}).get("ruleId") if isinstance(entry, dict) else None
            if rule:
                answered[rule] = entry.get("detail", "")
    lines = []
    for rule in RULES:
        if rule.id in answered:
            verdict = f"REFUSED by the server: {answered[rule.id]}"
            allure.dynamic.tag(rule.id)
        elif rule.id in found:
            verdict = f"broken (client-side check): {found[rule.id].message}"
        elif rule.needs != "order":
            verdict = f"checked by the server ({rule.needs})"
        else:
            verdict = "passed"
        lines.append(f"{rule.id}  {rule.title}: {verdict}")
    allure.attach(
        "\n".join(lines),
        name="relationship rules checked",
        attachment_type=allure.attachment_type.TEXT,
    )

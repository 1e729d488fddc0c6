"""What the Allure report shows of a scenario: each HTTP exchange, as curl and as JSON.

Attachments nest under the Gherkin step that made the call. Without an active Allure
run (``--alluredir`` not given) ``allure.attach`` does nothing.
"""

from __future__ import annotations

import json
from typing import Any

import allure

from harness.client import Exchange
from harness.contracts import Violation


def attach_exchange(exchange: Exchange, violations: list[Violation]) -> None:
    """Attach one exchange: the curl command, the request and the response."""
    title = f"{exchange.operation} {exchange.method}"
    status = exchange.status if exchange.status is not None else "no response"
    label = f"{title} -> {status}" + (
        f" (attempt {exchange.attempt})" if exchange.attempt > 1 else ""
    )
    with allure.step(label):
        allure.attach(exchange.as_curl(), name="curl", attachment_type=allure.attachment_type.TEXT)
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
        if violations:
            allure.attach(
                "\n".join(str(v) for v in violations),
                name="contract violations",
                attachment_type=allure.attachment_type.TEXT,
            )


def _attach_json(name: str, value: Any) -> None:
    allure.attach(
        json.dumps(value, indent=2, ensure_ascii=False),
        name=name,
        attachment_type=allure.attachment_type.JSON,
    )

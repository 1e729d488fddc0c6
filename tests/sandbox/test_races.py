"""Requests that reach the sandbox at the same moment from several clients, as jobs sharing
one sandbox (or one org) send them: each rule holds whatever the interleaving.

Every client has its own connection, opened before a barrier lets all of them send at
once; each race runs ``ROUNDS`` times. Nothing is timed: what is asserted holds for every
order the requests can arrive in.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from harness.sandbox.testing import SandboxServer

from .support import ACME_CONTAINER, JIRA, JSM, Api, codes, cookbook_order, rule_ids

CLIENTS = 8
ROUNDS = 4


def at_once(
    server: SandboxServer, send: Callable[[Api, int], httpx.Response]
) -> list[httpx.Response]:
    """``send(api, i)`` by ``CLIENTS`` clients released together; their answers, in client
    order (every answer checked against the contracts by ``Api``, 5xx refused)."""
    barrier = threading.Barrier(CLIENTS)
    answers: list[httpx.Response | BaseException | None] = [None] * CLIENTS

    def client(i: int) -> None:
        api = Api(server.base_url, server.profile)
        try:
            api.control("GET", "/_sandbox/clock")  # the connection is open before the start
            barrier.wait()
            answers[i] = send(api, i)
        except BaseException as exc:  # re-raised in the test's thread
            barrier.abort()
            answers[i] = exc
        finally:
            api.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [a for a in answers if isinstance(a, BaseException)]
    for failure in sorted(failures, key=lambda e: isinstance(e, threading.BrokenBarrierError)):
        raise failure  # the cause first: the others only saw the barrier broken
    return [a for a in answers if isinstance(a, httpx.Response)]


def statuses(answers: list[httpx.Response]) -> list[int]:
    return sorted(a.status_code for a in answers)


def test_one_order_sent_by_several_clients_at_once_is_placed_once(sandbox: SandboxServer) -> None:
    """REL-003, ASM-054: every send of the same orderId and body is answered 200 with the
    same order, and one order is made."""
    api = Api(sandbox.base_url, sandbox.profile)
    orders = []
    for n in range(ROUNDS):
        order = cookbook_order("jira-enterprise", api.provisioned([JIRA], f"race-{n}"))
        order["orderId"] = str(uuid.uuid4())  # the sample's own is the same in each (ERR-014)
        answers = at_once(sandbox, lambda client, _, order=order: client.place(order))
        assert statuses(answers) == [200] * CLIENTS
        assert len({a.content for a in answers}) == 1  # the very same answer
        orders.append(order)
    api.advance(3)
    for n, order in enumerate(orders):
        tracked = api.order(order["orderId"], order["transactionAccountId"]).json()
        assert [i["processingInfo"]["status"] for i in tracked["items"]] == ["SUCCESS"] * len(
            order["items"]
        )
        assert len(api.workspaces([f"race-{n}"]).json()["data"]) == 1  # one Jira, not eight
    api.close()


def test_one_order_id_with_several_bodies_at_once_is_one_order_and_conflicts(
    sandbox: SandboxServer,
) -> None:
    """REL-003, ASM-002: one body wins, every other is 409 ORDER_CONFLICT, and the order
    stored is the winner's."""
    api = Api(sandbox.base_url, sandbox.profile)
    for n in range(ROUNDS):
        base = cookbook_order("jira-enterprise", api.provisioned([JIRA], f"race-{n}"))
        base["orderId"] = str(uuid.uuid4())

        def body(i: int, base: dict[str, Any] = base) -> dict[str, Any]:
            order = copy.deepcopy(base)
            charge = order["items"][-1]["optedUsageOptions"]["chargingDetails"]  # Jira
            charge["chargeQuantities"][0]["quantity"] = 100 + i
            return order

        answers = at_once(sandbox, lambda client, i: client.place(body(i)))
        assert statuses(answers) == [200] + [409] * (CLIENTS - 1)
        for answer in answers:
            if answer.status_code == 409:
                assert codes(answer) == {"ORDER_CONFLICT"}
                assert rule_ids(answer) == {"REL-003"}
        winner = next(i for i, a in enumerate(answers) if a.status_code == 200)
        stored = api.order(base["orderId"], base["transactionAccountId"]).json()
        quantity = stored["items"][-1]["optedUsageOptions"]["chargingDetails"]
        assert quantity["chargeQuantities"][0]["quantity"] == 100 + winner
    api.close()


def test_several_orders_for_one_provisioning_request_at_once_place_one(
    sandbox: SandboxServer,
) -> None:
    """REL-015, ASM-022: orders with different orderIds naming one provisioning request:
    the first to arrive is placed, every other is refused as no longer waiting."""
    api = Api(sandbox.base_url, sandbox.profile)
    for n in range(ROUNDS):
        request_id = api.provisioned([JIRA], f"race-{n}")
        orders = [cookbook_order("jira-enterprise", request_id) for _ in range(CLIENTS)]
        for order in orders:
            order["orderId"] = str(uuid.uuid4())
        answers = at_once(sandbox, lambda client, i, orders=orders: client.place(orders[i]))
        assert statuses(answers) == [200] + [422] * (CLIENTS - 1)
        for answer in answers:
            if answer.status_code == 422:
                assert codes(answer) == {"PROVISIONING_REQUEST_NOT_WAITING"}
                assert rule_ids(answer) == {"REL-015"}
    api.advance(3)
    for n in range(ROUNDS):
        assert len(api.workspaces([f"race-{n}"]).json()["data"]) == 1
    api.close()


def test_one_new_site_name_asked_for_at_once_is_provisioned_once(sandbox: SandboxServer) -> None:
    """ASM-023, ASM-034: one request creates the site; every other is SITE_NAME_PENDING."""
    for n in range(ROUNDS):
        answers = at_once(
            sandbox, lambda client, _, name=f"race-{n}": client.provision([JIRA], name)
        )
        assert statuses(answers) == [200] + [422] * (CLIENTS - 1)
        for answer in answers:
            if answer.status_code == 422:
                assert codes(answer) == {"SITE_NAME_PENDING"}


def test_orders_giving_one_site_one_product_at_once_place_one(sandbox: SandboxServer) -> None:
    """ASM-055: each client orders JSM onto the same site for a request of its own; one
    order is placed, every other is PRODUCT_PENDING_ON_SITE, and the site has one JSM."""
    api = Api(sandbox.base_url, sandbox.profile)
    for _ in range(ROUNDS):
        sandbox.reset()
        orders = []
        for _ in range(CLIENTS):
            order = cookbook_order(
                "add-jsm-existing-site",
                api.provisioned([JSM], "acme", timezone=None),
                jiraFamilyContainerEntitlementId=ACME_CONTAINER,
            )
            order["orderId"] = str(uuid.uuid4())
            orders.append(order)
        answers = at_once(sandbox, lambda client, i, orders=orders: client.place(orders[i]))
        assert statuses(answers) == [200] + [422] * (CLIENTS - 1)
        for answer in answers:
            if answer.status_code == 422:
                assert codes(answer) == {"PRODUCT_PENDING_ON_SITE"}
        api.advance(3)
        jsm = [w for w in api.workspaces(["acme"]).json()["data"] if "servicedesk" in w["id"]]
        assert len(jsm) == 1
    api.close()


def test_an_order_and_the_end_of_its_window_at_once_agree_with_the_status(
    sandbox: SandboxServer,
) -> None:
    """REL-015, ASM-004, ASM-053: orders sent while another client moves the clock past
    their requests' window. Each is placed (and its request then COMPLETED) or refused as
    late (and its request FAILED): never placed for a request that fails, nor refused for
    one that completes."""
    api = Api(sandbox.base_url, sandbox.profile)
    outcomes: set[tuple[int, str]] = set()
    for n in range(ROUNDS):
        requests = [api.provisioned([JIRA], f"race-{n}-{i}") for i in range(CLIENTS - 1)]
        orders = [cookbook_order("jira-enterprise", r) for r in requests]
        for order in orders:
            order["orderId"] = str(uuid.uuid4())
        api.advance(599)

        def send(client: Api, i: int, orders: list[dict[str, Any]] = orders) -> httpx.Response:
            if i == CLIENTS - 1:
                return client.control("POST", "/_sandbox/clock/advance", {"seconds": 2})
            return client.place(orders[i])

        answers = at_once(sandbox, send)
        api.advance(3)  # the placed orders' items are done
        for request_id, answer in zip(requests, answers, strict=False):
            status = api.status(request_id).json()["data"]["status"]
            if answer.status_code == 200:
                assert status == "COMPLETED"
            else:
                assert codes(answer) == {"PROVISIONING_WINDOW_CLOSED"}, answer.text
                assert status == "FAILED"
            outcomes.add((answer.status_code, status))
    api.close()
    assert outcomes <= {(200, "COMPLETED"), (422, "FAILED")}

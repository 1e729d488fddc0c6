"""The cookbook's own samples, sent to a real sandbox as its text shows them (only the host,
the credentials and the ids of earlier steps changed), answer as its response samples do,
field by field, or are refused naming their erratum (``samples.yaml`` says which).

Each journey runs the cookbook's steps in its order on a fresh sandbox: an id a later
sample needs (a provisioning request, an order, a workspace's ARI, a family container)
comes from the answer of the step before, as the cookbook says to take it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.contracts import cookbook

from .cookbook_samples import (
    BY_NAME,
    REQUESTS,
    SAMPLES,
    Samples,
    compare,
    echoed,
    exact_differences,
    pattern_of,
    request_value,
    sample_body,
)
from .support import Api

STATUS_SAMPLE_ID = "6664d179-c5e8-4f6a-9f45-8a9f0756440"  # the statusUrl id (ERR-012)
APP_SAMPLE_ARI = "ari%3Acloud%3Ajira-software%3A%3Asite%2F4745a76c-290c-49d4-aa23-04d5ccb3c52d"


def _request_id(status_url: str) -> str:
    return status_url.rsplit("/", 1)[1]


def _offerings_of(order_sample: str) -> list[dict[str, str]]:
    """What an order sample orders, as the provisioning sample's elided offerings list."""
    body = sample_body(BY_NAME[order_sample])
    container = "009f8789-c10c-4366-9420-f712d02a6499"
    return [
        {"id": i["offeringId"], "location": "us"}
        for i in body["items"]
        if i["offeringId"] != container
    ]


def _new_site(samples: Samples, order_sample: str) -> None:
    """Provision on a new site -> check the status -> place the order sample."""
    provision = BY_NAME["products.provision request (new site)"]
    body = {**sample_body(provision), "offerings": _offerings_of(order_sample)}
    accepted = samples.send(provision["name"], body=body)
    assert accepted.status == 200, accepted.response.text
    request_id = _request_id(accepted.json()["data"]["statusUrl"])
    fills = {STATUS_SAMPLE_ID: request_id}
    samples.send(
        "provisioning.status request", fills=fills, key="provisioning.status request as printed"
    )
    samples.send("provisioning.status request", fills=fills, fixes=frozenset({"ERR-009"}))
    order = sample_body(BY_NAME[order_sample])
    named = order["metadata"]["provisionRequestId"]
    if "{{$randomUUID}}" in order["orderId"]:
        samples.send(order_sample, fills={named: request_id}, key=f"{order_sample} as printed")
        samples.send(order_sample, fills={named: request_id}, fixes=frozenset({"ERR-011"}))
    else:
        samples.send(order_sample, fills={named: request_id})


def prerequisites(samples: Samples) -> None:
    """'Prerequisites': the product entitlement ID (the list, asked for the sample's site),
    then the details; 'Existing sites': the details of the workspace's entitlement."""
    name = "entitlements.list request"
    samples.send(name, key=f"{name} as printed")
    listed = samples.send(name, fixes=frozenset({"ERR-001"}))
    first = listed.json()["entitlements"][0]["entitlement_id"]
    samples.send(
        "entitlements.details request", fills={"edf3f6c3-22a3-3f34-a21f-8c6395ac0074": first}
    )
    samples.send("entitlements.details request (existing site)")


def existing_site(samples: Samples) -> None:
    """'Existing sites': provision JSM onto acme by name, find its family container
    (workspaces -> entitlement -> details), order JSM onto it (the v1 sample)."""
    provision = BY_NAME["products.provision request (existing site)"]
    jsm = _offerings_of("orders.place request (JSM Enterprise)")
    accepted = samples.send(provision["name"], body={**sample_body(provision), "offerings": jsm})
    request_id = _request_id(accepted.json()["data"]["statusUrl"])
    workspace = samples.send("workspaces.query request").json()["data"][0]
    entitlement = workspace["relationships"]["entitlement"][0]["id"]  # ERR-017
    details = samples.send(
        "entitlements.details request (existing site)",
        fills={"f5050916-617d-49d5-9aa8-382185a0c0b3": entitlement},
    ).json()
    container = next(
        r["entitlementId"]
        for r in details["relatesFromEntitlements"]
        if r["relationshipType"] == "FAMILY_CONTAINER"
    )
    name = "orders.place request (add JSM to a site with Jira)"
    named = sample_body(BY_NAME[name])["metadata"]["provisionRequestId"]
    samples.send(name, fills={named: request_id, "{{jiraFamilyContainerEntitlementId}}": container})


def apps(samples: Samples) -> None:
    """'Provision apps': the workspace of acme's Jira is the product ARI; the app sample
    (Confluence's offering: ERR-013), the status, the product's details, the app order."""
    workspace = samples.send("workspaces.query request").json()["data"][0]
    ari = workspace["id"].replace(":", "%3A").replace("/", "%2F")
    name = "apps.provision request"
    samples.send(name, fills={APP_SAMPLE_ARI: ari}, key=f"{name} as printed")
    accepted = samples.send(name, fills={APP_SAMPLE_ARI: ari}, fixes=frozenset({"ERR-013"}))
    request_id = _request_id(accepted.json()["data"]["statusUrl"])
    samples.send(
        "provisioning.status request",
        fills={STATUS_SAMPLE_ID: request_id},
        fixes=frozenset({"ERR-009"}),
    )
    samples.send("entitlements.details request (existing site)")
    samples.send("orders.place request (app)", fills={STATUS_SAMPLE_ID: request_id})


def tracking(samples: Samples) -> None:
    """'Track the order': the Jira Enterprise sample's order, read once its items succeeded
    (its items are the order-status sample's: the family container and Jira)."""
    _new_site(samples, "orders.place request (Jira Enterprise)")
    order = samples.sent["orders.place request (Jira Enterprise)"].body
    samples.api.advance(3)
    samples.send(
        "orders.get request",
        fills={
            "0aed15e5-3d09-4319-800d-d65a5e73f783": order["orderId"],
            "78e855e6-731e-4819-b23e-7854aad854c8": order["transactionAccountId"],
        },
    )


def shared_order_id(samples: Samples) -> None:
    """ERR-014: the five order samples one after the other on one org."""
    _new_site(samples, "orders.place request (Confluence Enterprise)")
    request_id = samples.sent["orders.place request (Confluence Enterprise)"].body["metadata"][
        "provisionRequestId"
    ]
    for sample in REQUESTS:
        if "refused_after" in sample:
            named = sample_body(sample)["metadata"]["provisionRequestId"]
            samples.send(
                sample["name"],
                fills={named: request_id, "{{jiraFamilyContainerEntitlementId}}": request_id},
                key=f"{sample['name']} after",
            )


def _new_site_journey(order_sample: str) -> Callable[[Samples], None]:
    return lambda samples: _new_site(samples, order_sample)


#: Each journey, and the request samples it sends.
JOURNEYS: dict[str, Callable[[Samples], None]] = {
    "prerequisites": prerequisites,
    "existing site": existing_site,
    "apps": apps,
    "tracking": tracking,
    "shared orderId": shared_order_id,
    **{
        s["name"]: _new_site_journey(s["name"])
        for s in REQUESTS
        if s["operation"] == "orders.place" and s["section"] == "place-order"
    },
}


def _journey_of(name: str) -> str:
    """The journey that sends request sample ``name`` (the first that does)."""
    for journey, names in _SENT_BY.items():
        if name in names:
            return journey
    raise AssertionError(f"no journey sends {name!r}")


_SENT_BY: dict[str, set[str]] = {}


def _run(api: Api, journey: str) -> Samples:
    samples = Samples(api)
    JOURNEYS[journey](samples)
    return samples


@pytest.fixture(scope="module", autouse=True)
def _which_journey_sends_what(sandbox_server: Any) -> None:
    """Learn once which journey sends which sample (a journey run on a fresh sandbox)."""
    if _SENT_BY:
        return
    for journey in JOURNEYS:
        sandbox_server.reset()
        api = Api(sandbox_server.base_url, sandbox_server.profile)
        try:
            _SENT_BY[journey] = set(_run(api, journey).sent)
        finally:
            api.close()


def test_every_request_sample_is_sent_by_a_journey() -> None:
    sent = set().union(*_SENT_BY.values())
    assert {s["name"] for s in REQUESTS} <= sent


@pytest.mark.parametrize("name", [s["name"] for s in REQUESTS if "refused" in s], ids=lambda n: n)
def test_a_request_sample_sent_as_printed_is_refused_naming_its_erratum(
    api: Api, name: str
) -> None:
    sample = BY_NAME[name]
    sent = _run(api, _journey_of(f"{name} as printed")).sent
    refused = sent[f"{name} as printed"]
    assert refused.status == sample["refused"], refused.response.text
    errata = {e.get("meta", {}).get("erratum") for e in refused.json()["errors"]}
    assert sample["erratum"] in errata, refused.json()
    assert f"cookbook erratum {sample['erratum']}" in refused.response.text
    # Corrected, it is answered.
    assert 200 <= sent[name].status < 300, sent[name].response.text


@pytest.mark.parametrize(
    "name", [s["name"] for s in REQUESTS if "refused_after" in s], ids=lambda n: n
)
def test_a_sample_sharing_an_order_id_with_an_earlier_one_is_refused_naming_it(
    api: Api, name: str
) -> None:
    """ERR-014: each order sample alone is accepted (its journey); after the Confluence
    sample on the same org, the same orderId with another body is 409."""
    after = BY_NAME[name]["refused_after"]
    sent = _run(api, "shared orderId").sent
    assert sent[after["sample"]].status == 200
    refused = sent[f"{name} after"]
    assert refused.status == after["status"], refused.response.text
    (error,) = refused.json()["errors"]
    assert error["meta"] == {"ruleId": "REL-003", "erratum": after["erratum"]}


@pytest.mark.parametrize(
    "name", [s["name"] for s in REQUESTS if "answers" not in s], ids=lambda n: n
)
def test_a_request_sample_without_a_response_sample_is_accepted(api: Api, name: str) -> None:
    sent = _run(api, _journey_of(name)).sent[name]
    assert sent.status == 200, sent.response.text


ANSWERS = [
    (s["name"], answer)
    for s in REQUESTS
    for answer in ([s["answers"]] if isinstance(s.get("answers"), str) else s.get("answers", []))
]


@pytest.mark.parametrize(("request_name", "response_name"), ANSWERS, ids=[a[1] for a in ANSWERS])
def test_a_request_sample_is_answered_as_its_response_sample(
    api: Api, request_name: str, response_name: str
) -> None:
    """Field by field; where the answer differs, ``differs`` names the erratum or
    assumption, and fields beyond the sample are in ``beyond``. Echoed fields hold what
    was sent, and where the cookbook's own response and request disagree, ``differs``
    names that erratum too."""
    response = BY_NAME[response_name]
    sent = _run(api, _journey_of(request_name)).sent[request_name]
    assert sent.status == response["status"], sent.response.text
    answer = sent.json()
    expected = sample_body(response)

    echoes = list(echoed(response, answer))
    echo_pointers = {pointer for pointer, _, _ in echoes}
    own = BY_NAME[response["request"]] if "request" in response else None
    cookbook_disagrees = set()
    for pointer, source, value in echoes:
        present, was_sent = sent.value(source)
        assert present and value == was_sent, f"{pointer} echoes {source}: {value!r}"
        if own is not None:
            _, asked = request_value(
                own["method"], own["url"], own["headers"], sample_body(own), source
            )
            in_sample = expected
            for token in pointer.strip("/").split("/"):
                in_sample = (
                    in_sample[int(token)] if isinstance(in_sample, list) else in_sample[token]
                )
            cookbook_disagrees |= {
                pattern_of(pointer + p.rstrip("/")) for p in exact_differences(in_sample, asked)
            }

    found = compare(
        expected,
        answer,
        org_id=api.org,
        sketch=response.get("sketch", False),
        open_=response.get("open", False),
    )
    differences = {
        pattern_of(pointer)
        for pointer, _ in found
        if not any(pointer == e or pointer.startswith(e + "/") for e in echo_pointers)
    }
    declared = set(response.get("differs") or {}) | set(response.get("beyond") or {})
    assert differences | cookbook_disagrees == declared, found
    for why in [
        *(response.get("differs") or {}).values(),
        *(response.get("beyond") or {}).values(),
    ]:
        assert why.startswith("org: ") or _known(why), why


def _known(entry: str) -> bool:
    ids = {e.id for e in cookbook.ERRATA} | {a.id for a in cookbook.ASSUMPTIONS}
    return entry in ids


def test_every_response_sample_is_answered_or_not_json() -> None:
    """Each response sample is what some request sample answers, or the printed text of
    ERR-012 (not JSON), or the generic sketch's sibling."""
    answered = {answer for _, answer in ANSWERS}
    responses = {s["name"] for s in SAMPLES if "status" in s and "body" in s}
    assert responses - answered == set()

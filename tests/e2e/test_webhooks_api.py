"""Webhooks staff API over HTTP: subscribe endpoints (the secret shown once), refuse bad
URLs and unknown topics, list deliveries with their attempts, replay, rotate, delete — and a
real stock change reaching a real receiver."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel import clock, outbox
from omnishop.webhooks import delivery
from tests.e2e.conftest import MakeKey
from tests.e2e.test_inventory_api import LEVELS, body, stocked
from tests.integration.test_webhooks_delivery import Receiver, ThingPinged, publish, serving

ENDPOINTS = "/api/v1/webhooks/endpoints"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with serving() as app:
        yield app


async def staff(api_key: MakeKey) -> dict[str, str]:
    return await api_key("webhooks:write")


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    payload = {"url": "https://shop.example/hooks", "topics": ["test.pinged"], **fields}
    response = await client.post(ENDPOINTS, json=payload, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def field_of(response: httpx.Response) -> str:
    field: str = response.json()["errors"][0]["field"]
    return field


async def test_staff_subscribe_an_endpoint_and_see_its_secret_only_once(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await staff(api_key)

    created = await create(client, headers, description="ERP", topics=["test.pinged"] * 2)
    shown = await client.get(f"{ENDPOINTS}/{created['id']}", headers=headers)
    listed = await client.get(ENDPOINTS, headers=headers)

    assert created["secret"].startswith("whsec_")
    assert created["topics"] == ["test.pinged"]  # duplicates folded
    assert (created["active"], created["description"]) == (True, "ERP")
    assert shown.status_code == 200 and "secret" not in shown.json()
    assert [e["id"] for e in listed.json()["data"]] == [created["id"]]
    assert "secret" not in listed.json()["data"][0]


async def test_endpoints_are_listed_in_pages(client: httpx.AsyncClient, api_key: MakeKey) -> None:
    headers = await staff(api_key)
    ids = [(await create(client, headers))["id"] for _ in range(3)]

    first = (await client.get(ENDPOINTS, params={"limit": 2}, headers=headers)).json()
    second = (
        await client.get(
            ENDPOINTS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
        )
    ).json()
    bad = await client.get(ENDPOINTS, params={"cursor": "eyJpZCI6IngifQ"}, headers=headers)

    assert [e["id"] for e in first["data"] + second["data"]] == ids
    assert second["next_cursor"] is None
    assert (bad.status_code, field_of(bad)) == (422, "cursor")


async def test_topics_lists_what_can_be_subscribed_to_with_payload_fields(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    response = await client.get("/api/v1/webhooks/topics", headers=await staff(api_key))

    topics = {t["topic"]: t["fields"] for t in response.json()["data"]}
    assert topics["stock.changed"] == ["variant_id", "location_id"]
    assert topics["test.pinged"] == ["thing_id", "poison"]
    assert "inventory.stock_changed" not in topics  # internal names never leak


async def test_bad_urls_topics_and_fields_are_refused_naming_the_field(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await staff(api_key)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"url": "http://shop.example/hooks", "topics": ["*"]}, "url"),
        ({"url": "ftp://shop.example/hooks", "topics": ["*"]}, "url"),
        ({"url": "https://a:b@shop.example/", "topics": ["*"]}, "url"),
        ({"url": "https://shop.example/h", "topics": ["*", "order.nonsense"]}, "topics[1]"),
        ({"url": "https://shop.example/h", "topics": []}, "topics"),
        ({"url": "https://shop.example/h", "topics": ["*"], "secret": "mine"}, "secret"),
        ({"topics": ["*"]}, "url"),
    ]

    answers = [await client.post(ENDPOINTS, json=c, headers=headers) for c, _ in cases]
    listed = await client.get(ENDPOINTS, headers=headers)

    assert [(a.status_code, field_of(a)) for a in answers] == [(422, f) for _, f in cases]
    assert listed.json()["data"] == []


async def test_only_keys_with_the_webhooks_scope_get_in(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    other = await api_key("inventory:read")

    anonymous = await client.get(ENDPOINTS)
    wrong = await client.get(ENDPOINTS, headers=other)
    topics = await client.get("/api/v1/webhooks/topics", headers=other)

    assert (anonymous.status_code, wrong.status_code, topics.status_code) == (401, 403, 403)


async def test_an_endpoint_is_changed_rotated_and_deleted(
    client: httpx.AsyncClient, api_key: MakeKey
) -> None:
    headers = await staff(api_key)
    created = await create(client, headers)
    path = f"{ENDPOINTS}/{created['id']}"

    patched = await client.patch(
        path, json={"topics": ["stock.changed"], "active": False}, headers=headers
    )
    nulled = await client.patch(path, json={"url": None}, headers=headers)
    plain_http = await client.patch(path, json={"url": "http://evil.example/"}, headers=headers)
    rotated = await client.post(f"{path}/rotate-secret", headers=headers)
    deleted = await client.delete(path, headers=headers)
    gone = await client.get(path, headers=headers)
    missing = await client.patch(f"{ENDPOINTS}/{uuid.uuid4()}", json={}, headers=headers)

    assert patched.status_code == 200
    assert patched.json()["topics"] == ["stock.changed"]
    assert (patched.json()["active"], patched.json()["disabled_reason"]) == (
        False,
        "disabled by staff",
    )
    assert (nulled.status_code, field_of(nulled)) == (422, "url")
    assert (plain_http.status_code, field_of(plain_http)) == (422, "url")
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]
    assert deleted.status_code == 204
    assert gone.status_code == 404
    assert missing.status_code == 404


async def test_a_stock_change_reaches_a_real_receiver_and_shows_in_deliveries(
    client: httpx.AsyncClient,
    api_key: MakeKey,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
) -> None:
    headers = await staff(api_key)
    endpoint = await create(client, headers, url=receiver.url, topics=["stock.changed"])
    receiver.secrets.append(endpoint["secret"])
    stock_headers, variant, (main, _) = await stocked(client, api_key, sessions)

    put = await client.put(LEVELS, json=body(variant, main, on_hand=4), headers=stock_headers)
    await outbox.drain(sessions)
    sent = await delivery.send_due(sessions)
    listed = await client.get(f"{ENDPOINTS}/{endpoint['id']}/deliveries", headers=headers)

    assert put.status_code == 200
    assert sent.get("delivered", 0) >= 1
    changes = [r for r in receiver.received if r.document["type"] == "stock.changed"]
    assert changes and all(r.verified for r in changes)
    assert {"variant_id": variant, "location_id": main} in [r.document["data"] for r in changes]
    [row] = [d for d in listed.json()["data"] if d["payload"]["location_id"] == main]
    assert (row["status"], row["attempts"], row["topic"]) == ("delivered", 1, "stock.changed")
    assert row["attempt_log"][0]["status_code"] == 200
    assert row["next_attempt_at"] is None


async def test_deliveries_filter_by_status_and_a_dead_one_can_be_replayed(
    client: httpx.AsyncClient,
    api_key: MakeKey,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
) -> None:
    start = datetime(2025, 3, 1, tzinfo=UTC)
    clock.freeze(start)
    headers = await staff(api_key)
    endpoint = await create(client, headers, url=receiver.url)
    receiver.secrets.append(endpoint["secret"])
    receiver.respond = lambda doc: 500 if doc["data"]["poison"] else 200
    await publish(sessions, ThingPinged(thing_id=uuid.uuid4(), poison=True))
    await publish(sessions, ThingPinged(thing_id=uuid.uuid4()))
    await delivery.send_due(sessions)
    deliveries = f"{ENDPOINTS}/{endpoint['id']}/deliveries"

    failed = (await client.get(deliveries, params={"status": "failed"}, headers=headers)).json()
    done = (await client.get(deliveries, params={"status": "delivered"}, headers=headers)).json()
    bad_status = await client.get(deliveries, params={"status": "lost"}, headers=headers)
    [poisoned] = failed["data"]
    assert poisoned["attempt_log"][0]["status_code"] == 500
    assert poisoned["next_attempt_at"] is not None
    assert len(done["data"]) == 1
    assert bad_status.status_code == 422

    receiver.respond = None  # the receiver is fixed
    replayed = await client.post(
        f"/api/v1/webhooks/deliveries/{poisoned['id']}/replay", headers=headers
    )
    sent = await delivery.send_due(sessions)  # due at once, not after the backoff
    shown = await client.get(f"/api/v1/webhooks/deliveries/{poisoned['id']}", headers=headers)
    unknown = await client.post(
        f"/api/v1/webhooks/deliveries/{uuid.uuid4()}/replay", headers=headers
    )

    assert replayed.status_code == 202
    assert (replayed.json()["status"], replayed.json()["attempts"]) == ("pending", 0)
    assert sent == {"delivered": 1}
    assert shown.json()["status"] == "delivered"
    assert [a["status_code"] for a in shown.json()["attempt_log"]] == [500, 200]
    assert unknown.status_code == 404


async def test_a_replay_to_a_disabled_endpoint_is_a_409_and_changes_nothing(
    client: httpx.AsyncClient,
    api_key: MakeKey,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
) -> None:
    headers = await staff(api_key)
    endpoint = await create(client, headers, url=receiver.url)
    receiver.secrets.append(endpoint["secret"])
    await publish(sessions, ThingPinged(thing_id=uuid.uuid4()))
    await delivery.send_due(sessions)
    path = f"{ENDPOINTS}/{endpoint['id']}"
    [row] = (await client.get(f"{path}/deliveries", headers=headers)).json()["data"]
    await client.patch(path, json={"active": False}, headers=headers)

    refused = await client.post(f"/api/v1/webhooks/deliveries/{row['id']}/replay", headers=headers)
    clock.freeze(datetime.now(UTC) + timedelta(hours=1))
    after = await delivery.send_due(sessions)

    assert (refused.status_code, refused.json()["code"]) == (409, "endpoint_disabled")
    assert after == {}
    assert len(receiver.received) == 1

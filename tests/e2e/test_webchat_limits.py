"""The widget's limits: posts per visitor and per address (429 with a typed problem and a
retry_after, nothing stored), and message bodies past their maximum length (422)."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.messaging.webchat.throttle import PER_CLIENT, PER_VISITOR
from tests.e2e.test_webchat import _events, _say, _setup, _token

Sessions = async_sessionmaker[AsyncSession]
VISITOR_BUDGET = int(PER_VISITOR.split("/")[0])
CLIENT_BUDGET = int(PER_CLIENT.split("/")[0])
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


async def _mine(client: httpx.AsyncClient, token: str) -> list[str]:
    return [e["data"]["text"] for e in await _events(client, token) if e["data"]["mine"]]


async def test_a_visitor_past_its_budget_gets_429_and_nothing_is_stored(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await _setup(sessions)
    token = await _token(client)
    for n in range(VISITOR_BUDGET):
        assert (await _say(client, token, f"m{n}")).status_code == 202
    refused = await _say(client, token, "one too many")
    assert refused.status_code == 429
    problem = refused.json()
    assert problem["code"] == "webchat_rate_limited" and problem["status"] == 429
    assert 1 <= problem["retry_after"] <= 60
    assert refused.headers["content-type"].startswith("application/problem+json")
    photo = await client.post(
        "/webchat/webchat/photos",
        data={"id": str(uuid.uuid4())},
        files={"file": ("a.jpg", JPEG, "image/jpeg")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert photo.status_code == 429  # a photo is a message too
    mine = await _mine(client, token)
    assert mine == [f"m{n}" for n in range(VISITOR_BUDGET)]


async def test_visitors_sharing_an_address_share_its_larger_budget(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await _setup(sessions)
    visitors = [await _token(client) for _ in range(CLIENT_BUDGET // VISITOR_BUDGET)]
    for token in visitors:
        for n in range(VISITOR_BUDGET):
            assert (await _say(client, token, f"m{n}")).status_code == 202
    latecomer = await _token(client)
    refused = await _say(client, latecomer, "hello?")
    assert refused.status_code == 429 and refused.json()["code"] == "webchat_rate_limited"
    assert await _events(client, latecomer) == []  # no thread was even opened


async def test_a_message_past_its_maximum_length_is_422_and_not_stored(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await _setup(sessions)
    token = await _token(client)
    auth = {"Authorization": f"Bearer {token}"}
    for body in (
        {"id": str(uuid.uuid4()), "text": "я" * 4001},
        {"id": str(uuid.uuid4()), "payload": "p" * 201},
    ):
        response = await client.post("/webchat/webchat/messages", json=body, headers=auth)
        assert response.status_code == 422
        problem = response.json()
        assert problem["code"] == "validation_failed"
        assert problem["errors"][0]["field"] in ("text", "payload")
    assert (await _say(client, token, "я" * 4000)).status_code == 202  # the limit itself is fine
    assert [len(t) for t in await _mine(client, token)] == [4000]

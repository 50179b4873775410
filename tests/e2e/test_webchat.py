"""The web chat widget over HTTP: the script, tokens, messages in (deduped), the SSE stream
resumed with Last-Event-ID without losing or repeating a message, a signed-in customer's
thread, and refusals (forged token, bad input, unknown channel)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import handoff, wire
from omnishop.conversations import service as conversations
from omnishop.conversations.wire import Button, Card, OutboundContent
from omnishop.customers import identities
from omnishop.customers import tokens as customer_tokens
from omnishop.kernel.db import unit_of_work
from omnishop.messaging.webchat import send as webchat_send
from omnishop.messaging.webchat import tokens
from tests.integration.conversations_fixtures import channel, operator

Sessions = async_sessionmaker[AsyncSession]


def parse(stream: str) -> list[dict[str, Any]]:
    """Server-sent events as dicts: id, event, data (JSON)."""
    events = []
    for block in stream.split("\n\n"):
        fields: dict[str, Any] = {}
        for line in block.splitlines():
            if line.startswith(":") or ": " not in line:
                continue
            name, value = line.split(": ", 1)
            fields[name] = value
        if "data" in fields:
            fields["data"] = json.loads(fields["data"])
            events.append(fields)
    return events


async def _setup(sessions: Sessions) -> None:
    async with unit_of_work(sessions) as session:
        await channel(session, "webchat", "webchat")
        await channel(session, "telegram", "tg")


async def _token(client: httpx.AsyncClient, body: dict[str, Any] | None = None) -> str:
    response = await client.post("/webchat/webchat/session", json=body or {})
    assert response.status_code == 200
    token: str = response.json()["token"]
    return token


async def _say(
    client: httpx.AsyncClient, token: str, text: str, mid: uuid.UUID | None = None
) -> httpx.Response:
    return await client.post(
        "/webchat/webchat/messages",
        json={"id": str(mid or uuid.uuid4()), "text": text},
        headers={"Authorization": f"Bearer {token}"},
    )


async def _events(
    client: httpx.AsyncClient, token: str, last: str | None = None
) -> list[dict[str, Any]]:
    headers = {"Last-Event-ID": last} if last else {}
    response = await client.get(
        "/webchat/webchat/events", params={"token": token, "poll": "1"}, headers=headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    return parse(response.text)


async def test_the_widget_script_is_served_small_and_cacheable(client: httpx.AsyncClient) -> None:
    response = await client.get("/webchat/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "max-age" in response.headers["cache-control"]
    assert len(response.content) < 12_000
    assert "EventSource" in response.text


async def test_resume_with_last_event_id_neither_loses_nor_repeats(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await _setup(sessions)
    token = await _token(client)
    first = uuid.uuid4()
    assert (await _say(client, token, "hello", first)).status_code == 202
    again = await _say(client, token, "hello", first)  # the browser retried the same POST
    assert again.status_code == 202 and again.json()["duplicate"] is True

    seen = await _events(client, token)
    assert [e["data"]["text"] for e in seen] == ["hello"]
    assert seen[0]["id"] == seen[0]["data"]["id"] and seen[0]["data"]["mine"] is True
    conversation_id = uuid.UUID(again.json()["conversation_id"])

    # While the phone was offline: a second message and an operator's product card.
    await _say(client, token, "a human please")
    async with unit_of_work(sessions) as session:
        staff_id = await operator(session)
        await handoff.take(session=session, conversation_id=conversation_id, staff_id=staff_id)
        card = Card(
            title="Far Cry 4",
            subtitle="1 999 ₽",
            buttons=(Button(label="Add to cart", payload=f"cart:add:{uuid.uuid4()}"),),
        )
        await conversations.send(
            session=session,
            conversation_id=conversation_id,
            content=OutboundContent(text="Here it is", cards=(card,)),
            author="operator",
            staff_id=staff_id,
        )

    resumed = await _events(client, token, last=seen[-1]["id"])
    assert [e["data"]["text"] for e in resumed] == ["a human please", "Here it is"]
    assert resumed[1]["data"]["author"] == "operator" and resumed[1]["data"]["mine"] is False
    assert resumed[1]["data"]["cards"][0]["title"] == "Far Cry 4"
    # Reconnecting again from the last id: nothing new, nothing repeated.
    assert await _events(client, token, last=resumed[-1]["id"]) == []
    # A fresh page load (no cursor) replays the thread once, in order.
    everything = await _events(client, token)
    assert [e["id"] for e in everything] == [e["id"] for e in seen + resumed]


async def test_a_token_that_is_kept_continues_the_thread_and_a_new_one_does_not(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await _setup(sessions)
    token = await _token(client)
    assert await _token(client, {"token": token}) == token
    await _say(client, token, "first visit")
    other = await _token(client)
    assert other != token
    assert await _events(client, other) == []


async def test_a_signed_in_customer_gets_their_own_thread_on_every_device(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await _setup(sessions)
    async with unit_of_work(sessions) as session:
        someone = await identities.sign_in(session=session, kind="telegram", external_id="42")
        cookie = await customer_tokens.issue(session=session, customer_id=someone.customer_id)
    client.cookies.set("customer", cookie)
    response = await client.post("/webchat/webchat/session", json={})
    assert response.json()["signed_in"] is True
    token = response.json()["token"]
    assert token.startswith(f"c-{someone.customer_id.hex}.")
    said = await _say(client, token, "where is my order?")
    async with sessions() as session:
        thread = await conversations.get(
            session=session, conversation_id=uuid.UUID(said.json()["conversation_id"])
        )
    assert thread.customer_id == someone.customer_id
    client.cookies.clear()
    # Another browser of the same customer (signed in there too) gets the same token.
    client.cookies.set("customer", cookie)
    assert await _token(client) == token


async def test_forged_or_missing_tokens_are_refused_and_store_nothing(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await _setup(sessions)
    token = await _token(client)
    sender, _mac = token.rsplit(".", 1)
    forged = f"{sender}.{'0' * 32}"
    assert (await _say(client, forged, "hi")).status_code == 401
    assert (await _say(client, "", "hi")).status_code == 401
    other_customer = tokens.customer_sender(uuid.uuid4()) + ".deadbeef"
    assert (await _say(client, other_customer, "hi")).status_code == 401
    response = await client.get("/webchat/webchat/events", params={"token": forged, "poll": "1"})
    assert response.status_code == 401
    assert await _events(client, token) == []


async def test_bad_input_and_unknown_channels_get_4xx(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await _setup(sessions)
    token = await _token(client)
    auth = {"Authorization": f"Bearer {token}"}
    bad_bodies: list[dict[str, Any]] = [
        {"id": str(uuid.uuid4())},  # neither text nor payload
        {"id": str(uuid.uuid4()), "text": "a", "payload": "b"},
        {"id": "not-a-uuid", "text": "a"},
        {"id": str(uuid.uuid4()), "text": "a", "extra": 1},
        {"id": str(uuid.uuid4()), "text": "x" * 4001},
    ]
    for body in bad_bodies:
        response = await client.post("/webchat/webchat/messages", json=body, headers=auth)
        assert response.status_code == 422, body
    assert (await client.post("/webchat/nope/session", json={})).status_code == 404
    assert (await client.post("/webchat/tg/session", json={})).status_code == 404  # not webchat
    unknown = await client.post(
        "/webchat/nope/messages", json={"id": str(uuid.uuid4()), "text": "a"}, headers=auth
    )
    assert unknown.status_code == 404
    stale = await client.get(
        "/webchat/webchat/events",
        params={"token": token, "poll": "1"},
        headers={"Last-Event-ID": "garbage"},
    )
    assert stale.status_code == 422
    assert await _events(client, token) == []


async def test_the_webchat_sender_is_registered_and_confirms(client: httpx.AsyncClient) -> None:
    sender = wire.sender_for("webchat")
    assert sender is webchat_send.send
    message_id = uuid.uuid4()
    result = await sender(
        wire.OutboundMessage(
            message_id=message_id,
            platform="webchat",
            channel_code="webchat",
            recipient_id="v-x",
            text="hi",
        )
    )
    assert result.ok and result.external_id == f"webchat:{message_id}"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_a_photo_is_stored_and_shown_in_the_thread(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await _setup(sessions)
    token = await _token(client)
    auth = {"Authorization": f"Bearer {token}"}
    mid = str(uuid.uuid4())
    sent = await client.post(
        "/webchat/webchat/photos",
        data={"id": mid},
        files={"file": ("item.png", PNG, "image/png")},
        headers=auth,
    )
    assert sent.status_code == 202, sent.text
    again = await client.post(
        "/webchat/webchat/photos",
        data={"id": mid},
        files={"file": ("item.png", PNG, "image/png")},
        headers=auth,
    )
    assert again.json()["duplicate"] is True
    shown = await _events(client, token)
    assert len(shown) == 1 and shown[0]["data"]["kind"] == "image"
    url = shown[0]["data"]["image_url"]
    assert url.startswith("/media/chat/") and url.endswith(".png")
    assert (await client.get(url)).content == PNG

    not_an_image = await client.post(
        "/webchat/webchat/photos",
        data={"id": str(uuid.uuid4())},
        files={"file": ("x.png", b"<svg onload=alert(1)>", "image/png")},
        headers=auth,
    )
    assert not_an_image.status_code == 422
    forged = await client.post(
        "/webchat/webchat/photos",
        data={"id": str(uuid.uuid4())},
        files={"file": ("item.png", PNG, "image/png")},
        headers={"Authorization": "Bearer nope"},
    )
    assert forged.status_code == 401
    assert len(await _events(client, token)) == 1

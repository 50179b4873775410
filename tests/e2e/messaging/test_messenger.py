"""Messenger webhook: handshake, signature, recorded page events (good, forged, malformed,
duplicate), and Send API calls (RESPONSE inside the window, MESSAGE_TAG + tag outside)."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import wire
from omnishop.messaging.config import MessagingSettings
from omnishop.messaging.messenger.send import make_sender
from tests.e2e.messaging.conftest import FakePlatforms, inbound_of, meta_signature, raw, reply

Sessions = async_sessionmaker[AsyncSession]
URL = "/webhooks/messenger/messenger"
PSID = "6543210987654321"


def signed(body: bytes, secret: str = "fb-app-secret") -> dict[str, str]:  # noqa: S107
    return {"X-Hub-Signature-256": meta_signature(body, secret), "Content-Type": "application/json"}


async def test_handshake(chat: httpx.AsyncClient) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "fb-verify", "hub.challenge": "42"}
    assert (await chat.get(URL, params=query)).text == "42"
    assert (await chat.get(URL, params=query | {"hub.mode": "x"})).status_code == 403


async def test_messages_quick_replies_postbacks_are_stored_once(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    for name in (
        "messenger_text",
        "messenger_quick_reply",
        "messenger_postback",
        "messenger_location",
        "messenger_image",
        "messenger_text",  # redelivered
    ):
        body = raw(name)
        assert (await chat.post(URL, content=body, headers=signed(body))).status_code == 200
    kinds = [m.kind for m in await inbound_of(sessions, "messenger", PSID)]
    assert sorted(kinds) == ["button", "button", "image", "location", "text"]


async def test_forged_malformed_and_foreign_channels_change_nothing(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    body = raw("messenger_text")
    assert (
        await chat.post(URL, content=body, headers=signed(body, "wa-app-secret"))
    ).status_code == 403
    bad = raw("messenger_malformed")
    assert (await chat.post(URL, content=bad, headers=signed(bad))).status_code == 400
    other = await chat.post("/webhooks/messenger/whatsapp", content=body, headers=signed(body))
    assert other.status_code == 404
    assert await inbound_of(sessions, "messenger", PSID) == []


async def test_a_reply_uses_the_send_api_with_a_button_template(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> None:
    body = raw("messenger_text")
    await chat.post(URL, content=body, headers=signed(body))
    content = wire.OutboundContent(
        text="Yes, 2-3 days", buttons=(wire.Button("Track", url="https://shop.test/t/1"),)
    )
    sent = await reply(sessions, "messenger", PSID, content)
    call = next(c for c in platforms.calls if c.path.endswith("/me/messages"))
    assert call.path == "/v23.0/me/messages"
    assert call.headers["Authorization"] == "Bearer fb-page-token"
    assert call.json["recipient"] == {"id": PSID}
    assert call.json["messaging_type"] == "RESPONSE"
    payload = call.json["message"]["attachment"]["payload"]
    assert payload["template_type"] == "button" and payload["text"] == "Yes, 2-3 days"
    assert payload["buttons"] == [
        {"type": "web_url", "url": "https://shop.test/t/1", "title": "Track"}
    ]
    assert sent.status == "sent" and sent.external_id.startswith("m_sent")


async def test_outside_the_window_a_tagged_message_and_cards_as_a_generic_template(
    platforms: FakePlatforms,
) -> None:
    send = make_sender(MessagingSettings(meta_graph_base=platforms.url))
    message = wire.OutboundMessage(
        message_id=uuid.uuid4(),
        platform="messenger",
        channel_code="messenger",
        recipient_id=PSID,
        text="Your order 10042 has shipped",
        template=wire.Template("post_purchase_update", "en", tag="POST_PURCHASE_UPDATE"),
        cards=(
            wire.Card(
                "Runner",
                subtitle="€59",
                image_url="https://cdn.test/r.jpg",
                url="https://shop.test/p/runner",
                buttons=(wire.Button("Add to cart", payload="add:SKU-42"),),
            ),
        ),
    )
    assert (await send(message)).ok
    text, cards = (c.json for c in platforms.calls)
    for body in (text, cards):
        assert body["messaging_type"] == "MESSAGE_TAG" and body["tag"] == "POST_PURCHASE_UPDATE"
    assert text["message"] == {"text": "Your order 10042 has shipped"}
    (element,) = cards["message"]["attachment"]["payload"]["elements"]
    assert element["buttons"] == [
        {"type": "postback", "title": "Add to cart", "payload": "add:SKU-42"}
    ]
    assert element["default_action"] == {"type": "web_url", "url": "https://shop.test/p/runner"}

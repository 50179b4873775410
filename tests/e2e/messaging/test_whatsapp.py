"""WhatsApp Cloud API webhook: subscription handshake, X-Hub-Signature-256 over the raw body,
recorded payloads (good, forged, malformed, duplicate), statuses, and the Graph API calls
omnishop makes (against a fake graph.facebook.com)."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import wire
from omnishop.messaging.config import MessagingSettings
from omnishop.messaging.whatsapp.send import make_sender
from tests.e2e.messaging.conftest import FakePlatforms, inbound_of, meta_signature, raw, reply

Sessions = async_sessionmaker[AsyncSession]
URL = "/webhooks/whatsapp/whatsapp"
BSUID = "GE.13491208655302741918"
SECRET = "wa-app-secret"


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-Hub-Signature-256": meta_signature(body, secret), "Content-Type": "application/json"}


async def test_the_subscription_handshake_echoes_the_challenge_only_for_our_token(
    chat: httpx.AsyncClient,
) -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "wa-verify",
        "hub.challenge": "1158201444",
    }
    ok = await chat.get(URL, params=query)
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = await chat.get(URL, params=query | {"hub.verify_token": "guess"})
    assert wrong.status_code == 403
    assert (await chat.get("/webhooks/whatsapp/nope", params=query)).status_code == 404


async def test_a_signed_text_is_stored_under_the_business_scoped_user_id(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    body = raw("whatsapp_text")
    response = await chat.post(URL, content=body, headers=signed(body))
    assert response.status_code == 200, response.text
    (stored,) = await inbound_of(sessions, "whatsapp", BSUID)
    assert stored.body["text"] == "Привет! Есть красное платье 44?"


async def test_forged_signatures_are_403_and_store_nothing(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    body = raw("whatsapp_text")
    other_secret = await chat.post(URL, content=body, headers=signed(body, "not-the-secret"))
    assert other_secret.status_code == 403
    tampered = body.replace("Привет".encode(), "Пока".encode())
    assert (await chat.post(URL, content=tampered, headers=signed(body))).status_code == 403
    assert (await chat.post(URL, content=body)).status_code == 403
    sha1 = {"X-Hub-Signature-256": "sha1=" + "0" * 40}
    assert (await chat.post(URL, content=body, headers=sha1)).status_code == 403
    assert await inbound_of(sessions, "whatsapp", BSUID) == []


async def test_a_signed_but_malformed_payload_is_400(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    body = raw("whatsapp_malformed")
    assert (await chat.post(URL, content=body, headers=signed(body))).status_code == 400
    junk = b"\x00not json"
    assert (await chat.post(URL, content=junk, headers=signed(junk))).status_code == 400
    assert await inbound_of(sessions, "whatsapp", "995555123456") == []


async def test_a_duplicate_delivery_is_acknowledged_and_ignored(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    body = raw("whatsapp_order")
    for _ in range(2):
        assert (await chat.post(URL, content=body, headers=signed(body))).status_code == 200
    (order,) = await inbound_of(sessions, "whatsapp", BSUID)
    assert order.kind == "order"
    assert [i["retailer_id"] for i in order.body["order_items"]] == ["SKU-42", "SKU-7"]


async def test_a_user_without_a_phone_number_gets_a_thread(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    body = raw("whatsapp_no_phone")
    assert (await chat.post(URL, content=body, headers=signed(body))).status_code == 200
    assert len(await inbound_of(sessions, "whatsapp", "GE.99887766554433221100")) == 1


async def test_replies_go_to_the_graph_api_and_statuses_move_them_forward(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> None:
    body = raw("whatsapp_text")
    await chat.post(URL, content=body, headers=signed(body))
    content = wire.OutboundContent(
        text="Есть! Размер?",
        buttons=(wire.Button("42", payload="size:42"), wire.Button("44", payload="size:44")),
    )
    sent = await reply(sessions, "whatsapp", BSUID, content)
    call = next(
        c
        for c in platforms.calls
        if (c.json or {}).get("recipient") == BSUID and (c.json or {}).get("type") == "interactive"
    )
    assert call.path == "/v23.0/106540352242922/messages"
    assert call.headers["Authorization"] == "Bearer wa-access-token"
    assert "to" not in call.json and call.json["messaging_product"] == "whatsapp"
    assert call.json["interactive"]["type"] == "button"
    assert call.json["interactive"]["action"]["buttons"][1] == {
        "type": "reply",
        "reply": {"id": "size:44", "title": "44"},
    }
    assert sent.status == "sent" and sent.external_id.startswith("wamid.")
    # The platform reports it delivered, then read.
    for status in ("delivered", "read"):
        report = raw("whatsapp_status").replace(
            b"wamid.OUR_SENT_MESSAGE", sent.external_id.encode()
        )
        report = report.replace(b'"delivered"', f'"{status}"'.encode())
        assert (await chat.post(URL, content=report, headers=signed(report))).status_code == 200
    from omnishop.conversations import service as conversations
    from omnishop.kernel.db import unit_of_work

    async with unit_of_work(sessions, writes=False) as session:
        rows = await conversations.history(session=session, conversation_id=sent.conversation_id)
    assert next(m for m in rows if m.id == sent.id).status == "read"


async def test_templates_images_locations_and_phone_recipients_follow_the_cloud_api(
    platforms: FakePlatforms,
) -> None:
    send = make_sender(
        MessagingSettings(
            meta_graph_base=platforms.url,
            whatsapp_phone_number_id="106540352242922",
            whatsapp_access_token="wa-access-token",
        )
    )
    message = wire.OutboundMessage(
        message_id=uuid.uuid4(),
        platform="whatsapp",
        channel_code="whatsapp",
        recipient_id="995555123456",
        template=wire.Template("order_shipped", "ru", parameters=("10042", "СДЭК")),
        cards=(wire.Card("Платье", subtitle="5 990 ₽", image_url="https://cdn.test/d.jpg"),),
        location=wire.Location(41.7151, 44.8271, title="Магазин на Руставели"),
    )
    result = await send(message)
    assert result.ok
    template, image, location = (c.json for c in platforms.calls)
    assert template["to"] == "995555123456" and "recipient" not in template
    assert template["template"] == {
        "name": "order_shipped",
        "language": {"code": "ru"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "10042"}, {"type": "text", "text": "СДЭК"}],
            }
        ],
    }
    assert image["type"] == "image" and image["image"]["link"] == "https://cdn.test/d.jpg"
    assert location["location"] == {
        "latitude": 41.7151,
        "longitude": 44.8271,
        "name": "Магазин на Руставели",
    }


async def test_graph_errors_say_whether_a_retry_may_pass(platforms: FakePlatforms) -> None:
    send = make_sender(MessagingSettings(meta_graph_base=platforms.url))
    message = wire.OutboundMessage(
        message_id=uuid.uuid4(),
        platform="whatsapp",
        channel_code="whatsapp",
        recipient_id=BSUID,
        text="hi",
    )
    platforms.script = [
        (400, {"error": {"message": "Rate limit hit", "code": 130429, "type": "OAuthException"}}),
        (400, {"error": {"message": "Re-engagement message", "code": 131047}}),
        (500, {"error": {"message": "Service unavailable", "code": 2, "is_transient": True}}),
    ]
    assert (await send(message)).retryable
    window = await send(message)
    assert not window.ok and not window.retryable and "131047" in (window.error or "")
    assert (await send(message)).retryable


async def test_a_rate_limited_send_is_retried_by_the_outbox_after_its_back_off(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> None:
    from datetime import timedelta

    from omnishop.conversations import jobs
    from omnishop.conversations import service as conversations
    from omnishop.kernel import clock, outbox
    from omnishop.kernel.db import unit_of_work

    body = raw("whatsapp_text")
    await chat.post(URL, content=body, headers=signed(body))
    for _ in range(3):  # whatever the bot answers goes out first
        await outbox.drain(sessions)
    platforms.script = [(429, {"error": {"message": "Too many messages", "code": 130429}})]
    first = await reply(sessions, "whatsapp", BSUID, wire.OutboundContent(text="Минутку…"))
    assert first.status == "retrying" and first.attempts == 1
    clock.freeze(clock.now() + timedelta(seconds=6))
    async with unit_of_work(sessions) as session:
        assert await jobs.retry_sends(session) == 1
    await outbox.drain(sessions)
    async with unit_of_work(sessions, writes=False) as session:
        rows = await conversations.history(session=session, conversation_id=first.conversation_id)
    again = next(m for m in rows if m.id == first.id)
    assert again.status == "sent" and again.attempts == 2
    tries = [c for c in platforms.calls if (c.json or {}).get("text", {}).get("body") == "Минутку…"]
    assert len(tries) == 2


async def test_a_replayed_old_delivery_is_refused_even_with_a_valid_signature(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    from datetime import timedelta

    from omnishop.kernel import clock
    from tests.e2e.messaging.conftest import RECORDED_AT

    clock.freeze(RECORDED_AT + timedelta(days=8))
    body = raw("whatsapp_text")
    response = await chat.post(URL, content=body, headers=signed(body))
    assert response.status_code == 400 and response.json()["code"] == "stale_webhook"
    assert await inbound_of(sessions, "whatsapp", BSUID) == []

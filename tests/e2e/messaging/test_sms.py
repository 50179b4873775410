"""Twilio SMS webhook: X-Twilio-Signature over our public URL and the form, recorded posts
(good, forged, malformed, duplicate), STOP/START, TwiML answer, Messages API sends."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import wire
from omnishop.messaging.config import MessagingSettings
from omnishop.messaging.sms.send import make_sender
from tests.e2e.messaging.conftest import (
    BASE_URL,
    FakePlatforms,
    inbound_of,
    load,
    reply,
    twilio_signature,
)

Sessions = async_sessionmaker[AsyncSession]
PATH = "/webhooks/sms/sms"
PHONE = "+14155550123"


def post(
    chat: httpx.AsyncClient,
    form: dict[str, str],
    token: str = "twilio-token",  # noqa: S107
    url: str | None = None,
    path: str = PATH,
) -> Awaitable[httpx.Response]:
    headers = {"X-Twilio-Signature": twilio_signature(url or BASE_URL + path, form, token)}
    return chat.post(path, data=form, headers=headers)


async def test_a_signed_text_is_stored_and_answered_with_empty_twiml(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    response = await post(chat, load("sms_inbound"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    assert "<Response" in response.text
    (stored,) = await inbound_of(sessions, "sms", PHONE)
    assert stored.body["text"] == "Where is my order 10042?"


async def test_forged_signatures_are_403(chat: httpx.AsyncClient, sessions: Sessions) -> None:
    form = load("sms_inbound")
    assert (await post(chat, form, token="wrong")).status_code == 403
    # Signed for another URL (our public URL is what Twilio signs).
    other = await post(chat, form, url="http://testserver" + PATH)
    assert other.status_code == 403
    tampered = form | {"Body": "changed"}
    headers = {"X-Twilio-Signature": twilio_signature(BASE_URL + PATH, form, "twilio-token")}
    assert (await chat.post(PATH, data=tampered, headers=headers)).status_code == 403
    assert (await chat.post(PATH, data=form)).status_code == 403
    assert await inbound_of(sessions, "sms", PHONE) == []


async def test_malformed_and_duplicate_posts(chat: httpx.AsyncClient, sessions: Sessions) -> None:
    assert (await post(chat, {"Body": "no sid", "From": PHONE})).status_code == 400
    json_body = await chat.post(PATH, json=load("sms_inbound"))
    assert json_body.status_code == 400
    for _ in range(2):
        assert (await post(chat, load("sms_inbound"))).status_code == 200
    assert len(await inbound_of(sessions, "sms", PHONE)) == 1
    unknown = await post(chat, load("sms_inbound"), path="/webhooks/sms/nope")
    assert unknown.status_code == 404
    other_kind = await post(chat, load("sms_inbound"), path="/webhooks/sms/telegram")
    assert other_kind.status_code == 404


async def test_stop_and_start_are_opt_out_and_opt_in(
    chat: httpx.AsyncClient, sessions: Sessions
) -> None:
    for name in ("sms_stop", "sms_start"):
        assert (await post(chat, load(name))).status_code == 200
    kinds = [m.kind for m in await inbound_of(sessions, "sms", PHONE)]
    assert kinds == ["opt_out", "opt_in"]


async def test_a_reply_goes_through_the_messages_api_with_basic_auth(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> None:
    await post(chat, load("sms_inbound"))
    content = wire.OutboundContent(
        text="Order 10042 ships today",
        buttons=(wire.Button("Track", url="https://shop.test/t/10042"),),
    )
    sent = await reply(sessions, "sms", PHONE, content)
    call = next(c for c in platforms.calls if c.path.endswith("/Messages.json"))
    assert call.path == "/2010-04-01/Accounts/AC11111111111111111111111111111111/Messages.json"
    assert call.headers["Authorization"].startswith("Basic ")
    assert call.form == {
        "To": PHONE,
        "From": "+15005550006",
        "Body": "Order 10042 ships today\nTrack: https://shop.test/t/10042",
    }
    assert sent.status == "sent" and sent.external_id.startswith("SMsent")
    # Twilio's status callback for it moves it to delivered.
    status = load("sms_status") | {"MessageSid": sent.external_id, "SmsSid": sent.external_id}
    assert (await post(chat, status)).status_code == 200


async def test_unsubscribed_recipients_are_a_final_refusal(platforms: FakePlatforms) -> None:
    send = make_sender(MessagingSettings(twilio_api_base=platforms.url))
    platforms.script = [
        (
            400,
            {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400},
        ),
        (429, {"code": 20429, "message": "Too Many Requests", "status": 429}),
    ]
    message = wire.OutboundMessage(
        message_id=uuid.uuid4(), platform="sms", channel_code="sms", recipient_id=PHONE, text="x"
    )
    refused = await send(message)
    assert not refused.ok and not refused.retryable and "21610" in (refused.error or "")
    assert (await send(message)).retryable

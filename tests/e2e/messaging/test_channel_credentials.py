"""Per-channel credentials: a second Telegram bot and a second WhatsApp number on their own
secrets and tokens (OMNISHOP_MESSAGING_CHANNELS), the defaults for every other channel, and
a bad override map refused when the settings load."""

from __future__ import annotations

import uuid

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.conversations import wire
from omnishop.kernel.db import unit_of_work
from omnishop.messaging import media
from omnishop.messaging.config import MessagingSettings
from omnishop.messaging.messenger.send import make_sender as messenger_sender
from omnishop.messaging.sms.send import make_sender as sms_sender
from tests.e2e.messaging.conftest import (
    BASE_URL,
    FakePlatforms,
    inbound_of,
    load,
    meta_signature,
    raw,
    reply,
    twilio_signature,
)

Sessions = async_sessionmaker[AsyncSession]
TG_USER = "111222333"
WA_USER = "GE.13491208655302741918"
KIDS = {
    "telegram_bot_token": "777000:KIDS-TOKEN",
    "telegram_secret_token": "kids-secret",
}
WA_B = {
    "whatsapp_app_secret": "wa-b-app-secret",
    "whatsapp_verify_token": "wa-b-verify",
    "whatsapp_access_token": "wa-b-access-token",
    "whatsapp_phone_number_id": "200000000000002",
}
OVERRIDES = {
    "telegram-kids": KIDS,
    "whatsapp-b": WA_B,
    "messenger-b": {"messenger_page_access_token": "fb-b-page-token"},
    "sms-b": {
        "twilio_account_sid": "AC22222222222222222222222222222222",
        "twilio_auth_token": "twilio-b-token",
    },
}


@pytest.fixture
def messaging_settings(messaging_settings: MessagingSettings) -> MessagingSettings:
    """The suite's settings (defaults for the plain channels) plus the overrides above."""
    return messaging_settings.model_copy(update={"messaging_channels": OVERRIDES})


@pytest.fixture
async def second_channels(sessions: Sessions) -> None:
    async with unit_of_work(sessions) as session:
        for code, kind in (
            ("telegram-kids", "telegram"),
            ("whatsapp-b", "whatsapp"),
            ("sms-b", "sms"),
        ):
            await channels.create(
                session=session,
                data=ChannelCreate(
                    code=code,
                    name=code,
                    kind=kind,  # type: ignore[arg-type]
                    currency="RUB",
                    default_locale="ru",
                    country="RU",
                ),
            )


def tg_headers(secret: str) -> dict[str, str]:
    return {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}


def wa_headers(body: bytes, secret: str) -> dict[str, str]:
    return {"X-Hub-Signature-256": meta_signature(body, secret), "Content-Type": "application/json"}


async def test_a_second_bot_accepts_its_own_secret_and_refuses_the_default_one(
    chat: httpx.AsyncClient, sessions: Sessions, second_channels: None
) -> None:
    url = "/webhooks/telegram/telegram-kids"
    refused = await chat.post(
        url, content=raw("telegram_text"), headers=tg_headers("tg-secret-for-tests")
    )
    assert refused.status_code == 403
    assert await inbound_of(sessions, "telegram-kids", TG_USER) == []
    # Nor does the default bot take the second bot's secret.
    other = await chat.post(
        "/webhooks/telegram/telegram",
        content=raw("telegram_text"),
        headers=tg_headers("kids-secret"),
    )
    assert other.status_code == 403
    assert await inbound_of(sessions, "telegram", TG_USER) == []

    accepted = await chat.post(url, content=raw("telegram_text"), headers=tg_headers("kids-secret"))
    assert accepted.status_code == 200, accepted.text
    (stored,) = await inbound_of(sessions, "telegram-kids", TG_USER)
    assert stored.body["text"] == "ищу кроссовки 42 размер"


async def test_a_second_bot_sends_with_its_own_token_and_the_first_with_the_default(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms, second_channels: None
) -> None:
    await chat.post(
        "/webhooks/telegram/telegram-kids",
        content=raw("telegram_text"),
        headers=tg_headers("kids-secret"),
    )
    await chat.post(
        "/webhooks/telegram/telegram",
        content=raw("telegram_text"),
        headers=tg_headers("tg-secret-for-tests"),
    )
    await reply(sessions, "telegram-kids", TG_USER, wire.OutboundContent(text="для детей"))
    await reply(sessions, "telegram", TG_USER, wire.OutboundContent(text="для всех"))
    paths = {(c.json or {}).get("text"): c.path for c in platforms.calls}
    assert paths["для детей"] == "/bot777000:KIDS-TOKEN/sendMessage"
    assert paths["для всех"] == "/bot123456:TEST-TOKEN/sendMessage"


async def test_a_second_number_verifies_with_its_own_app_secret_and_verify_token(
    chat: httpx.AsyncClient, sessions: Sessions, second_channels: None
) -> None:
    url = "/webhooks/whatsapp/whatsapp-b"
    query = {"hub.mode": "subscribe", "hub.verify_token": "wa-b-verify", "hub.challenge": "42"}
    ok = await chat.get(url, params=query)
    assert (ok.status_code, ok.text) == (200, "42")
    default_token = query | {"hub.verify_token": "wa-verify"}
    assert (await chat.get(url, params=default_token)).status_code == 403

    body = raw("whatsapp_text")
    assert (
        await chat.post(url, content=body, headers=wa_headers(body, "wa-app-secret"))
    ).status_code == 403
    assert await inbound_of(sessions, "whatsapp-b", WA_USER) == []
    wrong_way = await chat.post(
        "/webhooks/whatsapp/whatsapp", content=body, headers=wa_headers(body, "wa-b-app-secret")
    )
    assert wrong_way.status_code == 403

    accepted = await chat.post(url, content=body, headers=wa_headers(body, "wa-b-app-secret"))
    assert accepted.status_code == 200, accepted.text
    assert len(await inbound_of(sessions, "whatsapp-b", WA_USER)) == 1


async def test_a_second_number_sends_from_its_own_phone_number_id_and_token(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms, second_channels: None
) -> None:
    body = raw("whatsapp_text")
    await chat.post(
        "/webhooks/whatsapp/whatsapp-b", content=body, headers=wa_headers(body, "wa-b-app-secret")
    )
    sent = await reply(sessions, "whatsapp-b", WA_USER, wire.OutboundContent(text="номер B"))
    assert sent.status == "sent"
    (call,) = [
        c for c in platforms.calls if (c.json or {}).get("text", {}).get("body") == "номер B"
    ]
    assert call.path == "/v23.0/200000000000002/messages"
    assert call.headers["Authorization"] == "Bearer wa-b-access-token"


async def test_a_second_twilio_account_signs_its_own_webhook(
    chat: httpx.AsyncClient, sessions: Sessions, second_channels: None
) -> None:
    form = load("sms_inbound")
    path = "/webhooks/sms/sms-b"

    def signed(token: str) -> dict[str, str]:
        return {"X-Twilio-Signature": twilio_signature(BASE_URL + path, form, token)}

    assert (await chat.post(path, data=form, headers=signed("twilio-token"))).status_code == 403
    assert await inbound_of(sessions, "sms-b", "+14155550123") == []
    accepted = await chat.post(path, data=form, headers=signed("twilio-b-token"))
    assert accepted.status_code == 200, accepted.text
    assert len(await inbound_of(sessions, "sms-b", "+14155550123")) == 1


def _message(platform: str, channel: str, recipient: str) -> wire.OutboundMessage:
    return wire.OutboundMessage(
        message_id=uuid.uuid4(),
        platform=platform,  # type: ignore[arg-type]
        channel_code=channel,
        recipient_id=recipient,
        text="hi",
    )


async def test_messenger_and_sms_channels_send_with_their_own_page_and_account(
    platforms: FakePlatforms, messaging_settings: MessagingSettings
) -> None:
    messenger = messenger_sender(messaging_settings)
    sms = sms_sender(messaging_settings)
    assert (await messenger(_message("messenger", "messenger-b", "6254"))).ok
    assert (await messenger(_message("messenger", "messenger", "6254"))).ok
    assert (await sms(_message("sms", "sms-b", "+995555123456"))).ok
    assert (await sms(_message("sms", "sms", "+995555123456"))).ok
    page_b, page, sms_b, sms_default = platforms.calls
    assert page_b.headers["Authorization"] == "Bearer fb-b-page-token"
    assert page.headers["Authorization"] == "Bearer fb-page-token"
    assert sms_b.path == "/2010-04-01/Accounts/AC22222222222222222222222222222222/Messages.json"
    assert (
        sms_default.path == "/2010-04-01/Accounts/AC11111111111111111111111111111111/Messages.json"
    )


async def test_a_photo_is_fetched_with_the_bot_that_received_it(
    platforms: FakePlatforms, messaging_settings: MessagingSettings
) -> None:
    got = await media.fetch(
        platform="telegram",
        media={"media_id": "AgACAgIAAxkBAAIBsmZlarge"},
        settings=messaging_settings,
        channel_code="telegram-kids",
    )
    assert got.content
    assert platforms.calls[0].path == "/bot777000:KIDS-TOKEN/getFile"


def test_an_unknown_override_field_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError, match="telegram_bot_tokn"):
        MessagingSettings(messaging_channels={"telegram-kids": {"telegram_bot_tokn": "x"}})
    with pytest.raises(ValidationError, match="base_url"):  # not a platform field
        MessagingSettings(messaging_channels={"telegram-kids": {"base_url": "http://x"}})
    with pytest.raises(ValidationError, match="not a channel code"):
        MessagingSettings(messaging_channels={"Kids Bot": {"telegram_bot_token": "x"}})


def test_overrides_come_from_the_environment_and_bad_ones_fail_at_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "OMNISHOP_MESSAGING_CHANNELS", '{"telegram-kids": {"telegram_bot_token": "9:KIDS"}}'
    )
    loaded = MessagingSettings()
    assert loaded.for_channel("telegram-kids").telegram_bot_token == "9:KIDS"
    assert loaded.for_channel("telegram").telegram_bot_token == loaded.telegram_bot_token
    assert loaded.for_channel("telegram-kids").telegram_secret_token == loaded.telegram_secret_token
    monkeypatch.setenv("OMNISHOP_MESSAGING_CHANNELS", '{"telegram-kids": {"secret": "x"}}')
    with pytest.raises(ValidationError, match="'secret'"):
        MessagingSettings()
    monkeypatch.setenv(
        "OMNISHOP_MESSAGING_CHANNELS", '{"telegram-kids": {"telegram_bot_token": 5}}'
    )
    with pytest.raises(ValidationError):
        MessagingSettings()

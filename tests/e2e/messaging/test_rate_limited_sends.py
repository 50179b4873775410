"""Platforms' rate limits: a 429 says how long to wait (Telegram ``parameters.retry_after``,
Twilio ``Retry-After``, Meta's ``X-Business-Use-Case-Usage``), and the outbox does not call
the platform again before that moment."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import jobs, wire
from omnishop.conversations.models import Message
from omnishop.kernel import clock, outbox
from omnishop.kernel.db import unit_of_work
from omnishop.messaging.config import MessagingSettings
from omnishop.messaging.sms.send import make_sender as sms_sender
from tests.e2e.messaging.conftest import FakePlatforms, meta_signature, raw, reply

Sessions = async_sessionmaker[AsyncSession]
TG_HEADERS = {
    "X-Telegram-Bot-Api-Secret-Token": "tg-secret-for-tests",
    "Content-Type": "application/json",
}


async def _row(sessions: Sessions, message_id: uuid.UUID) -> tuple[str, datetime | None, int]:
    async with unit_of_work(sessions, writes=False) as session:
        row = await session.get(Message, message_id)
        assert row is not None
        return row.status, row.next_attempt_at, row.attempts


async def _retry_at(sessions: Sessions, at: datetime) -> int:
    """The scheduler's pass at ``at``, then the outbox: how many sends were queued again."""
    clock.freeze(at)
    async with unit_of_work(sessions) as session:
        requeued = await jobs.retry_sends(session)
    await outbox.drain(sessions)
    return requeued


def _as_utc(value: datetime | None) -> datetime:
    assert value is not None
    return value if value.tzinfo else value.replace(tzinfo=clock.now().tzinfo)


async def test_telegram_retry_after_is_honoured_and_nothing_is_called_before_it(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> None:
    await chat.post("/webhooks/telegram/telegram", content=raw("telegram_text"), headers=TG_HEADERS)
    for _ in range(3):  # whatever the bot answers goes out first
        await outbox.drain(sessions)
    limited = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 40",
        "parameters": {"retry_after": 40},
    }
    platforms.script = [(429, limited)]
    sent_at = clock.now()
    first = await reply(sessions, "telegram", "111222333", wire.OutboundContent(text="Минутку"))

    def tries() -> int:
        return sum(1 for c in platforms.calls if (c.json or {}).get("text") == "Минутку")

    status, next_at, attempts = await _row(sessions, first.id)
    assert (status, attempts, tries()) == ("retrying", 1, 1)
    # The back-off alone would be 5 s; Telegram asked for 40.
    assert _as_utc(next_at) == sent_at + timedelta(seconds=40)
    assert await _retry_at(sessions, sent_at + timedelta(seconds=39)) == 0
    assert tries() == 1 and (await _row(sessions, first.id))[0] == "retrying"
    assert await _retry_at(sessions, sent_at + timedelta(seconds=40)) == 1
    assert tries() == 2 and (await _row(sessions, first.id))[:1] == ("sent",)


async def test_a_whatsapp_rate_limit_waits_for_the_regained_access_meta_estimates(
    chat: httpx.AsyncClient, sessions: Sessions, platforms: FakePlatforms
) -> None:
    body = raw("whatsapp_text")
    headers = {
        "X-Hub-Signature-256": meta_signature(body, "wa-app-secret"),
        "Content-Type": "application/json",
    }
    await chat.post("/webhooks/whatsapp/whatsapp", content=body, headers=headers)
    for _ in range(3):
        await outbox.drain(sessions)
    usage = '{"102290129340398": [{"type": "whatsapp", "call_count": 100, "total_cputime": 3,'
    usage += ' "total_time": 5, "estimated_time_to_regain_access": 2}]}'
    error = {"error": {"message": "WhatsApp Business Account rate limit hit", "code": 80007}}
    platforms.script = [(400, error, {"X-Business-Use-Case-Usage": usage})]
    sent_at = clock.now()
    content = wire.OutboundContent(text="Сейчас")
    first = await reply(sessions, "whatsapp", "GE.13491208655302741918", content)
    status, next_at, _ = await _row(sessions, first.id)
    assert status == "retrying" and _as_utc(next_at) == sent_at + timedelta(minutes=2)
    assert await _retry_at(sessions, sent_at + timedelta(seconds=119)) == 0
    assert await _retry_at(sessions, sent_at + timedelta(seconds=120)) == 1
    assert (await _row(sessions, first.id))[0] == "sent"


async def test_twilio_retry_after_header_rides_on_the_result(platforms: FakePlatforms) -> None:
    send = sms_sender(MessagingSettings(twilio_api_base=platforms.url))
    message = wire.OutboundMessage(
        message_id=uuid.uuid4(),
        platform="sms",
        channel_code="sms",
        recipient_id="+995555123456",
        text="hi",
    )
    too_many = {"code": 20429, "message": "Too Many Requests", "status": 429}
    platforms.script = [(429, too_many, {"Retry-After": "20"}), (429, too_many)]
    result = await send(message)
    assert result.retryable and result.retry_after == 20
    plain = await send(message)  # no header: the back-off decides
    assert plain.retryable and plain.retry_after is None

"""Conversations core on SQLite and PostgreSQL: receive (dedupe, threads, identities never
merged on a claim, opt-out, delivery statuses), send through the outbox (retry, permanent
failure), the platform windows, and the bot's silence while a human holds the chat."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import consent, handoff, jobs, operators, service, wire
from omnishop.conversations.models import TRANSACTIONAL, Conversation, Message
from omnishop.conversations.wire import OutboundContent, SendResult
from omnishop.customers.models import Customer
from omnishop.kernel import clock, outbox
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import NotFound
from omnishop.kernel.outbox import OutboxEvent
from tests.integration.conversations_fixtures import (
    FakeSender,
    channel,
    inbound,
    operator,
)

pytestmark = pytest.mark.usefixtures("without_bot")

Sessions = async_sessionmaker[AsyncSession]
__all__ = ["jobs"]  # registers the handlers


@pytest.fixture
def fake() -> Iterator[FakeSender]:
    sender = FakeSender()
    saved = dict(wire._senders)
    for platform in ("telegram", "whatsapp", "messenger", "sms", "webchat"):
        wire.register_sender(platform, sender)
    yield sender
    wire._senders.clear()
    wire._senders.update(saved)


async def count(session: AsyncSession, model: type[Any], *where: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_redelivered_message_is_recognised_and_writes_nothing(
    session: AsyncSession,
) -> None:
    code = await channel(session, "telegram")
    message = inbound("telegram", code, "42", external_id="upd-1")

    first = await service.receive(session=session, message=message)
    events_after_first = await count(session, OutboxEvent)
    again = await service.receive(session=session, message=message)

    assert not first.duplicate and first.handled_by == "bot"
    assert again.duplicate and again.message_id == first.message_id
    assert await count(session, Message) == 1
    assert await count(session, OutboxEvent) == events_after_first


async def test_one_thread_per_sender_and_channel(session: AsyncSession) -> None:
    code = await channel(session, "telegram")
    a1 = await service.receive(session=session, message=inbound("telegram", code, "1"))
    a2 = await service.receive(session=session, message=inbound("telegram", code, "1"))
    b = await service.receive(session=session, message=inbound("telegram", code, "2"))

    assert a1.conversation_id == a2.conversation_id != b.conversation_id
    assert a1.conversation_id is not None
    thread = await service.history(session=session, conversation_id=a1.conversation_id)
    assert [m.direction for m in thread] == ["in", "in"]


async def test_an_unknown_channel_is_not_found(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await service.receive(session=session, message=inbound("telegram", "nope"))


async def test_a_claimed_phone_never_attaches_the_chat_to_that_customer(
    session: AsyncSession,
) -> None:
    known = Customer(phone="+995555123456", first_name="Nino")
    session.add(known)
    await session.flush()
    code = await channel(session, "whatsapp")

    got = await service.receive(
        session=session,
        message=inbound(
            "whatsapp", code, "GE.bsuid.1", profile={"phone": "+995555123456", "name": "Nino"}
        ),
    )

    assert got.customer_id is not None and got.customer_id != known.id
    conversation = await session.get(Conversation, got.conversation_id)
    assert conversation is not None and conversation.customer_id != known.id


async def test_stop_opts_out_and_start_opts_back_in_to_transactional(
    session: AsyncSession,
) -> None:
    code = await channel(session, "sms")
    start = await service.receive(
        session=session, message=inbound("sms", code, "+15550001", kind="opt_in", text="START")
    )
    conversation = await session.get(Conversation, start.conversation_id)
    assert conversation is not None and start.identity_id is not None
    ask = {
        "session": session,
        "channel_id": conversation.channel_id,
        "identity_id": start.identity_id,
        "purpose": TRANSACTIONAL,
    }
    assert await consent.opted_in(**ask)  # type: ignore[arg-type]

    await service.receive(
        session=session, message=inbound("sms", code, "+15550001", kind="opt_out", text="STOP")
    )
    assert not await consent.opted_in(**ask)  # type: ignore[arg-type]


async def test_a_queued_message_is_sent_once_with_its_platform_id(
    sessions: Sessions, fake: FakeSender
) -> None:
    async with unit_of_work(sessions) as session:
        code = await channel(session, "telegram")
        got = await service.receive(session=session, message=inbound("telegram", code, "7"))
        assert got.conversation_id is not None
        sent = await service.send(
            session=session,
            conversation_id=got.conversation_id,
            content=OutboundContent(text="hi", buttons=(wire.Button("More", payload="more"),)),
            author="bot",
        )

    await outbox.drain(sessions)
    await outbox.drain(sessions)

    assert len(fake.sent) == 1
    assert fake.sent[0].recipient_id == "7" and fake.sent[0].channel_code == code
    assert fake.sent[0].buttons == (wire.Button("More", payload="more"),)
    async with sessions() as session:
        row = await session.get(Message, sent.id)
        assert row is not None and row.status == "sent" and row.external_id == "ext-1"


async def test_a_retryable_failure_backs_off_then_succeeds_and_a_permanent_one_is_recorded(
    sessions: Sessions, fake: FakeSender
) -> None:
    start = clock.now()
    clock.freeze(start)
    fake.results = [
        SendResult(None, retryable=True, error="429"),
        SendResult("ok-2"),
        SendResult(None, retryable=False, error="blocked by user"),
    ]
    async with unit_of_work(sessions) as session:
        code = await channel(session, "telegram")
        got = await service.receive(session=session, message=inbound("telegram", code, "8"))
        assert got.conversation_id is not None
        first = await service.send(
            session=session,
            conversation_id=got.conversation_id,
            content=OutboundContent(text="one"),
            author="bot",
        )
    await outbox.drain(sessions)
    async with sessions() as session:
        row = await session.get(Message, first.id)
        assert row is not None and row.status == "retrying" and row.attempts == 1
        assert row.error == "429"

    async with unit_of_work(sessions) as session:  # not yet due: nothing happens
        assert await jobs.retry_sends(session) == 0
    clock.freeze(start + timedelta(seconds=6))
    async with unit_of_work(sessions) as session:
        assert await jobs.retry_sends(session) == 1
    await outbox.drain(sessions)
    async with unit_of_work(sessions) as session:
        row = await session.get(Message, first.id)
        assert row is not None and row.status == "sent" and row.attempts == 2
        second = await service.send(
            session=session,
            conversation_id=got.conversation_id,
            content=OutboundContent(text="two"),
            author="bot",
        )
    await outbox.drain(sessions)
    async with sessions() as session:
        row = await session.get(Message, second.id)
        assert row is not None and row.status == "failed" and row.error == "blocked by user"
    assert len(fake.sent) == 3


async def test_delivery_statuses_only_move_forward(sessions: Sessions, fake: FakeSender) -> None:
    async with unit_of_work(sessions) as session:
        code = await channel(session, "whatsapp")
        got = await service.receive(session=session, message=inbound("whatsapp", code, "w1"))
        assert got.conversation_id is not None
        sent = await service.send(
            session=session,
            conversation_id=got.conversation_id,
            content=OutboundContent(text="hi"),
            author="bot",
        )
    await outbox.drain(sessions)
    async with unit_of_work(sessions) as session:
        for status in ("read", "delivered"):
            await service.receive(
                session=session,
                message=inbound(
                    "whatsapp",
                    code,
                    "w1",
                    kind="status",
                    text=None,
                    status=status,
                    reply_to="ext-1",
                ),
            )
        row = await session.get(Message, sent.id)
        assert row is not None and row.status == "read"


async def test_whatsapp_outside_the_window_needs_the_template_the_trigger_chooses(
    session: AsyncSession,
) -> None:
    code = await channel(session, "whatsapp")
    then = clock.now() - timedelta(hours=25)
    got = await service.receive(
        session=session, message=inbound("whatsapp", code, "w2", sent_at=then)
    )
    assert got.conversation_id is not None
    info = await service.get(session=session, conversation_id=got.conversation_id)
    assert info.window == "closed"

    with pytest.raises(service.WindowClosed):
        await service.send(
            session=session,
            conversation_id=got.conversation_id,
            content=OutboundContent(text="hello?"),
            author="bot",
        )
    sent = await service.send(
        session=session,
        conversation_id=got.conversation_id,
        content=OutboundContent(text="Your order is on its way"),
        author="system",
        trigger="order_shipped",
    )
    assert sent.body["template"]["name"] == "order_shipped"


async def test_messenger_operator_reply_after_a_day_goes_with_the_human_agent_tag(
    session: AsyncSession,
) -> None:
    code = await channel(session, "messenger")
    then = clock.now() - timedelta(days=2)
    got = await service.receive(
        session=session, message=inbound("messenger", code, "psid1", sent_at=then)
    )
    assert got.conversation_id is not None
    staff_id = await operator(session)
    await handoff.take(session=session, conversation_id=got.conversation_id, staff_id=staff_id)

    sent = await service.send(
        session=session,
        conversation_id=got.conversation_id,
        content=OutboundContent(text="Sorry for the wait"),
        author="operator",
        staff_id=staff_id,
    )

    assert sent.body["template"]["tag"] == "HUMAN_AGENT"


async def test_the_bot_is_silent_while_a_human_holds_the_chat(session: AsyncSession) -> None:
    code = await channel(session, "telegram")
    got = await service.receive(session=session, message=inbound("telegram", code, "9"))
    cid = got.conversation_id
    assert cid is not None
    staff_id = await operator(session)
    await operators.set_operator(session=session, staff_id=staff_id, online=True)

    queued = await handoff.handoff(
        session=session, conversation_id=cid, reason="requested", summary="wants a human"
    )
    assert queued.status == "queued"
    with pytest.raises(service.BotSilenced):
        await service.send(
            session=session, conversation_id=cid, content=OutboundContent(text="x"), author="bot"
        )
    assert await handoff.assign_next(session=session) == staff_id
    with pytest.raises(service.BotSilenced):
        await service.send(
            session=session, conversation_id=cid, content=OutboundContent(text="x"), author="bot"
        )
    later = await service.receive(session=session, message=inbound("telegram", code, "9"))
    assert later.handled_by == "operator"
    other = await operator(session, "other")
    with pytest.raises(service.NotYourConversation):
        await service.send(
            session=session,
            conversation_id=cid,
            content=OutboundContent(text="me"),
            author="operator",
            staff_id=other,
        )
    await service.send(
        session=session,
        conversation_id=cid,
        content=OutboundContent(text="Hello, I am Ana"),
        author="operator",
        staff_id=staff_id,
    )

    back = await handoff.hand_back(session=session, conversation_id=cid, staff_id=staff_id)
    assert back.status == "bot"
    await service.send(
        session=session, conversation_id=cid, content=OutboundContent(text="ok"), author="bot"
    )
    metric_names = [
        e.payload["name"]
        for e in await session.scalars(
            select(OutboxEvent).where(OutboxEvent.topic == "conversations.metric")
        )
    ]
    assert {"handoff", "first_response", "reply"} <= set(metric_names)

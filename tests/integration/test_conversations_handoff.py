"""Handoff triggers, resolution and CSAT on both engines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import handoff, jobs, operators, service, wire
from omnishop.conversations.models import Conversation, Message
from omnishop.kernel import outbox
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import Conflict
from omnishop.kernel.outbox import OutboxEvent
from tests.integration.conversations_fixtures import (
    FakeSender,
    channel,
    inbound,
    operator,
)

pytestmark = pytest.mark.usefixtures("without_bot")

__all__ = ["jobs"]


@pytest.fixture
def fake() -> Iterator[FakeSender]:
    sender = FakeSender()
    saved = dict(wire._senders)
    wire.register_sender("telegram", sender)
    yield sender
    wire._senders.clear()
    wire._senders.update(saved)


async def test_not_understood_twice_hands_off_with_a_summary(session: AsyncSession) -> None:
    code = await channel(session, "telegram")
    texts = ["do you have the blue thing", "the one from the picture"]
    cid = None
    outcomes = []
    for text in texts:
        got = await service.receive(
            session=session, message=inbound("telegram", code, "h1", text=text)
        )
        cid = got.conversation_id
        assert cid is not None
        outcomes.append(
            await handoff.consider(
                session=session, conversation_id=cid, kind="text", text=text, confident=False
            )
        )
    assert outcomes[0] is None
    queued = outcomes[1]
    assert queued is not None and queued.status == "queued"
    assert queued.handoff_reason == "low_confidence"
    assert queued.handoff_summary == "\n".join(texts)


async def test_an_angry_message_or_a_photo_goes_to_a_person_at_once(session: AsyncSession) -> None:
    code = await channel(session, "telegram")
    angry = await service.receive(
        session=session, message=inbound("telegram", code, "h2", text="Это ужас!")
    )
    photo = await service.receive(
        session=session, message=inbound("telegram", code, "h3", kind="image", text=None)
    )
    assert angry.conversation_id and photo.conversation_id
    a = await handoff.consider(
        session=session,
        conversation_id=angry.conversation_id,
        kind="text",
        text="Это ужас!",
        confident=True,
    )
    p = await handoff.consider(
        session=session,
        conversation_id=photo.conversation_id,
        kind="image",
        text=None,
        confident=True,
    )
    assert a is not None and a.handoff_reason == "angry"
    assert p is not None and p.handoff_reason == "photo" and p.handoff_summary == "[image]"


async def test_resolving_frees_the_seat_asks_for_csat_and_records_the_answer_once(
    sessions: async_sessionmaker[AsyncSession], fake: FakeSender
) -> None:
    async with unit_of_work(sessions) as session:
        code = await channel(session, "telegram")
        got = await service.receive(session=session, message=inbound("telegram", code, "h4"))
        cid = got.conversation_id
        assert cid is not None
        staff_id = await operator(session)
        await operators.set_operator(session=session, staff_id=staff_id, online=True, capacity=1)
        await handoff.take(session=session, conversation_id=cid, staff_id=staff_id)
        with pytest.raises(Conflict):  # capacity 1: full
            other = await service.receive(session=session, message=inbound("telegram", code, "h5"))
            assert other.conversation_id is not None
            await handoff.take(
                session=session, conversation_id=other.conversation_id, staff_id=staff_id
            )
    async with unit_of_work(sessions) as session:
        resolved = await handoff.resolve(session=session, conversation_id=cid, staff_id=staff_id)
        assert resolved.status == "resolved"
        assert await operators.queue(session=session) == []
    await outbox.drain(sessions)
    question = fake.sent[-1]
    assert [b.payload for b in question.buttons] == [
        "csat:1",
        "csat:2",
        "csat:3",
        "csat:4",
        "csat:5",
    ]

    async with unit_of_work(sessions) as session:
        for payload in ("csat:5", "csat:1"):
            await service.receive(
                session=session,
                message=inbound("telegram", code, "h4", kind="button", text=None, payload=payload),
            )
    await outbox.drain(sessions)
    async with sessions() as session:
        conversation = await session.get(Conversation, cid)
        assert conversation is not None and conversation.csat == 5
        # A rating does not reopen the chat; a new question would.
        assert conversation.status == "resolved"
        metrics = [
            e.payload
            for e in await session.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == "conversations.metric")
            )
        ]
        names = [m["name"] for m in metrics]
        assert names.count("csat") == 1 and "resolution" in names
        profile = await operators.set_operator(session=session, staff_id=staff_id)
        assert profile.active_chats == 0
        out = await session.scalars(select(Message).where(Message.author == "system"))
        assert len(list(out)) == 1

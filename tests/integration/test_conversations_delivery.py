"""Sending: the worker calls the platforms for different chats at once (a slow platform call
does not hold the others back) and keeps each chat's messages in order."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import jobs, service, wire
from omnishop.conversations.models import Message
from omnishop.conversations.wire import OutboundContent
from omnishop.kernel import outbox
from omnishop.kernel.db import unit_of_work
from tests.integration.conversations_fixtures import channel, inbound

pytestmark = pytest.mark.usefixtures("without_bot")
__all__ = ["jobs"]  # registers the handlers


class SlowPlatform:
    """Chat "a"'s first send waits until a send to chat "b" has started: sequential sends
    would never get there (the test's timeout fails them)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.b_started = asyncio.Event()

    async def __call__(self, message: wire.OutboundMessage) -> wire.SendResult:
        self.calls.append((message.recipient_id, message.text or ""))
        if message.recipient_id == "b":
            self.b_started.set()
        if message.text == "a1":
            await asyncio.wait_for(self.b_started.wait(), 5)
        return wire.SendResult(external_id=f"ext-{message.message_id}")


@pytest.fixture
def platform() -> Iterator[SlowPlatform]:
    fake = SlowPlatform()
    saved = dict(wire._senders)
    wire.register_sender("telegram", fake)
    yield fake
    wire._senders.clear()
    wire._senders.update(saved)


async def test_chats_are_sent_at_once_each_in_its_own_order(
    sessions: async_sessionmaker[AsyncSession], platform: SlowPlatform
) -> None:
    async with unit_of_work(sessions) as session:
        code = await channel(session, "telegram")
        a = await service.receive(session=session, message=inbound("telegram", code, "a"))
        b = await service.receive(session=session, message=inbound("telegram", code, "b"))
        for text, chat in (("a1", a), ("a2", a), ("b1", b), ("a3", a)):
            assert chat.conversation_id is not None
            await service.send(
                session=session,
                conversation_id=chat.conversation_id,
                content=OutboundContent(text=text),
                author="bot",
            )

    await outbox.drain(sessions)

    assert [text for who, text in platform.calls if who == "a"] == ["a1", "a2", "a3"]
    assert platform.calls.index(("b", "b1")) < platform.calls.index(("a", "a2"))
    async with sessions() as session:
        statuses = set(
            await session.scalars(select(Message.status).where(Message.direction == "out"))
        )
    assert statuses == {"sent"}

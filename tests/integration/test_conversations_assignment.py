"""Assignment under real concurrency (committed transactions, many connections, both
engines): racing workers never assign one chat twice nor fill an operator past capacity;
a silent operator's chat moves to another."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omnishop.conversations import handoff, jobs, operators, service
from omnishop.conversations.models import Conversation, Message, OperatorProfile
from omnishop.kernel import clock, outbox
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.kernel.outbox import OutboxEvent
from tests.integration.conversations_fixtures import channel, inbound, operator

pytestmark = pytest.mark.usefixtures("without_bot")

CHATS = 6
WORKERS = 8


async def queued_chats(factory: async_sessionmaker[AsyncSession], n: int) -> list[uuid.UUID]:
    async with unit_of_work(factory) as session:
        code = await channel(session, "telegram")
        ids = []
        for i in range(n):
            got = await service.receive(session=session, message=inbound("telegram", code, f"c{i}"))
            assert got.conversation_id is not None
            await handoff.handoff(
                session=session, conversation_id=got.conversation_id, reason="requested", summary=""
            )
            ids.append(got.conversation_id)
    return ids


async def test_racing_workers_never_exceed_capacity_nor_assign_a_chat_twice(
    fresh_engine: AsyncEngine,
) -> None:
    factory = make_sessionmaker(fresh_engine)
    async with unit_of_work(factory) as session:
        a = await operator(session, "a")
        b = await operator(session, "b")
        await operators.set_operator(session=session, staff_id=a, online=True, capacity=2)
        await operators.set_operator(session=session, staff_id=b, online=True, capacity=1)
    await queued_chats(factory, CHATS)

    async def worker() -> list[Any]:
        won = []
        for _ in range(CHATS):
            try:
                async with unit_of_work(factory) as session:
                    staff = await handoff.assign_next(session=session)
            except DBAPIError:  # a deadlock/serialization loser just tries again later
                continue
            if staff is not None:
                won.append(staff)
        return won

    results = await asyncio.gather(*(worker() for _ in range(WORKERS)))

    async with factory() as session:
        assigned = list(
            await session.execute(
                select(Conversation.assigned_staff_id, func.count())
                .where(Conversation.status == "assigned")
                .group_by(Conversation.assigned_staff_id)
            )
        )
        seats = {p.staff_id: p.active_chats for p in await session.scalars(select(OperatorProfile))}
        events = await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.topic == "conversations.assigned")
        )
    held = dict(assigned)
    assert held == {a: 2, b: 1}
    assert seats == {a: 2, b: 1}
    assert sum(len(r) for r in results) == 3 == events


async def test_a_silent_operator_loses_the_chat_to_a_free_one(fresh_engine: AsyncEngine) -> None:
    factory = make_sessionmaker(fresh_engine)
    start = clock.now()
    clock.freeze(start)
    async with unit_of_work(factory) as session:
        a = await operator(session, "a")
        await operators.set_operator(session=session, staff_id=a, online=True)
    [cid] = await queued_chats(factory, 1)
    async with unit_of_work(factory) as session:
        assert await handoff.assign_next(session=session) == a
        b = await operator(session, "b")
        await operators.set_operator(session=session, staff_id=b, online=True)

    clock.freeze(start + timedelta(minutes=3))
    async with unit_of_work(factory) as session:
        assert await handoff.reassign_stale(session=session) == 0
    clock.freeze(start + timedelta(minutes=6))
    async with unit_of_work(factory) as session:
        assert await handoff.reassign_stale(session=session) == 1
    async with factory() as session:
        conversation = await session.get(Conversation, cid)
        assert conversation is not None and conversation.assigned_staff_id == b
        seats = {p.staff_id: p.active_chats for p in await session.scalars(select(OperatorProfile))}
        assert seats == {a: 0, b: 1}
    await outbox.drain(factory)


async def test_parallel_redeliveries_store_one_message_in_one_thread(
    fresh_engine: AsyncEngine,
) -> None:
    factory = make_sessionmaker(fresh_engine)
    async with unit_of_work(factory) as session:
        code = await channel(session, "whatsapp")
    message = inbound("whatsapp", code, "bsuid-race", external_id="wamid.race")

    async def deliver() -> bool | None:
        try:
            async with unit_of_work(factory) as session:
                got = await service.receive(session=session, message=message)
        except DBAPIError:  # the platform would retry a 5xx; the row exists or will
            return None
        return got.duplicate

    outcomes = await asyncio.gather(*(deliver() for _ in range(WORKERS)))

    assert outcomes.count(False) == 1
    async with factory() as session:
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 1
        assert await session.scalar(select(func.count()).select_from(Message)) == 1


async def test_a_chat_nobody_can_take_does_not_block_the_queue(fresh_engine: AsyncEngine) -> None:
    factory = make_sessionmaker(fresh_engine)
    async with unit_of_work(factory) as session:
        code = await channel(session, "telegram")
        ka = await service.receive(
            session=session,
            message=inbound("telegram", code, "ka-1", profile={"language_code": "ka"}),
        )
        ru = await service.receive(
            session=session,
            message=inbound("telegram", code, "ru-1", profile={"language_code": "ru"}),
        )
        for got in (ka, ru):
            assert got.conversation_id is not None
            await handoff.handoff(
                session=session, conversation_id=got.conversation_id, reason="requested", summary=""
            )
        staff = await operator(session, "ru")
        await operators.set_operator(session=session, staff_id=staff, online=True, languages=["ru"])
    async with unit_of_work(factory) as session:
        assert await jobs.assign_waiting(session) == 1
    async with factory() as session:
        waiting = await operators.queue(session=session)
        assert [c.id for c in waiting] == [ka.conversation_id]

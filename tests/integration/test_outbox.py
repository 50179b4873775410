"""The outbox delivers an event only if its transaction committed, retries failures, and
never runs a handled event twice."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel import events, outbox
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.outbox import OutboxEvent


@events.event
@dataclasses.dataclass(frozen=True)
class Pinged(events.Event):
    topic = "test.pinged"
    thing_id: uuid.UUID


seen: list[uuid.UUID] = []
failures_left = {"count": 0}


async def remember(session: AsyncSession, event: Pinged) -> None:
    if failures_left["count"] > 0:
        failures_left["count"] -= 1
        raise RuntimeError("downstream is down")
    seen.append(event.thing_id)


@pytest.fixture(autouse=True)
def handler() -> Iterator[None]:
    events.HANDLERS.setdefault(Pinged.topic, []).append(remember)
    seen.clear()
    yield
    events.HANDLERS[Pinged.topic].remove(remember)
    failures_left["count"] = 0


async def test_committed_event_is_delivered_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    thing = uuid.uuid4()
    async with unit_of_work(sessions) as session:
        await outbox.emit(session, Pinged(thing_id=thing))

    first = await outbox.drain(sessions)
    second = await outbox.drain(sessions)

    assert seen == [thing]
    assert (first, second) == (1, 0)


async def test_rolled_back_change_announces_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.raises(ZeroDivisionError):
        async with unit_of_work(sessions) as session:
            await outbox.emit(session, Pinged(thing_id=uuid.uuid4()))
            _ = 1 / 0

    await outbox.drain(sessions)

    assert seen == []


async def test_failed_handler_backs_off_and_keeps_the_error(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    failures_left["count"] = 1
    async with unit_of_work(sessions) as session:
        await outbox.emit(session, Pinged(thing_id=uuid.uuid4()))

    handled = await outbox.drain(sessions)

    async with sessions() as session:
        row = (await session.scalars(select(OutboxEvent))).one()
    assert handled == 0
    assert seen == []
    assert row.attempts == 1 and row.processed_at is None
    assert row.last_error is not None and "downstream is down" in row.last_error
    assert row.available_at > row.created_at

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


batches: list[list[uuid.UUID]] = []


async def remember_batch(session: AsyncSession, items: list[events.Event]) -> None:
    things = [item.thing_id for item in items if isinstance(item, Pinged)]
    if poisoned & set(things):
        raise RuntimeError("poisoned event")
    batches.append(things)


poisoned: set[uuid.UUID] = set()


@pytest.fixture
def batch_handler() -> Iterator[None]:
    events.BATCH_HANDLERS.setdefault(Pinged.topic, []).append(remember_batch)
    batches.clear()
    yield
    events.BATCH_HANDLERS[Pinged.topic].remove(remember_batch)
    poisoned.clear()


@pytest.mark.usefixtures("batch_handler")
async def test_a_burst_reaches_a_batch_handler_in_one_call(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    things = [uuid.uuid4() for _ in range(5)]
    async with unit_of_work(sessions) as session:
        for thing in things:
            await outbox.emit(session, Pinged(thing_id=thing))

    handled = await outbox.drain(sessions)

    assert handled == 5
    assert batches == [things]


@pytest.mark.usefixtures("batch_handler")
async def test_one_poisoned_event_does_not_hold_back_the_rest(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    things = [uuid.uuid4() for _ in range(3)]
    poisoned.add(things[1])
    async with unit_of_work(sessions) as session:
        for thing in things:
            await outbox.emit(session, Pinged(thing_id=thing))

    handled = await outbox.drain(sessions)

    async with sessions() as session:
        failed = (await session.scalars(select(OutboxEvent).where(OutboxEvent.attempts == 1))).all()
    assert handled == 2
    assert batches == [[things[0]], [things[2]]]
    assert [row.payload["thing_id"] for row in failed] == [str(things[1])]

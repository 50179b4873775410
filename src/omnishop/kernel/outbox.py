"""The transactional outbox: events are rows written in the same transaction as the change.

The worker claims due rows with a conditional UPDATE (safe with many worker processes on
PostgreSQL and with SQLite's single writer), runs the registered handlers in a fresh unit of
work, and marks the row done; failures back off and retry, then park as dead letters.

A commit that wrote events broadcasts a wake-up on the ``outbox`` realtime channel, so an idle
worker starts at once instead of at its next poll (the poll stays as the safety net: a lost
wake-up, or a worker in another process on ``memory://``, only waits for it).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, Text, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock, ids, realtime, schedule, wakeup
from omnishop.kernel.db import Base, unit_of_work
from omnishop.kernel.events import BATCH_HANDLERS, Event, decode, dispatch
from omnishop.kernel.logging import get_logger

log = get_logger(__name__)
MAX_ATTEMPTS = 10
LEASE = timedelta(seconds=60)
WAKE_CHANNEL = "outbox"


class OutboxEvent(Base):
    __tablename__ = "outbox_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=ids.new_id)
    topic: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    available_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    locked_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    processed_at: Mapped[datetime | None] = mapped_column(index=True)
    dead: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(Text)


async def emit(session: AsyncSession, event: Event) -> None:
    """Add an event to the caller's transaction: it exists only if the change commits."""
    session.add(OutboxEvent(topic=event.topic, payload=event.to_payload()))
    realtime.nudge_after_commit(session, WAKE_CHANNEL)


async def _claim(session: AsyncSession, limit: int) -> list[uuid.UUID]:
    now = clock.now()
    due = (
        select(OutboxEvent.id)
        .where(
            OutboxEvent.processed_at.is_(None),
            OutboxEvent.dead.is_(False),
            OutboxEvent.available_at <= now,
            or_(OutboxEvent.locked_until.is_(None), OutboxEvent.locked_until < now),
        )
        .order_by(OutboxEvent.available_at, OutboxEvent.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Several workers: each takes rows no other transaction holds, without waiting.
        claimed = list(await session.scalars(due.with_for_update(skip_locked=True)))
        if claimed:
            await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(claimed))
                .values(locked_until=now + LEASE)
            )
        return claimed
    # SQLite has one writer at a time; the conditional UPDATE keeps a lease exclusive and
    # RETURNING says which rows this worker won.
    candidates = list(await session.scalars(due))
    if not candidates:
        return []
    won = await session.scalars(
        update(OutboxEvent)
        .where(
            OutboxEvent.id.in_(candidates),
            or_(OutboxEvent.locked_until.is_(None), OutboxEvent.locked_until < now),
        )
        .values(locked_until=now + LEASE)
        .returning(OutboxEvent.id)
    )
    return list(won)


async def _handle(
    factory: async_sessionmaker[AsyncSession], rows: list[tuple[uuid.UUID, Event]]
) -> None:
    """Run the handlers of these events and mark them done, in one transaction."""
    async with unit_of_work(factory) as session:
        await dispatch(session, rows)
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_([event_id for event_id, _ in rows]))
            .values(processed_at=clock.now(), locked_until=None)
        )


async def _failed(
    factory: async_sessionmaker[AsyncSession], event_id: uuid.UUID, topic: str, exc: Exception
) -> None:
    log.warning("outbox handler failed", topic=topic, event_id=str(event_id), error=repr(exc))
    async with unit_of_work(factory) as session:
        row = await session.get(OutboxEvent, event_id)
        if row is not None:
            row.attempts += 1
            row.last_error = repr(exc)[:2000]
            row.locked_until = None
            row.dead = row.attempts >= MAX_ATTEMPTS
            row.available_at = clock.now() + timedelta(seconds=min(2**row.attempts, 3600))


async def _run(factory: async_sessionmaker[AsyncSession], claimed: list[uuid.UUID]) -> int:
    """Handle claimed events: those a batch handler coalesces (a burst of product changes is
    one re-index) together, every other one in a transaction of its own, so a slow handler
    (a bot's turn) never holds the row locks of the next ones' changes for the whole batch
    (a webhook updating the same chat would wait on them)."""
    async with unit_of_work(factory) as session:
        rows = list(
            await session.execute(
                select(OutboxEvent.id, OutboxEvent.topic, OutboxEvent.payload)
                .where(OutboxEvent.id.in_(claimed), OutboxEvent.processed_at.is_(None))
                .order_by(OutboxEvent.available_at, OutboxEvent.id)
            )
        )
    items = [(event_id, decode(topic, dict(payload))) for event_id, topic, payload in rows]
    together = [item for item in items if item[1].topic in BATCH_HANDLERS]
    groups = [together] if together else []
    groups += [[item] for item in items if item[1].topic not in BATCH_HANDLERS]
    done = 0
    for group in groups:
        done += await _run_group(factory, group)
    return done


async def _run_group(
    factory: async_sessionmaker[AsyncSession], items: list[tuple[uuid.UUID, Event]]
) -> int:
    """Handle the events together; if that fails, one at a time, so one bad event cannot
    hold back the others."""
    try:
        await _handle(factory, items)
        return len(items)
    except Exception as exc:
        if len(items) == 1:
            await _failed(factory, items[0][0], items[0][1].topic, exc)
            return 0
    done = 0
    for item in items:
        try:
            await _handle(factory, [item])
            done += 1
        except Exception as exc:
            await _failed(factory, item[0], item[1].topic, exc)
    return done


async def drain(factory: async_sessionmaker[AsyncSession], *, batch: int = 500) -> int:
    """Process every due event once; returns how many were handled successfully."""
    done = 0
    while True:
        async with unit_of_work(factory) as session:
            claimed = await _claim(session, batch)
        if not claimed:
            return done
        done += await _run(factory, claimed)


async def run_forever(factory: async_sessionmaker[AsyncSession], *, poll_seconds: float) -> None:
    """The worker loop: drain, run due periodic jobs, then wait for a commit's wake-up (or
    ``poll_seconds``), repeat until cancelled."""
    log.info("worker started")
    async with wakeup.listening(WAKE_CHANNEL) as woken:
        while True:
            try:
                await drain(factory)
                await schedule.run_due(factory)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep the worker alive across a database hiccup
                log.error("worker drain failed", error=repr(exc))
            await woken.wait(poll_seconds)

"""After-commit callbacks (kernel.db) and the outbox worker's wake-up on commit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel import outbox, realtime
from omnishop.kernel.db import after_commit, step_outside, unit_of_work
from omnishop.kernel.events import Event, event, handles


@event
@dataclass(frozen=True)
class Pinged(Event):
    topic = "test.after_commit.pinged"
    n: int


HANDLED: list[int] = []


@handles(Pinged)
async def _record(session: AsyncSession, item: Pinged) -> None:
    HANDLED.append(item.n)


@pytest.fixture
def memory() -> Iterator[realtime.Realtime]:
    yield realtime.configure("memory://")


async def test_callbacks_run_once_the_transaction_commits(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    calls: list[str] = []

    async def note(name: str) -> None:
        calls.append(name)

    async with unit_of_work(sessions) as session:
        after_commit(session, lambda: note("a"))
        after_commit(session, lambda: note("b"), key="once")
        after_commit(session, lambda: note("b again"), key="once")  # the key dedupes
        assert calls == []

    assert calls == ["a", "b"]


async def test_callbacks_never_run_when_it_rolls_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    calls: list[str] = []

    async def note() -> None:
        calls.append("ran")

    with pytest.raises(ValueError):
        async with unit_of_work(sessions) as session:
            after_commit(session, note)
            raise ValueError("failed")
    async with unit_of_work(sessions) as session:
        pass  # a later transaction on a new session does not inherit them

    assert calls == []


async def test_a_failing_callback_is_logged_not_raised(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    calls: list[str] = []

    async def broken() -> None:
        raise ConnectionError("broadcaster down")

    async def fine() -> None:
        calls.append("fine")

    async with unit_of_work(sessions) as session:
        after_commit(session, broken)
        after_commit(session, fine)

    assert calls == ["fine"]


async def test_step_outside_runs_the_callbacks_of_what_it_committed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    calls: list[str] = []

    async def note() -> None:
        calls.append("ran")

    async with unit_of_work(sessions) as session:
        after_commit(session, note)
        await step_outside(session)
        assert calls == ["ran"]


async def test_a_commit_with_events_wakes_the_idle_worker(
    sessions: async_sessionmaker[AsyncSession], memory: realtime.Realtime
) -> None:
    """The worker polls once an hour here: only the commit's wake-up can make it handle the
    event within the test's wait."""
    await outbox.drain(sessions)
    HANDLED.clear()
    worker = asyncio.create_task(outbox.run_forever(sessions, poll_seconds=3600))
    try:
        await asyncio.sleep(0.2)  # the worker drained and now waits
        async with unit_of_work(sessions) as session:
            await outbox.emit(session, Pinged(n=7))
        for _ in range(100):
            if HANDLED:
                break
            await asyncio.sleep(0.05)
    finally:
        worker.cancel()
        with pytest.raises(asyncio.CancelledError):
            await worker

    assert HANDLED == [7]

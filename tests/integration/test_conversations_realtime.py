"""Realtime: the inbox hears about a customer's message as soon as it is committed (before the
worker's bot turn), never about one rolled back; with Redis, a subscriber in another
'process' (its own connection) hears it too."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import jobs, live, service
from omnishop.kernel import outbox, realtime
from omnishop.kernel.db import unit_of_work
from tests.integration.conversations_fixtures import channel, inbound

pytestmark = pytest.mark.usefixtures("without_bot")

REDIS_URL = "redis://127.0.0.1:6379/0"
__all__ = ["jobs"]


@pytest.fixture
def memory() -> Iterator[realtime.Realtime]:
    live = realtime.configure("memory://")
    yield live


async def first(live: realtime.Realtime, channel_name: str, ready: asyncio.Event) -> dict[str, Any]:
    async with live.subscribe(channel_name) as messages:
        ready.set()
        async for message in messages:
            return message
    raise AssertionError("no message")


async def test_the_thread_and_the_inbox_hear_a_new_message_when_it_commits(
    sessions: async_sessionmaker[AsyncSession], memory: realtime.Realtime
) -> None:
    async with unit_of_work(sessions) as session:
        code = await channel(session, "telegram")
        first_words = await service.receive(
            session=session, message=inbound("telegram", code, "r1", text="hello")
        )
    assert first_words.conversation_id is not None
    thread_ready, inbox_ready = asyncio.Event(), asyncio.Event()
    thread = asyncio.create_task(
        first(memory, live.conversation_channel(first_words.conversation_id), thread_ready)
    )
    inbox = asyncio.create_task(first(memory, live.inbox_channel(), inbox_ready))
    await asyncio.gather(thread_ready.wait(), inbox_ready.wait())
    await asyncio.sleep(live_gap())  # the first message's inbox nudge is out of the window
    async with unit_of_work(sessions) as session:
        got = await service.receive(
            session=session, message=inbound("telegram", code, "r1", text="hi there")
        )
        await asyncio.sleep(0.05)
        assert not thread.done() and not inbox.done()  # nothing while the transaction is open

    heard = await asyncio.wait_for(thread, 5)  # no worker ran: the commit announced it
    nudged = await asyncio.wait_for(inbox, 5)

    assert heard["type"] == "message" and heard["message_id"] == str(got.message_id)
    assert heard["body"]["text"] == "hi there" and heard["direction"] == "in"
    assert nudged == {}  # the inbox re-reads its lists
    await outbox.drain(sessions)  # the worker does not announce it a second time


async def test_a_rolled_back_message_is_never_announced(
    sessions: async_sessionmaker[AsyncSession], memory: realtime.Realtime
) -> None:
    async with unit_of_work(sessions) as session:
        code = await channel(session, "telegram")
    ready = asyncio.Event()
    listener = asyncio.create_task(first(memory, live.inbox_channel(), ready))
    await ready.wait()
    await asyncio.sleep(live_gap())
    with pytest.raises(RuntimeError):
        async with unit_of_work(sessions) as session:
            await service.receive(
                session=session, message=inbound("telegram", code, "r2", text="lost")
            )
            raise RuntimeError("the request failed after receive")
    await asyncio.sleep(live_gap() * 2)

    assert not listener.done()
    listener.cancel()


async def test_a_burst_of_nudges_becomes_a_few_and_the_last_is_never_lost(
    memory: realtime.Realtime,
) -> None:
    heard: list[float] = []
    ready = asyncio.Event()

    async def listen() -> None:
        async with memory.subscribe("burst") as messages:
            ready.set()
            async for _ in messages:
                heard.append(asyncio.get_running_loop().time())

    listener = asyncio.create_task(listen())
    await ready.wait()
    for _ in range(100):
        await memory.nudge("burst", every=0.5)
    await asyncio.sleep(0.8)
    listener.cancel()

    assert len(heard) == 2  # the first at once, one more at the end of the window
    assert heard[1] - heard[0] >= 0.4


def live_gap() -> float:
    return realtime.NUDGE_SECONDS * 1.5


async def test_redis_shares_updates_between_processes() -> None:
    probe = aioredis.Redis.from_url(REDIS_URL)
    try:
        await probe.ping()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    finally:
        await probe.aclose()
    server_a, server_b = realtime.Realtime(REDIS_URL), realtime.Realtime(REDIS_URL)
    try:
        ready = asyncio.Event()
        listener = asyncio.create_task(first(server_b, "conversation:test-redis", ready))
        await ready.wait()
        await asyncio.sleep(0.1)  # the SUBSCRIBE reaches Redis
        await server_a.publish("conversation:test-redis", {"type": "message", "n": 1})
        assert await asyncio.wait_for(listener, 5) == {"type": "message", "n": 1}
    finally:
        await server_a.close()
        await server_b.close()

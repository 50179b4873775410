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


async def test_the_inbox_hears_a_new_message_when_it_commits(
    sessions: async_sessionmaker[AsyncSession], memory: realtime.Realtime
) -> None:
    ready = asyncio.Event()
    listener = asyncio.create_task(first(memory, live.inbox_channel(), ready))
    await ready.wait()
    async with unit_of_work(sessions) as session:
        code = await channel(session, "telegram")
        got = await service.receive(
            session=session, message=inbound("telegram", code, "r1", text="hi there")
        )
        await asyncio.sleep(0.05)
        assert not listener.done()  # nothing while the transaction is open

    heard = await asyncio.wait_for(listener, 5)  # no worker ran: the commit announced it

    assert heard["type"] == "message" and heard["message_id"] == str(got.message_id)
    assert heard["body"]["text"] == "hi there" and heard["direction"] == "in"
    await outbox.drain(sessions)  # the worker does not announce it a second time


async def test_a_rolled_back_message_is_never_announced(
    sessions: async_sessionmaker[AsyncSession], memory: realtime.Realtime
) -> None:
    async with unit_of_work(sessions) as session:
        code = await channel(session, "telegram")
    ready = asyncio.Event()
    listener = asyncio.create_task(first(memory, live.inbox_channel(), ready))
    await ready.wait()
    with pytest.raises(RuntimeError):
        async with unit_of_work(sessions) as session:
            await service.receive(
                session=session, message=inbound("telegram", code, "r2", text="lost")
            )
            raise RuntimeError("the request failed after receive")
    async with unit_of_work(sessions) as session:
        await service.receive(session=session, message=inbound("telegram", code, "r3", text="ok"))

    heard = await asyncio.wait_for(listener, 5)

    assert heard["body"]["text"] == "ok"


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

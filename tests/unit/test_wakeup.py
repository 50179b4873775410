"""Live streams wake at once on a realtime message and still poll without one."""

from __future__ import annotations

import asyncio
import time

import pytest

from omnishop.kernel import realtime, wakeup


async def test_a_published_message_wakes_the_stream_before_the_poll_interval() -> None:
    live = realtime.configure("memory://")
    async with wakeup.listening("conversation:abc") as woken:
        started = time.monotonic()
        waiting = asyncio.create_task(woken.wait(5.0))
        await asyncio.sleep(0.05)
        await live.publish("conversation:abc", {"type": "message"})
        assert await waiting is True
        assert time.monotonic() - started < 2.0
        # Nothing more was published: the next wait runs out (the database poll's turn).
        assert await woken.wait(0.05) is False


async def test_another_channel_does_not_wake_it() -> None:
    live = realtime.configure("memory://")
    async with wakeup.listening("conversation:abc") as woken:
        await live.publish("conversation:other", {"type": "message"})
        assert await woken.wait(0.1) is False


async def test_a_broken_broadcaster_leaves_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> realtime.Realtime:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(realtime, "broadcaster", broken)
    async with wakeup.listening("inbox") as woken:
        assert await woken.wait(0.01) is False
    async with wakeup.listening(None) as polling:
        assert await polling.wait(0.01) is False

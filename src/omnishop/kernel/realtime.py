"""Realtime fan-out (inbox updates, chat widgets) over the ``broadcaster`` library.

``memory://`` by default: one process (the embedded demo, where the worker runs inside
``serve``). Set ``OMNISHOP_REALTIME_URL=redis://host:6379/0`` so several server and worker
processes share the same channels. Messages are JSON objects. Publish only after commit:
from outbox handlers, or from a service through ``publish_after_commit`` (sent once the
transaction commits, dropped if it rolls back). Subscribers treat a message as a hint to
read the database, which stays the source of truth: a lost broadcast only delays them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from broadcaster import Broadcast
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel.db import after_commit
from omnishop.kernel.logging import get_logger

log = get_logger(__name__)
# Nudges to one channel closer together than this become one (see Realtime.nudge).
NUDGE_SECONDS = 0.05


class Realtime:
    """A lazily connected broadcaster; reconnects when used from another event loop (tests,
    a CLI command), since the underlying queues belong to one loop."""

    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self._broadcast: Broadcast | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self._subscribers = 0
        self._nudged: dict[str, float] = {}
        self._trailing: dict[str, asyncio.Task[None]] = {}
        # Redis: what this process publishes leaves in pipelined batches (see _post).
        self._outgoing: list[tuple[str, str]] = []
        self._sender: asyncio.Task[None] | None = None
        self._redis: aioredis.Redis | None = None
        self._redis_loop: asyncio.AbstractEventLoop | None = None

    @property
    def local(self) -> bool:
        """memory://: only this process hears its broadcasts."""
        return self.url.startswith("memory")

    async def _ready(self) -> Broadcast:
        loop = asyncio.get_running_loop()
        if self._broadcast is not None and self._loop is loop:
            return self._broadcast
        if self._lock is None or self._loop is not loop:
            self._lock = asyncio.Lock()
            self._broadcast = None
            self._loop = loop
        async with self._lock:
            if self._broadcast is None:
                broadcast = Broadcast(self.url)
                await broadcast.connect()
                self._broadcast = broadcast
        return self._broadcast

    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        """Send ``data`` to every current subscriber of ``channel`` (in every process that
        shares the backend); nobody listening is fine."""
        if self.local and not self._subscribers:
            return  # nobody can hear it: no broadcaster to start
        message = json.dumps(data, default=str, separators=(",", ":"))
        if self.url.startswith(("redis://", "rediss://")):
            self._post(channel, message)
            return
        broadcast = await self._ready()
        await broadcast.publish(channel, message)

    def _post(self, channel: str, message: str) -> None:
        """Queue a Redis PUBLISH for this process's sender task: a request never waits on
        Redis, and a burst leaves in one pipelined round trip instead of one each (a round
        trip per message cost a busy server a tenth of its webhooks)."""
        loop = asyncio.get_running_loop()
        if self._redis_loop is not loop:  # tests and CLI commands run their own loops
            self._outgoing, self._sender, self._redis = [], None, None
            self._redis_loop = loop
        self._outgoing.append((channel, message))
        if self._sender is None or self._sender.done():
            self._sender = loop.create_task(self._send_outgoing())

    async def _send_outgoing(self) -> None:
        if self._redis is None:
            self._redis = aioredis.Redis.from_url(self.url)
        while self._outgoing:
            batch, self._outgoing = self._outgoing, []
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for channel, message in batch:
                        pipe.publish(channel, message)
                    await pipe.execute()
            except Exception as exc:  # listeners still poll the database: they only wait
                log.warning("realtime publish failed", lost=len(batch), error=repr(exc))

    async def flush(self) -> None:
        """Wait until what this process queued for Redis has left."""
        while self._sender is not None and not self._sender.done():
            if self._sender.get_loop() is not asyncio.get_running_loop():
                return
            await asyncio.shield(self._sender)

    async def nudge(self, channel: str, *, every: float = NUDGE_SECONDS) -> None:
        """Wake ``channel``'s listeners, who then read what changed (an empty message). Under
        load many nudges in ``every`` seconds become one sent at once and one at the end of
        the window, so the last change is never left unannounced: a busy process publishes
        a few times a second instead of once per change."""
        if self.local and not self._subscribers:
            return
        loop = asyncio.get_running_loop()
        wait = self._nudged.get(channel, -math.inf) + every - loop.time()
        if wait <= 0:
            self._nudged[channel] = loop.time()
            await self.publish(channel, {})
            return
        pending = self._trailing.get(channel)
        if pending is None or pending.done() or pending.get_loop() is not loop:
            self._trailing[channel] = loop.create_task(self._nudge_later(channel, wait))

    async def _nudge_later(self, channel: str, wait: float) -> None:
        try:
            await asyncio.sleep(wait)
            self._nudged[channel] = asyncio.get_running_loop().time()
            await self.publish(channel, {})
        except Exception as exc:  # a lost nudge only delays listeners until their poll
            log.warning("realtime nudge failed", channel=channel, error=repr(exc))
        finally:
            self._trailing.pop(channel, None)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """``async with realtime.subscribe("inbox") as messages: async for m in messages``."""
        broadcast = await self._ready()
        self._subscribers += 1
        try:
            async with broadcast.subscribe(channel) as subscriber:

                async def messages() -> AsyncIterator[dict[str, Any]]:
                    async for event in subscriber:  # type: ignore[union-attr]
                        if event is None:
                            return
                        yield json.loads(event.message)

                yield messages()
        finally:
            self._subscribers -= 1

    async def close(self) -> None:
        for task in list(self._trailing.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.flush()
        if self._redis is not None and self._redis_loop is asyncio.get_running_loop():
            await self._redis.aclose()
        self._redis = None
        if self._broadcast is not None and self._loop is asyncio.get_running_loop():
            await self._broadcast.disconnect()
        self._broadcast = None


_realtime: Realtime | None = None


def configure(url: str) -> Realtime:
    """Point the process's broadcaster at ``url`` (app and worker start-up)."""
    global _realtime
    if _realtime is None or _realtime.url != url:
        _realtime = Realtime(url)
    return _realtime


def publish_after_commit(session: AsyncSession, channel: str, data: dict[str, Any]) -> None:
    """Publish ``data`` on ``channel`` once ``session``'s transaction commits (the process's
    broadcaster at that moment)."""

    async def publish() -> None:
        await broadcaster().publish(channel, data)

    after_commit(session, publish)


def nudge_after_commit(session: AsyncSession, channel: str) -> None:
    """Nudge ``channel`` once ``session``'s transaction commits (once per transaction)."""

    async def nudge() -> None:
        await broadcaster().nudge(channel)

    after_commit(session, nudge, key=("nudge", channel))


def broadcaster() -> Realtime:
    """The process's broadcaster (``OMNISHOP_REALTIME_URL``, memory:// when unset)."""
    if _realtime is None:
        from omnishop.kernel.settings import get_settings

        return configure(get_settings().realtime_url)
    return _realtime

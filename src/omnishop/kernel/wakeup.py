"""Wake a live stream (SSE) when something may have changed, and poll as a safety net.

Streams read the database, which stays the source of truth (so a reconnect resumes exactly);
the realtime broadcaster only tells them to read now instead of at the next poll. If the
broadcaster is unreachable, or runs in another process with ``memory://``, the poll still
delivers, only later.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from omnishop.kernel import realtime
from omnishop.kernel.logging import get_logger

log = get_logger(__name__)


class Wakeup:
    """``await wakeup.wait(seconds)``: returns early when the channel announced something."""

    def __init__(self) -> None:
        self._flag = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def wait(self, seconds: float) -> bool:
        """True when woken by a message, False when the poll interval passed."""
        try:
            await asyncio.wait_for(self._flag.wait(), seconds)
        except TimeoutError:
            return False
        self._flag.clear()
        return True

    def _pump_from(self, messages: AsyncIterator[dict[str, Any]]) -> None:
        async def pump() -> None:
            async for _ in messages:
                self._flag.set()

        self._task = asyncio.create_task(pump())

    def _stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


@contextlib.asynccontextmanager
async def listening(channel: str | None) -> AsyncIterator[Wakeup]:
    """A Wakeup subscribed to ``channel`` for the block (no channel: poll only)."""
    wakeup = Wakeup()
    if channel is None:
        yield wakeup
        return
    try:
        subscription = realtime.broadcaster().subscribe(channel)
        messages = await subscription.__aenter__()
    except Exception as exc:  # a broken broadcaster must not break the stream: poll instead
        log.warning("realtime unavailable; polling", channel=channel, error=repr(exc))
        yield wakeup
        return
    wakeup._pump_from(messages)
    try:
        yield wakeup
    finally:
        wakeup._stop()
        with contextlib.suppress(Exception):
            await subscription.__aexit__(None, None, None)

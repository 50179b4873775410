"""A small per-app, time-limited cache for what storefront pages read often and staff change
rarely: the category tree and the delivery estimate per channel. It saves a product page
four SQL statements; an edit shows within ``OMNISHOP_STOREFRONT_CACHE_SECONDS`` (0 = off).

Only plain, immutable display data is kept (never ORM objects), per process and per app.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from fastapi import Request

T = TypeVar("T")
MAX_ENTRIES = 512


class PageCache:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    async def get(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """The cached value for ``key``, or ``load()``'s (then kept for ``seconds``)."""
        if self.seconds <= 0:
            return await load()
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            value: T = hit[1]
            return value
        value = await load()
        if len(self._entries) >= MAX_ENTRIES:
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
        self._entries[key] = (now + self.seconds, value)
        return value


def page_cache(request: Request) -> PageCache:
    """The app's cache (one per app: tests and processes never share it)."""
    state = request.app.state
    cache: PageCache | None = getattr(state, "storefront_cache", None)
    if cache is None:
        cache = PageCache(float(state.settings.storefront_cache_seconds))
        state.storefront_cache = cache
    return cache

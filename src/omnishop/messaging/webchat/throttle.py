"""How fast the widget may post: per visitor and per client address, counted with ``limits``
where ``OMNISHOP_RATE_LIMIT_URL`` says (memory in one process, Redis shared by many), the
same storage the storefront's sign-in codes count in."""

from __future__ import annotations

import math
import time
from typing import ClassVar

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from omnishop.customers.otp import limit_storage
from omnishop.kernel.errors import RateLimited

# A person types a few messages a minute; a script types hundreds. Several visitors may share
# one address (an office, a mobile carrier's NAT), so the address gets more room.
PER_VISITOR = "20/minute"
PER_CLIENT = "60/minute"


class TooManyMessages(RateLimited):
    code: ClassVar[str] = "webchat_rate_limited"
    title: ClassVar[str] = "Too many chat messages"


class WidgetThrottle:
    """Counts one post per call; 429 ``webchat_rate_limited`` (with ``retry_after``
    seconds) once the visitor's or the address's budget is spent."""

    def __init__(self, storage: Storage | None = None) -> None:
        self._limiter = MovingWindowRateLimiter(storage or MemoryStorage())
        self._per_visitor = parse(PER_VISITOR)
        self._per_client = parse(PER_CLIENT)

    @classmethod
    def from_url(cls, url: str) -> WidgetThrottle:
        return cls(limit_storage(url))

    async def check(self, *, visitor: str, client: str) -> None:
        # The visitor first: one noisy tab should not spend its neighbours' shared budget.
        for item, scope, key in (
            (self._per_visitor, "webchat", visitor),
            (self._per_client, "webchat-client", client),
        ):
            if not await self._limiter.hit(item, scope, key):
                wait = await self._wait(item, scope, key)
                raise TooManyMessages(f"too many messages; try again in {wait} s", retry_after=wait)

    async def _wait(self, item: RateLimitItem, scope: str, key: str) -> int:
        stats = await self._limiter.get_window_stats(item, scope, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

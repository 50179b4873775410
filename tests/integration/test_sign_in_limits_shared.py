"""The sign-in send limit counts where OMNISHOP_RATE_LIMIT_URL says: in memory per process by
default, in Redis shared by every process when set."""

from __future__ import annotations

import os
import uuid

import pytest
import redis.asyncio as aioredis
from limits.aio.storage import MemoryStorage

from omnishop.customers import otp
from omnishop.kernel.errors import RateLimited
from omnishop.kernel.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"


async def reachable() -> None:
    """Skip without a local Redis, except in CI where it must be there."""
    probe = aioredis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await probe.ping()
    except (OSError, aioredis.ConnectionError):
        if os.environ.get("CI"):
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    finally:
        await probe.aclose()


def test_memory_is_the_default_and_unknown_schemes_are_refused() -> None:
    assert Settings().rate_limit_url == "memory://"
    assert isinstance(otp.limit_storage("memory://"), MemoryStorage)
    with pytest.raises(ValueError, match="memory:// or redis://"):
        otp.limit_storage("memcached://127.0.0.1:11211")


async def test_two_processes_in_memory_count_apart() -> None:
    one, two = otp.SendThrottle.from_url("memory://"), otp.SendThrottle.from_url("memory://")
    for _ in range(3):
        await one.check(destination="+79000000001", client="1.1.1.1")

    await two.check(destination="+79000000001", client="1.1.1.1")  # its own, empty, counters


async def test_processes_sharing_redis_share_the_send_limit() -> None:
    await reachable()
    # Two throttles with their own connections stand for two serve processes.
    one, two = otp.SendThrottle.from_url(REDIS_URL), otp.SendThrottle.from_url(REDIS_URL)
    destination = f"{uuid.uuid4().hex}@example.com"  # fresh counters on a shared Redis
    client = f"10.0.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    await one.check(destination=destination, client=client)
    await two.check(destination=destination, client=client)
    await one.check(destination=destination, client=client)

    with pytest.raises(RateLimited):
        await two.check(destination=destination, client=client)
    with pytest.raises(RateLimited):
        await one.check(destination=destination, client=client)

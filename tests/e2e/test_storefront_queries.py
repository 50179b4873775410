"""How much SQL a product page costs: a fixed number of statements whatever the variant
count, fewer once the page cache holds the category tree and the delivery estimate."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omnishop.storefront.page_cache import PageCache
from tests.e2e.test_cart_api import shop

# channel, product id + bundle (5), categories for placement, prices (sale prices joined),
# stock, rating summary and its product id: 12 with the cache warm (was 16, then 19).
WARM_PRODUCT_PAGE = 12


async def statements(engine: AsyncEngine, client: httpx.AsyncClient, path: str) -> list[str]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        if not str(args[2]).startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        response = await client.get(path)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return seen


async def test_a_warm_product_page_reads_the_categories_and_delivery_from_the_cache(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    await shop(sessions)
    cold = await statements(engine, client, "/p/web-kettle")
    warm = await statements(engine, client, "/p/web-kettle")

    assert any("shipping_methods" in s for s in cold)
    assert not any("shipping_methods" in s or "category_translations" in s for s in warm)
    assert len(warm) <= WARM_PRODUCT_PAGE < len(cold)


async def test_the_page_cache_forgets_after_its_time_and_can_be_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr("omnishop.storefront.page_cache.time.monotonic", lambda: now[0])
    cache, off = PageCache(30), PageCache(0)
    loads: list[int] = []

    async def load() -> int:
        loads.append(1)
        return len(loads)

    first = await cache.get("k", load)
    again = await cache.get("k", load)
    now[0] += 31
    later = await cache.get("k", load)
    uncached = [await off.get("k", load), await off.get("k", load)]

    assert (first, again, later) == (1, 1, 2)
    assert uncached == [3, 4]

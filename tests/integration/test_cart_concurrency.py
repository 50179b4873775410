"""Concurrent changes to one cart (a double-tapped button, two tabs) on real connections:
they queue on the cart, so the same variant still ends as one line holding the sum."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from omnishop.checkout import service
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from tests.integration.test_cart_fixtures import open_shop


async def test_concurrent_adds_of_one_variant_merge_into_one_line(
    fresh_engine: AsyncEngine,
) -> None:
    factory = make_sessionmaker(fresh_engine)
    async with unit_of_work(factory) as session:
        shop = await open_shop(session, in_warehouse=50)
        token = (await service.create_cart(session=session, channel=shop.channel)).token

    async def add() -> None:
        async with unit_of_work(factory) as session:
            await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=1)

    results = await asyncio.gather(*(add() for _ in range(8)), return_exceptions=True)

    assert [r for r in results if isinstance(r, BaseException)] == []
    async with unit_of_work(factory) as session:
        cart = await service.get_cart(session=session, token=token)
    assert [(x.quantity, x.held) for x in cart.lines] == [(8, 8)]

"""Returned units received at a location that never stocked the variant, by two returns at
once on real connections: both land on one stock level, nobody gets an error."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from omnishop.inventory import service as inventory
from omnishop.inventory.models import LocationKind, StockLevel
from omnishop.inventory.returns import restock_returned
from omnishop.inventory.schemas import LocationCreate
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from tests.integration.test_cart_fixtures import open_shop


async def test_first_returns_at_a_new_location_at_once_land_on_one_level(
    fresh_engine: AsyncEngine,
) -> None:
    factory = make_sessionmaker(fresh_engine)
    async with unit_of_work(factory) as session:
        shop = await open_shop(session)
        outlet = await inventory.create_location(
            session=session,
            data=LocationCreate(
                code="outlet", name="Outlet", kind=LocationKind.STORE, country="RU"
            ),
        )

    async def receive(n: int) -> None:
        async with unit_of_work(factory) as session:
            await restock_returned(
                session=session, variant_id=shop.kettle, location_id=outlet.id, quantity=1,
                reference=f"return:{n}",
            )  # fmt: skip

    results = await asyncio.gather(*(receive(n) for n in range(6)), return_exceptions=True)

    assert [r for r in results if isinstance(r, BaseException)] == []
    async with factory() as session:
        levels = list(
            await session.scalars(
                select(StockLevel.on_hand).where(
                    StockLevel.variant_id == shop.kettle, StockLevel.location_id == outlet.id
                )
            )
        )
    assert levels == [6]

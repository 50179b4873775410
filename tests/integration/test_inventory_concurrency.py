"""Real concurrency on SQLite and PostgreSQL: separate connections racing for the same units.

These tests commit (the rolled-back ``session`` fixture cannot show races), so they create
uniquely named rows and delete them afterwards."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omnishop.catalog import service as catalog
from omnishop.catalog.models import Product
from omnishop.catalog.schemas import ProductCreate, TranslationIn, VariantCreate
from omnishop.inventory import reservations, service
from omnishop.inventory.errors import OutOfStock
from omnishop.inventory.ledger import verify_ledger
from omnishop.inventory.models import Location, LocationKind, StockLevel
from omnishop.inventory.schemas import LocationCreate
from omnishop.kernel import clock
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.kernel.outbox import OutboxEvent

BUYERS = 30
UNITS = 10


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions that really commit; every row the test made is deleted afterwards."""
    factory = make_sessionmaker(engine)
    started = clock.now()
    yield factory
    async with unit_of_work(factory) as session:
        # Cascades remove variants, levels, movements and holds with their product/location.
        await session.execute(delete(Product).where(Product.slug.like("race-%")))
        await session.execute(delete(Location).where(Location.code.like("race-%")))
        await session.execute(delete(OutboxEvent).where(OutboxEvent.created_at >= started))


async def test_concurrent_holds_never_take_more_than_is_available(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    tag = uuid.uuid4().hex[:8]
    async with unit_of_work(committed) as session:
        product = await catalog.create_product(
            session=session,
            data=ProductCreate(
                slug=f"race-{tag}",
                translations={"ru": TranslationIn(name="Race")},
                variants=[VariantCreate(sku=f"race-{tag}")],
            ),
        )
        bundle = await catalog.get_bundle(session=session, id_or_slug=str(product.id))
        vid = bundle.variants[0].id
        data = LocationCreate(
            code=f"race-{tag}", name="Race", kind=LocationKind.WAREHOUSE, country="RU"
        )
        lid = (await service.create_location(session=session, data=data)).id
        await service.set_on_hand(session=session, variant_id=vid, location_id=lid, quantity=UNITS)

    async def buy(n: int) -> bool:
        try:
            async with unit_of_work(committed) as session:
                await reservations.reserve(
                    session=session,
                    variant_id=vid,
                    quantity=1,
                    reference=f"cart-{n}",
                    channel_id=None,
                )
        except OutOfStock:
            return False
        return True

    outcomes = await asyncio.gather(*(buy(n) for n in range(BUYERS)))

    async with unit_of_work(committed) as session:
        reserved = await session.scalar(
            select(StockLevel.reserved).where(StockLevel.variant_id == vid)
        )
        check = await verify_ledger(session=session, variant_id=vid, location_id=lid)
        available = await service.available_for_variants(session=session, variant_ids=[vid])
    assert outcomes.count(True) == UNITS
    assert reserved == UNITS
    assert available == {vid: 0}
    assert check.ok, check

"""Real concurrency for split holds on SQLite and PostgreSQL: many buyers over several
locations never take more than is available, and no partial take is left behind.

These tests commit, so they create uniquely named rows and delete them afterwards."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omnishop.catalog import service as catalog
from omnishop.catalog.models import Product
from omnishop.catalog.schemas import ProductCreate, TranslationIn, VariantCreate
from omnishop.channels import service as channels
from omnishop.channels.models import Channel, ChannelKind
from omnishop.channels.schemas import ChannelCreate
from omnishop.inventory import allocation, fulfilment, service
from omnishop.inventory.errors import HoldReleased, OutOfStock
from omnishop.inventory.ledger import verify_ledger
from omnishop.inventory.models import Location, LocationKind, Reservation, StockLevel
from omnishop.inventory.schemas import LocationCreate
from omnishop.kernel import clock
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.kernel.outbox import OutboxEvent

BUYERS = 24
STOCK = (3, 4, 5)  # 12 units over three locations; each buyer wants 2


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    factory = make_sessionmaker(engine)
    started = clock.now()
    yield factory
    async with unit_of_work(factory) as session:
        await session.execute(delete(Product).where(Product.slug.like("split-%")))
        await session.execute(delete(Location).where(Location.code.like("split-%")))
        await session.execute(delete(Channel).where(Channel.code.like("split-%")))
        await session.execute(delete(OutboxEvent).where(OutboxEvent.created_at >= started))


async def _setup(
    factory: async_sessionmaker[AsyncSession],
) -> tuple[uuid.UUID, list[uuid.UUID], Channel]:
    tag = uuid.uuid4().hex[:8]
    async with unit_of_work(factory) as session:
        product = await catalog.create_product(
            session=session,
            data=ProductCreate(
                slug=f"split-{tag}",
                translations={"ru": TranslationIn(name="Split")},
                variants=[VariantCreate(sku=f"split-{tag}")],
            ),
        )
        bundle = await catalog.get_bundle(session=session, id_or_slug=str(product.id))
        vid = bundle.variants[0].id
        lids = []
        for i, units in enumerate(STOCK):
            data = LocationCreate(
                code=f"split-{tag}-{i}", name="Split", kind=LocationKind.WAREHOUSE,
                country="RU", priority=i,
            )  # fmt: skip
            lid = (await service.create_location(session=session, data=data)).id
            await service.set_on_hand(
                session=session, variant_id=vid, location_id=lid, quantity=units
            )
            lids.append(lid)
        channel = await channels.create(
            session=session,
            data=ChannelCreate(
                code=f"split-{tag}", name="Split", kind=ChannelKind.WEB, currency="RUB",
                default_locale="ru", country="RU",
            ),
        )  # fmt: skip
    return vid, lids, channel


async def test_concurrent_split_holds_never_oversell_or_leak(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    vid, lids, channel = await _setup(committed)

    async def buy(n: int) -> int:
        try:
            async with unit_of_work(committed) as session:
                holds = await allocation.hold(
                    session=session, variant_id=vid, quantity=2, reference=f"split:{n}",
                    channel=channel,
                )  # fmt: skip
        except OutOfStock:
            return 0
        return sum(h.quantity for h in holds)

    outcomes = await asyncio.gather(*(buy(n) for n in range(BUYERS)))

    async with unit_of_work(committed) as session:
        reserved = await session.scalar(
            select(func.sum(StockLevel.reserved)).where(StockLevel.variant_id == vid)
        )
        held = await session.scalar(
            select(func.sum(Reservation.quantity)).where(Reservation.variant_id == vid)
        )
        checks = [
            await verify_ledger(session=session, variant_id=vid, location_id=lid) for lid in lids
        ]
    assert sum(outcomes) == sum(STOCK)
    assert set(outcomes) <= {0, 2}
    assert reserved == held == sum(STOCK)
    assert all(c.ok for c in checks), checks


async def test_committing_races_with_expiry_all_or_nothing(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    """An order commits its holds while the worker releases one of them: either the order
    gets every hold, or none is committed and the released one is back on sale."""
    vid, lids, channel = await _setup(committed)
    async with unit_of_work(committed) as session:
        holds = await allocation.hold(
            session=session, variant_id=vid, quantity=9, reference="split:order", channel=channel
        )
    ids = [h.id for h in holds]
    assert len(ids) >= 2

    async def place() -> bool:
        try:
            async with unit_of_work(committed) as session:
                await fulfilment.commit_holds(session, ids, "order:1")
        except HoldReleased:
            return False
        return True

    async def expire() -> None:
        async with unit_of_work(committed) as session:
            await allocation.shrink(session=session, reservation_id=ids[-1], quantity=0)

    placed, _ = await asyncio.gather(place(), expire())

    async with unit_of_work(committed) as session:
        rows = (
            await session.execute(
                select(func.sum(StockLevel.reserved), func.sum(StockLevel.committed)).where(
                    StockLevel.variant_id == vid
                )
            )
        ).one()
        checks = [
            await verify_ledger(session=session, variant_id=vid, location_id=lid) for lid in lids
        ]
    if placed:
        assert tuple(rows) == (0, 9)
    else:
        last = holds[-1].quantity
        assert tuple(rows) == (9 - last, 0)
    assert all(c.ok for c in checks), checks

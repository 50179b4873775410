"""Click & collect races on real connections (SQLite and PostgreSQL): two counters handing
over one order at once, while the expiry job runs, end with exactly one outcome and the
stock counted once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from omnishop.inventory.operations import get_level
from omnishop.kernel import clock
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.kernel.errors import DomainError
from omnishop.orders import pickup
from omnishop.orders import service as orders
from omnishop.payments.schemas import PaymentInput
from tests.integration.pickup_fixtures import open_shop, pickup_order


async def test_two_hand_overs_and_the_expiry_at_once_have_one_outcome(
    fresh_engine: AsyncEngine,
) -> None:
    factory = make_sessionmaker(fresh_engine)
    async with unit_of_work(factory) as session:
        shop = await open_shop(session)
    order = await pickup_order(factory, shop, payment=PaymentInput(method="pay_at_pickup"))
    start = clock.now()
    clock.freeze(start)
    async with unit_of_work(factory) as session:
        ready = await pickup.mark_ready(session=session, order_id=order.id)
    clock.freeze(start + timedelta(days=7, seconds=1))  # due, and the buyer walks in

    async def expire() -> int:
        async with unit_of_work(factory) as session:
            return await pickup.expire_uncollected(session=session, now=clock.now())

    results = await asyncio.gather(
        pickup.handover(factory, order_id=order.id, code=ready.code),
        pickup.handover(factory, order_id=order.id, code=ready.code),
        expire(),
        return_exceptions=True,
    )

    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)]
    assert unexpected == []  # no deadlock, no integrity error: only clear refusals
    collected = sum(isinstance(r, pickup.PickupInfo) for r in results[:2])
    expired = results[2]
    assert (collected, expired) in ((1, 0), (0, 1))
    async with factory() as session:
        after = await orders.get(session=session, order_id=order.id)
        level = await get_level(session=session, variant_id=shop.kettle, location_id=shop.tverskaya)
        final = await pickup.get(session=session, order_id=order.id)
    if collected:
        assert (after.status, final.status, level.on_hand, level.committed) == (
            "delivered", "collected", 2, 0,
        )  # fmt: skip
    else:
        assert (after.status, final.status, level.on_hand, level.committed) == (
            "canceled", "expired", 3, 0,
        )  # fmt: skip

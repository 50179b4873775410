"""Orders under real concurrency (committed transactions on their own connections), on
SQLite and PostgreSQL: numbering, a double completion, and the worker's auto-capture."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omnishop import handlers
from omnishop.kernel import outbox
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.orders import service
from omnishop.orders.drafts import OrderDraft
from omnishop.orders.errors import OrderExists
from omnishop.orders.schemas import OrderInfo
from omnishop.payments import service as payments
from tests.integration.test_orders_service import make_draft, shop
from tests.payments_fixtures import new_payment, psp_store

__all__ = ["psp_store"]


async def place(factory: async_sessionmaker[AsyncSession], draft: OrderDraft) -> OrderInfo:
    async with unit_of_work(factory) as session:
        return await service.place(session=session, draft=draft)


async def test_concurrent_orders_of_a_channel_get_consecutive_numbers(
    fresh_engine: AsyncEngine,
) -> None:
    factory = make_sessionmaker(fresh_engine)
    async with unit_of_work(factory) as session:
        s = await shop(session)
        drafts = [await make_draft(session, s, kettles=1, mugs=0) for _ in range(5)]

    placed = await asyncio.gather(*(place(factory, d) for d in drafts))

    assert sorted(o.number for o in placed) == [f"WEB-RU-{n:06d}" for n in range(1, 6)]


async def test_one_cart_completed_twice_at_once_becomes_one_order(
    fresh_engine: AsyncEngine,
) -> None:
    factory = make_sessionmaker(fresh_engine)
    async with unit_of_work(factory) as session:
        s = await shop(session)
        draft = await make_draft(session, s)

    results = await asyncio.gather(
        place(factory, draft), place(factory, draft), return_exceptions=True
    )

    assert sum(isinstance(r, OrderInfo) for r in results) == 1
    assert [type(r) for r in results if not isinstance(r, OrderInfo)] == [OrderExists]


@pytest.mark.usefixtures("psp_store")
async def test_the_worker_captures_after_placing_on_a_real_engine(
    fresh_engine: AsyncEngine,
) -> None:
    # On a real engine the handler's transaction is a real one (SQLite: holding the write
    # lock), so this shows the PSP call runs outside it without waiting on ourselves.
    handlers.register()  # every domain's handlers, as the worker has them
    factory = make_sessionmaker(fresh_engine)
    async with unit_of_work(factory) as session:
        s = await shop(session)
    payment = await payments.authorize(factory, payment_id=(await new_payment(factory)).id)
    async with unit_of_work(factory) as session:
        draft = replace(await make_draft(session, s), payment_id=payment.id)
        order = await service.place(session=session, draft=draft)
        await payments.attach_order(session=session, payment_id=payment.id, order_id=order.id)

    await asyncio.wait_for(outbox.drain(factory), timeout=20)

    async with factory() as session:
        after = await service.get(session=session, order_id=order.id)
        captured = await payments.get(session=session, payment_id=payment.id)
    assert (after.status, after.payment_status, captured.status) == ("paid", "paid", "captured")

"""The back-office lists pickup orders, marks them ready for pickup (the buyer is told), and
lists pickups without ever showing their code."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel.db import unit_of_work
from omnishop.kernel.outbox import OutboxEvent
from omnishop.orders import pickup
from omnishop.payments.schemas import PaymentInput
from tests.e2e.test_admin import MakeStaff, make_staff, sign_in
from tests.integration.pickup_fixtures import open_shop, pickup_order

__all__ = ["make_staff"]


async def test_staff_mark_pickup_orders_ready_and_never_see_the_code(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], make_staff: MakeStaff
) -> None:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session)
    order = await pickup_order(sessions, shop, payment=PaymentInput(method="pay_at_pickup"))
    await sign_in(client, await make_staff("owner"))

    orders = await client.get("/admin/pickup-order/list")
    assert orders.status_code == 200 and order.number in orders.text
    marked = await client.get(f"/admin/pickup-order/action/ready?pks={order.id}")
    assert marked.status_code in (200, 302, 303), marked.text

    async with sessions() as session:
        ready = await pickup.get(session=session, order_id=order.id)
        topics = list(await session.scalars(select(OutboxEvent.topic)))
    assert ready.status == "ready" and "orders.ready_for_pickup" in topics

    listed = await client.get("/admin/pickup/list")
    details = await client.get(f"/admin/pickup/details/{order.id}")
    edit = await client.get(f"/admin/pickup/edit/{order.id}")
    assert listed.status_code == 200 and "ready" in listed.text
    assert details.status_code == 200 and ready.code not in details.text
    assert edit.status_code in (403, 404)


async def test_analysts_cannot_mark_orders_ready(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], make_staff: MakeStaff
) -> None:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session)
    order = await pickup_order(sessions, shop, payment=PaymentInput(method="pay_at_pickup"))
    await sign_in(client, await make_staff("analyst"))

    refused = await client.get(f"/admin/pickup-order/action/ready?pks={order.id}")

    assert refused.status_code in (401, 403)
    async with sessions() as session:
        assert await session.scalar(select(OutboxEvent.id).where(
            OutboxEvent.topic == "orders.ready_for_pickup")) is None  # fmt: skip

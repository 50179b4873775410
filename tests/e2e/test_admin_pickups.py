"""The back-office lists pickups (ready, collected, expired) and never shows their code."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel.db import unit_of_work
from omnishop.orders import pickup
from omnishop.payments.schemas import PaymentInput
from tests.e2e.test_admin import MakeStaff, make_staff, sign_in
from tests.integration.pickup_fixtures import open_shop, pickup_order

__all__ = ["make_staff"]


async def test_staff_see_pickups_but_not_their_codes(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], make_staff: MakeStaff
) -> None:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session)
    order = await pickup_order(sessions, shop, payment=PaymentInput(method="pay_at_pickup"))
    async with unit_of_work(sessions) as session:
        ready = await pickup.mark_ready(session=session, order_id=order.id)
    await sign_in(client, await make_staff("owner"))

    listed = await client.get("/admin/pickup/list")
    details = await client.get(f"/admin/pickup/details/{order.id}")
    edit = await client.get(f"/admin/pickup/edit/{order.id}")

    assert listed.status_code == 200 and "ready" in listed.text
    assert details.status_code == 200 and ready.code not in details.text
    assert edit.status_code in (403, 404)

"""The back-office shows orders, payments and webhook deliveries, and lets no one edit them
by hand (they change only through their services)."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.e2e.test_admin import MakeStaff, make_staff, sign_in
from tests.e2e.test_cart_api import shop
from tests.e2e.test_checkout_complete import pay, ready_cart
from tests.payments_fixtures import card_token, psp_store

__all__ = ["make_staff", "psp_store"]


async def test_staff_see_orders_and_payments_but_cannot_edit_them(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    make_staff: MakeStaff,
    psp_store: str,
) -> None:
    s = await shop(sessions)
    token = await ready_cart(client, s)
    placed = (await pay(client, token, {"method": "card", "token": await card_token()})).json()
    await sign_in(client, await make_staff("owner"))

    orders = await client.get("/admin/order/list")
    payments = await client.get("/admin/payment/list")
    deliveries = await client.get("/admin/webhook-delivery/list")
    create = await client.get("/admin/order/create")
    edit = await client.get(f"/admin/order/edit/{placed['order']['id']}")
    details = await client.get(f"/admin/order/details/{placed['order']['id']}")

    assert orders.status_code == 200 and placed["order"]["number"] in orders.text
    assert payments.status_code == 200 and "authorized" in payments.text
    assert deliveries.status_code == 200
    assert create.status_code in (403, 404) and edit.status_code in (403, 404)
    assert details.status_code == 200
    assert placed["order"]["token"] not in details.text

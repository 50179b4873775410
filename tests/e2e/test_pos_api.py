"""In-store sales over HTTP: a POS sale decrements that store's stock and yields a
store-channel order, paid and delivered, visible in the staff order API; Idempotency-Key
answers a retry with the same sale; refusals leave the stock as it was."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.inventory.operations import get_level
from omnishop.kernel.db import unit_of_work
from tests.e2e.conftest import MakeKey
from tests.integration.pickup_fixtures import Shop, open_shop


async def setup(sessions: async_sessionmaker[AsyncSession]) -> Shop:
    async with unit_of_work(sessions) as session:
        return await open_shop(session)


async def stock(sessions: async_sessionmaker[AsyncSession], shop: Shop) -> tuple[int, int]:
    async with sessions() as session:
        t = await get_level(session=session, variant_id=shop.kettle, location_id=shop.tverskaya)
        a = await get_level(session=session, variant_id=shop.kettle, location_id=shop.arbat)
    return t.on_hand, a.on_hand


def sale(shop: Shop, **extra: object) -> dict[str, object]:
    return {
        "location": "cc-tverskaya",
        "lines": [{"sku": shop.kettle_sku, "quantity": 2}],
        "payment": {"method": "cash"},
        **extra,
    }


async def test_a_pos_sale_takes_the_stores_stock_and_is_a_store_order(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], api_key: MakeKey
) -> None:
    shop = await setup(sessions)
    cashier = await api_key("pos:write")
    staff = await api_key("orders:read")
    headers = {**cashier, "Idempotency-Key": "till-1-receipt-42"}
    body = sale(shop, customer={"phone": "+7 916 123-45-67"})

    made = await client.post("/api/v1/pos/sales", headers=headers, json=body)

    assert made.status_code == 201, made.text
    order = made.json()["order"]
    assert (order["channel_code"], order["status"], order["payment_status"]) == (
        "cc-store", "delivered", "paid",
    )  # fmt: skip
    assert order["payment_method"] == "cash" and order["total"] == 2 * 250000
    assert order["customer_id"] is not None and order["phone"] == "+79161234567"
    assert made.json()["payment"]["status"] == "captured"
    assert made.json()["payment"]["provider"] == "in_person"
    assert await stock(sessions, shop) == (1, 3)  # only Tverskaya's shelf, 3 → 1

    again = await client.post("/api/v1/pos/sales", headers=headers, json=body)
    assert again.status_code == 201 and again.json()["order"]["id"] == order["id"]
    assert await stock(sessions, shop) == (1, 3)  # the retry sold nothing more

    listed = await client.get("/api/v1/staff/orders?channel=cc-store", headers=staff)
    assert [o["id"] for o in listed.json()["data"]] == [order["id"]]
    detail = await client.get(f"/api/v1/staff/orders/{order['id']}", headers=staff)
    assert detail.json()["shipments"][0]["kind"] == "pickup"
    assert detail.json()["shipments"][0]["status"] == "delivered"


async def test_the_same_customer_is_linked_across_sales(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], api_key: MakeKey
) -> None:
    shop = await setup(sessions)
    cashier = await api_key("pos:write")
    one = sale(shop, customer={"email": "Ivan@Example.com"})
    one["lines"] = [{"variant_id": str(shop.kettle), "quantity": 1}]
    first = await client.post("/api/v1/pos/sales", headers=cashier, json=one)
    second = await client.post("/api/v1/pos/sales", headers=cashier, json=one)
    assert first.status_code == second.status_code == 201, first.text
    assert first.json()["order"]["customer_id"] == second.json()["order"]["customer_id"]
    walk_in = sale(shop, payment={"method": "card_present"})
    walk_in["lines"] = [{"sku": shop.kettle_sku, "quantity": 1}]  # the last one on the shelf
    anonymous = await client.post("/api/v1/pos/sales", headers=cashier, json=walk_in)
    assert anonymous.status_code == 201, anonymous.text
    assert anonymous.json()["order"]["customer_id"] is None


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"lines": [{"sku": "cc-kettle-1", "quantity": 4}]}, 409, "pickup_unavailable"),
        ({"lines": [{"sku": "no-such-sku", "quantity": 1}]}, 404, "not_found"),
        ({"location": "cc-nowhere"}, 404, "not_found"),
        ({"channel": "cc-web"}, 422, "validation_failed"),
        ({"payment": {"method": "card"}}, 422, "validation_failed"),
        ({"lines": [{"sku": "cc-kettle-1", "variant_id": None, "quantity": 0}]}, 422, None),
    ],
)
async def test_refused_sales_leave_the_stock_alone(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    api_key: MakeKey,
    change: dict[str, object],
    status: int,
    code: str | None,
) -> None:
    shop = await setup(sessions)
    cashier = await api_key("pos:write")
    refused = await client.post("/api/v1/pos/sales", headers=cashier, json=sale(shop, **change))
    assert refused.status_code == status, refused.text
    if code:
        assert refused.json()["code"] == code
    async with sessions() as session:
        level = await get_level(session=session, variant_id=shop.kettle, location_id=shop.tverskaya)
    assert (level.on_hand, level.reserved, level.committed) == (3, 0, 0)


async def test_selling_needs_the_pos_scope(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], api_key: MakeKey
) -> None:
    shop = await setup(sessions)
    other = await api_key("orders:write")
    assert (await client.post("/api/v1/pos/sales", json=sale(shop))).status_code == 401
    assert (
        await client.post("/api/v1/pos/sales", headers=other, json=sale(shop))
    ).status_code == 403


async def test_online_buyers_cannot_pay_cash(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    shop = await setup(sessions)
    cart = (await client.post("/api/v1/carts", json={"channel": "cc-store"})).json()
    await client.post(f"/api/v1/carts/{cart['token']}/lines", json={"variant_id": str(shop.kettle)})
    done = await client.post(
        f"/api/v1/carts/{cart['token']}/complete", json={"payment": {"method": "cash"}}
    )
    assert done.status_code == 422

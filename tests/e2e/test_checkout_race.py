"""The flash sale, through the HTTP API on a database that really commits: 500 buyers race
for 50 units of one variant → exactly 50 orders, every other buyer a clear out-of-stock, no
5xx, and the stock levels agree with the movement ledger."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from omnishop.app import create_app
from omnishop.customers import apikeys
from omnishop.demo.flash import FlashSale, buy, seed_flash_sale
from omnishop.inventory.ledger import verify_ledger
from omnishop.inventory.models import StockLevel
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.kernel.outbox import OutboxEvent
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings
from omnishop.orders.models import Order
from omnishop.payments.models import Payment
from omnishop.payments.sandbox import store
from omnishop.payments.sandbox.store import Charge
from tests.payments_fixtures import card_token, psp_store

__all__ = ["psp_store"]
BUYERS = 500
UNITS = 50


@pytest.fixture
async def shop(fresh_engine: AsyncEngine, psp_store: str) -> AsyncIterator[Database]:
    yield Database(engine=fresh_engine, sessions=make_sessionmaker(fresh_engine))


async def test_500_buyers_for_50_units_make_exactly_50_orders(shop: Database) -> None:
    async with unit_of_work(shop.sessions) as session:
        sale: FlashSale = await seed_flash_sale(session=session, units=UNITS)
    app = create_app(Settings(worker_in_process=False, api_cache_seconds=0), database=shop)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop", timeout=120) as c:
        outcomes = await asyncio.gather(*(buy(c, sale, n) for n in range(BUYERS)))

    won = [o for o in outcomes if o.order_number is not None]
    lost = Counter((o.step, o.status, o.code) for o in outcomes if o.order_number is None)
    assert not [o for o in outcomes if o.status >= 500], lost
    assert len(won) == UNITS, lost
    assert len({o.order_number for o in won}) == UNITS
    assert lost == {("line", 409, "out_of_stock"): BUYERS - UNITS}
    async with shop.sessions() as session:
        level = await session.scalar(
            select(StockLevel).where(StockLevel.variant_id == sale.variant_id)
        )
        assert level is not None
        assert (level.on_hand, level.reserved, level.committed) == (UNITS, 0, UNITS)
        check = await verify_ledger(
            session=session, variant_id=sale.variant_id, location_id=sale.location_id
        )
        assert check.ok, check
        assert await session.scalar(select(func.count()).select_from(Order)) == UNITS
        assert await session.scalar(select(func.count()).select_from(Payment)) == UNITS
        placed = await session.scalar(
            select(func.count()).where(OutboxEvent.topic == "orders.placed")
        )
        assert placed == UNITS


async def test_concurrent_completions_of_one_cart_make_one_order_and_one_charge(
    shop: Database,
) -> None:
    async with unit_of_work(shop.sessions) as session:
        sale = await seed_flash_sale(session=session, units=10)
    app = create_app(Settings(worker_in_process=False, api_cache_seconds=0), database=shop)
    transport = httpx.ASGITransport(app=app)
    carts = 5
    async with httpx.AsyncClient(transport=transport, base_url="http://shop", timeout=60) as c:
        for n in range(carts):
            token = (await c.post("/api/v1/carts", json={"channel": sale.channel_code})).json()[
                "token"
            ]
            line = {"variant_id": str(sale.variant_id), "quantity": 1}
            await c.post(f"/api/v1/carts/{token}/lines", json=line)
            pickup = {"kind": "pickup", "location_id": str(sale.location_id)}
            contact = {"email": f"twice{n}@example.com", "delivery": pickup}
            await c.patch(f"/api/v1/carts/{token}", json=contact)
            cards = [await card_token(), await card_token()]
            answers = await asyncio.gather(
                *(
                    c.post(
                        f"/api/v1/carts/{token}/complete",
                        json={"payment": {"method": "card", "token": card}},
                        headers={"Idempotency-Key": f"tab-{n}-{i}"},
                    )
                    for i, card in enumerate(cards)
                )
            )
            codes = sorted(a.status_code for a in answers)
            assert codes in ([200, 200], [200, 409]), [a.text for a in answers]
            orders = {a.json()["order"]["id"] for a in answers if a.status_code == 200}
            assert len(orders) == 1
            refused = [a.json()["code"] for a in answers if a.status_code == 409]
            assert refused in ([], ["checkout_in_progress"])
    async with shop.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Order)) == carts
        charged = await session.scalar(
            select(func.count()).where(Payment.status.in_(["authorized", "captured"]))
        )
        assert charged == carts
    async with (await store.sessions())() as psp:
        held = await psp.scalar(
            select(func.count()).where(Charge.status.in_(["authorized", "captured"]))
        )
        assert held == carts


async def test_staff_capture_and_refund_work_on_a_database_that_really_commits(
    shop: Database,
) -> None:
    """The routes call the PSP through their own units of work; with a request transaction
    still holding SQLite's write lock they would wait for it until the busy timeout."""
    async with unit_of_work(shop.sessions) as session:
        sale = await seed_flash_sale(session=session, units=1)
        issued = await apikeys.create(session=session, name="t", scopes=["payments:write"])
    app = create_app(Settings(worker_in_process=False, api_cache_seconds=0), database=shop)
    staff = {"Authorization": f"Bearer {issued.secret}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop", timeout=60) as c:
        bought = await buy(c, sale, 0)
        async with shop.sessions() as session:
            payment_id = await session.scalar(select(Payment.id))
        captured = await c.post(f"/api/v1/payments/{payment_id}/capture", headers=staff)
        refunded = await c.post(
            f"/api/v1/payments/{payment_id}/refunds",
            json={"amount": 1000},
            headers={**staff, "Idempotency-Key": "r-1"},
        )

    assert bought.order_number is not None
    assert captured.status_code == 200, captured.text
    assert captured.json()["status"] == "captured"
    assert refunded.status_code == 201, refunded.text
    assert refunded.json()["refunded_amount"] == 1000

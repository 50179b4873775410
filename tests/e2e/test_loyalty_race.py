"""One customer's 1 000 points, ten of their carts choosing 300 each and paying at the same
moment through the HTTP API on a database that really commits: exactly three payments carry
points, the others are refused with ``insufficient_points`` before any charge, the balance
ends at 100 and equals the ledger."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from omnishop.app import create_app
from omnishop.customers import tokens
from omnishop.customers.models import Customer
from omnishop.demo.flash import FlashSale, seed_flash_sale
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings
from omnishop.loyalty import service
from omnishop.loyalty.models import LoyaltyAccount, LoyaltyEntry
from omnishop.orders.models import Order
from omnishop.payments.models import Payment
from tests.payments_fixtures import psp_store

__all__ = ["psp_store"]
CARTS = 10


@pytest.fixture
async def shop(fresh_engine: AsyncEngine, psp_store: str) -> AsyncIterator[Database]:
    yield Database(engine=fresh_engine, sessions=make_sessionmaker(fresh_engine))


async def prepare(c: httpx.AsyncClient, sale: FlashSale, customer_token: str) -> tuple[str, str]:
    headers = {"X-Customer-Token": customer_token}
    cart = await c.post("/api/v1/carts", json={"channel": sale.channel_code}, headers=headers)
    assert cart.status_code == 201, cart.text
    token = cart.json()["token"]
    r = await c.post(f"/api/v1/carts/{token}/lines", json={"variant_id": str(sale.variant_id)})
    assert r.status_code == 201, r.text
    pickup = {"kind": "pickup", "location_id": str(sale.location_id)}
    r = await c.patch(f"/api/v1/carts/{token}", json={"email": "a@example.com", "delivery": pickup})
    assert r.status_code == 200, r.text
    r = await c.post(f"/api/v1/carts/{token}/loyalty", json={"points": 300}, headers=headers)
    assert r.status_code == 200 and r.json()["points"] == 300, r.text
    card = await c.post(
        "/sandbox-psp/v1/tokens",
        json={"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        headers={"Authorization": "Bearer pk_sandbox_demo"},
    )
    return token, str(card.json()["id"])


async def test_one_balance_raced_by_ten_checkouts_pays_exactly_what_it_holds(
    shop: Database,
) -> None:
    async with unit_of_work(shop.sessions) as session:
        sale = await seed_flash_sale(session=session, units=CARTS, tag="lrace")
        customer = Customer(email="racer@example.com")
        session.add(customer)
        await session.flush()
        customer_token = await tokens.issue(session=session, customer_id=customer.id)
        await service.adjust(
            session=session, customer_id=customer.id, points=1000, reason="seed", actor="test"
        )
    app = create_app(Settings(worker_in_process=False, api_cache_seconds=0), database=shop)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop", timeout=180) as c:
        carts = [await prepare(c, sale, customer_token) for _ in range(CARTS)]
        responses = await asyncio.gather(
            *(
                c.post(
                    f"/api/v1/carts/{token}/complete",
                    json={"payment": {"method": "card", "token": card}},
                )
                for token, card in carts
            )
        )

    outcomes = Counter((r.status_code, r.json().get("code")) for r in responses)
    assert outcomes == {(200, None): 3, (409, "insufficient_points"): CARTS - 3}, outcomes
    async with shop.sessions() as session:
        balance = await session.scalar(
            select(LoyaltyAccount.balance).where(LoyaltyAccount.customer_id == customer.id)
        )
        ledger = await session.scalar(select(func.sum(LoyaltyEntry.points)))
        burns = await session.scalar(
            select(func.count()).select_from(LoyaltyEntry).where(LoyaltyEntry.kind == "burn")
        )
        orders = list(await session.scalars(select(Order)))
        payments = await session.scalar(select(func.count()).select_from(Payment))
    assert (balance, ledger, burns) == (100, 100, 3)
    assert len(orders) == 3 and all(o.points_spent == 300 for o in orders)
    assert all(o.total == sale.price - 300_00 for o in orders)
    assert payments == 3  # a refused cart never reached the PSP

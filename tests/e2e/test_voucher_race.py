"""A voucher limited to 100 uses, 300 buyers checking out with it at once through the HTTP
API on a database that really commits: exactly 100 orders carry it, every other buyer gets a
clear ``voucher_unavailable``, nobody a 5xx, and no charge exists without its order."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from omnishop.app import create_app
from omnishop.demo.flash import FlashSale, seed_flash_sale
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings
from omnishop.orders.models import Order
from omnishop.payments.models import Payment
from omnishop.pricing import promotion_staff
from omnishop.pricing.promotion_models import Voucher, VoucherRedemption
from omnishop.pricing.promotion_rules import Reward
from omnishop.pricing.promotion_schemas import PromotionCreate, VoucherCreate
from tests.payments_fixtures import psp_store

__all__ = ["psp_store"]
BUYERS = 300
LIMIT = 100
CODE = "RACE100"


@pytest.fixture
async def shop(fresh_engine: AsyncEngine, psp_store: str) -> AsyncIterator[Database]:
    yield Database(engine=fresh_engine, sessions=make_sessionmaker(fresh_engine))


@dataclass(frozen=True)
class Outcome:
    step: str
    status: int
    code: str | None
    order: dict[str, object] | None


async def prepare(c: httpx.AsyncClient, sale: FlashSale, n: int) -> tuple[str, str]:
    """A buyer's cart up to the last step: a line, contact and pickup, the code typed (it
    is still available: nobody has paid yet), a card tokenised."""
    cart = await c.post("/api/v1/carts", json={"channel": sale.channel_code})
    assert cart.status_code == 201, cart.text
    token = cart.json()["token"]
    line = {"variant_id": str(sale.variant_id)}
    r = await c.post(f"/api/v1/carts/{token}/lines", json=line)
    assert r.status_code == 201, r.text
    pickup = {"kind": "pickup", "location_id": str(sale.location_id)}
    contact = {"email": f"b{n}@example.com", "delivery": pickup}
    r = await c.patch(f"/api/v1/carts/{token}", json=contact)
    assert r.status_code == 200, r.text
    r = await c.post(f"/api/v1/carts/{token}/vouchers", json={"code": CODE.lower()})
    assert r.status_code == 200 and r.json()["discount"]["amount"] == 10_000, r.text
    card = await c.post(
        "/sandbox-psp/v1/tokens",
        json={"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        headers={"Authorization": "Bearer pk_sandbox_demo"},
    )
    return token, str(card.json()["id"])


async def complete(c: httpx.AsyncClient, token: str, card: str, n: int) -> Outcome:
    r = await c.post(
        f"/api/v1/carts/{token}/complete",
        json={"payment": {"method": "card", "token": card}},
        headers={"Idempotency-Key": f"race-{n}"},
    )
    body = r.json()
    order = body.get("order") if r.is_success else None
    return Outcome("complete", r.status_code, None if r.is_success else body.get("code"), order)


async def test_a_voucher_limited_to_100_is_used_exactly_100_times_by_300_buyers(
    shop: Database,
) -> None:
    async with unit_of_work(shop.sessions) as session:
        sale = await seed_flash_sale(session=session, units=BUYERS, tag="vrace")
        promo = await promotion_staff.create_promotion(
            session=session,
            data=PromotionCreate(
                name="Race",
                reward=Reward.FIXED_ORDER,
                value=Decimal(10_000),
                needs_voucher=True,
                currency="RUB",
            ),
        )
        await promotion_staff.create_voucher(
            session=session, promotion_id=promo.id, data=VoucherCreate(code=CODE, usage_limit=LIMIT)
        )
    app = create_app(Settings(worker_in_process=False, api_cache_seconds=0), database=shop)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop", timeout=180) as c:
        # Carts are filled a few at a time (the machine is small); then all 300 pay at once.
        gate = asyncio.Semaphore(20)

        async def ready(n: int) -> tuple[str, str]:
            async with gate:
                return await prepare(c, sale, n)

        carts = await asyncio.gather(*(ready(n) for n in range(BUYERS)))
        outcomes = await asyncio.gather(
            *(complete(c, token, card, n) for n, (token, card) in enumerate(carts))
        )

    won = [o for o in outcomes if o.order is not None]
    lost = Counter((o.step, o.status, o.code) for o in outcomes if o.order is None)
    assert not [o for o in outcomes if o.status >= 500], lost
    assert len(won) == LIMIT, lost
    assert all(o.order and o.order["discount_amount"] == 10_000 for o in won)
    assert set(lost) == {("complete", 409, "voucher_unavailable")}
    assert sum(lost.values()) == BUYERS - LIMIT
    async with shop.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Order)) == LIMIT
        carrying = await session.scalar(
            select(func.count()).select_from(Order).where(Order.discount_amount == 10_000)
        )
        assert carrying == LIMIT
        assert await session.scalar(select(Voucher.used_count).where(Voucher.code == CODE)) == LIMIT
        assert await session.scalar(select(func.count()).select_from(VoucherRedemption)) == LIMIT
        # A refused voucher is refused before any payment exists: no charge without its order.
        assert await session.scalar(select(func.count()).select_from(Payment)) == LIMIT

"""The back-office keeps promotions, voucher codes (stored upper-case) and flash-sale prices."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.pricing.promotion_models import Promotion, Voucher
from tests.e2e.test_admin import MakeStaff, make_staff, sign_in

__all__ = ["make_staff"]


async def test_staff_create_a_promotion_and_a_voucher_in_the_back_office(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    make_staff: MakeStaff,
) -> None:
    await sign_in(client, await make_staff("manager"))

    pages = [
        await client.get(f"/admin/{name}/list")
        for name in ("promotion", "voucher", "voucher-redemption", "sale-price")
    ]
    created = await client.post(
        "/admin/promotion/create",
        data={"name": "Autumn 15%", "labels": "{}", "active": "y", "channels": "[]",
              "priority": "5", "tiers": "[]", "segments": "[]", "category_ids": "[]",
              "product_ids": "[]", "min_subtotal": "0", "reward": "percent_order",
              "value": "15", "buy_qty": "0", "get_qty": "0"},
    )  # fmt: skip
    async with sessions() as session:
        promo = await session.scalar(select(Promotion).where(Promotion.name == "Autumn 15%"))
    assert promo is not None, created.text
    voucher = await client.post(
        "/admin/voucher/create",
        data={"code": "autumn15", "promotion_id": str(promo.id), "active": "y",
              "usage_limit": "50"},
    )  # fmt: skip
    listed = await client.get("/admin/voucher/list")

    assert [p.status_code for p in pages] == [200, 200, 200, 200]
    assert created.status_code in (200, 302)
    assert voucher.status_code in (200, 302), voucher.text
    assert "AUTUMN15" in listed.text
    async with sessions() as session:
        row = await session.scalar(select(Voucher).where(Voucher.code == "AUTUMN15"))
    assert row is not None and (row.usage_limit, row.used_count) == (50, 0)
    assert (promo.reward, promo.priority) == ("percent_order", 5)

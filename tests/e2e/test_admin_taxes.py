"""The back-office keeps the tax tables: country settings, rates, duties, channel overrides."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.pricing.tax_models import TaxRate
from tests.e2e.test_admin import MakeStaff, make_staff, sign_in

__all__ = ["make_staff"]


async def test_staff_list_and_add_tax_rates_in_the_back_office(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    make_staff: MakeStaff,
) -> None:
    await sign_in(client, await make_staff("manager"))

    pages = [
        await client.get(f"/admin/{name}/list")
        for name in ("tax-country", "tax-rate", "duty-rate", "channel-tax-setting")
    ]
    created = await client.post(
        "/admin/tax-rate/create",
        data={"country": "GE", "region": "", "tax_class": "standard", "rate_percent": "18",
              "name": "დღგ 18%", "active": "y"},
    )  # fmt: skip
    listed = await client.get("/admin/tax-rate/list")

    assert [p.status_code for p in pages] == [200, 200, 200, 200]
    assert created.status_code in (200, 302), created.text
    assert "დღგ 18%" in listed.text
    async with sessions() as session:
        row = await session.scalar(select(TaxRate).where(TaxRate.country == "GE"))
    assert row is not None and (row.tax_class, str(row.rate_percent)) == ("standard", "18.0000")

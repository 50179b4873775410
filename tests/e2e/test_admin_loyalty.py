"""The back-office edits the loyalty tiers and earn rules; accounts and the ledger are only
read (points move only through the loyalty service)."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.customers.models import Customer
from omnishop.kernel.db import unit_of_work
from omnishop.loyalty import service
from omnishop.loyalty.models import LoyaltyTier
from tests.e2e.test_admin import MakeStaff, make_staff, sign_in

__all__ = ["make_staff"]


async def test_staff_edit_tiers_and_only_read_the_ledger(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], make_staff: MakeStaff
) -> None:
    async with unit_of_work(sessions) as session:
        customer = Customer(email="ledger@example.com")
        session.add(customer)
        await session.flush()
        posted = await service.adjust(
            session=session, customer_id=customer.id, points=77, reason="welcome", actor="t"
        )
    await sign_in(client, await make_staff("owner"))

    created = await client.post(
        "/admin/loyalty-tier/create",
        data={
            "code": "gold",
            "names": '{"ru": "Золото", "en": "Gold"}',
            "min_spend": "5000000",
            "multiplier": "1.5",
        },
    )
    tiers = await client.get("/admin/loyalty-tier/list")
    rules = await client.get("/admin/earn-rule/create")
    ledger = await client.get("/admin/loyalty-entry/list")
    accounts = await client.get("/admin/loyalty-account/list")
    entry_create = await client.get("/admin/loyalty-entry/create")
    entry_edit = await client.get(f"/admin/loyalty-entry/edit/{posted.entry.id}")
    account_edit = await client.get(f"/admin/loyalty-account/edit/{uuid.uuid4()}")

    assert created.status_code == 302, created.text
    async with sessions() as session:
        tier = await session.scalar(select(LoyaltyTier).where(LoyaltyTier.code == "gold"))
    assert tier is not None and tier.min_spend == 5_000_000 and tier.names["en"] == "Gold"
    assert tiers.status_code == 200 and "gold" in tiers.text
    assert rules.status_code == 200
    assert ledger.status_code == 200 and "welcome" in ledger.text
    assert accounts.status_code == 200 and "77" in accounts.text
    assert entry_create.status_code in (403, 404) and entry_edit.status_code in (403, 404)
    assert account_edit.status_code in (403, 404)

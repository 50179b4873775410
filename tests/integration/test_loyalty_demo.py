"""The demo loyalty programme seeds its tiers and rules once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.loyalty.demo import seed_loyalty
from omnishop.loyalty.models import EarnRule, LoyaltyTier


async def test_the_demo_programme_is_seeded_once(session: AsyncSession) -> None:
    first = await seed_loyalty(session)
    second = await seed_loyalty(session)

    tiers = list(await session.scalars(select(LoyaltyTier).order_by(LoyaltyTier.min_spend)))
    assert (first, second) == (6, 0)
    assert [t.code for t in tiers] == ["silver", "gold", "platinum"]
    assert tiers[1].names["ka"] == "ოქრო"
    assert await session.scalar(select(func.count()).select_from(EarnRule)) == 3

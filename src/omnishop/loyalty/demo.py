"""The demo loyalty programme: Silver, Gold and Platinum tiers by rolling 12-month spend,
5% cashback everywhere, a welcome bonus on the first order and a bonus for a review.
Idempotent: tiers are recognised by code and rules by name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.loyalty.models import EarnRule, LoyaltyTier

# (code, names, rolling spend to reach in ₽ minor units, earn multiplier)
TIERS: list[tuple[str, dict[str, str], int, Decimal]] = [
    ("silver", {"ru": "Серебро", "en": "Silver", "ka": "ვერცხლი"}, 0, Decimal(1)),
    ("gold", {"ru": "Золото", "en": "Gold", "ka": "ოქრო"}, 50_000_00, Decimal("1.5")),
    ("platinum", {"ru": "Платина", "en": "Platinum", "ka": "პლატინა"}, 150_000_00, Decimal(2)),
]
RULES: list[dict[str, Any]] = [
    {"name": "5% cashback", "kind": "percent", "percent": Decimal(5)},
    {"name": "Welcome bonus", "kind": "bonus", "bonus_event": "first_order", "bonus_points": 200},
    {"name": "Review bonus", "kind": "bonus", "bonus_event": "review_written", "bonus_points": 50},
]


async def seed_loyalty(session: AsyncSession) -> int:
    """Create the demo tiers and earn rules that are missing; how many rows were added."""
    codes = set(await session.scalars(select(LoyaltyTier.code)))
    names = set(await session.scalars(select(EarnRule.name)))
    added: list[LoyaltyTier | EarnRule] = [
        LoyaltyTier(code=code, names=tier_names, min_spend=spend, multiplier=multiplier)
        for code, tier_names, spend, multiplier in TIERS
        if code not in codes
    ]
    added += [EarnRule(**rule) for rule in RULES if rule["name"] not in names]
    session.add_all(added)
    await session.flush()
    return len(added)

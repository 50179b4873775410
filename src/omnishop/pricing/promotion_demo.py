"""Demo promotions: a welcome voucher, free delivery over 5 000 ₽, a Telegram-only offer
and a buy-2-get-1 on games for the loyalty gold tier. Safe to run again."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.pricing.promotion_models import Promotion, Voucher

WELCOME_CODE = "WELCOME10"

PROMOTIONS: tuple[dict[str, Any], ...] = (
    {
        "name": "Welcome 10%",
        "labels": {"ru": "Скидка 10% на первый заказ", "en": "10% off your first order",
                   "ka": "10% ფასდაკლება პირველ შეკვეთაზე"},
        "reward": "percent_order", "value": Decimal(10), "needs_voucher": True,
        "first_order_only": True, "priority": 10,
    },
    {
        "name": "Free delivery over 5 000 ₽",
        "labels": {"ru": "Бесплатная доставка от 5 000 ₽", "en": "Free delivery over 5,000 ₽",
                   "ka": "უფასო მიწოდება 5 000 ₽-დან"},
        "reward": "free_shipping", "min_subtotal": 500_000, "currency": "RUB",
    },
    {
        "name": "Telegram: 5% off",
        "labels": {"ru": "Скидка 5% в Telegram", "en": "5% off in Telegram",
                   "ka": "5% ფასდაკლება Telegram-ში"},
        "reward": "percent_items", "value": Decimal(5), "channels": ["telegram"],
    },
    {
        "name": "Gold: buy 2 get 1",
        "labels": {"ru": "Золото: 2 + 1 в подарок", "en": "Gold: buy 2 get 1 free",
                   "ka": "ოქრო: იყიდე 2, მიიღე 1"},
        "reward": "buy_x_get_y", "buy_qty": 2, "get_qty": 1, "tiers": ["gold", "platinum"],
        "exclusive": True,
    },
)  # fmt: skip


async def seed_promotions(session: AsyncSession) -> int:
    """Create the demo promotions and the WELCOME10 code that are missing; rows added."""
    have = {p.name: p for p in await session.scalars(select(Promotion))}
    added = 0
    for data in PROMOTIONS:
        if data["name"] not in have:
            promotion = Promotion(**data)
            session.add(promotion)
            have[data["name"]] = promotion
            added += 1
    await session.flush()
    if await session.scalar(select(Voucher.id).where(Voucher.code == WELCOME_CODE)) is None:
        session.add(
            Voucher(
                code=WELCOME_CODE, promotion_id=have["Welcome 10%"].id, per_customer_limit=1,
            )
        )  # fmt: skip
        added += 1
        await session.flush()
    return added

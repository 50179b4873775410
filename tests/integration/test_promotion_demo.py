"""The demo promotions and the WELCOME10 code are seeded once and give what they say."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.pricing import promotion_service
from omnishop.pricing.promotion_demo import WELCOME_CODE, seed_promotions
from omnishop.pricing.promotion_models import Promotion, Voucher


async def test_the_demo_promotions_are_seeded_once(session: AsyncSession) -> None:
    first = await seed_promotions(session)
    second = await seed_promotions(session)

    assert (first, second) == (5, 0)
    assert await session.scalar(select(func.count()).select_from(Promotion)) == 4
    voucher = await session.scalar(select(Voucher).where(Voucher.code == WELCOME_CODE))
    assert voucher is not None and voucher.per_customer_limit == 1
    code = await promotion_service.check_code(
        session=session, code="welcome10", customer_key="email:a@example.com"
    )
    assert code == WELCOME_CODE
    specs, refused = await promotion_service.candidates(
        session=session, channel_code="telegram", codes=[code], customer_key=None, locale="en"
    )
    assert refused == []
    assert {s.name for s in specs} == {
        "10% off your first order", "Free delivery over 5,000 ₽", "5% off in Telegram",
        "Gold: buy 2 get 1 free",
    }  # fmt: skip

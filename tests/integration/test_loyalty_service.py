"""The loyalty ledger on SQLite and PostgreSQL: earn, burn, adjust, history, balance with
tiers, spending quotes (also in another currency), expiry by lot, a cart's chosen points."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers.models import Customer
from omnishop.kernel import clock
from omnishop.kernel.errors import ValidationFailed
from omnishop.loyalty import service
from omnishop.loyalty.models import LoyaltyAccount, LoyaltyEntry, LoyaltyTier
from omnishop.pricing import service as pricing
from omnishop.pricing.schemas import FxRateSet

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def customer(session: AsyncSession) -> uuid.UUID:
    row = Customer(email=f"{uuid.uuid4().hex[:8]}@example.com")
    session.add(row)
    await session.flush()
    return row.id


async def tiers(session: AsyncSession) -> None:
    session.add_all(
        [
            LoyaltyTier(code="silver", names={"ru": "Серебро", "en": "Silver"}, min_spend=0),
            LoyaltyTier(
                code="gold",
                names={"ru": "Золото", "en": "Gold"},
                min_spend=50_000_00,
                multiplier=Decimal("1.5"),
            ),
        ]
    )
    await session.flush()


async def ledger_sum(session: AsyncSession, customer_id: uuid.UUID) -> tuple[int, int]:
    """(cached balance, sum of entries): they must always agree."""
    acct = await session.scalar(
        select(LoyaltyAccount)
        .where(LoyaltyAccount.customer_id == customer_id)
        .execution_options(populate_existing=True)
    )
    assert acct is not None
    total = await session.scalar(
        select(func.coalesce(func.sum(LoyaltyEntry.points), 0)).where(
            LoyaltyEntry.account_id == acct.id
        )
    )
    return acct.balance, int(total or 0)


async def test_earn_then_burn_moves_the_balance_once_per_reference(session: AsyncSession) -> None:
    cid = await customer(session)
    await service.earn(session=session, customer_id=cid, points=300, reference="order:a")
    again = await service.earn(session=session, customer_id=cid, points=300, reference="order:a")
    burned = await service.burn(
        session=session, customer_id=cid, points=120, reference="order:b", channel_id=None
    )
    repeat = await service.burn(
        session=session, customer_id=cid, points=120, reference="order:b", channel_id=None
    )

    assert not again.created and again.balance == 300
    assert burned.created and burned.balance == 180
    assert not repeat.created and repeat.entry.id == burned.entry.id
    assert await ledger_sum(session, cid) == (180, 180)


async def test_a_burn_the_balance_cannot_cover_is_refused_and_changes_nothing(
    session: AsyncSession,
) -> None:
    cid = await customer(session)
    await service.earn(session=session, customer_id=cid, points=100, reference="order:a")

    with pytest.raises(service.InsufficientPoints):
        await service.burn(
            session=session, customer_id=cid, points=101, reference="order:b", channel_id=None
        )

    assert await ledger_sum(session, cid) == (100, 100)
    entries = await session.scalar(select(func.count()).select_from(LoyaltyEntry))
    assert entries == 1


async def test_staff_adjustments_need_a_reason_and_cannot_go_below_zero(
    session: AsyncSession,
) -> None:
    cid = await customer(session)
    added = await service.adjust(
        session=session, customer_id=cid, points=50, reason="goodwill", actor="apikey:x"
    )
    with pytest.raises(service.InsufficientPoints):
        await service.adjust(
            session=session, customer_id=cid, points=-51, reason="typo", actor="apikey:x"
        )
    with pytest.raises(ValidationFailed):
        await service.adjust(session=session, customer_id=cid, points=5, reason=" ", actor="x")
    taken = await service.adjust(
        session=session, customer_id=cid, points=-20, reason="typo", actor="apikey:x"
    )

    assert (added.balance, taken.balance) == (50, 30)
    assert taken.entry.kind == "adjust" and taken.entry.reason == "typo"
    assert await ledger_sum(session, cid) == (30, 30)


async def test_history_is_newest_first_and_paged(session: AsyncSession) -> None:
    cid = await customer(session)
    for n in range(5):
        clock.freeze(T0 + timedelta(minutes=n))
        await service.earn(session=session, customer_id=cid, points=n + 1, reference=f"o:{n}")

    first = await service.history(session=session, customer_id=cid, limit=3)
    second = await service.history(
        session=session, customer_id=cid, cursor=first.next_cursor, limit=3
    )

    assert [e.points for e in first.data] == [5, 4, 3]
    assert [e.points for e in second.data] == [2, 1] and second.next_cursor is None
    with pytest.raises(ValidationFailed):
        await service.history(session=session, customer_id=cid, cursor="nope")


async def test_a_customer_without_an_account_reads_as_zero(session: AsyncSession) -> None:
    cid = await customer(session)
    summary = await service.balance(session=session, customer_id=cid)
    page = await service.history(session=session, customer_id=cid)

    assert summary.balance == 0 and summary.tier is None and page.data == []
    assert await session.scalar(select(func.count()).select_from(LoyaltyAccount)) == 0


async def test_spend_reaches_a_tier_and_the_balance_names_the_next(session: AsyncSession) -> None:
    await tiers(session)
    cid = await customer(session)
    clock.freeze(T0)
    await service.earn(
        session=session, customer_id=cid, points=1500, reference="order:a", spend=30_000_00
    )
    silver = await service.balance(session=session, customer_id=cid, locale="en")
    await service.earn(
        session=session, customer_id=cid, points=1000, reference="order:b", spend=20_000_00
    )
    gold = await service.balance(session=session, customer_id=cid, locale="ru")
    multiplier = await service.multiplier(session=session, customer_id=cid)

    assert silver.tier is not None and silver.tier.name == "Silver"
    assert silver.next_tier is not None
    assert (silver.next_tier.tier.code, silver.next_tier.missing_spend) == ("gold", 20_000_00)
    assert gold.tier is not None and gold.tier.name == "Золото" and gold.next_tier is None
    assert multiplier == Decimal("1.5")
    assert await service.tier_code(session=session, customer_id=cid) == "gold"


async def test_tiers_count_only_the_rolling_window(session: AsyncSession) -> None:
    await tiers(session)
    cid = await customer(session)
    clock.freeze(T0)
    await service.earn(
        session=session, customer_id=cid, points=10, reference="order:a", spend=60_000_00
    )
    assert await service.tier_code(session=session, customer_id=cid) == "gold"

    clock.freeze(T0 + timedelta(days=400))
    moved = await service.refresh_tiers(session=session)

    assert moved == 1
    assert await service.tier_code(session=session, customer_id=cid) == "silver"


async def test_expiry_takes_unspent_points_of_old_lots_only_once(session: AsyncSession) -> None:
    cid = await customer(session)
    clock.freeze(T0)
    await service.earn(session=session, customer_id=cid, points=100, reference="order:old")
    clock.freeze(T0 + timedelta(days=200))
    await service.earn(session=session, customer_id=cid, points=50, reference="order:new")
    await service.burn(
        session=session, customer_id=cid, points=70, reference="order:spend", channel_id=None
    )
    soon = await service.balance(session=session, customer_id=cid)

    clock.freeze(T0 + timedelta(days=366))  # the first lot is past its year
    first = await service.expire_due(session=session)
    second = await service.expire_due(session=session)

    # 70 spent came out of the old lot first: only its 30 left expire; the new 50 stay.
    assert soon.expiring_soon.points == 0
    assert (first, second) == (1, 0)
    assert await ledger_sum(session, cid) == (50, 50)
    summary = await service.balance(session=session, customer_id=cid)
    assert summary.balance == 50

    clock.freeze(T0 + timedelta(days=200 + 365 - 10))
    nearly = await service.balance(session=session, customer_id=cid)
    assert nearly.expiring_soon.points == 50


async def test_points_may_pay_at_most_half_and_a_cart_keeps_its_choice(
    session: AsyncSession,
) -> None:
    cid = await customer(session)
    await service.earn(session=session, customer_id=cid, points=2000, reference="order:a")
    cart_id = uuid.uuid4()

    quote = await service.quote_spend(
        session=session, customer_id=cid, payable=300_000, currency="RUB"
    )
    with pytest.raises(service.InsufficientPoints):
        await service.set_cart_points(
            session=session, cart_id=cart_id, customer_id=cid, points=5000
        )
    await service.set_cart_points(session=session, cart_id=cart_id, customer_id=cid, points=1800)
    capped = await service.cart_spend(
        session=session, cart_id=cart_id, customer_id=cid, payable=300_000, currency="RUB"
    )
    other = await service.cart_spend(
        session=session, cart_id=cart_id, customer_id=uuid.uuid4(), payable=300_000, currency="RUB"
    )
    await service.clear_cart_points(session=session, cart_id=cart_id)

    assert (quote.max_points, quote.points, quote.amount) == (1500, 1500, 150_000)
    assert capped is not None and (capped.points, capped.amount) == (1500, 150_000)
    assert other is None
    assert await service.cart_points(session=session, cart_id=cart_id) == 0


async def test_points_pay_in_another_currency_through_the_fx_rate(session: AsyncSession) -> None:
    cid = await customer(session)
    await service.earn(session=session, customer_id=cid, points=1000, reference="order:a")
    clock.freeze(T0)
    await pricing.set_fx_rate(
        session=session,
        data=FxRateSet(base="GEL", quote="RUB", rate=Decimal(35), as_of=T0 - timedelta(hours=1)),
    )

    # 100,00 GEL payable: half is 50 GEL = 1 750 ₽, but only 1 000 points: worth 28,57 GEL
    quote = await service.quote_spend(
        session=session, customer_id=cid, payable=10_000, currency="GEL"
    )

    assert quote.max_points == 1000
    assert quote.amount == 2857

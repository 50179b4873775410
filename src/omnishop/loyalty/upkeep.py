"""Tiers and expiry: the tier a customer's rolling spend reaches (re-derived as spend leaves
the window) and the expiry of unspent points, first-to-expire spent first."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel import clock, outbox
from omnishop.loyalty import ledger, programme, rules
from omnishop.loyalty.events import TierChanged
from omnishop.loyalty.ledger import Movement
from omnishop.loyalty.models import LoyaltyAccount, LoyaltyEntry, LoyaltyTier
from omnishop.loyalty.rules import Debit, EntryKind, Lot, TierSpec
from omnishop.loyalty.schemas import TierInfo


async def tier_code(*, session: AsyncSession, customer_id: uuid.UUID | None) -> str | None:
    """The customer's tier code (promotion conditions ask), None without one."""
    if customer_id is None:
        return None
    return await session.scalar(
        select(LoyaltyAccount.tier_code).where(LoyaltyAccount.customer_id == customer_id)
    )


async def tiers_of(session: AsyncSession) -> list[LoyaltyTier]:
    return list(await session.scalars(select(LoyaltyTier).order_by(LoyaltyTier.min_spend)))


def spec(tier: LoyaltyTier) -> TierSpec:
    return TierSpec(tier.code, tier.min_spend, Decimal(tier.multiplier))


def tier_info(tier: LoyaltyTier, locale: str) -> TierInfo:
    names = tier.names or {}
    name = names.get(locale) or names.get("en") or tier.code
    return TierInfo(tier.code, str(name), tier.min_spend, str(Decimal(tier.multiplier)))


def rolling_spend(rows: list[LoyaltyEntry]) -> int:
    since = clock.now() - timedelta(days=programme.get().rolling_days)
    return max(0, sum(e.spend for e in rows if e.created_at >= since))


def lots_and_debits(rows: list[LoyaltyEntry]) -> tuple[list[Lot], list[Debit]]:
    lots: list[Lot] = []
    debits: list[Debit] = []
    for e in rows:
        key = f"{e.kind}:{e.reference}"
        if e.points > 0:
            lots.append(Lot(key, e.points, e.expires_at))
        elif e.points < 0:
            debits.append(Debit(-e.points, lot=f"{EntryKind.EARN}:{e.lot}" if e.lot else None))
    return lots, debits


async def multiplier(*, session: AsyncSession, customer_id: uuid.UUID) -> Decimal:
    """The earn multiplier of the customer's tier (1 without one)."""
    code = await tier_code(session=session, customer_id=customer_id)
    if code is None:
        return Decimal(1)
    value = await session.scalar(select(LoyaltyTier.multiplier).where(LoyaltyTier.code == code))
    return Decimal(value) if value is not None else Decimal(1)


async def refresh_tier(*, session: AsyncSession, customer_id: uuid.UUID) -> str | None:
    """Set the tier the customer's rolling spend reaches; ``loyalty.tier_changed`` on a move."""
    acct = await ledger.find_account(session, customer_id)
    if acct is None:
        return None
    rows = await ledger.entries(session, acct.id)
    reached = rules.tier_for(rolling_spend(rows), [spec(t) for t in await tiers_of(session)])
    code = reached.code if reached else None
    if code != acct.tier_code:
        await session.execute(
            update(LoyaltyAccount)
            .where(LoyaltyAccount.id == acct.id)
            .values(tier_code=code)
            .execution_options(synchronize_session=False)
        )
        await outbox.emit(
            session, TierChanged(customer_id=customer_id, from_tier=acct.tier_code, to_tier=code)
        )
    return code


async def expire_due(*, session: AsyncSession, limit: int = 200) -> int:
    """Expire the unspent points of lots past their date (first-to-expire spent first, so
    nothing already spent expires); tiers follow the rolling window. How many accounts
    lost points. Safe in several workers: each expiry's reference is unique per account."""
    now = clock.now()
    due = list(
        await session.scalars(
            select(LoyaltyAccount.id)
            .join(LoyaltyEntry, LoyaltyEntry.account_id == LoyaltyAccount.id)
            .where(
                LoyaltyEntry.points > 0,
                LoyaltyEntry.expires_at <= now,
                or_(
                    LoyaltyAccount.expired_through.is_(None),
                    LoyaltyEntry.expires_at > LoyaltyAccount.expired_through,
                ),
            )
            .group_by(LoyaltyAccount.id)
            .order_by(func.min(LoyaltyEntry.expires_at))
            .limit(limit)
        )
    )
    done = 0
    for account_id in due:
        held = await ledger.lock(session, account_id)
        rows = await ledger.entries(session, account_id)
        lots, debits = lots_and_debits(rows)
        points = min(rules.to_expire(lots, debits, now), held)
        if points > 0:
            last = max(lot.expires_at for lot in lots if lot.expires_at and lot.expires_at <= now)
            acct = await session.get(LoyaltyAccount, account_id)
            assert acct is not None  # locked just now
            posted = await ledger.post(
                session,
                acct,
                Movement(EntryKind.EXPIRE, -points, f"expire:{last.isoformat()}", reason="expired"),
            )
            done += int(posted.created)
        await session.execute(
            update(LoyaltyAccount)
            .where(LoyaltyAccount.id == account_id)
            .values(expired_through=now)
            .execution_options(synchronize_session=False)
        )
    return done


async def refresh_tiers(*, session: AsyncSession, limit: int = 500) -> int:
    """Re-derive tiers as spend leaves the rolling window (members with a tier only)."""
    members = list(
        await session.scalars(
            select(LoyaltyAccount.customer_id)
            .where(LoyaltyAccount.tier_code.is_not(None))
            .order_by(LoyaltyAccount.updated_at)
            .limit(limit)
        )
    )
    moved = 0
    for customer_id in members:
        before = await tier_code(session=session, customer_id=customer_id)
        moved += int(await refresh_tier(session=session, customer_id=customer_id) != before)
    if members:  # checked now: the next run starts with the others
        await session.execute(
            update(LoyaltyAccount)
            .where(LoyaltyAccount.customer_id.in_(members))
            .values(updated_at=clock.now())
            .execution_options(synchronize_session=False)
        )
    return moved

"""Loyalty use cases: balance and history, burning, earning, staff adjustments, reversals and
store credit; quotes and a cart's points (``loyalty.spending``), tiers and expiry
(``loyalty.upkeep``) are re-exported here; earning for an order lives in ``loyalty.earning``.
Every function works in the caller's transaction: flush, never commit."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel import clock
from omnishop.kernel.errors import ValidationFailed
from omnishop.kernel.money import exponent
from omnishop.loyalty import ledger, programme, rules, spending, upkeep
from omnishop.loyalty.ledger import InsufficientPoints, Movement
from omnishop.loyalty.models import LoyaltyEntry, LoyaltyTier
from omnishop.loyalty.rules import EntryKind
from omnishop.loyalty.schemas import (
    EntryPage,
    Expiring,
    LoyaltySummary,
    NextTier,
    Posted,
)

__all__ = [
    "InsufficientPoints",
    "adjust",
    "balance",
    "burn",
    "cart_points",
    "cart_spend",
    "clear_cart_points",
    "credit",
    "earn",
    "expire_due",
    "give_back",
    "give_back_burn",
    "history",
    "quote_spend",
    "refresh_tier",
    "reverse",
    "set_cart_points",
    "tier_code",
]

# --- reading ---


async def balance(
    *, session: AsyncSession, customer_id: uuid.UUID, locale: str = "ru"
) -> LoyaltySummary:
    """Balance, tier, next tier and points expiring soon (a customer without an account
    reads as zero; nothing is written)."""
    settings = programme.get()
    currency = settings.currency
    acct = await ledger.find_account(session, customer_id)
    tiers = await upkeep.tiers_of(session)
    specs = [upkeep.spec(t) for t in tiers]
    soon: tuple[int, datetime | None] = (0, None)
    tier: LoyaltyTier | None = None
    if acct is None:
        spend, points = 0, 0
    else:
        rows = await ledger.entries(session, acct.id)
        spend = upkeep.rolling_spend(rows)
        points = acct.balance
        now = clock.now()
        lots, debits = upkeep.lots_and_debits(rows)
        soon = rules.expiring(lots, debits, now, now + timedelta(days=settings.expiring_soon_days))
        tier = next((t for t in tiers if t.code == acct.tier_code), None)
    following = rules.next_tier(spend, specs)
    by_code = {t.code: t for t in tiers}
    return LoyaltySummary(
        customer_id=customer_id,
        balance=points,
        currency=currency,
        value=rules.point_value(points, rate=Decimal(1), exponent=exponent(currency)),
        tier=upkeep.tier_info(tier, locale) if tier else None,
        next_tier=(
            NextTier(upkeep.tier_info(by_code[following[0].code], locale), following[1])
            if following
            else None
        ),
        rolling_spend=spend,
        expiring_soon=Expiring(soon[0], soon[1], settings.expiring_soon_days),
    )


async def history(
    *, session: AsyncSession, customer_id: uuid.UUID, cursor: str | None = None, limit: int = 20
) -> EntryPage:
    """The customer's entries, newest first, paged by an opaque cursor (the last entry id)."""
    if not 1 <= limit <= 100:
        raise ValidationFailed("limit must be 1–100", field="limit")
    acct = await ledger.find_account(session, customer_id)
    if acct is None:
        return EntryPage(data=[], next_cursor=None)
    query = select(LoyaltyEntry).where(LoyaltyEntry.account_id == acct.id)
    if cursor is not None:
        last = await session.get(LoyaltyEntry, _cursor_id(cursor))
        if last is None or last.account_id != acct.id:
            raise ValidationFailed("malformed cursor", field="cursor")
        query = query.where(
            or_(
                LoyaltyEntry.created_at < last.created_at,
                and_(LoyaltyEntry.created_at == last.created_at, LoyaltyEntry.id < last.id),
            )
        )
    rows = list(
        await session.scalars(
            query.order_by(LoyaltyEntry.created_at.desc(), LoyaltyEntry.id.desc()).limit(limit + 1)
        )
    )
    page = rows[:limit]
    return EntryPage(
        data=[ledger.info(e) for e in page],
        next_cursor=str(page[-1].id) if len(rows) > limit else None,
    )


def _cursor_id(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(cursor)
    except ValueError as exc:
        raise ValidationFailed("malformed cursor", field="cursor") from exc


# --- spending ---


async def burn(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID,
    points: int,
    reference: str,
    channel_id: uuid.UUID | None,
    order_id: uuid.UUID | None = None,
) -> Posted:
    """Spend points: one conditional UPDATE (the balance must cover them) plus the entry.
    Concurrent burns never overspend; the same reference burns once (409
    ``insufficient_points`` when the balance is short)."""
    if points <= 0:
        raise ValidationFailed("points must be positive", field="points")
    acct = await ledger.account(session, customer_id)
    move = Movement(EntryKind.BURN, -points, reference, channel_id=channel_id, order_id=order_id)
    return await ledger.post(session, acct, move)


# --- earning, corrections, reversals ---


async def earn(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID,
    points: int,
    reference: str,
    channel_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
    spend: int = 0,
    reason: str | None = None,
) -> Posted:
    """Add earned points (a lot that expires after the programme's lifetime) and count
    ``spend`` towards the tier. Idempotent on ``reference``."""
    if points < 0:
        raise ValidationFailed("points cannot be negative", field="points")
    lifetime = programme.get().points_lifetime_days
    expires_at = clock.now() + timedelta(days=lifetime) if lifetime else None
    acct = await ledger.account(session, customer_id)
    posted = await ledger.post(
        session,
        acct,
        Movement(
            EntryKind.EARN, points, reference, channel_id=channel_id, order_id=order_id,
            spend=spend, expires_at=expires_at, reason=reason,
        ),
    )  # fmt: skip
    if posted.created and spend:
        await upkeep.refresh_tier(session=session, customer_id=customer_id)
    return posted


async def credit(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID,
    points: int,
    reference: str,
    reason: str,
    channel_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
) -> Posted:
    """Store credit or a bonus as points that do not expire. Idempotent on ``reference``."""
    if points <= 0:
        raise ValidationFailed("points must be positive", field="points")
    acct = await ledger.account(session, customer_id)
    return await ledger.post(
        session,
        acct,
        Movement(
            EntryKind.CREDIT, points, reference, channel_id=channel_id, order_id=order_id,
            reason=reason,
        ),
    )  # fmt: skip


async def adjust(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID,
    points: int,
    reason: str,
    actor: str,
    reference: str | None = None,
) -> Posted:
    """A staff correction of either sign with its reason; a negative one cannot take more
    than the balance (409 ``insufficient_points``). ``reference`` makes a retry safe."""
    if points == 0:
        raise ValidationFailed("points must not be zero", field="points")
    if not reason.strip():
        raise ValidationFailed("a reason is required", field="reason")
    acct = await ledger.account(session, customer_id)
    return await ledger.post(
        session,
        acct,
        Movement(
            EntryKind.ADJUST, points, reference or f"adjust:{uuid.uuid4()}", reason=reason,
            actor=actor,
        ),
    )  # fmt: skip


async def reverse(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID,
    points: int,
    reference: str,
    lot: str | None = None,
    spend: int = 0,
    reason: str | None = None,
    channel_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
) -> Posted | None:
    """Take earned points back (a cancel, a return). Points already spent stay spent: the
    take-back is capped at the balance. None when there is nothing to take."""
    acct = await ledger.account(session, customer_id)
    held = await ledger.lock(session, acct.id)
    before = await ledger.existing(session, acct.id, EntryKind.REVERSE, reference)
    if before is not None:
        return Posted(ledger.info(before), created=False, balance=held)
    taking = rules.take_back(points, held)
    if taking <= 0 and spend <= 0:
        return None
    posted = await ledger.post(
        session,
        acct,
        Movement(
            EntryKind.REVERSE, -taking, reference, lot=lot, spend=-spend, reason=reason,
            channel_id=channel_id, order_id=order_id,
        ),
    )  # fmt: skip
    if spend:
        await upkeep.refresh_tier(session=session, customer_id=customer_id)
    return posted


async def give_back(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID,
    points: int,
    reference: str,
    reason: str,
    channel_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
    lot: str | None = None,
) -> Posted | None:
    """Return spent points (the order they paid for was canceled or returned; ``lot`` names
    the burn); they live a fresh lifetime. Idempotent on ``reference``."""
    if points <= 0:
        return None
    lifetime = programme.get().points_lifetime_days
    acct = await ledger.account(session, customer_id)
    return await ledger.post(
        session,
        acct,
        Movement(
            EntryKind.REVERSE, points, reference, reason=reason, channel_id=channel_id,
            order_id=order_id, lot=lot,
            expires_at=clock.now() + timedelta(days=lifetime) if lifetime else None,
        ),
    )  # fmt: skip


async def give_back_burn(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID,
    reference: str,
    reason: str,
    order_id: uuid.UUID | None = None,
) -> Posted | None:
    """Give back what the burn with this ``reference`` took (a payment that placed no
    order, a canceled order), once, less what returns gave back already; None when there
    was no such burn."""
    acct = await ledger.find_account(session, customer_id)
    if acct is None:
        return None
    burned = await ledger.existing(session, acct.id, EntryKind.BURN, reference)
    if burned is None:
        return None
    given = await session.scalar(
        select(func.coalesce(func.sum(LoyaltyEntry.points), 0)).where(
            LoyaltyEntry.account_id == acct.id,
            LoyaltyEntry.kind == EntryKind.REVERSE,
            LoyaltyEntry.lot == reference,
            LoyaltyEntry.points > 0,
        )
    )
    return await give_back(
        session=session, customer_id=customer_id, points=-burned.points - int(given or 0),
        lot=reference,
        reference=f"{reference}:give-back", reason=reason, channel_id=burned.channel_id,
        order_id=order_id,
    )  # fmt: skip


# Re-exported: callers know one module.
cart_points = spending.cart_points
cart_spend = spending.cart_spend
clear_cart_points = spending.clear_cart_points
quote_spend = spending.quote_spend
set_cart_points = spending.set_cart_points
expire_due = upkeep.expire_due
multiplier = upkeep.multiplier
refresh_tier = upkeep.refresh_tier
refresh_tiers = upkeep.refresh_tiers
tier_code = upkeep.tier_code

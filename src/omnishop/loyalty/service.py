"""Loyalty use cases: balance and history, spending points (quote, burn, a cart's choice),
earning, staff adjustments, reversals, store credit and expiry. Earning for an order lives in
``loyalty.earning``. Every function works in the caller's transaction: flush, never commit."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel import clock, outbox
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.kernel.money import exponent
from omnishop.loyalty import ledger, programme, rules
from omnishop.loyalty.events import TierChanged
from omnishop.loyalty.ledger import InsufficientPoints, Movement
from omnishop.loyalty.models import CartPoints, LoyaltyAccount, LoyaltyEntry, LoyaltyTier
from omnishop.loyalty.rules import Debit, EntryKind, Lot, TierSpec
from omnishop.loyalty.schemas import (
    EntryInfo,
    EntryPage,
    Expiring,
    LoyaltySummary,
    NextTier,
    Posted,
    SpendQuote,
    TierInfo,
)
from omnishop.pricing import service as pricing

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

POSITIVE = (EntryKind.EARN, EntryKind.CREDIT)


# --- reading ---


async def balance(
    *, session: AsyncSession, customer_id: uuid.UUID, locale: str = "ru"
) -> LoyaltySummary:
    """Balance, tier, next tier and points expiring soon (a customer without an account
    reads as zero; nothing is written)."""
    settings = programme.get()
    currency = settings.currency
    acct = await ledger.find_account(session, customer_id)
    tiers = await _tiers(session)
    specs = [_spec(t) for t in tiers]
    soon: tuple[int, datetime | None] = (0, None)
    tier: LoyaltyTier | None = None
    if acct is None:
        spend, points = 0, 0
    else:
        rows = await ledger.entries(session, acct.id)
        spend = _rolling_spend(rows)
        points = acct.balance
        now = clock.now()
        lots, debits = _lots_and_debits(rows)
        soon = rules.expiring(lots, debits, now, now + timedelta(days=settings.expiring_soon_days))
        tier = next((t for t in tiers if t.code == acct.tier_code), None)
    following = rules.next_tier(spend, specs)
    by_code = {t.code: t for t in tiers}
    return LoyaltySummary(
        customer_id=customer_id,
        balance=points,
        currency=currency,
        value=rules.point_value(points, rate=Decimal(1), exponent=exponent(currency)),
        tier=_tier_info(tier, locale) if tier else None,
        next_tier=(
            NextTier(_tier_info(by_code[following[0].code], locale), following[1])
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


async def tier_code(*, session: AsyncSession, customer_id: uuid.UUID | None) -> str | None:
    """The customer's tier code (promotion conditions ask), None without one."""
    if customer_id is None:
        return None
    return await session.scalar(
        select(LoyaltyAccount.tier_code).where(LoyaltyAccount.customer_id == customer_id)
    )


# --- spending ---


async def _rate(session: AsyncSession, currency: str) -> Decimal:
    """Programme currency → ``currency``: what one point is worth there, in major units (the
    exact stored FX rate: converting one unit as Money would round it to a cent)."""
    return await pricing.latest_rate(session=session, base=programme.get().currency, quote=currency)


async def quote_spend(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID,
    payable: int,
    currency: str,
    points: int | None = None,
) -> SpendQuote:
    """How many points an order of ``payable`` (minor units of ``currency``) may take: the
    balance, capped at the programme's max share of the order; ``points`` asks for fewer."""
    acct = await ledger.find_account(session, customer_id)
    held = acct.balance if acct else 0
    if points is not None and points < 0:
        raise ValidationFailed("points cannot be negative", field="points")
    usable = held
    try:
        rate = await _rate(session, currency) if held and payable > 0 else Decimal(1)
    except NotFound:  # no FX rate to the programme currency: points cannot pay here
        usable, rate = 0, Decimal(1)
    cap = rules.max_points(
        balance=usable,
        payable=payable,
        max_share=programme.get().max_share,
        rate=rate,
        exponent=exponent(currency),
    )
    chosen = cap if points is None else min(points, cap)
    return SpendQuote(
        balance=held,
        max_points=cap,
        points=chosen,
        amount=rules.point_value(chosen, rate=rate, exponent=exponent(currency)),
        currency=currency,
    )


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


async def set_cart_points(
    *, session: AsyncSession, cart_id: uuid.UUID, customer_id: uuid.UUID, points: int
) -> int:
    """Remember the points a buyer wants to spend on a cart (checked against the balance
    now, capped by the order's max share when the cart's totals are computed)."""
    if points <= 0:
        raise ValidationFailed("points must be positive", field="points")
    acct = await ledger.find_account(session, customer_id)
    if acct is None or acct.balance < points:
        raise InsufficientPoints(
            f"the balance ({acct.balance if acct else 0}) does not cover {points} points",
            field="points",
        )
    row = await session.get(CartPoints, cart_id)
    if row is None:
        session.add(CartPoints(cart_id=cart_id, customer_id=customer_id, points=points))
    else:
        row.customer_id, row.points = customer_id, points
    await session.flush()
    return points


async def clear_cart_points(*, session: AsyncSession, cart_id: uuid.UUID) -> None:
    """The buyer no longer spends points on this cart (idempotent)."""
    await session.execute(
        delete(CartPoints)
        .where(CartPoints.cart_id == cart_id)
        .execution_options(synchronize_session=False)
    )


async def cart_points(*, session: AsyncSession, cart_id: uuid.UUID) -> int:
    """The points the buyer asked to spend on the cart (0 when none)."""
    value = await session.scalar(select(CartPoints.points).where(CartPoints.cart_id == cart_id))
    return int(value or 0)


async def cart_spend(
    *,
    session: AsyncSession,
    cart_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    payable: int,
    currency: str,
) -> SpendQuote | None:
    """What the cart's chosen points pay now (None when it spends none): the choice capped by
    the current balance and the max share of ``payable``. The checkout totals call this."""
    if customer_id is None:
        return None
    row = await session.scalar(select(CartPoints).where(CartPoints.cart_id == cart_id))
    if row is None or row.customer_id != customer_id:
        return None
    return await quote_spend(
        session=session, customer_id=customer_id, payable=payable, currency=currency,
        points=row.points,
    )  # fmt: skip


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
        await refresh_tier(session=session, customer_id=customer_id)
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
        await refresh_tier(session=session, customer_id=customer_id)
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
) -> Posted | None:
    """Return spent points (the order they paid for was canceled); they live a fresh
    lifetime. Idempotent on ``reference``."""
    if points <= 0:
        return None
    lifetime = programme.get().points_lifetime_days
    acct = await ledger.account(session, customer_id)
    return await ledger.post(
        session,
        acct,
        Movement(
            EntryKind.REVERSE, points, reference, reason=reason, channel_id=channel_id,
            order_id=order_id,
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
    order, a canceled order), once; None when there was no such burn."""
    acct = await ledger.find_account(session, customer_id)
    if acct is None:
        return None
    burned = await ledger.existing(session, acct.id, EntryKind.BURN, reference)
    if burned is None:
        return None
    return await give_back(
        session=session, customer_id=customer_id, points=-burned.points,
        reference=f"{reference}:give-back", reason=reason, channel_id=burned.channel_id,
        order_id=order_id,
    )  # fmt: skip


# --- tiers and expiry ---


async def _tiers(session: AsyncSession) -> list[LoyaltyTier]:
    return list(await session.scalars(select(LoyaltyTier).order_by(LoyaltyTier.min_spend)))


def _spec(tier: LoyaltyTier) -> TierSpec:
    return TierSpec(tier.code, tier.min_spend, Decimal(tier.multiplier))


def _tier_info(tier: LoyaltyTier, locale: str) -> TierInfo:
    names = tier.names or {}
    name = names.get(locale) or names.get("en") or tier.code
    return TierInfo(tier.code, str(name), tier.min_spend, str(Decimal(tier.multiplier)))


def _rolling_spend(rows: list[LoyaltyEntry]) -> int:
    since = clock.now() - timedelta(days=programme.get().rolling_days)
    return max(0, sum(e.spend for e in rows if e.created_at >= since))


def _lots_and_debits(rows: list[LoyaltyEntry]) -> tuple[list[Lot], list[Debit]]:
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
    reached = rules.tier_for(_rolling_spend(rows), [_spec(t) for t in await _tiers(session)])
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
        lots, debits = _lots_and_debits(rows)
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
    return moved


def entry_infos(rows: list[LoyaltyEntry]) -> list[EntryInfo]:
    return [ledger.info(e) for e in rows]

"""Promotions and vouchers for a cart: which promotions are candidates (loaded once, then the
pure ``promotion_rules`` decide), checking a typed code, and taking / giving back a
voucher's use exactly under concurrency.

A use is taken by ONE conditional UPDATE (``used_count < usage_limit``) in the transaction
that starts the payment; its row lock orders concurrent redemptions of one voucher, so the
per-customer count read right after it sees every earlier committed use. Reopening the cart
(declined payment, voided charge) gives the use back."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel import clock
from omnishop.kernel.errors import Conflict, NotFound
from omnishop.pricing import promotion_rules as rules
from omnishop.pricing.promotion_models import Promotion, Voucher, VoucherRedemption


class VoucherNotFound(NotFound):
    code: ClassVar[str] = "voucher_not_found"
    title: ClassVar[str] = "Unknown voucher code"


class VoucherUnavailable(Conflict):
    """A code on the cart can no longer be used (ran out, ended): never dropped silently."""

    code: ClassVar[str] = "voucher_unavailable"
    title: ClassVar[str] = "The voucher cannot be used"

    def __init__(self, voucher_code: str, reason: str) -> None:
        super().__init__(f"{voucher_code}: {reason}", field="vouchers", voucher=voucher_code)


def spec_of(
    promotion: Promotion, locale: str | None = None, code: str | None = None
) -> rules.PromotionSpec:
    labels = promotion.labels or {}
    return rules.PromotionSpec(
        id=str(promotion.id),
        name=str(labels.get(locale or "", "") or promotion.name),
        reward=rules.Reward(promotion.reward),
        value=Decimal(promotion.value or 0),
        priority=promotion.priority,
        exclusive=promotion.exclusive,
        active=promotion.active,
        starts_at=promotion.starts_at,
        ends_at=promotion.ends_at,
        channels=frozenset(promotion.channels or ()),
        currency=promotion.currency,
        tiers=frozenset(promotion.tiers or ()),
        segments=frozenset(promotion.segments or ()),
        category_ids=frozenset(str(c) for c in promotion.category_ids or ()),
        product_ids=frozenset(str(p) for p in promotion.product_ids or ()),
        min_subtotal=promotion.min_subtotal,
        first_order_only=promotion.first_order_only,
        buy_qty=promotion.buy_qty,
        get_qty=promotion.get_qty,
        gift_variant_id=str(promotion.gift_variant_id) if promotion.gift_variant_id else None,
        code=code,
    )


async def candidates(
    *,
    session: AsyncSession,
    channel_code: str,
    codes: Sequence[str],
    customer_key: str | None,
    locale: str | None = None,
) -> tuple[list[rules.PromotionSpec], list[rules.Rejected]]:
    """Automatic promotions running now in the channel, plus the promotion of each voucher
    code on the cart; codes that cannot be used come back refused with the reason."""
    now = clock.now()
    automatic = await session.scalars(
        select(Promotion).where(
            Promotion.active.is_(True),
            Promotion.needs_voucher.is_(False),
            or_(Promotion.starts_at.is_(None), Promotion.starts_at <= now),
            or_(Promotion.ends_at.is_(None), Promotion.ends_at > now),
        )
    )
    specs = [
        spec_of(p, locale)
        for p in automatic
        if not p.channels or channel_code in (p.channels or ())
    ]
    refused: list[rules.Rejected] = []
    seen: set[str] = set()
    for raw in codes:
        state, promotion = await voucher_state(session=session, code=raw, customer_key=customer_key)
        if state.code in seen:
            continue
        seen.add(state.code)
        reason = rules.voucher_refusal(state)
        if reason is not None or promotion is None:
            refused.append(
                rules.Rejected(None, state.promotion_name or state.code, reason or "", state.code)
            )
            continue
        if any(s.id == str(promotion.id) for s in specs):
            continue  # the promotion applies anyway; the code adds nothing
        specs.append(spec_of(promotion, locale, state.code))
    return specs, refused


async def names(
    *, session: AsyncSession, promotion_ids: Sequence[str], locale: str | None = None
) -> list[str]:
    """The names of these promotions in ``locale`` (to say which one no longer applies)."""
    wanted = []
    for raw in promotion_ids:
        try:
            wanted.append(uuid.UUID(raw))
        except ValueError:
            continue
    rows = await session.scalars(select(Promotion).where(Promotion.id.in_(wanted)))
    return sorted(spec_of(p, locale).name for p in rows)


async def voucher_state(
    *, session: AsyncSession, code: str, customer_key: str | None
) -> tuple[rules.VoucherState, Promotion | None]:
    """What is known of a typed code now (for the rules to say whether it may be used)."""
    normalized = rules.normalize_code(code)
    row = (
        await session.execute(
            select(Voucher, Promotion)
            .join(Promotion, Promotion.id == Voucher.promotion_id)
            .where(Voucher.code == normalized)
        )
    ).first()
    if row is None:
        return rules.VoucherState(code=normalized, exists=False), None
    voucher, promotion = row
    mine = 0
    if customer_key is not None and voucher.per_customer_limit is not None:
        mine = await _used_by(session, voucher.id, customer_key)
    now = clock.now()
    running = (
        voucher.active
        and promotion.active
        and (promotion.starts_at is None or promotion.starts_at <= now)
        and (promotion.ends_at is None or promotion.ends_at > now)
    )
    state = rules.VoucherState(
        code=normalized,
        exists=True,
        active=running,
        used=voucher.used_count,
        limit=voucher.usage_limit,
        used_by_customer=mine,
        per_customer_limit=voucher.per_customer_limit,
        promotion_name=promotion.name,
    )
    return state, promotion


async def _used_by(session: AsyncSession, voucher_id: uuid.UUID, customer_key: str) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(VoucherRedemption)
            .where(
                VoucherRedemption.voucher_id == voucher_id,
                VoucherRedemption.customer_key == customer_key,
            )
        )
        or 0
    )


async def check_code(*, session: AsyncSession, code: str, customer_key: str | None) -> str:
    """The normalised code if it may be put on a cart now, else ``VoucherUnavailable``."""
    state, _ = await voucher_state(session=session, code=code, customer_key=customer_key)
    if not state.exists:
        raise VoucherNotFound(f"{state.code}: unknown voucher code", field="code")
    reason = rules.voucher_refusal(state)
    if reason is not None:
        raise VoucherUnavailable(state.code, reason)
    return state.code


async def redeem(
    *,
    session: AsyncSession,
    cart_id: uuid.UUID,
    amounts: Mapping[str, int],
    customer_key: str | None,
) -> None:
    """Take one use of each voucher (code -> discount it brought) for this cart, exactly
    within its limits; a cart that already holds its use keeps it (a retried payment)."""
    for code in sorted(amounts):  # one order for every request: no lock cycles
        voucher = await session.scalar(select(Voucher).where(Voucher.code == code))
        if voucher is None:
            raise VoucherUnavailable(code, "unknown voucher code")
        held = await session.scalar(
            select(VoucherRedemption.id).where(
                VoucherRedemption.voucher_id == voucher.id, VoucherRedemption.cart_id == cart_id
            )
        )
        if held is not None:
            continue
        taken = await session.execute(
            update(Voucher)
            .where(
                Voucher.id == voucher.id,
                Voucher.active.is_(True),
                or_(Voucher.usage_limit.is_(None), Voucher.used_count < Voucher.usage_limit),
            )
            .values(used_count=Voucher.used_count + 1)
            .execution_options(synchronize_session=False)
        )
        if not taken.rowcount:  # type: ignore[attr-defined]
            raise VoucherUnavailable(code, "this voucher has been used up")
        # The row lock just taken orders us after every earlier redemption of this voucher,
        # and this new statement sees their committed rows.
        limit = voucher.per_customer_limit
        mine = (
            0
            if customer_key is None or limit is None
            else await _used_by(session, voucher.id, customer_key)
        )
        if limit is not None and mine >= limit:
            raise VoucherUnavailable(code, "you have already used this voucher")
        session.add(
            VoucherRedemption(
                voucher_id=voucher.id, cart_id=cart_id, customer_key=customer_key,
                amount=amounts[code],
            )
        )  # fmt: skip
    await session.flush()


async def release(*, session: AsyncSession, cart_id: uuid.UUID) -> int:
    """Give back every voucher use this cart took (it reopened without an order)."""
    gone = list(
        await session.scalars(
            delete(VoucherRedemption)
            .where(VoucherRedemption.cart_id == cart_id)
            .returning(VoucherRedemption.voucher_id)
        )
    )
    for voucher_id in gone:
        await session.execute(
            update(Voucher)
            .where(Voucher.id == voucher_id, Voucher.used_count > 0)
            .values(used_count=Voucher.used_count - 1)
            .execution_options(synchronize_session=False)
        )
    return len(gone)


async def redeemed_codes(*, session: AsyncSession, cart_id: uuid.UUID) -> set[str]:
    """The codes whose use this cart holds (the order confirms them)."""
    rows = await session.scalars(
        select(Voucher.code)
        .join(VoucherRedemption, VoucherRedemption.voucher_id == Voucher.id)
        .where(VoucherRedemption.cart_id == cart_id)
    )
    return set(rows)

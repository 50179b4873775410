"""Staff use cases for promotions: create / change / list them, their voucher codes (one or
many at once, unguessable), and flash-sale prices per variant and channel."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.kernel import clock, ids, outbox
from omnishop.kernel.errors import Conflict, NotFound, ValidationFailed
from omnishop.pricing.events import PriceChanged
from omnishop.pricing.promotion_models import Promotion, SalePrice, Voucher
from omnishop.pricing.promotion_rules import Reward, normalize_code
from omnishop.pricing.promotion_schemas import (
    PromotionCreate,
    PromotionUpdate,
    SalePriceSet,
    VoucherBatch,
    VoucherBulk,
    VoucherCreate,
    check_reward,
)

# No 0/O, 1/I/L: a code read aloud at a store counter is typed right.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


async def create_promotion(*, session: AsyncSession, data: PromotionCreate) -> Promotion:
    """A new promotion (automatic, or with ``needs_voucher`` only through its codes)."""
    fields = data.model_dump(exclude_none=True, mode="json")
    fields["reward"] = data.reward.value
    if data.value is not None:
        fields["value"] = data.value
    # Lists of ids travel as JSON strings; the columns of their own type keep theirs.
    native = {k: getattr(data, k) for k in ("starts_at", "ends_at", "gift_variant_id")}
    promotion = Promotion(**{**fields, **native})
    session.add(promotion)
    await session.flush()
    return promotion


async def get_promotion(*, session: AsyncSession, promotion_id: uuid.UUID) -> Promotion:
    promotion = await session.get(Promotion, promotion_id)
    if promotion is None:
        raise NotFound("promotion not found", field="promotion_id")
    return promotion


async def update_promotion(
    *, session: AsyncSession, promotion_id: uuid.UUID, data: PromotionUpdate
) -> Promotion:
    """Change the fields sent; the reward must still make sense as a whole."""
    promotion = await get_promotion(session=session, promotion_id=promotion_id)
    sent = data.model_dump(exclude_unset=True, mode="json")
    for key in ("starts_at", "ends_at", "value", "gift_variant_id"):
        if key in sent:
            sent[key] = getattr(data, key)
    for key, value in sent.items():
        setattr(promotion, key, value)
    try:
        check_reward(
            Reward(promotion.reward), promotion.value, promotion.buy_qty, promotion.get_qty,
            promotion.gift_variant_id,
        )  # fmt: skip
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="value") from exc
    if promotion.starts_at and promotion.ends_at and promotion.ends_at <= promotion.starts_at:
        raise ValidationFailed("ends_at must be after starts_at", field="ends_at")
    await session.flush()
    return promotion


async def list_promotions(
    *, session: AsyncSession, after: uuid.UUID | None = None, limit: int = 50
) -> list[Promotion]:
    """Promotions, newest first (``after``: the id of the last one already seen)."""
    query = select(Promotion).order_by(Promotion.id.desc()).limit(limit)
    if after is not None:
        query = query.where(Promotion.id < after)
    return list(await session.scalars(query))


async def create_voucher(
    *, session: AsyncSession, promotion_id: uuid.UUID, data: VoucherCreate
) -> Voucher:
    """One code for a promotion; codes are unique without regard to case (409 if taken)."""
    await get_promotion(session=session, promotion_id=promotion_id)
    code = normalize_code(data.code)
    if await session.scalar(select(Voucher.id).where(Voucher.code == code)) is not None:
        raise Conflict(f"the code {code} is taken", field="code")
    voucher = Voucher(
        code=code, promotion_id=promotion_id, active=data.active,
        usage_limit=data.usage_limit, per_customer_limit=data.per_customer_limit,
    )  # fmt: skip
    session.add(voucher)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent request took the code
        raise Conflict(f"the code {code} is taken", field="code") from exc
    return voucher


def random_code(prefix: str, length: int) -> str:
    """``prefix`` + ``length`` characters from a secure generator (≥ 8 chars: 31^8 ≈ 8.5e11
    possibilities, so codes cannot be guessed from one another)."""
    return normalize_code(prefix) + "".join(secrets.choice(ALPHABET) for _ in range(length))


async def generate_vouchers(
    *, session: AsyncSession, promotion_id: uuid.UUID, data: VoucherBulk
) -> VoucherBatch:
    """``count`` unguessable codes for a promotion, in one batch (its id names them)."""
    await get_promotion(session=session, promotion_id=promotion_id)
    batch = f"batch-{ids.new_id().hex[:12]}"
    codes: set[str] = set()
    while len(codes) < data.count:
        wanted = {random_code(data.prefix, data.length) for _ in range(data.count - len(codes))}
        taken = set(await session.scalars(select(Voucher.code).where(Voucher.code.in_(wanted))))
        codes |= wanted - taken
    session.add_all(
        Voucher(
            code=code, promotion_id=promotion_id, usage_limit=data.usage_limit,
            per_customer_limit=data.per_customer_limit, batch=batch,
        )
        for code in sorted(codes)
    )  # fmt: skip
    await session.flush()
    return VoucherBatch(batch=batch, count=len(codes), codes=sorted(codes))


async def list_vouchers(
    *,
    session: AsyncSession,
    promotion_id: uuid.UUID,
    after: uuid.UUID | None = None,
    limit: int = 50,
) -> list[Voucher]:
    """A promotion's codes with how often each was used."""
    await get_promotion(session=session, promotion_id=promotion_id)
    query = (
        select(Voucher)
        .where(Voucher.promotion_id == promotion_id)
        .order_by(Voucher.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Voucher.id > after)
    return list(await session.scalars(query))


async def voucher_uses(*, session: AsyncSession, promotion_id: uuid.UUID) -> int:
    """Every use of the promotion's codes (what its limits count)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(Voucher.used_count), 0)).where(
            Voucher.promotion_id == promotion_id
        )
    )
    return int(total or 0)


# --- flash-sale prices ---


async def set_sale_price(*, session: AsyncSession, data: SalePriceSet) -> SalePrice:
    """A flash-sale price for a variant in a channel between two moments; windows of one
    variant in one channel may not overlap."""
    channel = await channels.get_by_code(session=session, code=data.channel, active_only=False)
    clash = await session.scalar(
        select(SalePrice.id).where(
            SalePrice.variant_id == data.variant_id,
            SalePrice.channel_id == channel.id,
            SalePrice.starts_at < data.ends_at,
            SalePrice.ends_at > data.starts_at,
        )
    )
    if clash is not None:
        raise Conflict("another sale price of this variant overlaps that time", field="starts_at")
    sale = SalePrice(
        variant_id=data.variant_id, channel_id=channel.id, amount=data.amount,
        starts_at=data.starts_at, ends_at=data.ends_at,
    )  # fmt: skip
    session.add(sale)
    await session.flush()
    # Listings and caches refresh at the price change (start) like at any other.
    await outbox.emit(session, PriceChanged(variant_id=data.variant_id, channel_id=channel.id))
    return sale


async def delete_sale_price(*, session: AsyncSession, sale_id: uuid.UUID) -> None:
    sale = await session.get(SalePrice, sale_id)
    if sale is None:
        raise NotFound("sale price not found", field="sale_id")
    await session.delete(sale)
    await session.flush()
    await outbox.emit(session, PriceChanged(variant_id=sale.variant_id, channel_id=sale.channel_id))


async def sale_prices_now(
    *,
    session: AsyncSession,
    variant_ids: Sequence[uuid.UUID],
    channel_id: uuid.UUID,
    at: datetime | None = None,
) -> dict[uuid.UUID, int]:
    """The flash-sale amount of each variant running now in the channel (absent: none)."""
    if not variant_ids:
        return {}
    now = at or clock.now()
    rows = await session.execute(
        select(SalePrice.variant_id, SalePrice.amount).where(
            and_(
                SalePrice.channel_id == channel_id,
                SalePrice.variant_id.in_(list(variant_ids)),
                SalePrice.starts_at <= now,
                SalePrice.ends_at > now,
            )
        )
    )
    return {vid: amount for vid, amount in rows}

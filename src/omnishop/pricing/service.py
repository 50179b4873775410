"""Per-channel prices and FX rates."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service as catalog
from omnishop.channels import service as channels
from omnishop.kernel import clock, outbox
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.kernel.money import Money, check_currency
from omnishop.pricing import rules
from omnishop.pricing.events import PriceChanged
from omnishop.pricing.models import FxRate, Price
from omnishop.pricing.promotion_models import SalePrice
from omnishop.pricing.schemas import FxRateSet, PriceEntry, PriceInfo, PriceRead, PriceSet


async def set_price(
    *,
    session: AsyncSession,
    variant_id: uuid.UUID,
    channel_id: uuid.UUID,
    amount: int,
    compare_at_amount: int | None = None,
) -> PriceInfo:
    """Set a variant's price in a channel, in that channel's currency (upsert)."""
    entry = PriceEntry(variant_id, channel_id, amount, compare_at_amount)
    return (await set_prices(session=session, entries=[entry]))[0]


async def set_prices(*, session: AsyncSession, entries: Sequence[PriceEntry]) -> list[PriceInfo]:
    """Set many prices at once (upsert), all validated before any is written."""
    currencies: dict[uuid.UUID, str] = {}
    for entry in entries:
        if entry.channel_id not in currencies:
            channel = await channels.get(session=session, channel_id=entry.channel_id)
            currencies[entry.channel_id] = channel.currency
        if entry.amount < 0:
            raise ValidationFailed("price cannot be negative", field="amount")
        if entry.compare_at_amount is not None and entry.compare_at_amount <= entry.amount:
            raise ValidationFailed(
                "compare-at price must be above the price", field="compare_at_amount"
            )
    keys = {(e.variant_id, e.channel_id) for e in entries}
    existing: dict[tuple[uuid.UUID, uuid.UUID], Price] = {}
    for channel_id in currencies:
        variant_ids = [v for v, c in keys if c == channel_id]
        for row in await session.scalars(
            select(Price).where(Price.channel_id == channel_id, Price.variant_id.in_(variant_ids))
        ):
            existing[(row.variant_id, row.channel_id)] = row
    written = []
    for entry in entries:
        key = (entry.variant_id, entry.channel_id)
        price = existing.get(key)
        if price is None:
            price = Price(variant_id=entry.variant_id, channel_id=entry.channel_id)
            session.add(price)
            existing[key] = price
        price.currency = currencies[entry.channel_id]
        price.amount = entry.amount
        price.compare_at_amount = entry.compare_at_amount
        written.append(price)
    await session.flush()
    for key in sorted(keys):
        await outbox.emit(session, PriceChanged(variant_id=key[0], channel_id=key[1]))
    return [_info(p) for p in written]


def _info(price: Price) -> PriceInfo:
    return PriceInfo(
        price.variant_id, price.channel_id, price.currency, price.amount, price.compare_at_amount
    )


async def prices_for_variants(
    *, session: AsyncSession, variant_ids: Sequence[uuid.UUID], channel_id: uuid.UUID
) -> dict[uuid.UUID, PriceInfo]:
    """Prices of these variants in one channel now, by variant id (variants without one are
    absent). A running flash sale is the price then, the regular price its compare-at."""
    if not variant_ids:
        return {}
    now = clock.now()
    # One statement for regular and flash-sale prices (a page pays per round trip, not per
    # variant): the running sale, if any, rides along as an outer join.
    sale = and_(
        SalePrice.variant_id == Price.variant_id,
        SalePrice.channel_id == Price.channel_id,
        SalePrice.starts_at <= now,
        SalePrice.ends_at > now,
    )
    rows = await session.execute(
        select(Price, SalePrice.amount)
        .outerjoin(SalePrice, sale)
        .where(Price.channel_id == channel_id, Price.variant_id.in_(list(variant_ids)))
    )
    found: dict[uuid.UUID, PriceInfo] = {}
    sales: dict[uuid.UUID, int] = {}
    for price, sale_amount in rows:
        found[price.variant_id] = _info(price)
        if sale_amount is not None:
            sales[price.variant_id] = min(sale_amount, sales.get(price.variant_id, sale_amount))
    for variant_id, amount in sales.items():
        regular = found[variant_id]
        if amount < regular.amount:
            found[variant_id] = PriceInfo(
                variant_id, channel_id, regular.currency, amount, regular.amount
            )
    return found


async def all_prices_for_variants(
    *, session: AsyncSession, variant_ids: Sequence[uuid.UUID]
) -> list[PriceInfo]:
    """Prices of these variants in every channel."""
    if not variant_ids:
        return []
    rows = await session.scalars(select(Price).where(Price.variant_id.in_(list(variant_ids))))
    return [_info(p) for p in rows]


async def set_fx_rate(*, session: AsyncSession, data: FxRateSet) -> FxRate:
    """Record an FX rate (1 base = rate quote) as of a moment; history is kept."""
    base = check_currency(data.base, field="base")
    quote = check_currency(data.quote, field="quote")
    if base == quote:
        raise ValidationFailed("base and quote must differ", field="quote")
    as_of = data.as_of or clock.now()
    existing = await session.scalar(
        select(FxRate).where(FxRate.base == base, FxRate.quote == quote, FxRate.as_of == as_of)
    )
    if existing is not None:
        existing.rate, existing.source = data.rate, data.source
        await session.flush()
        return existing
    rate = FxRate(base=base, quote=quote, rate=data.rate, as_of=as_of, source=data.source)
    session.add(rate)
    await session.flush()
    return rate


async def latest_rate(*, session: AsyncSession, base: str, quote: str) -> Decimal:
    """The newest stored rate base→quote (or the inverse of quote→base), else ``NotFound``."""
    if base == quote:
        return Decimal(1)
    row = await session.scalar(
        select(FxRate)
        .where(
            (and_(FxRate.base == base, FxRate.quote == quote))
            | (and_(FxRate.base == quote, FxRate.quote == base))
        )
        .where(FxRate.as_of <= clock.now())
        .order_by(FxRate.as_of.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(f"no FX rate for {base}/{quote}", field="currency")
    rate = Decimal(row.rate)
    return rate if row.base == base else (Decimal(1) / rate)


async def convert(*, session: AsyncSession, price: Money, to_currency: str) -> Money:
    """Convert with the latest stored rate (exact, no retail rounding)."""
    rate = await latest_rate(session=session, base=price.currency, quote=to_currency)
    return rules.convert(price, rate, to_currency)


async def derive_channel_prices(
    *,
    session: AsyncSession,
    source_channel_id: uuid.UUID,
    target_channel_id: uuid.UUID,
    variant_ids: Sequence[uuid.UUID] | None = None,
) -> int:
    """Price a channel from another one: latest FX rate plus the target currency's rounding."""
    source = await channels.get(session=session, channel_id=source_channel_id)
    target = await channels.get(session=session, channel_id=target_channel_id)
    rate = await latest_rate(session=session, base=source.currency, quote=target.currency)
    query = select(Price).where(Price.channel_id == source_channel_id)
    if variant_ids is not None:
        query = query.where(Price.variant_id.in_(list(variant_ids)))
    entries = []
    for price in list(await session.scalars(query)):
        amount = rules.convert_retail(Money(price.amount, source.currency), rate, target.currency)
        compare_at = (
            rules.convert_retail(
                Money(price.compare_at_amount, source.currency), rate, target.currency
            ).amount
            if price.compare_at_amount
            else None
        )
        if compare_at is not None and compare_at <= amount.amount:
            compare_at = None
        entries.append(PriceEntry(price.variant_id, target_channel_id, amount.amount, compare_at))
    await set_prices(session=session, entries=entries)
    return len(entries)


async def put_price(*, session: AsyncSession, data: PriceSet) -> PriceRead:
    """Set a variant's price in the channel with this code; the variant must exist."""
    channel = await channels.get_by_code(session=session, code=data.channel, active_only=False)
    found = await catalog.existing_variant_ids(session=session, variant_ids=[data.variant_id])
    if data.variant_id not in found:
        raise NotFound("variant not found", field="variant_id")
    info = await set_price(
        session=session,
        variant_id=data.variant_id,
        channel_id=channel.id,
        amount=data.amount,
        compare_at_amount=data.compare_at_amount,
    )
    return _read(info, channel.code)


def _read(info: PriceInfo, channel_code: str) -> PriceRead:
    return PriceRead(
        variant_id=info.variant_id,
        channel=channel_code,
        currency=info.currency,
        amount=info.amount,
        compare_at_amount=info.compare_at_amount,
    )


async def list_prices(*, session: AsyncSession, variant_id: uuid.UUID) -> list[PriceRead]:
    """A variant's prices in every channel (archived channels included), by channel code."""
    found = await catalog.existing_variant_ids(session=session, variant_ids=[variant_id])
    if variant_id not in found:
        raise NotFound("variant not found", field="variant_id")
    codes = {c.id: c.code for c in await channels.list_channels(session=session, active_only=False)}
    infos = await all_prices_for_variants(session=session, variant_ids=[variant_id])
    return sorted((_read(i, codes[i.channel_id]) for i in infos), key=lambda p: p.channel)


async def list_fx_rates(
    *,
    session: AsyncSession,
    base: str | None = None,
    quote: str | None = None,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int = 50,
) -> list[FxRate]:
    """Stored rates, newest first; ``after`` is the (as_of, id) of the last row already seen."""
    query = select(FxRate).order_by(FxRate.as_of.desc(), FxRate.id.desc()).limit(limit)
    if base is not None:
        query = query.where(FxRate.base == base)
    if quote is not None:
        query = query.where(FxRate.quote == quote)
    if after is not None:
        as_of, last_id = after
        query = query.where(
            or_(FxRate.as_of < as_of, and_(FxRate.as_of == as_of, FxRate.id < last_id))
        )
    return list(await session.scalars(query))

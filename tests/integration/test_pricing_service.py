"""Pricing use cases on SQLite and PostgreSQL: prices by channel code, FX rates and derivation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import ProductCreate, TranslationIn, VariantCreate
from omnishop.channels import service as channels
from omnishop.channels.models import Channel
from omnishop.channels.schemas import ChannelCreate
from omnishop.kernel import clock
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.kernel.outbox import OutboxEvent
from omnishop.pricing import service
from omnishop.pricing.schemas import FxRateSet, PriceSet


async def channel(session: AsyncSession, code: str, currency: str) -> Channel:
    data = ChannelCreate(
        code=code, name=code, kind="web", currency=currency, default_locale="ru", country="RU"
    )
    return await channels.create(session=session, data=data)


async def variants(session: AsyncSession, n: int = 2) -> list[uuid.UUID]:
    product = await catalog.create_product(
        session=session,
        data=ProductCreate(
            slug="p",
            translations={"ru": TranslationIn(name="P")},
            variants=[VariantCreate(sku=f"p-{i}") for i in range(n)],
        ),
    )
    bundle = await catalog.get_bundle(session=session, id_or_slug=str(product.id))
    return [v.id for v in bundle.variants]


async def test_put_price_uses_the_channel_currency_and_announces_it(session: AsyncSession) -> None:
    await channel(session, "web-en", "EUR")
    [vid] = await variants(session, 1)

    read = await service.put_price(
        session=session, data=PriceSet(variant_id=vid, channel="web-en", amount=1299)
    )
    listed = await service.list_prices(session=session, variant_id=vid)
    announced = await session.scalar(
        select(func.count())
        .select_from(OutboxEvent)
        .where(OutboxEvent.topic == "pricing.price_changed")
    )

    assert (read.currency, read.amount, read.channel) == ("EUR", 1299, "web-en")
    assert listed == [read]
    assert announced == 1


async def test_put_price_refuses_unknown_variants_and_bad_compare_at(session: AsyncSession) -> None:
    await channel(session, "web", "RUB")
    [vid] = await variants(session, 1)

    with pytest.raises(NotFound) as unknown:
        await service.put_price(
            session=session, data=PriceSet(variant_id=uuid.uuid4(), channel="web", amount=1)
        )
    with pytest.raises(ValidationFailed) as compare_at:
        await service.put_price(
            session=session,
            data=PriceSet(variant_id=vid, channel="web", amount=100, compare_at_amount=100),
        )

    assert unknown.value.field == "variant_id"
    assert compare_at.value.field == "compare_at_amount"
    assert await service.list_prices(session=session, variant_id=vid) == []


async def test_latest_rate_is_the_newest_past_one_and_works_inverted(session: AsyncSession) -> None:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    clock.freeze(now)
    for days, rate in ((-2, "90"), (-1, "100"), (1, "500")):
        await service.set_fx_rate(
            session=session,
            data=FxRateSet(
                base="EUR", quote="RUB", rate=Decimal(rate), as_of=now + timedelta(days=days)
            ),
        )

    assert await service.latest_rate(session=session, base="EUR", quote="RUB") == Decimal(100)
    assert await service.latest_rate(session=session, base="RUB", quote="EUR") == Decimal("0.01")
    with pytest.raises(NotFound):
        await service.latest_rate(session=session, base="EUR", quote="GEL")


async def test_fx_rates_page_newest_first_without_gaps(session: AsyncSession) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for day in range(5):
        await service.set_fx_rate(
            session=session,
            data=FxRateSet(
                base="EUR", quote="RUB", rate=Decimal(100 + day), as_of=start + timedelta(days=day)
            ),
        )

    first = await service.list_fx_rates(session=session, limit=3)
    rest = await service.list_fx_rates(
        session=session, after=(first[-1].as_of, first[-1].id), limit=3
    )

    assert [int(r.rate) for r in first + rest] == [104, 103, 102, 101, 100]
    assert await service.list_fx_rates(session=session, base="USD") == []


async def test_derived_channel_prices_use_the_stored_rate_and_retail_rounding(
    session: AsyncSession,
) -> None:
    web = await channel(session, "web", "RUB")
    web_en = await channel(session, "web-en", "EUR")
    first, second = await variants(session)
    await service.set_price(session=session, variant_id=first, channel_id=web.id, amount=129900)
    await service.set_price(
        session=session, variant_id=second, channel_id=web.id, amount=50, compare_at_amount=60
    )
    await service.set_fx_rate(
        session=session, data=FxRateSet(base="EUR", quote="RUB", rate=Decimal("95.238095"))
    )

    count = await service.derive_channel_prices(
        session=session, source_channel_id=web.id, target_channel_id=web_en.id
    )
    prices = await service.prices_for_variants(
        session=session, variant_ids=[first, second], channel_id=web_en.id
    )

    assert count == 2
    assert (prices[first].currency, prices[first].amount) == ("EUR", 1399)  # 13.64 → 13.99
    # 0.50 ₽ is far below a euro: still a positive .99 price, and no compare-at equal to it.
    assert (prices[second].amount, prices[second].compare_at_amount) == (99, None)

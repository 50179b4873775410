"""The seed's database steps, each inside the caller's unit of work and only through the
domains' service functions. Every step skips what already exists, so a second run adds nothing
and never overwrites what a merchant changed since."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import (
    CategoryCreate,
    ProductBundle,
    ProductCreate,
    PublicationIn,
    TranslationIn,
    VariantCreate,
)
from omnishop.channels import service as channels
from omnishop.channels.models import Channel, ChannelKind
from omnishop.channels.schemas import ChannelCreate
from omnishop.customers import staff
from omnishop.demo.loaders import ItemRow
from omnishop.demo.rules import CategoryNode
from omnishop.inventory import service as inventory
from omnishop.inventory.schemas import LocationCreate, StockCount
from omnishop.kernel.errors import Conflict
from omnishop.pricing import service as pricing
from omnishop.pricing.schemas import FxRateSet, PriceEntry
from omnishop.pricing.tax_demo import customs_for

BASE_CHANNEL = "web"


def _channel(
    code: str, name: str, kind: ChannelKind, currency: str, locale: str, country: str
) -> ChannelCreate:
    return ChannelCreate(
        code=code, name=name, kind=kind, currency=currency, default_locale=locale, country=country
    )


CHANNELS: tuple[ChannelCreate, ...] = (
    _channel("web", "Интернет-магазин", ChannelKind.WEB, "RUB", "ru", "RU"),
    _channel("web-en", "Web shop (EUR)", ChannelKind.WEB, "EUR", "en", "DE"),
    _channel("web-ge", "ვებ-მაღაზია (GEL)", ChannelKind.WEB, "GEL", "ka", "GE"),
    _channel("telegram", "Telegram", ChannelKind.TELEGRAM, "RUB", "ru", "RU"),
    _channel("store", "Магазины", ChannelKind.STORE, "RUB", "ru", "RU"),
    # Messaging channels sell in roubles for now; they exist so their webhooks have a home.
    _channel("whatsapp", "WhatsApp", ChannelKind.WHATSAPP, "RUB", "ru", "RU"),
    _channel("messenger", "Messenger", ChannelKind.MESSENGER, "RUB", "ru", "RU"),
    _channel("sms", "SMS", ChannelKind.SMS, "RUB", "ru", "RU"),
    _channel("webchat", "Веб-чат", ChannelKind.WEBCHAT, "RUB", "ru", "RU"),
)

# Rates as of the last month of the 1C data (September 2015), from the Bank of Russia's
# official rates of 30.09.2015: EUR 74.58 RUB (1 RUB ≈ 0.0134 EUR) and, through USD 66.24 RUB
# and 2.36 GEL, 1 RUB ≈ 0.0357 GEL. Fixed so the demo prices are reproducible.
DATA_AS_OF = datetime(2015, 9, 30, tzinfo=UTC)
FX_SOURCE = "demo"
FX_RATES: dict[str, Decimal] = {"EUR": Decimal("0.0134"), "GEL": Decimal("0.0357")}

STAFF_EMAIL = "demo@omnishop.local"
STAFF_PASSWORD = "omnishop-demo"  # noqa: S105 - the published demo login


@dataclass
class Counts:
    channels: int = 0
    fx_rates: int = 0
    categories: int = 0
    locations: int = 0
    products: int = 0
    products_existing: int = 0
    publications: int = 0
    prices: int = 0
    stock_levels: int = 0
    staff: int = 0

    def created(self) -> int:
        return sum(v for k, v in vars(self).items() if k not in ("products_existing", "fx_rates"))


@dataclass
class Context:
    """Ids the product batches need, resolved once."""

    channels: dict[str, Channel]
    categories: dict[str, uuid.UUID]  # slug → id
    locations: dict[str, uuid.UUID]  # code → id
    existing: dict[str, ProductBundle]  # SKU → product
    counts: Counts = field(default_factory=Counts)


async def ensure_channels(*, session: AsyncSession, counts: Counts) -> dict[str, Channel]:
    """The demo channels (by code) plus the FX rates the foreign-currency ones are priced with."""
    found = {c.code: c for c in await channels.list_channels(session=session, active_only=False)}
    for data in CHANNELS:
        if data.code not in found:
            found[data.code] = await channels.create(session=session, data=data)
            counts.channels += 1
    for quote, rate in FX_RATES.items():
        # set_fx_rate upserts on (base, quote, as_of): the same row on every run.
        await pricing.set_fx_rate(
            session=session,
            data=FxRateSet(base="RUB", quote=quote, rate=rate, as_of=DATA_AS_OF, source=FX_SOURCE),
        )
        counts.fx_rates += 1
    return found


async def ensure_categories(
    *, session: AsyncSession, nodes: list[CategoryNode], counts: Counts
) -> dict[str, uuid.UUID]:
    """The category tree (parents come first in ``nodes``); existing slugs are left alone."""
    ids = {c.slug: c.id for c in await catalog.list_categories(session=session, active_only=False)}
    for node in nodes:
        if node.slug in ids:
            continue
        category = await catalog.create_category(
            session=session,
            data=CategoryCreate(
                slug=node.slug,
                parent_id=ids[node.parent_slug] if node.parent_slug else None,
                position=node.position,
                translations={loc: TranslationIn(name=name) for loc, name in node.names.items()},
                external_ref=node.external_ref,
            ),
        )
        ids[node.slug] = category.id
        counts.categories += 1
    return ids


async def ensure_locations(
    *, session: AsyncSession, wanted: list[LocationCreate], counts: Counts
) -> dict[str, uuid.UUID]:
    """Stores and warehouses by code; an archived one keeps its code and gets no stock."""
    ids = {loc.code: loc.id for loc in await inventory.list_locations(session=session)}
    for data in wanted:
        if data.code in ids:
            continue
        try:
            location = await inventory.create_location(session=session, data=data)
        except Conflict:
            continue  # exists but archived: leave it so
        ids[data.code] = location.id
        counts.locations += 1
    return ids


async def existing_products(*, session: AsyncSession) -> dict[str, ProductBundle]:
    """Every product by the SKUs of its variants, to recognise what an earlier run created."""
    ids = await catalog.all_product_ids(session=session)
    bundles = await catalog.load_products(session=session, product_ids=ids)
    return {v.sku: b for b in bundles for v in b.variants}


async def ensure_staff(*, session: AsyncSession, counts: Counts) -> None:
    """The demo owner account; left as it is when the email already exists."""
    try:
        await staff.create_staff(
            session=session,
            email=STAFF_EMAIL,
            name="Demo Owner",
            role="owner",
            password=STAFF_PASSWORD,
        )
    except Conflict:
        return
    counts.staff += 1


def sku_of(item_id: int) -> str:
    return f"1C-{item_id}"


@dataclass(frozen=True)
class ProductSeed:
    """One item as the seed will create it, already shaped by the rules."""

    item: ItemRow
    slug: str
    category_slug: str | None
    name_en: str
    platform: str | None
    price: int  # RUB kopecks
    compare_at: int | None


async def create_products(
    *, session: AsyncSession, seeds: list[ProductSeed], ctx: Context
) -> dict[int, ProductBundle]:
    """Create the items not seen before; returns every item's product (old and new)."""
    created: list[uuid.UUID] = []
    result: dict[int, ProductBundle] = {}
    for s in seeds:
        if (bundle := ctx.existing.get(sku_of(s.item.id))) is not None:
            result[s.item.id] = bundle
            ctx.counts.products_existing += 1
            continue
        tax_class, hs_code = customs_for(s.category_slug)
        data = ProductCreate(
            slug=s.slug,
            tax_class=tax_class,
            hs_code=hs_code,
            category_id=ctx.categories.get(s.category_slug) if s.category_slug else None,
            attributes={"platform": s.platform} if s.platform else {},
            translations={
                "ru": TranslationIn(name=s.item.name_ru[:300]),
                "en": TranslationIn(name=s.name_en[:300]),
            },
            variants=[VariantCreate(sku=sku_of(s.item.id))],
            external_ref=str(s.item.id),
        )
        try:
            product = await catalog.create_product(session=session, data=data)
        except Conflict as exc:
            if exc.field != "slug":
                raise
            # Someone else's product took the slug: the item id makes ours unique.
            data = data.model_copy(update={"slug": f"{s.slug[:100]}-{s.item.id}"})
            product = await catalog.create_product(session=session, data=data)
        created.append(product.id)
        ctx.counts.products += 1
    by_id = {b.id: b for b in await catalog.load_products(session=session, product_ids=created)}
    for s in seeds:
        if s.item.id not in result:
            new = next(b for b in by_id.values() if b.variants[0].sku == sku_of(s.item.id))
            result[s.item.id] = new
            ctx.existing[sku_of(s.item.id)] = new
    return result


async def publish_everywhere(
    *, session: AsyncSession, products: list[ProductBundle], ctx: Context
) -> None:
    """Visible and purchasable in every demo channel where the product is not published yet."""
    for code in sorted(ctx.channels):
        channel = ctx.channels[code]
        missing = [b.id for b in products if b.publication(channel.id) is None]
        if missing:
            await catalog.publish_many(
                session=session,
                product_ids=missing,
                channel_ids=[channel.id],
                data=PublicationIn(visible=True, purchasable=True, published_at=DATA_AS_OF),
            )
            ctx.counts.publications += len(missing)


async def set_prices(
    *,
    session: AsyncSession,
    seeds: dict[int, ProductSeed],
    products: dict[int, ProductBundle],
    ctx: Context,
) -> None:
    """RUB prices from the sales history in every rouble channel; the others derived from
    ``web`` with the stored FX rate and the target currency's rounding. Only missing prices."""
    variant_of = {item_id: b.variants[0].id for item_id, b in products.items()}
    item_ids = sorted(variant_of)
    foreign: list[Channel] = []
    for code in sorted(ctx.channels):
        channel = ctx.channels[code]
        if channel.currency != "RUB":
            foreign.append(channel)
            continue
        have = await pricing.prices_for_variants(
            session=session, variant_ids=list(variant_of.values()), channel_id=channel.id
        )
        entries = [
            PriceEntry(
                variant_of[item_id], channel.id, seeds[item_id].price, seeds[item_id].compare_at
            )
            for item_id in item_ids
            if variant_of[item_id] not in have
        ]
        await pricing.set_prices(session=session, entries=entries)
        ctx.counts.prices += len(entries)
    base = ctx.channels[BASE_CHANNEL]
    for channel in foreign:
        have = await pricing.prices_for_variants(
            session=session, variant_ids=list(variant_of.values()), channel_id=channel.id
        )
        missing = [variant_of[i] for i in item_ids if variant_of[i] not in have]
        if missing:
            ctx.counts.prices += await pricing.derive_channel_prices(
                session=session,
                source_channel_id=base.id,
                target_channel_id=channel.id,
                variant_ids=missing,
            )


async def stock_new_products(
    *,
    session: AsyncSession,
    stock: dict[int, dict[str, int]],
    products: dict[int, ProductBundle],
    created: set[int],
    ctx: Context,
) -> None:
    """Counted stock per location, only for products this run created (later counts are the
    merchant's). ``stock`` is item id → location code → units."""
    counts = [
        StockCount(products[item_id].variants[0].id, ctx.locations[code], quantity)
        for item_id in sorted(created)
        for code, quantity in sorted(stock.get(item_id, {}).items())
        if code in ctx.locations
    ]
    if counts:
        await inventory.set_on_hand_many(session=session, counts=counts)
    ctx.counts.stock_levels += len(counts)

"""Search index upkeep: event handlers that re-index what changed.

Each handler rebuilds documents from the current state of the catalog, prices and stock,
so running one twice (at-least-once delivery) writes the same rows.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.events import CategoryChanged, ProductChanged
from omnishop.channels.events import ChannelChanged
from omnishop.inventory.events import StockChanged
from omnishop.kernel.events import handles_batch
from omnishop.pricing.events import PriceChanged
from omnishop.search import index


@handles_batch(ProductChanged)
async def on_products_changed(session: AsyncSession, events: list[ProductChanged]) -> None:
    await index.reindex_products(session, sorted({e.product_id for e in events}))


@handles_batch(PriceChanged)
async def on_prices_changed(session: AsyncSession, events: list[PriceChanged]) -> None:
    products = await index.products_of_variants(session, sorted({e.variant_id for e in events}))
    await index.reindex_products(session, products)


@handles_batch(StockChanged)
async def on_stock_changed(session: AsyncSession, events: list[StockChanged]) -> None:
    products = await index.products_of_variants(session, sorted({e.variant_id for e in events}))
    await index.reindex_products(session, products)


@handles_batch(CategoryChanged)
async def on_categories_changed(session: AsyncSession, events: list[CategoryChanged]) -> None:
    products: set[uuid.UUID] = set()
    for category_id in {e.category_id for e in events}:
        products.update(await index.products_in_category(session, category_id))
    await index.reindex_products(session, sorted(products))


@handles_batch(ChannelChanged)
async def on_channels_changed(session: AsyncSession, events: list[ChannelChanged]) -> None:
    # Currency, locale or activity of a whole channel changed: every document may differ.
    await index.reindex_all(session)

"""Search index upkeep: event handlers that re-index what changed.

Each handler rebuilds documents from the current state of the catalog, prices and stock,
so running one twice (at-least-once delivery) writes the same rows.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.events import CategoryChanged, ProductChanged
from omnishop.channels.events import ChannelChanged
from omnishop.inventory.events import StockChanged
from omnishop.kernel.events import handles
from omnishop.pricing.events import PriceChanged
from omnishop.search import index


@handles(ProductChanged)
async def on_product_changed(session: AsyncSession, event: ProductChanged) -> None:
    await index.reindex_products(session, [event.product_id])


@handles(PriceChanged)
async def on_price_changed(session: AsyncSession, event: PriceChanged) -> None:
    products = await index.products_of_variants(session, [event.variant_id])
    await index.reindex_products(session, products)


@handles(StockChanged)
async def on_stock_changed(session: AsyncSession, event: StockChanged) -> None:
    products = await index.products_of_variants(session, [event.variant_id])
    await index.reindex_products(session, products)


@handles(CategoryChanged)
async def on_category_changed(session: AsyncSession, event: CategoryChanged) -> None:
    products = await index.products_in_category(session, event.category_id)
    await index.reindex_products(session, products)


@handles(ChannelChanged)
async def on_channel_changed(session: AsyncSession, event: ChannelChanged) -> None:
    # Currency, locale or activity of a whole channel changed: every document may differ.
    await index.reindex_all(session)

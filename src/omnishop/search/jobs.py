"""Search index upkeep: event handlers that re-index what changed.

Each handler rebuilds documents from the current state of the catalog, prices and stock,
so running one twice (at-least-once delivery) writes the same rows.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.events import CategoryChanged, ProductChanged
from omnishop.channels.events import ChannelChanged
from omnishop.inventory.events import StockChanged
from omnishop.kernel.events import Event, handles_batch
from omnishop.pricing.events import PriceChanged
from omnishop.search import index


@handles_batch(ProductChanged, PriceChanged, StockChanged, CategoryChanged, ChannelChanged)
async def on_catalog_changes(session: AsyncSession, events: list[Event]) -> None:
    """Re-index every product these events touch, once, however many events name it."""
    if any(isinstance(e, ChannelChanged) for e in events):
        # Currency, locale or activity of a whole channel changed: every document may differ.
        await index.reindex_all(session)
        return
    products = {e.product_id for e in events if isinstance(e, ProductChanged)}
    variants = sorted({e.variant_id for e in events if isinstance(e, PriceChanged | StockChanged)})
    if variants:
        products.update(await index.products_of_variants(session, variants))
    for category_id in {e.category_id for e in events if isinstance(e, CategoryChanged)}:
        products.update(await index.products_in_category(session, category_id))
    await index.reindex_products(session, sorted(products))

"""Catalog service for selling: can a variant be sold in a channel, its name and weight.

Read-only; the cart and every channel that sells ask here before taking stock.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.models import (
    Product,
    ProductStatus,
    ProductTranslation,
    Publication,
    Variant,
)
from omnishop.kernel import clock


@dataclass(frozen=True)
class SaleVariant:
    id: uuid.UUID
    product_id: uuid.UUID
    sku: str
    names: dict[str, str]  # the product's name per locale
    options: dict[str, str]
    weight_grams: int | None
    # Sold in the channel asked about: variant and product active, published (its time has
    # come) and purchasable there.
    for_sale: bool
    reason: str | None  # why not, when not


async def variants_for_sale(
    *, session: AsyncSession, variant_ids: Sequence[uuid.UUID], channel_id: uuid.UUID
) -> dict[uuid.UUID, SaleVariant]:
    """These variants with whether each is for sale in the channel; unknown ids are absent."""
    if not variant_ids:
        return {}
    rows = (
        await session.execute(
            select(Variant, Product.status, Publication)
            .join(Product, Product.id == Variant.product_id)
            .outerjoin(
                Publication,
                and_(Publication.product_id == Product.id, Publication.channel_id == channel_id),
            )
            .where(Variant.id.in_(list(set(variant_ids))))
        )
    ).all()
    product_ids = {v.product_id for v, _, _ in rows}
    names: dict[uuid.UUID, dict[str, str]] = defaultdict(dict)
    if product_ids:
        for tr in await session.scalars(
            select(ProductTranslation).where(ProductTranslation.product_id.in_(product_ids))
        ):
            names[tr.product_id][tr.locale] = tr.name
    now = clock.now()
    found = {}
    for variant, status, publication in rows:
        reason: str | None = None
        if not variant.active:
            reason = "the variant is no longer sold"
        elif status != ProductStatus.ACTIVE:
            reason = "the product is not on sale"
        elif publication is None or not publication.purchasable:
            reason = "the product is not sold in this channel"
        elif publication.published_at is not None and publication.published_at > now:
            reason = "the product is not on sale yet"
        found[variant.id] = SaleVariant(
            id=variant.id,
            product_id=variant.product_id,
            sku=variant.sku,
            names=names[variant.product_id],
            options={str(k): str(v) for k, v in (variant.options or {}).items()},
            weight_grams=variant.weight_grams,
            for_sale=reason is None,
            reason=reason,
        )
    return found

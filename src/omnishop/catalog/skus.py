"""Variants by SKU: what a store counter or a scanner knows a product by."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.models import Variant


async def variant_ids_by_sku(*, session: AsyncSession, skus: Sequence[str]) -> dict[str, uuid.UUID]:
    """SKU → variant id for the SKUs that exist (unknown ones are absent)."""
    if not skus:
        return {}
    rows = await session.execute(
        select(Variant.sku, Variant.id).where(Variant.sku.in_(sorted(set(skus))))
    )
    return {sku: variant_id for sku, variant_id in rows.all()}

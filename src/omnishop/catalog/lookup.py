"""Finding a product by a barcode (GTIN), for GS1 Digital Link URLs and scanners."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.models import Product, Variant
from omnishop.kernel.errors import NotFound


def gtin_forms(gtin: str) -> list[str]:
    """The same GTIN as it may be stored: as given, as GTIN-14 and without leading zeros down
    to GTIN-8/12/13 (GS1 Digital Link always pads to 14 digits; catalogs often do not)."""
    digits = gtin.lstrip("0")
    forms = {gtin, gtin.zfill(14)}
    for length in (8, 12, 13):
        if len(digits) <= length:
            forms.add(digits.zfill(length))
    return sorted(forms)


async def product_by_gtin(*, session: AsyncSession, gtin: str) -> tuple[str, str]:
    """The (product slug, variant SKU) of an active variant with this GTIN, else NotFound."""
    row = (
        await session.execute(
            select(Product.slug, Variant.sku)
            .join(Product, Product.id == Variant.product_id)
            .where(Variant.gtin.in_(gtin_forms(gtin)), Variant.active.is_(True))
            .order_by(Variant.position)
            .limit(1)
        )
    ).first()
    if row is None:
        raise NotFound(f"no product with GTIN {gtin}", field="gtin")
    return str(row[0]), str(row[1])


async def variant_ids_by_sku(*, session: AsyncSession, skus: list[str]) -> dict[str, uuid.UUID]:
    """Active variants' ids by SKU (unknown SKUs are left out)."""
    if not skus:
        return {}
    rows = await session.execute(
        select(Variant.sku, Variant.id).where(Variant.sku.in_(skus), Variant.active.is_(True))
    )
    return {str(sku): vid for sku, vid in rows.all()}

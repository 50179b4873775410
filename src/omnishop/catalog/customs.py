"""What tax and customs need to know about variants: the tax class and the HS code."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.models import Product, Variant


@dataclass(frozen=True)
class TaxFacts:
    tax_class: str
    hs_code: str | None  # the variant's own code, else its product's


async def tax_facts(
    *, session: AsyncSession, variant_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, TaxFacts]:
    """Tax class and HS code of each of these variants (unknown ids are absent)."""
    if not variant_ids:
        return {}
    rows = await session.execute(
        select(Variant.id, Variant.hs_code, Product.tax_class, Product.hs_code)
        .join(Product, Product.id == Variant.product_id)
        .where(Variant.id.in_(list(set(variant_ids))))
    )
    return {vid: TaxFacts(tax_class, v_hs or p_hs) for vid, v_hs, tax_class, p_hs in rows}

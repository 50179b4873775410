"""What the returns rules need to know of a variant's product: its attributes (a
``non_returnable`` flag) and its category path. Read-only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.models import Category, Product, Variant


@dataclass(frozen=True)
class ReturnFacts:
    variant_id: uuid.UUID
    product_id: uuid.UUID
    attributes: dict[str, Any]
    category_path: str | None  # e.g. "food/tea"


async def return_facts(
    *, session: AsyncSession, variant_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ReturnFacts]:
    """These variants' product facts in one query; unknown ids are absent."""
    if not variant_ids:
        return {}
    rows = await session.execute(
        select(Variant.id, Product.id, Product.attributes, Category.path)
        .join(Product, Product.id == Variant.product_id)
        .outerjoin(Category, Category.id == Product.category_id)
        .where(Variant.id.in_(list(set(variant_ids))))
    )
    return {
        vid: ReturnFacts(vid, pid, dict(attributes or {}), path)
        for vid, pid, attributes, path in rows
    }

"""What promotions need to know of variants: each one's product and its category with every
ancestor (a promotion on "games" covers "games/ps4"). Read-only, one pass for a whole cart."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.models import Category, Product, Variant


@dataclass(frozen=True)
class Placement:
    product_id: uuid.UUID
    category_ids: frozenset[uuid.UUID]  # the product's category and all its ancestors


def ancestry(path: str | None) -> list[str]:
    """A category path and every path above it: "a/b/c" -> ["a", "a/b", "a/b/c"]."""
    if not path:
        return []
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


async def placements(
    *, session: AsyncSession, variant_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Placement]:
    """Each variant's product and categories (with ancestors); unknown ids are absent."""
    if not variant_ids:
        return {}
    rows = (
        await session.execute(
            select(Variant.id, Product.id, Category.path)
            .join(Product, Product.id == Variant.product_id)
            .outerjoin(Category, Category.id == Product.category_id)
            .where(Variant.id.in_(list(set(variant_ids))))
        )
    ).all()
    wanted = {prefix for _, _, path in rows for prefix in ancestry(path)}
    ids_by_path: dict[str, uuid.UUID] = {}
    if wanted:
        found = await session.execute(
            select(Category.path, Category.id).where(Category.path.in_(wanted))
        )
        ids_by_path = {path: cid for path, cid in found.all()}
    return {
        vid: Placement(pid, frozenset(ids_by_path[p] for p in ancestry(path) if p in ids_by_path))
        for vid, pid, path in rows
    }


async def variant_ids_of(*, session: AsyncSession, product_id: uuid.UUID) -> list[uuid.UUID]:
    """Every variant of a product, active or not (an order may hold a retired one)."""
    return list(await session.scalars(select(Variant.id).where(Variant.product_id == product_id)))

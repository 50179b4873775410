"""How attributes are named and ordered for shoppers (staff set these in the back-office)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.models import Attribute


@dataclass(frozen=True)
class AttributeLabel:
    names: dict[str, str]  # by locale
    filterable: bool
    position: int


async def labels(*, session: AsyncSession) -> dict[str, AttributeLabel]:
    """Every attribute's names, filterability and position, by attribute code."""
    rows = await session.execute(
        select(Attribute.code, Attribute.names, Attribute.filterable, Attribute.position)
    )
    return {
        code: AttributeLabel(
            {k: v for k, v in (names or {}).items() if isinstance(v, str)}, filterable, position
        )
        for code, names, filterable, position in rows.all()
    }

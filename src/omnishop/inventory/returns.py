"""Units coming back from customers: a returned unit in good condition goes back on hand at
the location that received it, recorded on the ledger as a ``receive`` movement with the
return as its reference. (A damaged unit is written off: it never comes back on hand.)"""

from __future__ import annotations

import uuid

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.inventory import ledger
from omnishop.inventory.events import StockChanged
from omnishop.inventory.ledger import Move
from omnishop.inventory.models import Location, MovementKind, StockLevel
from omnishop.kernel import ids, outbox
from omnishop.kernel.errors import NotFound, ValidationFailed


async def restock_returned(
    *,
    session: AsyncSession,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    quantity: int,
    reference: str,
    actor: str | None = None,
) -> None:
    """Put ``quantity`` returned units back on hand (and on sale) at ``location_id``."""
    if quantity <= 0:
        raise ValidationFailed("quantity must be positive", field="quantity")
    if await session.scalar(select(Location.id).where(Location.id == location_id)) is None:
        raise NotFound("location not found", field="location_id")
    done = await session.execute(
        update(StockLevel)
        .where(StockLevel.variant_id == variant_id, StockLevel.location_id == location_id)
        .values(on_hand=StockLevel.on_hand + quantity)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(
            insert(StockLevel).values(
                id=ids.new_id(), variant_id=variant_id, location_id=location_id, on_hand=quantity
            )
        )
    await ledger.record(
        session,
        [
            Move(
                variant_id, location_id, MovementKind.RECEIVE, "on_hand", quantity,
                reason="customer return", reference=reference, actor=actor,
            )
        ],
    )  # fmt: skip
    await outbox.emit(session, StockChanged(variant_id=variant_id, location_id=location_id))

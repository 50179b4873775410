"""Units coming back from customers: a returned unit in good condition goes back on hand at
the location that received it, recorded on the ledger as a ``receive`` movement with the
return as its reference. (A damaged unit is written off: it never comes back on hand.)"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.inventory import ledger, operations
from omnishop.inventory.events import StockChanged
from omnishop.inventory.ledger import Move
from omnishop.inventory.models import MovementKind
from omnishop.kernel import outbox
from omnishop.kernel.errors import ValidationFailed


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
    await operations.require_location(session, location_id)
    await operations.add_on_hand(session, variant_id, location_id, quantity)
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

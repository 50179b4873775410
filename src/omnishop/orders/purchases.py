"""What a customer has bought and received: the proof behind a verified-purchase review."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.models import Variant
from omnishop.kernel.errors import NotFound
from omnishop.orders.models import Order, OrderLine
from omnishop.orders.rules import OrderStatus

# An order counts as received once delivered; a completed order (e.g. a store sale handed
# over at the counter, or a delivered one closed later) was received as well.
RECEIVED = (OrderStatus.DELIVERED.value, OrderStatus.COMPLETED.value)


async def delivered_order_for(
    *, session: AsyncSession, customer_id: uuid.UUID, product_id: uuid.UUID
) -> uuid.UUID | None:
    """The customer's most recent received order with any variant of the product, or None."""
    return await session.scalar(
        select(Order.id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Variant, Variant.id == OrderLine.variant_id)
        .where(
            Order.customer_id == customer_id,
            Order.status.in_(RECEIVED),
            Variant.product_id == product_id,
        )
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(1)
    )


async def channel_of(*, session: AsyncSession, order_id: uuid.UUID) -> uuid.UUID:
    """The channel an order was placed in."""
    channel_id = await session.scalar(select(Order.channel_id).where(Order.id == order_id))
    if channel_id is None:
        raise NotFound("order not found", field="order_id")
    return channel_id

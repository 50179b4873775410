"""What a customer has bought and received: the proof behind a verified-purchase review."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import facts as catalog
from omnishop.kernel.errors import NotFound
from omnishop.orders.models import Order, OrderLine
from omnishop.orders.rules import OrderStatus
from omnishop.pricing.segment_rules import YEAR

# An order counts as received once delivered; a completed order (e.g. a store sale handed
# over at the counter, or a delivered one closed later) was received as well.
RECEIVED = (OrderStatus.DELIVERED.value, OrderStatus.COMPLETED.value)


async def delivered_order_for(
    *, session: AsyncSession, customer_id: uuid.UUID, product_id: uuid.UUID
) -> uuid.UUID | None:
    """The customer's most recent received order with any variant of the product, or None."""
    variant_ids = await catalog.variant_ids_of(session=session, product_id=product_id)
    if not variant_ids:
        return None
    return await session.scalar(
        select(Order.id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(
            Order.customer_id == customer_id,
            Order.status.in_(RECEIVED),
            OrderLine.variant_id.in_(variant_ids),
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


@dataclass(frozen=True)
class PurchaseHistory:
    """A buyer's earlier orders (from carts other than the one being priced)."""

    orders: int  # any state: a first-order promotion is for buyers who never ordered
    kept: int  # not canceled
    kept_last_year: int
    last_kept_at: datetime | None


async def history(
    *,
    session: AsyncSession,
    cart_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    email: str | None,
    phone: str | None,
    now: datetime,
) -> PurchaseHistory:
    """Earlier orders of this customer (or, for a guest, of this email or phone), counted in
    one query: what first-order promotions and customer segments ask."""
    if customer_id is not None:
        where = Order.customer_id == customer_id
    elif email or phone:
        conds = []
        if email:
            conds.append(func.lower(Order.email) == email.strip().lower())
        if phone:
            conds.append(Order.phone == phone)
        where = or_(*conds)
    else:
        return PurchaseHistory(orders=0, kept=0, kept_last_year=0, last_kept_at=None)
    kept = Order.status != OrderStatus.CANCELED.value
    row = (
        await session.execute(
            select(
                func.count(Order.id),
                func.count(Order.id).filter(kept),
                func.count(Order.id).filter(kept, Order.placed_at >= now - YEAR),
                func.max(Order.placed_at).filter(kept),
            ).where(where, Order.cart_id != cart_id)
        )
    ).one()
    return PurchaseHistory(orders=row[0], kept=row[1], kept_last_year=row[2], last_kept_at=row[3])

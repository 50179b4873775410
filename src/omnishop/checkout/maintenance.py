"""Housekeeping of carts: carts nobody touched for a long time are abandoned."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.checkout import holds as cart_holds
from omnishop.checkout.models import Cart, CartLine, CartState
from omnishop.inventory.fulfilment import release_reference
from omnishop.kernel import clock, schedule

IDLE = timedelta(days=30)
BATCH = 200


@schedule.every(3600, name="checkout.abandon_idle_carts")
async def abandon_idle_carts(session: AsyncSession, *, limit: int = BATCH) -> int:
    """Mark open carts idle for 30 days ``abandoned`` and release whatever they still hold.

    Safe with several workers: the conditional UPDATE (still open, still idle) decides which
    worker abandons a cart, and releasing a hold twice is a no-op. Returns how many."""
    cutoff = clock.now() - IDLE
    idle = list(
        await session.scalars(
            select(Cart.id)
            .where(Cart.state == CartState.OPEN, Cart.last_activity_at < cutoff)
            .order_by(Cart.last_activity_at)
            .limit(limit)
        )
    )
    if not idle:
        return 0
    abandoned = list(
        await session.scalars(
            update(Cart)
            .where(Cart.id.in_(idle), Cart.state == CartState.OPEN, Cart.last_activity_at < cutoff)
            .values(state=CartState.ABANDONED)
            .returning(Cart.id)
            .execution_options(synchronize_session=False)
        )
    )
    for cart_id in abandoned:
        await release_reference(session=session, reference=cart_holds.reference_of(cart_id))
    if abandoned:
        await session.execute(
            update(CartLine)
            .where(CartLine.cart_id.in_(abandoned))
            .values(hold_ids=[])
            .execution_options(synchronize_session=False)
        )
    return len(abandoned)

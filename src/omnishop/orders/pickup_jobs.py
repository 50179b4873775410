"""Periodic job of click & collect: orders nobody collected in time are canceled."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel import clock
from omnishop.kernel.schedule import every
from omnishop.orders import pickup


@every(600, name="orders.expire_uncollected_pickups")
async def expire_uncollected_pickups(session: AsyncSession) -> None:
    """Ready pickups past their deadline (``pickup_hold_days``): the order is canceled with
    reason "not collected"; the cancel releases the stock and a handler voids the payment."""
    await pickup.expire_uncollected(session=session, now=clock.now())

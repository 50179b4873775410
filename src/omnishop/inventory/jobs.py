"""Inventory's periodic work in the worker."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.inventory import reservations
from omnishop.kernel import clock
from omnishop.kernel.schedule import every


@every(15, name="inventory.release_expired_holds")
async def release_expired_holds(session: AsyncSession) -> None:
    """Give the stock of lapsed cart holds back to every channel."""
    await reservations.release_expired(session=session, now=clock.now())

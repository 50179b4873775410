"""Whose cart it is: a guest's open cart joins the buyer's account when they sign in, so the
order lands in their history (and their points and vouchers apply)."""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.checkout.models import Cart, CartState
from omnishop.kernel import clock


async def claim(*, session: AsyncSession, token: str, customer_id: uuid.UUID) -> bool:
    """Give an open guest cart to ``customer_id``; a cart that is someone's already, or no
    longer open, is left alone. True when the cart was claimed."""
    done = await session.execute(
        update(Cart)
        .where(
            Cart.token == token,
            Cart.customer_id.is_(None),
            Cart.state == CartState.OPEN,
        )
        .values(customer_id=customer_id, last_activity_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]

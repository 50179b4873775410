"""Back from the payment page (3-D Secure, bank app): settle the cart now, without waiting for
the provider's webhook, so the buyer lands on their order (or an open cart) at once.

The webhook and the reconcile job reach the same outcome through ``settle_later``; whichever
comes first wins and the others change nothing.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.checkout import service
from omnishop.checkout.completion import settle_later
from omnishop.checkout.models import CartState
from omnishop.checkout.schemas import CartView
from omnishop.kernel.db import unit_of_work
from omnishop.payments import service as payments


async def resume(factory: async_sessionmaker[AsyncSession], *, token: str) -> CartView:
    """Ask the provider what became of the cart's pending payment and settle the cart."""
    async with unit_of_work(factory) as session:
        cart = await service.get_cart(session=session, token=token)
    if cart.state != CartState.AWAITING_PAYMENT or cart.payment_id is None:
        return cart
    paid = await payments.sync(factory, payment_id=cart.payment_id)
    await settle_later(factory, paid)
    async with unit_of_work(factory) as session:
        return await service.get_cart(session=session, token=token)

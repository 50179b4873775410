"""Whose cart it is: a guest's open cart joins the buyer's account when they sign in, so the
order lands in their history (and their points and vouchers apply); a cart handed over by
its link (a chat's pay link) is adopted by the browser that opens it."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.checkout import service as checkout
from omnishop.checkout.errors import CartEmpty, CartNotFound, CartNotOpen, CartNotYours
from omnishop.checkout.models import Cart, CartState
from omnishop.checkout.schemas import CartView
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


async def adopt(*, session: AsyncSession, token: str, customer_id: uuid.UUID | None) -> CartView:
    """The cart behind a pay link, checked before a browser takes it: it exists, is open and
    has lines; a signed-in buyer gets a guest cart as at sign-in, and a cart that is another
    customer's is refused. A guest browser may take any such cart: the link's unguessable
    token is the key (the chat's customer is not signed in to the storefront). Writes
    nothing but the claim."""
    cart = await session.scalar(
        select(Cart).where(Cart.token == token[:64]).execution_options(populate_existing=True)
    )
    if cart is None:
        raise CartNotFound("cart not found", field="cart")
    if cart.state != CartState.OPEN:
        raise CartNotOpen(cart.state)
    owner = cart.customer_id
    if customer_id is not None and owner is not None and owner != customer_id:
        raise CartNotYours("the cart belongs to another customer", field="cart")
    view = await checkout.get_cart(session=session, token=cart.token)
    if not view.lines:
        raise CartEmpty("the cart has no lines", field="cart")
    if customer_id is not None and owner is None:
        if not await claim(session=session, token=cart.token, customer_id=customer_id):
            # Taken or checked out meanwhile: the checks above, again, say which.
            return await adopt(session=session, token=token, customer_id=customer_id)
        view = await checkout.get_cart(session=session, token=cart.token)
    return view

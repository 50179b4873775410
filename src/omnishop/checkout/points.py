"""Loyalty points on a cart: a signed-in buyer chooses how many to spend; the totals count
them (capped by the balance and the programme's max share of the order); completion burns
them exactly once with the payment they reduce, and gives them back if no order comes of it.

Burning when the payment starts (not when the order is placed) means points cannot be spent
twice while a 3-D Secure challenge runs; the burn is keyed on the payment, so each attempt
burns once and its give-back is keyed on the same payment."""

from __future__ import annotations

import uuid
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.checkout import service
from omnishop.checkout.models import Cart
from omnishop.checkout.schemas import CartView
from omnishop.kernel.errors import Forbidden, ValidationFailed
from omnishop.loyalty import service as loyalty
from omnishop.loyalty.ledger import InsufficientPoints


class PointsNeedCustomer(Forbidden):
    code: ClassVar[str] = "points_need_customer"
    title: ClassVar[str] = "Points are spent by the signed-in owner of the cart"


def burn_reference(payment_id: uuid.UUID) -> str:
    return f"payment:{payment_id}"


async def use_points(
    *, session: AsyncSession, token: str, customer_id: uuid.UUID, points: int
) -> CartView:
    """Spend ``points`` on an open cart of this customer (409 ``insufficient_points`` above
    the balance; the totals cap them at the max share of the order)."""
    cart, channel = await service._open(session, token)
    if cart.customer_id is None or cart.customer_id != customer_id:
        raise PointsNeedCustomer("sign in as the cart's customer to spend points")
    if points <= 0:
        raise ValidationFailed("points must be positive", field="points")
    await loyalty.set_cart_points(
        session=session, cart_id=cart.id, customer_id=customer_id, points=points
    )
    return await service._view(session, cart, channel)


async def drop_points(*, session: AsyncSession, token: str, customer_id: uuid.UUID) -> CartView:
    """Spend no points on this open cart (idempotent)."""
    cart, channel = await service._open(session, token)
    if cart.customer_id is None or cart.customer_id != customer_id:
        raise PointsNeedCustomer("sign in as the cart's customer to change its points")
    await loyalty.clear_cart_points(session=session, cart_id=cart.id)
    return await service._view(session, cart, channel)


async def take(session: AsyncSession, cart: Cart, points: int, payment_id: uuid.UUID) -> None:
    """Burn the points the payment was reduced by, in the transaction that creates it. If
    the balance no longer covers the points the buyer chose (spent elsewhere meanwhile), 409
    ``insufficient_points``: the cart stays open and shows what is left, never a silently
    larger charge."""
    if cart.customer_id is None:
        return
    chosen = await loyalty.cart_points(session=session, cart_id=cart.id)
    if chosen and cart.totals_snapshot:
        payable = int(cart.totals_snapshot["total"]) + int(cart.totals_snapshot["points_amount"])
        spend = await loyalty.cart_spend(
            session=session, cart_id=cart.id, customer_id=cart.customer_id, payable=payable,
            currency=cart.currency,
        )  # fmt: skip
        if spend is not None and (spend.short or spend.points != points):
            raise InsufficientPoints(
                f"the points balance changed: {spend.balance} left", field="points",
                balance=spend.balance,
            )  # fmt: skip
    if points <= 0:
        return
    await loyalty.burn(
        session=session, customer_id=cart.customer_id, points=points,
        reference=burn_reference(payment_id), channel_id=cart.channel_id,
    )  # fmt: skip


async def give_back(session: AsyncSession, cart_id: uuid.UUID) -> None:
    """No order came of the cart's payment: the points it burned come back (once)."""
    row = (
        await session.execute(select(Cart.customer_id, Cart.payment_id).where(Cart.id == cart_id))
    ).one_or_none()
    if row is None or row.customer_id is None or row.payment_id is None:
        return
    await loyalty.give_back_burn(
        session=session, customer_id=row.customer_id, reference=burn_reference(row.payment_id),
        reason="payment not completed",
    )  # fmt: skip

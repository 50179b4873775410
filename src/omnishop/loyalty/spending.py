"""Spending points: what an order of some amount may take (the balance, capped at the
programme's max share, valued through the FX rate in the order's currency) and the points a
buyer chose for a cart."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.kernel.money import exponent
from omnishop.loyalty import ledger, programme, rules
from omnishop.loyalty.ledger import InsufficientPoints
from omnishop.loyalty.models import CartPoints
from omnishop.loyalty.schemas import SpendQuote
from omnishop.pricing import service as pricing


async def _rate(session: AsyncSession, currency: str) -> Decimal:
    """Programme currency → ``currency``: what one point is worth there, in major units (the
    exact stored FX rate: converting one unit as Money would round it to a cent)."""
    return await pricing.latest_rate(session=session, base=programme.get().currency, quote=currency)


async def quote_spend(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID,
    payable: int,
    currency: str,
    points: int | None = None,
) -> SpendQuote:
    """How many points an order of ``payable`` (minor units of ``currency``) may take: the
    balance, capped at the programme's max share of the order; ``points`` asks for fewer."""
    acct = await ledger.find_account(session, customer_id)
    held = acct.balance if acct else 0
    if points is not None and points < 0:
        raise ValidationFailed("points cannot be negative", field="points")
    usable = held
    try:
        rate = await _rate(session, currency) if held and payable > 0 else Decimal(1)
    except NotFound:  # no FX rate to the programme currency: points cannot pay here
        usable, rate = 0, Decimal(1)
    cap = rules.max_points(
        balance=usable,
        payable=payable,
        max_share=programme.get().max_share,
        rate=rate,
        exponent=exponent(currency),
    )
    chosen = cap if points is None else min(points, cap)
    # Asked for more than the balance now covers (the share cap alone would have allowed it).
    short = points is not None and usable == held and chosen < rules.max_points(
        balance=points, payable=payable, max_share=programme.get().max_share, rate=rate,
        exponent=exponent(currency),
    )  # fmt: skip
    return SpendQuote(
        balance=held,
        max_points=cap,
        points=chosen,
        amount=rules.point_value(chosen, rate=rate, exponent=exponent(currency)),
        currency=currency,
        short=short,
    )


async def set_cart_points(
    *, session: AsyncSession, cart_id: uuid.UUID, customer_id: uuid.UUID, points: int
) -> int:
    """Remember the points a buyer wants to spend on a cart (checked against the balance
    now, capped by the order's max share when the cart's totals are computed)."""
    if points <= 0:
        raise ValidationFailed("points must be positive", field="points")
    acct = await ledger.find_account(session, customer_id)
    if acct is None or acct.balance < points:
        raise InsufficientPoints(
            f"the balance ({acct.balance if acct else 0}) does not cover {points} points",
            field="points",
        )
    row = await session.get(CartPoints, cart_id)
    if row is None:
        session.add(CartPoints(cart_id=cart_id, customer_id=customer_id, points=points))
    else:
        row.customer_id, row.points = customer_id, points
    await session.flush()
    return points


async def clear_cart_points(*, session: AsyncSession, cart_id: uuid.UUID) -> None:
    """The buyer no longer spends points on this cart (idempotent)."""
    await session.execute(
        delete(CartPoints)
        .where(CartPoints.cart_id == cart_id)
        .execution_options(synchronize_session=False)
    )


async def cart_points(*, session: AsyncSession, cart_id: uuid.UUID) -> int:
    """The points the buyer asked to spend on the cart (0 when none)."""
    value = await session.scalar(select(CartPoints.points).where(CartPoints.cart_id == cart_id))
    return int(value or 0)


async def cart_spend(
    *,
    session: AsyncSession,
    cart_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    payable: int,
    currency: str,
) -> SpendQuote | None:
    """What the cart's chosen points pay now (None when it spends none): the choice capped by
    the current balance and the max share of ``payable``. The checkout totals call this."""
    if customer_id is None:
        return None
    row = await session.scalar(select(CartPoints).where(CartPoints.cart_id == cart_id))
    if row is None or row.customer_id != customer_id:
        return None
    return await quote_spend(
        session=session, customer_id=customer_id, payable=payable, currency=currency,
        points=row.points,
    )  # fmt: skip

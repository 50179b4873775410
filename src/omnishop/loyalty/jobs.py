"""Loyalty's handlers and periodic jobs: earn when an order is paid, undo on cancel, take
back (and credit store credit) on refunded returns, a bonus for an approved review; expire
points and re-derive tiers. Every handler is idempotent (entries are keyed on the order,
return or review id)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel.events import HANDLERS, handles
from omnishop.kernel.schedule import every
from omnishop.loyalty import earning, service
from omnishop.orders.events import OrderCanceled, OrderPaid, ReturnRefunded


def _uuid(value: object) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(str(value))


@handles(OrderPaid)
async def earn_when_paid(session: AsyncSession, event: OrderPaid) -> None:
    """Points are earned once the money arrived (pending until then), once per order."""
    await earning.earn_for_order(session=session, order_id=event.order_id)


@handles(OrderCanceled)
async def undo_when_canceled(session: AsyncSession, event: OrderCanceled) -> None:
    """A canceled order earns nothing and gives back the points it spent."""
    await earning.undo_order(
        session=session, order_id=event.order_id, reason=f"order {event.number} canceled"
    )


@handles(ReturnRefunded)
async def follow_refunded_return(session: AsyncSession, event: ReturnRefunded) -> None:
    """A refund takes back its share of the earn; store credit arrives as points."""
    await earning.refunded_return(
        session=session,
        order_id=event.order_id,
        return_id=event.return_id,
        amount=event.amount,
        currency=event.currency,
        store_credit=event.store_credit,
        customer_id=_uuid(event.customer_id),
        channel_id=event.channel_id,
        lines=event.lines,
    )


async def bonus_for_review(session: AsyncSession, event: object) -> None:
    """A published review may earn a bonus (rule ``review_written``), once per review.
    Reviews sit beside loyalty (neither imports the other): the event is matched by topic."""
    customer_id = _uuid(getattr(event, "customer_id", None))
    review_id = getattr(event, "review_id", None)
    if customer_id is None or review_id is None:
        return
    await earning.bonus(
        session=session,
        customer_id=customer_id,
        event="review_written",
        reference=f"review:{review_id}",
        channel_id=_uuid(getattr(event, "channel_id", None)),
    )


async def bonus_back_when_withdrawn(session: AsyncSession, event: object) -> None:
    """A review taken down (rejected after reports) loses its bonus, what is left of it."""
    review_id = getattr(event, "review_id", None)
    if review_id is not None:
        await earning.withdraw_bonus(session=session, reference=f"review:{review_id}")


HANDLERS.setdefault("reviews.approved", []).append(bonus_for_review)
HANDLERS.setdefault("reviews.withdrawn", []).append(bonus_back_when_withdrawn)


@every(3600, name="loyalty.expire_points")
async def expire_points(session: AsyncSession) -> None:
    """Unspent points past their date expire (first-to-expire spent first)."""
    await service.expire_due(session=session)


@every(6 * 3600, name="loyalty.refresh_tiers")
async def refresh_tiers(session: AsyncSession) -> None:
    """Tiers follow the rolling spend window down as old spend leaves it."""
    await service.refresh_tiers(session=session)
